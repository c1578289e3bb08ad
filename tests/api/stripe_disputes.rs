//! Disputes (chargebacks) of charges made through Stripe: `charge.dispute.*`. The charge and its
//! PaymentIntent are real at localstripe, which has no disputes: the Dispute each event carries
//! is Stripe's documented object (a recorded shape), signed here as Stripe signs. The merchant
//! hears `payment.disputed` once and `payment.dispute_resolved` once, through the relay.

use std::time::Duration;

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, assert_transactions_indexed};
use crate::stripe::stripe;
use crate::stripe_refunds::{
    charge_of, live_event, next_event, paid_through_stripe, receiver_of, report,
};

/// `payment.disputed`'s `data`, exactly as Commet documents it (PyPI `commet-sdk` 9.7.0,
/// `commet/docs/webhooks.openapi.json`: no other field admitted); `payment.dispute_resolved`
/// adds `outcome`.
const DOCUMENTED: [&str; 10] = [
    "paymentTransactionId",
    "provider",
    "paymentLinkId",
    "invoiceId",
    "invoiceNumber",
    "customerId",
    "subscriptionId",
    "disputeAmount",
    "currency",
    "disputeReason",
];

/// A Dispute as Stripe's API reference shows one, of PaymentIntent `intent`'s charge, for
/// `reason` (Stripe's `general` and the like; null where none is given).
fn dispute(intent: &str, status: &str, reason: Option<&str>) -> Value {
    json!({
        "id": "dp_1MtJUT2eZvKYlo2CNaw2HvEv", "object": "dispute", "amount": 2500,
        "balance_transactions": [], "charge": "ch_1MtJUT2eZvKYlo2C", "created": 1680651737,
        "currency": "usd", "evidence_details": {"due_by": 1682294399, "has_evidence": false,
        "past_due": false, "submission_count": 0}, "is_charge_refundable": false,
        "livemode": true, "metadata": {}, "payment_intent": intent, "reason": reason,
        "status": status
    })
}

fn fields(data: &Value) -> Vec<&str> {
    let mut fields: Vec<&str> = data
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    fields.sort_unstable();
    fields
}

#[tokio::test]
async fn a_dispute_is_announced_once_when_opened_and_once_when_closed() {
    // GIVEN a live charge paid through Stripe, and an endpoint for both dispute events
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let mut receiving =
        receiver_of(&t, &key, &["payment.disputed", "payment.dispute_resolved"]).await;
    let (customer, payment) = paid_through_stripe(&t, &account, &key).await;
    let intent = t.provider_reference(&account, &payment).await.unwrap();

    // WHEN an inquiry is opened, then a dispute, reported twice
    let inquiry = dispute(&intent, "warning_needs_response", Some("fraudulent"));
    let inquired = live_event(&t, "evt_inquiry", "charge.dispute.created", &inquiry).await;
    // (First without a reason, which Stripe gives later.)
    let open = dispute(&intent, "needs_response", None);
    let first = live_event(&t, "evt_dispute_1", "charge.dispute.created", &open).await;
    let again = live_event(&t, "evt_dispute_1", "charge.dispute.created", &open).await;

    // THEN the inquiry is ignored, the dispute recorded once, and the merchant hears of it
    assert_eq!(inquired.data()["outcome"], "ignored", "{}", inquired.text);
    assert_eq!(first.data()["outcome"], "recorded", "{}", first.text);
    assert_eq!(again.data()["outcome"], "already_recorded");
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["event"], "payment.disputed");
    let mut documented = DOCUMENTED.to_vec();
    documented.sort_unstable();
    assert_eq!(fields(&heard["data"]), documented);
    assert_eq!(heard["data"]["disputeAmount"], 2500);
    assert_eq!(heard["data"]["disputeReason"], Value::Null);
    assert_eq!(heard["data"]["customerId"], customer.as_str());
    assert_eq!(heard["data"]["provider"], "stripe");

    // AND WHEN it is closed lost, and the opening arrives again late
    let lost = dispute(&intent, "lost", Some("fraudulent"));
    let closed = live_event(&t, "evt_dispute_2", "charge.dispute.closed", &lost).await;
    let late = live_event(&t, "evt_dispute_1", "charge.dispute.created", &open).await;

    // THEN the merchant hears the outcome once, and nothing more; the payment reads as before
    assert_eq!(closed.data()["outcome"], "recorded", "{}", closed.text);
    assert_eq!(late.data()["outcome"], "already_recorded");
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["event"], "payment.dispute_resolved");
    documented.push("outcome");
    documented.sort_unstable();
    assert_eq!(fields(&heard["data"]), documented);
    assert_eq!(heard["data"]["outcome"], "lost");
    assert_eq!(heard["data"]["disputeReason"], "fraudulent");
    assert!(
        receiving.drain(Duration::from_secs(3)).await.is_empty(),
        "each event once"
    );
    let read = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(read.data()["status"], "succeeded");
    let stored = t.payment_item(&account.id, &payment).await;
    assert_eq!(stored["disputeStatus"].as_s().unwrap(), "lost");
}

