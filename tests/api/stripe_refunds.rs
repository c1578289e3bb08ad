//! Refunds made at Stripe (in its dashboard, say): `charge.refunded`, whose Charge is the one
//! localstripe holds after a real refund there of a real charge. localstripe sends no
//! `charge.refunded` itself, so the test wraps that Charge in Stripe's event envelope and signs
//! it as Stripe does. The merchant hears `payment.refunded` through the relay, once per total.

use std::time::{Duration, Instant};

use commet_payments::domain::account::{Account, Mode};
use serde_json::{Value, json};

use crate::helpers::{STRIPE_WEBHOOK_SECRET, TestApp, TestResponse, stream_relay};
use crate::receiver::{Answer, Receiver, receiver};
use crate::stripe::{charge_body, stripe, stripe_customer};
use crate::stripe_events::{deliver, now, signature};

/// `payment.refunded`'s `data`, exactly as Commet documents it (PyPI `commet-sdk` 9.7.0,
/// `commet/docs/webhooks.openapi.json`: no other field admitted).
const DOCUMENTED: [&str; 9] = [
    "paymentTransactionId",
    "provider",
    "paymentLinkId",
    "invoiceId",
    "invoiceNumber",
    "customerId",
    "subscriptionId",
    "refundAmount",
    "currency",
];

/// A live charge of $25.00 paid through Stripe (localstripe): its customer and payment.
pub async fn paid_through_stripe(t: &TestApp, account: &Account, key: &str) -> (String, String) {
    let customer = stripe_customer(t, account, key, "4242424242424242").await;
    let charged = t
        .post("/api/v1/payments/charge", key, charge_body(&customer))
        .await;
    assert_eq!(charged.status, 200, "{}", charged.text);
    let payment = charged.data()["id"].as_str().unwrap().to_owned();
    (customer, payment)
}

/// The Charge of PaymentIntent `intent` as localstripe holds it now.
pub async fn charge_of(intent: &str) -> Value {
    let refunds = stripe("GET", &format!("/v1/refunds?payment_intent={intent}"), &[]).await;
    let charge = refunds["data"][0]["charge"].as_str().expect("a refund");
    stripe("GET", &format!("/v1/charges/{charge}"), &[]).await
}

/// Stripe's `charge.refunded` about `charge`, signed by the live endpoint's secret.
pub async fn report(t: &TestApp, id: &str, charge: &Value) -> TestResponse {
    live_event(t, id, "charge.refunded", charge).await
}

/// Stripe's event `kind` with id `id` about `object`, signed by the live endpoint's secret.
pub async fn live_event(t: &TestApp, id: &str, kind: &str, object: &Value) -> TestResponse {
    let body = json!({
        "id": id, "object": "event", "type": kind, "livemode": true,
        "created": now(), "api_version": "2024-06-20", "data": {"object": object}
    })
    .to_string();
    let signed = signature(STRIPE_WEBHOOK_SECRET, now(), &body);
    deliver(t, Some(&signed), &body).await
}

/// A receiver of the account's `events` (the relay started), as an endpoint in the newest
/// version.
pub async fn receiver_of(t: &TestApp, key: &str, events: &[&str]) -> Receiver {
    stream_relay();
    let receiving = receiver(&[Answer::Status(200)]).await;
    let endpoint = t
        .post(
            "/api/v1/webhooks",
            key,
            json!({ "url": receiving.url, "events": events, "apiVersion": "2026-08-27" }),
        )
        .await;
    assert_eq!(endpoint.status, 200, "{}", endpoint.text);
    receiving
}

/// The next delivery's body (the test failing after 30 s).
pub async fn next_event(receiving: &mut Receiver) -> Value {
    let deadline = Instant::now() + Duration::from_secs(30);
    let left = deadline.saturating_duration_since(Instant::now());
    receiving
        .next(left)
        .await
        .expect("a delivery within 30 s")
        .json()
}

