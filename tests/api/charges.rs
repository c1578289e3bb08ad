//! Off-session charges: tax from the customer's address, the invoice, the receipt, declines.

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use commet_payments::domain::ids::AccountId;
use commet_payments::store::keys;
use serde_json::json;

use crate::helpers::{TestApp, customer_with_card, set_rates};

pub async fn receipts(
    t: &TestApp,
    account: &AccountId,
) -> Vec<std::collections::HashMap<String, AttributeValue>> {
    t.store
        .client()
        .query()
        .table_name(t.store.table_name())
        .index_name(keys::GSI1)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(":pk", AttributeValue::S(keys::account_receipts(account)))
        .send()
        .await
        .unwrap()
        .items
        .unwrap_or_default()
}

#[tokio::test]
async fn a_charge_takes_tax_from_the_address_and_records_invoice_and_receipt() {
    // GIVEN an account taxing California at 7.25 % and a Californian customer with a card
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    set_rates(&t, &account.id, 0, &[("US-CA", 725)]).await;
    let customer = customer_with_card(
        &t,
        &key,
        Some(json!({ "country": "US", "state": "CA" })),
        "4242424242424242",
    )
    .await;

    // WHEN it is charged 25.00
    let response = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": "Refill" }),
        )
        .await;

    // THEN the payment succeeded with tax rounded half up (181.25 -> 181)
    assert_eq!(response.status, 200, "{:#}", response.body);
    let payment = response.data();
    assert_eq!(payment["kind"], "charge");
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["url"], serde_json::Value::Null);
    assert_eq!(payment["amountSubtotal"], 2500);
    assert_eq!(payment["taxAmount"], 181);
    assert_eq!(payment["amountTotal"], 2681);

    // AND its invoice is paid, with the same amounts and the next number
    let invoice_id = payment["invoiceId"].as_str().unwrap();
    let invoice = t.get(&format!("/api/v1/invoices/{invoice_id}"), &key).await;
    assert_eq!(invoice.data()["status"], "paid");
    assert_eq!(invoice.data()["taxAmount"], 181);
    assert_eq!(invoice.data()["total"], 2681);
    assert_eq!(
        invoice.data()["invoiceNumber"],
        "INV-000002",
        "the link's payment was INV-000001"
    );

    // AND a receipt waits to be sent for each successful payment
    let receipts = receipts(&t, &account.id).await;
    assert_eq!(receipts.len(), 2);
    // Written pending; sent as soon as a stream relay (another test's) reads it.
    assert!(receipts.iter().all(|r| {
        r["status"] == AttributeValue::S("pending".into())
            || r["status"] == AttributeValue::S("sent".into())
    }));
    assert!(
        receipts
            .iter()
            .all(|r| r["email"] == AttributeValue::S("payer@example.com".into()))
    );

    // AND charges cannot be canceled
    let id = payment["id"].as_str().unwrap();
    t.post(&format!("/api/v1/payments/{id}/cancel"), &key, json!({}))
        .await
        .error(409, "payment_not_cancelable");
}

#[tokio::test]
async fn a_declined_charge_is_402_with_a_failed_payment_and_an_outstanding_invoice() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4000000000000341").await;
    let response = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 900, "currency": "usd", "description": "Later" }),
        )
        .await;
    let error = response.error(402, "payment_failed");
    assert_eq!(error["type"], "billing_error");
    let details = &error["details"];
    assert_eq!(details["failureCode"], "card_declined");
    assert!(details["failureMessage"].is_string());

    let payment = t
        .get(
            &format!(
                "/api/v1/payments/{}",
                details["paymentId"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(payment.data()["status"], "failed");
    assert_eq!(payment.data()["kind"], "charge");
    let invoice = t
        .get(
            &format!(
                "/api/v1/invoices/{}",
                details["invoiceId"].as_str().unwrap()
            ),
            &key,
        )
        .await;
    assert_eq!(invoice.data()["status"], "outstanding");
    assert_eq!(
        receipts(&t, &account.id).await.len(),
        1,
        "only the link's payment has a receipt"
    );
}

#[tokio::test]
async fn no_vaulted_card_is_409_and_nothing_is_stored() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "c@example.com", "externalId": "no-card" }),
        )
        .await;
    for reference in [id.as_str(), "no-card"] {
        let response = t
            .post(
                "/api/v1/payments/charge",
                &key,
                json!({ "customerId": reference, "amount": 900, "currency": "usd", "description": "x" }),
            )
            .await;
        response.error(409, "no_payment_method");
    }
    assert_eq!(t.get("/api/v1/payments", &key).await.data(), &json!([]));
    assert_eq!(t.get("/api/v1/invoices", &key).await.data(), &json!([]));
}

#[tokio::test]
async fn charge_validation_unknown_customers_and_live_accounts() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let response = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "amount": "12", "url": "x" }),
        )
        .await;
    let fields = response.invalid_fields();
    assert_eq!(
        fields,
        ["customerId", "amount", "currency", "description", "url"]
    );

    t.post(
        "/api/v1/payments/charge",
        &key,
        json!({ "customerId": "ghost", "amount": 1, "currency": "usd", "description": "x" }),
    )
    .await
    .error(404, "customer_not_found");

    let (_, live) = t.account(Mode::Live).await;
    t.post(
        "/api/v1/payments/charge",
        &live,
        json!({ "customerId": "ghost", "amount": 1, "currency": "usd", "description": "x" }),
    )
    .await
    .error(409, "provider_unsupported");
}

#[tokio::test]
async fn a_link_is_taxed_by_its_customer_or_the_account_default() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    set_rates(&t, &account.id, 1000, &[("GB", 2000)]).await;
    let (_, british) = t
        .customer_with_link(&key, Some(json!({ "country": "GB" })), 1005)
        .await;
    let link = t.get(&format!("/api/v1/payments/{british}"), &key).await;
    assert_eq!(link.data()["taxAmount"], 201, "20 % of 1005 = 201");
    let anonymous = t
        .post(
            "/api/v1/payments",
            &key,
            json!({ "amount": 1005, "currency": "jpy", "description": "x" }),
        )
        .await;
    assert_eq!(
        anonymous.data()["taxAmount"],
        101,
        "default 10 % of ¥1005 = ¥100.5 -> ¥101"
    );
    assert_eq!(anonymous.data()["amountTotal"], 1106);

    // The hosted page shows the same amounts.
    let id = anonymous.data()["id"].as_str().unwrap();
    let page = t.open_page(id).await;
    assert!(page.page.text.contains("¥1,106"), "{}", page.page.text);
}
