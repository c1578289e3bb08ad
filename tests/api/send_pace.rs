//! How often invoices are mailed on request (docs/contract.md §3.2, `domain::send_pace`): one
//! invoice five times at once, one customer twenty, then one an hour each; past that 429
//! `rate_limited`, nothing recorded, even when sends race; and what a mail costs in calls.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::delivery::later;
use commet_payments::domain::ids::{CustomerId, InvoiceId};
use commet_payments::domain::time::Timestamp;
use commet_payments::store::keys;
use serde_json::json;

use crate::charges::receipts;
use crate::helpers::{Observed, TestApp, TestResponse, names};
use crate::receipts::send_invoice;

/// A sandbox account and an outstanding adjustment of one of its customers.
async fn outstanding_adjustment() -> (TestApp, Account, String, String) {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = new_customer(&t, &key, "paced@example.com").await;
    let invoice = adjustment(&t, &key, &customer).await;
    (t, account, key, invoice)
}

async fn new_customer(t: &TestApp, key: &str, email: &str) -> String {
    t.create("/api/v1/customers", key, json!({ "email": email }))
        .await
}

/// A new outstanding adjustment of `customer`.
async fn adjustment(t: &TestApp, key: &str, customer: &str) -> String {
    t.create(
        "/api/v1/invoices",
        key,
        json!({ "customerId": customer, "amount": 1000, "description": "Paced" }),
    )
    .await
}

/// The mails of `invoice` recorded in the receipts' outbox.
async fn mails_of(t: &TestApp, account: &Account, invoice: &str) -> usize {
    receipts(t, &account.id)
        .await
        .iter()
        .filter(|record| record["invoiceId"] == AttributeValue::S(invoice.to_owned()))
        .count()
}

/// Sets a mail pace item (`pk`: an invoice's or a customer's) as if mails had left it busy
/// until `busy_until`.
async fn set_pace(t: &TestApp, pk: String, busy_until: Timestamp) {
    t.store
        .client()
        .put_item()
        .table_name(t.store.table_name())
        .item(keys::PK, AttributeValue::S(pk))
        .item(keys::SK, AttributeValue::S(keys::MAIL_PACE_SK.to_owned()))
        .item("busyUntil", AttributeValue::S(busy_until.to_string()))
        .send()
        .await
        .unwrap();
}

/// The invoice's pace as an hour from now would find it after five mails sent now: four hours
/// of backlog, room for exactly one more.
async fn let_an_hour_pass(t: &TestApp, account: &Account, invoice: &str) {
    let id = InvoiceId::parse(invoice).unwrap();
    let busy_until = later(Timestamp::now(), Duration::from_secs(4 * 3600));
    set_pace(t, keys::invoice_mail_pace(&account.id, &id), busy_until).await;
}

/// How many of racing sends' answers mailed: each must be 200, or 429 (none left) or 503 (lost
/// the race, may retry), both with Retry-After.
fn mailed_among(answers: &[TestResponse]) -> usize {
    let mut mailed = 0;
    for answer in answers {
        match answer.status {
            200 => mailed += 1,
            429 | 503 => assert!(answer.header("retry-after").is_some()),
            other => panic!("{other}: {:#}", answer.body),
        }
    }
    mailed
}

/// Sends `invoices` in turn, again and again, until one is refused (429) or `tries` are spent:
/// how many were mailed, and the refusal's message.
async fn send_until_refused(
    t: &TestApp,
    key: &str,
    invoices: &[String],
    tries: usize,
) -> (usize, Option<String>) {
    let mut mailed = 0;
    for invoice in invoices.iter().cycle().take(tries) {
        let answer = send_invoice(t, key, invoice, &[]).await;
        match answer.status {
            200 => mailed += 1,
            429 => {
                let error = answer.error(429, "rate_limited");
                return (mailed, Some(error["message"].as_str().unwrap().to_owned()));
            }
            503 => continue,
            other => panic!("{other}: {:#}", answer.body),
        }
    }
    (mailed, None)
}

fn retry_after(answer: &TestResponse) -> u64 {
    answer
        .header("retry-after")
        .expect("a 429 says when to retry")
        .parse()
        .unwrap()
}

#[tokio::test]
async fn an_invoice_is_mailed_five_times_at_once_then_refused_until_an_hour_has_passed() {
    // GIVEN an outstanding invoice, mailed five times
    let (t, account, key, invoice) = outstanding_adjustment().await;
    let path = format!("/api/v1/invoices/{invoice}");
    let before = t.get(&path, &key).await;
    for n in 1..=5 {
        let sent = send_invoice(&t, &key, &invoice, &[]).await;
        assert_eq!(sent.status, 200, "mail {n}: {:#}", sent.body);
    }

    // WHEN it is sent a sixth time, under an Idempotency-Key
    let sixth = [("Idempotency-Key", "sixth-mail")];
    let refused = send_invoice(&t, &key, &invoice, &sixth).await;

    // THEN 429 rate_limited, waiting the hour the next mail needs, and nothing is recorded
    let error = refused.error(429, "rate_limited");
    assert_eq!(error["type"], "rate_limit_error");
    assert!(
        (3590..=3600).contains(&retry_after(&refused)),
        "{:?}",
        refused.header("retry-after")
    );
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("5 times at once, then once every 60 minutes"),
        "{message}"
    );
    assert_eq!(mails_of(&t, &account, &invoice).await, 5);
    // AND the invoice as shown is unchanged by its mails (no field, no updatedAt moved)
    assert_eq!(t.get(&path, &key).await.body, before.body);

    // WHEN an hour has passed and the same key is sent again
    let_an_hour_pass(&t, &account, &invoice).await;
    let again = send_invoice(&t, &key, &invoice, &sixth).await;

    // THEN it is mailed (the refusal was not kept under the key), and the next one waits again
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(mails_of(&t, &account, &invoice).await, 6);
    let seventh = send_invoice(&t, &key, &invoice, &[]).await;
    seventh.error(429, "rate_limited");
    assert!(retry_after(&seventh) > 3500);
    assert_eq!(mails_of(&t, &account, &invoice).await, 6);
}