#[tokio::test]
async fn a_dispute_of_money_that_is_not_the_payments_records_nothing() {
    // GIVEN a live charge paid through Stripe, and a PaymentIntent made straight at Stripe
    // whose metadata names it
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let (_, paid) = paid_through_stripe(&t, &account, &key).await;
    let naming_paid = crate::stripe_refunds::refunded_intent(&[
        ("metadata[commet_payment_id]", &paid),
        ("metadata[commet_account_id]", account.id.as_str()),
    ])
    .await;

    // WHEN a dispute of that other PaymentIntent's charge is reported
    let answer = live_event(
        &t,
        "evt_dispute_other",
        "charge.dispute.created",
        &dispute(&naming_paid, "needs_response", Some("fraudulent")),
    )
    .await;

    // THEN it is acknowledged and ignored, and the payment records no dispute
    assert_eq!(answer.status, 200, "{}", answer.text);
    assert_eq!(answer.data()["outcome"], "ignored");
    let stored = t.payment_item(&account.id, &paid).await;
    assert!(!stored.contains_key("disputeId"));
}

/// The statuses whose listing (`GET /transactions?status=`) shows transaction `txn`.
async fn listed_as(t: &TestApp, key: &str, txn: &str) -> Vec<&'static str> {
    let mut statuses = Vec::new();
    for status in ["pending", "succeeded", "failed", "refunded", "disputed"] {
        let listed = t
            .get(&format!("/api/v1/transactions?status={status}"), key)
            .await;
        assert_eq!(listed.status, 200, "{}", listed.text);
        let ids = listed.data().as_array().unwrap();
        if ids.iter().any(|found| found["id"] == txn) {
            statuses.push(status);
        }
    }
    statuses
}

/// Refunded at Stripe by `amount` (minor units), reported as Stripe does.
async fn refunded_at_stripe(t: &TestApp, intent: &str, amount: &str, event: &str) {
    stripe(
        "POST",
        "/v1/refunds",
        &[("payment_intent", intent), ("amount", amount)],
    )
    .await;
    let reported = report(t, event, &charge_of(intent).await).await;
    assert_eq!(reported.data()["outcome"], "recorded", "{}", reported.text);
}

/// Stripe's `charge.dispute.*` of `intent`'s charge, in `status`, reported and recorded.
async fn disputed_at_stripe(t: &TestApp, intent: &str, status: &str, event: &str) {
    let kind = match status {
        "needs_response" => "charge.dispute.created",
        _ => "charge.dispute.closed",
    };
    let disputed = dispute(intent, status, Some("fraudulent"));
    let reported = live_event(t, event, kind, &disputed).await;
    assert_eq!(reported.data()["outcome"], "recorded", "{}", reported.text);
}

/// Each report moves a transaction to the list of the status it leaves it in, and only that
/// one: every way a refund and a dispute can meet (one write for each outcome, chosen by the
/// table's own condition).
#[tokio::test]
async fn a_transaction_is_listed_by_the_status_refunds_and_disputes_leave_it_in() {
    // GIVEN two live charges paid through Stripe
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let (_, first) = paid_through_stripe(&t, &account, &key).await;
    let (_, second) = paid_through_stripe(&t, &account, &key).await;
    let txn = |payment: &str| payment.replacen("pay_", "txn_", 1);
    let (first_txn, second_txn) = (txn(&first), txn(&second));
    let first_intent = t.provider_reference(&account, &first).await.unwrap();
    let second_intent = t.provider_reference(&account, &second).await.unwrap();
    assert_eq!(listed_as(&t, &key, &first_txn).await, ["succeeded"]);

    // WHEN the first is refunded in part, disputed, the dispute won, then refunded in full
    // THEN it is listed succeeded, disputed, succeeded again, then refunded
    refunded_at_stripe(&t, &first_intent, "500", "evt_a1").await;
    assert_eq!(listed_as(&t, &key, &first_txn).await, ["succeeded"]);
    disputed_at_stripe(&t, &first_intent, "needs_response", "evt_a2").await;
    assert_eq!(listed_as(&t, &key, &first_txn).await, ["disputed"]);
    disputed_at_stripe(&t, &first_intent, "won", "evt_a3").await;
    assert_eq!(listed_as(&t, &key, &first_txn).await, ["succeeded"]);
    refunded_at_stripe(&t, &first_intent, "2000", "evt_a4").await;
    assert_eq!(listed_as(&t, &key, &first_txn).await, ["refunded"]);

    // AND WHEN the second is disputed, refunded in full meanwhile, then the dispute won
    // THEN it stays disputed through the refund, and is refunded once the dispute is won
    disputed_at_stripe(&t, &second_intent, "needs_response", "evt_b1").await;
    refunded_at_stripe(&t, &second_intent, "2500", "evt_b2").await;
    assert_eq!(listed_as(&t, &key, &second_txn).await, ["disputed"]);
    let read = t
        .get(&format!("/api/v1/transactions/{second_txn}"), &key)
        .await;
    assert_eq!(read.data()["status"], "disputed", "as it reads alone");
    disputed_at_stripe(&t, &second_intent, "won", "evt_b3").await;
    assert_eq!(listed_as(&t, &key, &second_txn).await, ["refunded"]);

    // AND both are in the indexes as their transactions are
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 2);
}
