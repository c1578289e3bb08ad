//! Steps many tests share: a payer on the hosted page, cards, tax tables, customers with a
//! vaulted card, outstanding invoices.

use std::collections::BTreeMap;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId};
use commet_payments::domain::tax::{BasisPoints, RegionKey, TaxRates};
use commet_payments::domain::version::ApiVersion;
use commet_payments::store::{Store, keys};
use serde_json::{Value, json};

use super::app::TestApp;
use super::events::{TestResponse, event};

/// The hosted page as a browser sees it: open it, keep its anti-forgery cookie, submit it.
pub struct PageVisit {
    pub page: TestResponse,
    pub token: String,
    pub cookie: String,
}

impl TestApp {
    pub async fn open_page(&self, payment_id: &str) -> PageVisit {
        let page = self
            .send(event("GET", &format!("/pay/{payment_id}")).build())
            .await;
        let token = page
            .text
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let cookie = page
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .unwrap_or_default()
            .to_owned();
        PageVisit {
            page,
            token,
            cookie,
        }
    }

    /// Opens the page and submits `fields` with its token, as a payer would.
    pub async fn pay(&self, payment_id: &str, fields: &[(&str, &str)]) -> TestResponse {
        let visit = self.open_page(payment_id).await;
        assert_eq!(visit.page.status, 200, "{}", visit.page.text);
        self.submit_page(payment_id, &visit, fields).await
    }

    pub async fn submit_page(
        &self,
        payment_id: &str,
        visit: &PageVisit,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut all = vec![("csrf", visit.token.as_str())];
        all.extend_from_slice(fields);
        self.send(
            event("POST", &format!("/pay/{payment_id}"))
                .header("cookie", &visit.cookie)
                .form(&all)
                .build(),
        )
        .await
    }

    /// A sandbox customer (with e-mail and optional address) and a link for it.
    pub async fn customer_with_link(
        &self,
        key: &str,
        address: Option<Value>,
        amount: u64,
    ) -> (String, String) {
        let mut body = json!({ "email": "payer@example.com" });
        if let Some(address) = address {
            body["address"] = address;
        }
        // In the current version whatever the account's pin: up to 2026-05-25 the e-mail is
        // `billingEmail`.
        let create = event("POST", "/api/v1/customers")
            .key(key)
            .header("commet-version", ApiVersion::CURRENT.as_str())
            .json(body)
            .build();
        let customer = self.send(create).await;
        let customer_id = customer.data()["id"].as_str().unwrap().to_owned();
        let link = self
            .post(
                "/api/v1/payments",
                key,
                json!({ "amount": amount, "currency": "usd", "description": "Order", "customerId": customer_id }),
            )
            .await;
        let link_id = link.data()["id"].as_str().unwrap().to_owned();
        (customer_id, link_id)
    }
}

pub const GOOD_CARD: &[(&str, &str)] = &[
    ("card_number", "4242 4242 4242 4242"),
    ("expiry", "12/34"),
    ("cvc", "123"),
];

pub fn card(number: &str) -> Vec<(&str, &str)> {
    vec![("card_number", number), ("expiry", "12/34"), ("cvc", "123")]
}

