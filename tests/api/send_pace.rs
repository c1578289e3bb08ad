//! How often one invoice is mailed on request (docs/contract.md §3.2, `SendPace`): five at
//! once, then one an hour; past that 429 `rate_limited`, nothing recorded, even when sends race.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::delivery::later;
use commet_payments::domain::ids::InvoiceId;
use commet_payments::domain::time::Timestamp;
use commet_payments::store::keys;
use serde_json::json;

use crate::charges::receipts;
use crate::helpers::{TestApp, TestResponse};
use crate::receipts::send_invoice;

/// A sandbox account and an outstanding adjustment of one of its customers.
async fn outstanding_adjustment() -> (TestApp, Account, String, String) {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "paced@example.com" }),
        )
        .await;
    let invoice = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": customer, "amount": 1000, "description": "Paced" }),
        )
        .await;
    (t, account, key, invoice)
}

/// The mails of `invoice` recorded in the receipts' outbox.
async fn mails_of(t: &TestApp, account: &Account, invoice: &str) -> usize {
    receipts(t, &account.id)
        .await
        .iter()
        .filter(|record| record["invoiceId"] == AttributeValue::S(invoice.to_owned()))
        .count()
}

/// The invoice's pace as an hour from now would find it after five mails sent now: four hours
/// of backlog, room for exactly one more.
async fn let_an_hour_pass(t: &TestApp, account: &Account, invoice: &str) {
    let id = InvoiceId::parse(invoice).unwrap();
    let busy_until = later(Timestamp::now(), Duration::from_secs(4 * 3600));
    t.store
        .client()
        .update_item()
        .table_name(t.store.table_name())
        .key(keys::PK, AttributeValue::S(keys::invoice(&account.id, &id)))
        .key(keys::SK, AttributeValue::S(keys::INVOICE_SK.to_owned()))
        .update_expression("SET sendPaceUntil = :at")
        .expression_attribute_values(":at", AttributeValue::S(busy_until.to_string()))
        .send()
        .await
        .unwrap();
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
    let mut mailed = 0;
    for answer in &answers {
        match answer.status {
            200 => mailed += 1,
            429 | 503 => assert!(answer.header("retry-after").is_some()),
            other => panic!("{other}: {:#}", answer.body),
        }
    }
    assert!((1..=5).contains(&mailed), "{mailed}");
    assert_eq!(mails_of(&t, &account, &invoice).await, mailed);

    // AND sending on until refused makes five in all, never more
    for _ in 0..10 {
        let answer = send_invoice(&t, &key, &invoice, &[]).await;
        match answer.status {
            200 => mailed += 1,
            429 => break,
            503 => continue,
            other => panic!("{other}: {:#}", answer.body),
        }
    }
    assert_eq!(mailed, 5);
    assert_eq!(mails_of(&t, &account, &invoice).await, 5);
}