#[tokio::test]
async fn a_refund_made_at_stripe_is_recorded_once_per_total_and_announced_with_what_it_added() {
    // GIVEN a live charge paid through Stripe, and an endpoint for payment.refunded
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let mut receiving = receiver_of(&t, &key, &["payment.refunded"]).await;
    let (customer, payment) = paid_through_stripe(&t, &account, &key).await;
    let intent = t.provider_reference(&account, &payment).await.unwrap();
    let invoices = t
        .get(&format!("/api/v1/invoices?customerId={customer}"), &key)
        .await;
    let invoice = invoices.data()[0].clone();

    // WHEN $5.00 of it is refunded at Stripe, and Stripe reports it (twice)
    stripe(
        "POST",
        "/v1/refunds",
        &[("payment_intent", &intent), ("amount", "500")],
    )
    .await;
    let partly = charge_of(&intent).await;
    assert_eq!(partly["amount_refunded"], 500);
    let first = report(&t, "evt_refund_1", &partly).await;
    let again = report(&t, "evt_refund_1", &partly).await;

    // THEN it is recorded once, and the merchant hears of $5.00 refunded
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!(first.data()["outcome"], "recorded");
    assert_eq!(again.data()["outcome"], "already_recorded");
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["event"], "payment.refunded");
    let data = heard["data"].as_object().unwrap();
    let mut fields: Vec<&str> = data.keys().map(String::as_str).collect();
    fields.sort_unstable();
    let mut documented = DOCUMENTED.to_vec();
    documented.sort_unstable();
    assert_eq!(fields, documented);
    assert_eq!(
        Value::Object(data.clone()),
        json!({
            "paymentTransactionId": payment.replacen("pay_", "txn_", 1),
            "provider": "stripe", "paymentLinkId": null,
            "invoiceId": invoice["id"], "invoiceNumber": invoice["invoiceNumber"],
            "customerId": customer, "subscriptionId": null,
            "refundAmount": 500, "currency": "usd",
        })
    );

    // AND WHEN the rest is refunded, and the older report arrives after the newer
    // (The rest named: localstripe, unlike Stripe, refunds the whole charge again without it.)
    stripe(
        "POST",
        "/v1/refunds",
        &[("payment_intent", &intent), ("amount", "2000")],
    )
    .await;
    let fully = charge_of(&intent).await;
    assert_eq!(fully["amount_refunded"], 2500);
    assert_eq!(
        report(&t, "evt_refund_2", &fully).await.data()["outcome"],
        "recorded"
    );
    let late = report(&t, "evt_refund_1", &partly).await;

    // THEN the merchant hears of the $20.00 it added, and of nothing else
    assert_eq!(late.data()["outcome"], "already_recorded");
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["data"]["refundAmount"], 2000);
    assert!(
        receiving.drain(Duration::from_secs(3)).await.is_empty(),
        "one event per larger total"
    );
    // AND the payment and its invoice read as before (Commet's Payment has no refunded status)
    let read = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(read.data()["status"], "succeeded");
    let stored = t.payment_item(&account.id, &payment).await;
    assert_eq!(
        (
            stored["amountRefunded"].as_n().unwrap().as_str(),
            stored["lastRefundAmount"].as_n().unwrap().as_str()
        ),
        ("2500", "2000")
    );
}

#[tokio::test]
async fn a_refund_of_money_that_is_not_a_recorded_payment_records_nothing() {
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    // GIVEN a live charge paid through Stripe, and one whose request died (`processing`)
    let (_, paid) = paid_through_stripe(&t, &account, &key).await;
    let processing = crate::stripe_events::processing_charge(&t, &account, &key).await;

    // WHEN refunds are reported of a PaymentIntent with no metadata of ours, of another
    // PaymentIntent naming the paid charge, and of one naming the processing charge
    let no_metadata = refunded_intent(&[]).await;
    let naming_paid = refunded_intent(&[
        ("metadata[commet_payment_id]", &paid),
        ("metadata[commet_account_id]", account.id.as_str()),
    ])
    .await;
    let naming_processing = refunded_intent(&[
        ("metadata[commet_payment_id]", &processing),
        ("metadata[commet_account_id]", account.id.as_str()),
    ])
    .await;

    // THEN the first two are acknowledged and ignored, and the third refused for Stripe to send
    // again once the charge's outcome is recorded; no payment records a refund
    for (id, intent) in [("evt_none", &no_metadata), ("evt_other", &naming_paid)] {
        let answer = report(&t, id, &charge_of(intent).await).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.data()["outcome"], "ignored", "{id}");
    }
    let early = report(&t, "evt_early", &charge_of(&naming_processing).await).await;
    early.error(503, "service_unavailable");
    for payment in [&paid, &processing] {
        let stored = t.payment_item(&account.id, payment).await;
        assert!(!stored.contains_key("amountRefunded"), "{payment}");
    }
}

/// A PaymentIntent for $15.00 made straight at Stripe with `metadata`, paid and refunded in full.
pub async fn refunded_intent(metadata: &[(&str, &str)]) -> String {
    let mut form = vec![
        ("amount", "1500"),
        ("currency", "usd"),
        ("payment_method", "pm_card_visa"),
        ("confirm", "true"),
    ];
    form.extend_from_slice(metadata);
    let intent = stripe("POST", "/v1/payment_intents", &form).await;
    assert_eq!(intent["status"], "succeeded", "{intent}");
    let intent = intent["id"].as_str().unwrap().to_owned();
    stripe("POST", "/v1/refunds", &[("payment_intent", &intent)]).await;
    intent
}
