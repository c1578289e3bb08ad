//! Exactly once across crashes: a charge that dies between the provider's answer and the write
//! that records it (an injected fault: the write fails with a 503, or the invocation dies and
//! nothing after it runs) ends as ONE payment with one invoice and one receipt, recorded by
//! the same request run again under its Idempotency-Key or by the reconciler, whichever comes
//! first, and the retry answers with that outcome.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::app::Fault;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::delivery::later;
use commet_payments::domain::idempotency::IdempotencyKey;
use commet_payments::domain::pending_charge::CHECK_AFTER;
use commet_payments::domain::time::Timestamp;
use commet_payments::store::keys;
use serde_json::{Value, json};

use crate::charges::receipts;
use crate::helpers::{TestApp, TestResponse, customer_with_card, event};
use crate::stripe::{intents_of, stripe_customer};

fn charge(key: &str, idempotency_key: &str, customer: &str) -> lambda_http::Request {
    event("POST", "/api/v1/payments/charge")
        .key(key)
        .header("Idempotency-Key", idempotency_key)
        .json(json!({ "customerId": customer, "amount": 1500, "currency": "usd", "description": "Plan" }))
        .build()
}

/// The customer's charges (links left out: the card may have been saved by paying one).
async fn charges(t: &TestApp, key: &str, customer: &str) -> Vec<Value> {
    let listed = t
        .get(
            &format!("/api/v1/payments?customerId={customer}&limit=100"),
            key,
        )
        .await;
    listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|payment| payment["kind"] == "charge")
        .cloned()
        .collect()
}

/// Invoices and receipts written for `payment`.
async fn records_of(t: &TestApp, account: &Account, key: &str, payment: &str) -> (usize, usize) {
    let invoices = t.get("/api/v1/invoices?limit=100", key).await;
    let invoices = invoices
        .data()
        .as_array()
        .unwrap()
        .iter()
        .filter(|invoice| invoice["paymentId"] == payment)
        .count();
    let receipts = receipts(t, &account.id)
        .await
        .iter()
        .filter(|item| item.get("paymentId") == Some(&AttributeValue::S(payment.to_owned())))
        .count();
    (invoices, receipts)
}

/// Runs the reconciler as its schedule would once the charge is overdue.
async fn reconcile(t: &TestApp) {
    let overdue = later(Timestamp::now(), CHECK_AFTER + Duration::from_secs(1));
    t.worker("reconcile_charges")
        .reconcile_due(overdue, 1000)
        .await
        .unwrap();
}

/// Lets the lock of a crashed request's key run out, as 30 seconds would.
async fn expire_lock(t: &TestApp, account: &Account, idempotency_key: &str) {
    let digest = IdempotencyKey::parse(idempotency_key).unwrap().digest();
    t.store
        .client()
        .update_item()
        .table_name(t.store.table_name())
        .key(
            "pk",
            AttributeValue::S(keys::idempotency(&account.id, &digest)),
        )
        .key("sk", AttributeValue::S(keys::IDEMPOTENCY_SK.into()))
        .update_expression("SET lockedUntil = :past")
        .expression_attribute_values(":past", AttributeValue::N("0".into()))
        .send()
        .await
        .unwrap();
}

/// A charge that crashed: the provider answered, nothing was recorded, the key is still held.
async fn crashed_charge(t: &TestApp, key: &str, idempotency_key: &str, customer: &str) {
    t.app.faults.arm_charge_recording(Fault::Crash);
    let died = tokio::time::timeout(
        Duration::from_secs(2),
        t.send(charge(key, idempotency_key, customer)),
    )
    .await;
    assert!(died.is_err(), "the invocation died at the fault");
}

/// An app on a table of its own: the reconciler takes every overdue charge it finds.
async fn setup(card: &str) -> (TestApp, Account, String, String) {
    let t = TestApp::with_own_table("crashes").await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, card).await;
    (t, account, key, customer)
}