#[tokio::test]
async fn racing_sends_of_one_invoice_never_mail_more_than_five() {
    // GIVEN an outstanding invoice never sent
    let (t, account, key, invoice) = outstanding_adjustment().await;

    // WHEN eight sends race
    let answers =
        futures_util::future::join_all((0..8).map(|_| send_invoice(&t, &key, &invoice, &[]))).await;

    // THEN each answered 200 (mailed), 503 (lost the race, may retry) or 429 (none left), and
    // exactly the 200s were recorded
    let mailed = mailed_among(&answers);
    assert!((1..=5).contains(&mailed), "{mailed}");
    assert_eq!(mails_of(&t, &account, &invoice).await, mailed);

    // AND sending on until refused makes five in all, never more
    let (more, refusal) = send_until_refused(&t, &key, std::slice::from_ref(&invoice), 10).await;
    assert!(
        refusal
            .unwrap()
            .contains("This invoice was e-mailed too often")
    );
    assert_eq!(mailed + more, 5);
    assert_eq!(mails_of(&t, &account, &invoice).await, 5);
}

#[tokio::test]
async fn a_customer_is_mailed_twenty_invoices_at_once_then_refused_whichever_the_invoice() {
    // GIVEN a customer whose four invoices were each mailed five times: twenty in all
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = new_customer(&t, &key, "paced@example.com").await;
    for _ in 0..4 {
        let invoice = adjustment(&t, &key, &customer).await;
        for n in 1..=5 {
            let sent = send_invoice(&t, &key, &invoice, &[]).await;
            assert_eq!(sent.status, 200, "{invoice} mail {n}: {:#}", sent.body);
        }
    }
    let fifth = adjustment(&t, &key, &customer).await;

    // WHEN a fifth invoice, never mailed, is sent
    let refused = send_invoice(&t, &key, &fifth, &[]).await;

    // THEN 429 rate_limited for the customer, waiting the hour its next mail needs, and nothing
    // is recorded
    let error = refused.error(429, "rate_limited");
    let message = error["message"].as_str().unwrap();
    assert!(
        message.contains("customer may be sent 20 invoices at once, then one every 60 minutes"),
        "{message}"
    );
    assert!((3590..=3600).contains(&retry_after(&refused)));
    assert_eq!(mails_of(&t, &account, &fifth).await, 0);
    assert_eq!(receipts(&t, &account.id).await.len(), 20);

    // AND another customer's invoice is mailed meanwhile
    let other = new_customer(&t, &key, "unpaced@example.com").await;
    let theirs = adjustment(&t, &key, &other).await;
    assert_eq!(send_invoice(&t, &key, &theirs, &[]).await.status, 200);
    assert_eq!(mails_of(&t, &account, &theirs).await, 1);
}

#[tokio::test]
async fn racing_sends_of_one_customers_invoices_never_pass_the_customers_pace() {
    // GIVEN a customer with room for two more mails (eighteen hours of backlog) and six
    // invoices never mailed
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = new_customer(&t, &key, "paced@example.com").await;
    let id = CustomerId::parse(&customer).unwrap();
    let busy_until = later(Timestamp::now(), Duration::from_secs(18 * 3600));
    set_pace(&t, keys::customer_mail_pace(&account.id, &id), busy_until).await;
    let mut invoices = Vec::new();
    for _ in 0..6 {
        invoices.push(adjustment(&t, &key, &customer).await);
    }

    // WHEN each is sent at once
    let answers = futures_util::future::join_all(
        invoices
            .iter()
            .map(|invoice| send_invoice(&t, &key, invoice, &[])),
    )
    .await;

    // THEN each answered 200, 503 or 429, exactly the 200s were recorded, and sending on until
    // refused (by the customer's pace: no invoice was mailed more than twice) makes two in all
    let mailed = mailed_among(&answers);
    assert!((1..=2).contains(&mailed), "{mailed}");
    assert_eq!(receipts(&t, &account.id).await.len(), mailed);
    let (more, refusal) = send_until_refused(&t, &key, &invoices, 12).await;
    assert!(refusal.unwrap().contains("customer was e-mailed too often"));
    assert_eq!(mailed + more, 2);
    assert_eq!(receipts(&t, &account.id).await.len(), 2);
}

#[tokio::test]
async fn an_invoices_mail_reads_each_item_with_its_pace_in_one_round_trip_each() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = new_customer(&t, &key, "batched@example.com").await;
    let invoice = adjustment(&t, &key, &customer).await;
    // A write's key is looked up before anything else (GetItem); then the invoice and its
    // pace in one BatchGetItem, the customer and theirs in another, and the mail's
    // transaction. One call at a time.
    let observed = Observed::default();
    let cold = t.another_container_observed_by(observed.clone());
    let sent = send_invoice(&cold, &key, &invoice, &[]).await;
    assert_eq!(sent.status, 200, "{:#}", sent.body);
    assert_eq!(
        observed.operations(),
        names(&[
            "GetItem",
            "BatchGetItem",
            "BatchGetItem",
            "TransactWriteItems"
        ])
    );
    assert_eq!(observed.most_at_once(), 1);

    // Warm, the key is cached: the other three.
    let again = send_invoice(&cold, &key, &invoice, &[]).await;
    assert_eq!(again.status, 200, "{:#}", again.body);
    assert_eq!(observed.operations().len(), 7);
    assert_eq!(observed.most_at_once(), 1);
}