/// Replaces the account's tax table: `default` and `(region, rate)` in basis points.
pub async fn set_rates(t: &TestApp, account: &AccountId, default: u32, regions: &[(&str, u32)]) {
    let rates = TaxRates {
        default: BasisPoints::new(i128::from(default)).unwrap(),
        by_region: regions
            .iter()
            .map(|(region, bps)| {
                (
                    RegionKey::parse(region).unwrap(),
                    BasisPoints::new(i128::from(*bps)).unwrap(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
    };
    t.store.put_tax_rates(account, &rates).await.unwrap();
}

/// A customer whose card was vaulted by paying a link with `number`.
pub async fn customer_with_card(
    t: &TestApp,
    key: &str,
    address: Option<serde_json::Value>,
    number: &str,
) -> String {
    let (customer_id, link) = t.customer_with_link(key, address, 100).await;
    let paid = t.pay(&link, &card(number)).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    customer_id
}

/// A customer whose card declines off-session, and the outstanding invoice of a declined
/// charge: `(customer id, invoice id)`.
pub async fn outstanding_invoice(t: &TestApp, key: &str) -> (String, String) {
    let customer = customer_with_card(t, key, None, "4000000000000341").await;
    let invoice = declined_invoice(t, key, &customer).await;
    (customer, invoice)
}

/// The number of `invoice` (`INV-000001`), as the API reads it.
pub async fn invoice_number(t: &TestApp, key: &str, invoice: &str) -> String {
    let found = t.get(&format!("/api/v1/invoices/{invoice}"), key).await;
    found.data()["invoiceNumber"].as_str().unwrap().to_owned()
}

/// `invoice`'s PDF, fetched as its payer would: a download link made with `key`, then its URL
/// served without a key.
pub async fn downloaded_pdf(t: &TestApp, key: &str, invoice: &str) -> TestResponse {
    let link = t
        .post(
            &format!("/api/v1/invoices/{invoice}/download-links"),
            key,
            json!({}),
        )
        .await;
    assert_eq!(link.status, 200, "{:#}", link.body);
    let url = link.data()["url"].as_str().unwrap();
    let path = &url[url.find("/files/").unwrap()..];
    t.send(event("GET", path).build()).await
}

/// The outstanding invoice of a charge of `customer` that declines.
pub async fn declined_invoice(t: &TestApp, key: &str, customer: &str) -> String {
    let declined = t
        .post(
            "/api/v1/payments/charge",
            key,
            json!({ "customerId": customer, "amount": 300, "currency": "usd", "description": "x" }),
        )
        .await;
    declined.error(402, "payment_failed")["details"]["invoiceId"]
        .as_str()
        .unwrap()
        .to_owned()
}

/// Makes a stored invoice one as written before the by-status index: its `gsi3` keys gone.
pub async fn as_before_the_status_index(store: &Store, account: &AccountId, invoice: &InvoiceId) {
    let key = keys::invoice(account, invoice);
    without_index_keys(store, key, keys::INVOICE_SK, "gsi3pk, gsi3sk").await;
}

/// Makes a stored payment one as written before the account's transactions were indexed: its
/// `gsi3` and `gsi4` keys gone.
pub async fn as_before_the_transactions_index(
    store: &Store,
    account: &AccountId,
    payment: &PaymentId,
) {
    let key = keys::payment(account, payment);
    without_index_keys(
        store,
        key,
        keys::PAYMENT_SK,
        "gsi3pk, gsi3sk, gsi4pk, gsi4sk",
    )
    .await;
}

/// Makes a stored customer one as written before the index by address: its `gsi2` keys gone.
pub async fn as_before_the_email_index(store: &Store, account: &AccountId, customer: &CustomerId) {
    let key = keys::customer(account, customer);
    without_index_keys(store, key, keys::CUSTOMER_SK, "gsi2pk, gsi2sk").await;
}

/// Removes `keys` (the first of them there, or nothing is written) from one stored item.
async fn without_index_keys(store: &Store, pk: String, sk: &str, keys: &str) {
    let first = keys.split(", ").next().unwrap_or(keys);
    store
        .client()
        .update_item()
        .table_name(store.table_name())
        .key("pk", AttributeValue::S(pk))
        .key("sk", AttributeValue::S(sk.into()))
        .update_expression(format!("REMOVE {keys}"))
        .condition_expression(format!("attribute_exists({first})"))
        .send()
        .await
        .unwrap();
}

/// Checks that every payment of `account` is in the transactions' indexes as its transaction
/// is: in the account's transactions (`gsi3`) and in its status's partition (`gsi4`), both at
/// when it started, or in neither while it has none. Answers how many have one.
pub async fn assert_transactions_indexed(store: &Store, account: &AccountId) -> usize {
    let mut payments = Vec::new();
    crate::store::every_page(async |page| {
        let found = store.list_payments(account, None, page).await.unwrap();
        let ids = found.items.iter().map(|p| p.id.clone()).collect::<Vec<_>>();
        payments.extend(found.items);
        (ids, found.next)
    })
    .await;
    let mut indexed = 0;
    for payment in payments {
        let item = store
            .client()
            .get_item()
            .table_name(store.table_name())
            .key("pk", AttributeValue::S(keys::payment(account, &payment.id)))
            .key("sk", AttributeValue::S(keys::PAYMENT_SK.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .unwrap();
        let text = |name: &str| item.get(name).and_then(|v| v.as_s().ok()).cloned();
        let started = format!("{}#{}", payment.transaction_started_at(), payment.id);
        let expected = match payment.transaction_status() {
            Some(status) => {
                indexed += 1;
                [
                    Some(keys::account_transactions(account)),
                    Some(started.clone()),
                    Some(keys::account_transactions_of_status(account, status)),
                    Some(started),
                ]
            }
            None => [None, None, None, None],
        };
        let found = ["gsi3pk", "gsi3sk", "gsi4pk", "gsi4sk"].map(text);
        assert_eq!(found, expected, "{} ({:?})", payment.id, payment.status);
    }
    indexed
}