#[tokio::test]
async fn a_charge_whose_record_failed_is_recorded_once_by_its_retry() {
    // GIVEN a charge whose final write fails after the provider answered
    let (t, account, key, customer) = setup("4242424242424242").await;
    t.app.faults.arm_charge_recording(Fault::FailWrite);
    let failed = t.send(charge(&key, "crash-retry-1", &customer)).await;
    failed.error(503, "service_unavailable");
    let stuck = charges(&t, &key, &customer).await;
    assert_eq!(stuck.len(), 1);
    assert_eq!(stuck[0]["status"], "processing");

    // WHEN the client retries with the same Idempotency-Key
    let retried = t.send(charge(&key, "crash-retry-1", &customer)).await;

    // THEN it lands on the same payment, now succeeded, with one invoice and one receipt
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.data()["id"], stuck[0]["id"]);
    assert_eq!(retried.data()["status"], "succeeded");
    let payment = stuck[0]["id"].as_str().unwrap();
    assert_eq!(charges(&t, &key, &customer).await.len(), 1, "one payment");
    assert_eq!(records_of(&t, &account, &key, payment).await, (1, 1));
    // AND the answer is kept: a third try replays it, and the reconciler finds nothing to do
    let replayed = t.send(charge(&key, "crash-retry-1", &customer)).await;
    assert_eq!(replayed.text, retried.text);
    reconcile(&t).await;
    assert_eq!(records_of(&t, &account, &key, payment).await, (1, 1));
}

#[tokio::test]
async fn a_crashed_charge_is_recorded_by_the_reconciler_and_its_retry_answers_with_that() {
    // GIVEN a charge whose invocation died between the provider's answer and its write
    let (t, account, key, customer) = setup("4242424242424242").await;
    crashed_charge(&t, &key, "crash-reconcile-1", &customer).await;
    let in_flight = t.send(charge(&key, "crash-reconcile-1", &customer)).await;
    in_flight.error(409, "idempotency_in_progress");
    let stuck = charges(&t, &key, &customer).await;
    assert_eq!(stuck[0]["status"], "processing");
    let payment = stuck[0]["id"].as_str().unwrap();

    // WHEN the reconciler runs once the charge is overdue
    reconcile(&t).await;

    // THEN the payment is succeeded, with one invoice and one receipt
    let recorded = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(recorded.data()["status"], "succeeded", "{}", recorded.text);
    assert_eq!(records_of(&t, &account, &key, payment).await, (1, 1));
    // AND the client's retry, once the dead request's lock ran out, answers with that payment
    expire_lock(&t, &account, "crash-reconcile-1").await;
    let retried = t.send(charge(&key, "crash-reconcile-1", &customer)).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.data()["id"], payment);
    assert_eq!(retried.data()["status"], "succeeded");
    assert_eq!(charges(&t, &key, &customer).await.len(), 1, "one payment");
    assert_eq!(records_of(&t, &account, &key, payment).await, (1, 1));
}

#[tokio::test]
async fn a_crashed_decline_is_recorded_as_failed_and_its_retry_is_the_same_402() {
    // GIVEN a card that declines off-session, and a charge of it that crashed
    let (t, account, key, customer) = setup("4000000000000341").await;
    crashed_charge(&t, &key, "crash-decline-1", &customer).await;

    // WHEN the reconciler records it and the client retries
    reconcile(&t).await;
    expire_lock(&t, &account, "crash-decline-1").await;
    let retried: TestResponse = t.send(charge(&key, "crash-decline-1", &customer)).await;

    // THEN the payment failed with an outstanding invoice, and the retry says so
    let error = retried.error(402, "payment_failed");
    let payment = error["details"]["paymentId"].as_str().unwrap().to_owned();
    let invoice = error["details"]["invoiceId"].as_str().unwrap();
    let recorded = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(recorded.data()["status"], "failed");
    assert_eq!(recorded.data()["invoiceId"], invoice);
    let outstanding = t.get(&format!("/api/v1/invoices/{invoice}"), &key).await;
    assert_eq!(outstanding.data()["status"], "outstanding");
    assert_eq!(charges(&t, &key, &customer).await.len(), 1, "one payment");
    assert_eq!(
        records_of(&t, &account, &key, &payment).await,
        (1, 0),
        "no receipt"
    );
}

#[tokio::test]
async fn the_retry_and_the_reconciler_racing_record_one_outcome() {
    for round in 0..3 {
        // GIVEN a charge whose final write failed
        let (t, account, key, customer) = setup("4242424242424242").await;
        let idempotency_key = format!("crash-race-{round}");
        t.app.faults.arm_charge_recording(Fault::FailWrite);
        t.send(charge(&key, &idempotency_key, &customer))
            .await
            .error(503, "service_unavailable");

        // WHEN the retry and the reconciler run at once
        let (retried, ()) = tokio::join!(
            t.send(charge(&key, &idempotency_key, &customer)),
            reconcile(&t)
        );

        // THEN one of them recorded it, once, and the retry answers with it
        assert_eq!(retried.status, 200, "{}", retried.text);
        let listed = charges(&t, &key, &customer).await;
        assert_eq!(listed.len(), 1, "one payment");
        assert_eq!(listed[0]["status"], "succeeded");
        assert_eq!(retried.data()["id"], listed[0]["id"]);
        let payment = listed[0]["id"].as_str().unwrap();
        assert_eq!(records_of(&t, &account, &key, payment).await, (1, 1));
    }
}

#[tokio::test]
async fn a_crashed_stripe_charge_is_found_at_stripe_not_charged_again() {
    // GIVEN a live charge through Stripe whose final write failed after Stripe charged the card
    let t = TestApp::with_stripe(Some("crashes")).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    t.app.faults.arm_charge_recording(Fault::FailWrite);
    t.send(charge(&key, "crash-stripe-1", &customer))
        .await
        .error(503, "service_unavailable");
    let stuck = charges(&t, &key, &customer).await;
    let payment = stuck[0]["id"].as_str().unwrap().to_owned();
    assert_eq!(intents_of(&payment).await.len(), 1);

    // WHEN the reconciler runs, then the client retries
    reconcile(&t).await;
    let retried = t.send(charge(&key, "crash-stripe-1", &customer)).await;

    // THEN the charge Stripe made is the one recorded: one PaymentIntent (localstripe ignores
    // Idempotency-Key, so a second ask would have made a second one), one payment, one invoice
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(retried.data()["id"], payment.as_str());
    assert_eq!(retried.data()["status"], "succeeded");
    let intents = intents_of(&payment).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "succeeded");
    assert_eq!(charges(&t, &key, &customer).await.len(), 1);
    assert_eq!(records_of(&t, &account, &key, &payment).await, (1, 1));
}

#[tokio::test]
async fn a_charge_stripe_never_answered_stays_processing_and_the_reconciler_reports_it() {
    // GIVEN Stripe unreachable when a live charge is made
    let t = TestApp::with_unreachable_stripe("crashes").await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    t.send(charge(&key, "stripe-down-1", &customer))
        .await
        .error(503, "service_unavailable");
    let stuck = charges(&t, &key, &customer).await;
    assert_eq!(stuck[0]["status"], "processing");

    // WHEN the reconciler runs and Stripe is still down
    let overdue = later(Timestamp::now(), CHECK_AFTER + Duration::from_secs(1));
    let report = t
        .worker("reconcile_charges")
        .reconcile_due(overdue, 1000)
        .await
        .unwrap();

    // THEN it says the charge could not be recorded (the worker fails the run: alarmed), and
    // the payment stays processing, nothing half-written
    assert_eq!(
        (report.checked, report.recorded, report.unrecorded),
        (1, 0, 1)
    );
    let payment = stuck[0]["id"].as_str().unwrap();
    let still = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(still.data()["status"], "processing");
    assert_eq!(records_of(&t, &account, &key, payment).await, (0, 0));
    // AND a run within the lease leaves it alone
    assert_eq!(
        t.worker("reconcile_charges")
            .reconcile_due(overdue, 1000)
            .await
            .unwrap()
            .checked,
        0
    );
}
