//! Refunds through the API (`POST /transactions/{id}/refund`, the SDKs' `transactions.refund`):
//! a sandbox charge refunded at once, a live one refunded at Stripe (localstripe) first; each
//! recorded once, announced once as `payment.refunded` naming the transaction, refused when
//! there is nothing to give back.

use commet_payments::domain::account::{Account, Mode};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, customer_with_card, event};
use crate::receiver::Receiver;
use crate::stripe::{charge_body, stripe};
use crate::stripe_refunds::{next_event, paid_through_stripe, receiver_of, report};

fn transaction_of(payment: &str) -> String {
    payment.replacen("pay_", "txn_", 1)
}

async fn refund(t: &TestApp, key: &str, id: &str, body: Option<Value>) -> TestResponse {
    // In the newest version's shape (the test accounts are pinned to an older one).
    let mut request = event("POST", &format!("/api/v1/transactions/{id}/refund"))
        .key(key)
        .header("Commet-Version", "2026-08-27");
    if let Some(body) = body {
        request = request.json(body);
    }
    t.send(request.build()).await
}

/// A link of $9.00 nobody has tried to pay: its id.
pub async fn pending_link(t: &TestApp, key: &str) -> String {
    let link = t
        .post(
            "/api/v1/payments",
            key,
            json!({ "amount": 900, "currency": "usd", "description": "Link" }),
        )
        .await;
    link.data()["id"].as_str().unwrap().to_owned()
}

/// A sandbox charge of $25.00 of a customer whose card is `card`.
async fn sandbox_charge(t: &TestApp, key: &str, card: &str) -> TestResponse {
    let customer = customer_with_card(t, key, None, card).await;
    t.post("/api/v1/payments/charge", key, charge_body(&customer))
        .await
}

#[tokio::test]
async fn a_sandbox_charge_is_refunded_once_in_full_and_announced_with_its_transaction() {
    // GIVEN a succeeded sandbox charge, and an endpoint for payment.refunded
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let mut receiving = receiver_of(&t, &key, &["payment.refunded"]).await;
    let charged = sandbox_charge(&t, &key, "4242424242424242").await;
    assert_eq!(charged.status, 200, "{}", charged.text);
    let payment = charged.data()["id"].as_str().unwrap().to_owned();
    let transaction = transaction_of(&payment);

    // WHEN its transaction is refunded (as the SDKs send it: an empty object)
    let refunded = refund(&t, &key, &transaction, Some(json!({}))).await;

    // THEN the refund is what was paid, at once, and the merchant hears of it naming the
    // transaction
    assert_eq!(refunded.status, 200, "{}", refunded.text);
    assert_eq!(
        refunded.data(),
        &json!({
            "id": payment.replacen("pay_", "rfd_", 1), "transactionId": transaction,
            "amount": 2500, "currency": "usd", "chargeId": null, "status": "succeeded",
            "reason": null, "object": "refund", "livemode": false,
        })
    );
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["event"], "payment.refunded");
    assert_eq!(heard["data"]["paymentTransactionId"], transaction.as_str());
    assert_eq!(heard["data"]["refundAmount"], 2500);
    assert_eq!(heard["data"]["provider"], "commet");
    let stored = t.payment_item(&account.id, &payment).await;
    assert_eq!(stored["amountRefunded"].as_n().unwrap(), "2500");

    // AND WHEN it is refunded again, by its payment's id
    let again = refund(&t, &key, &payment, None).await;

    // THEN there is nothing left to refund, and nothing more is announced
    let error = again.error(409, "transaction_not_refundable");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .contains("in full already"),
        "{error}"
    );
    nothing_more(&mut receiving).await;
    let read = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
    assert_eq!(read.data()["status"], "succeeded");
}

#[tokio::test]
async fn what_has_nothing_to_give_back_or_is_not_ours_is_refused_and_nothing_is_recorded() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let (_, other_key) = t.account(Mode::Sandbox).await;
    // GIVEN a declined charge, a pending link, and a succeeded charge
    let declined = sandbox_charge(&t, &key, "4000000000000341").await;
    let declined = declined.error(402, "payment_failed")["details"]["paymentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let link = pending_link(&t, &key).await;
    let paid = sandbox_charge(&t, &key, "4242424242424242").await;
    let paid = paid.data()["id"].as_str().unwrap().to_owned();

    // THEN neither unpaid one can be refunded, and the message says why
    for (payment, status) in [(&declined, "failed"), (&link, "pending")] {
        let refused = refund(&t, &key, &transaction_of(payment), None).await;
        let error = refused.error(409, "transaction_not_refundable");
        assert!(
            error["message"].as_str().unwrap().contains(status),
            "{error}"
        );
    }
    // AND another account's key, an unknown transaction and other text find nothing
    for (key, id) in [
        (&other_key, transaction_of(&paid)),
        (&key, "txn_01KEVENTSPAYMENT0000000009".to_owned()),
        (&key, "cus_01KEVENTSPAYMENT0000000009".to_owned()),
        (&key, "txn_".to_owned()),
    ] {
        refund(&t, key, &id, None)
            .await
            .error(404, "transaction_not_found");
    }
    // AND a body with anything in it is refused by name
    let with_amount = refund(&t, &key, &transaction_of(&paid), Some(json!({"amount": 1}))).await;
    assert_eq!(
        with_amount.error(400, "validation_error")["param"],
        "amount"
    );
    for payment in [&declined, &link, &paid] {
        let stored = t.payment_item(&account.id, payment).await;
        assert!(!stored.contains_key("amountRefunded"), "{payment}");
    }
}

#[tokio::test]
async fn a_refund_asked_again_under_its_idempotency_key_answers_the_same() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let paid = sandbox_charge(&t, &key, "4242424242424242").await;
    let transaction = transaction_of(paid.data()["id"].as_str().unwrap());
    let send = || {
        t.send(
            event(
                "POST",
                &format!("/api/v1/transactions/{transaction}/refund"),
            )
            .key(&key)
            .header("Idempotency-Key", "refund-once")
            .json(json!({}))
            .build(),
        )
    };
    let first = send().await;
    let second = send().await;
    assert_eq!(first.status, 200, "{}", first.text);
    assert_eq!((second.status, &second.body), (200, &first.body));
    // Without the key, the refund is not made twice.
    refund(&t, &key, &transaction, None)
        .await
        .error(409, "transaction_not_refundable");
}

/// No further delivery within 3 s: one `payment.refunded` was all.
async fn nothing_more(receiving: &mut Receiver) {
    let more = receiving.drain(std::time::Duration::from_secs(3)).await;
    assert!(more.is_empty(), "one payment.refunded");
}

/// A live charge of $25.00 paid through Stripe (localstripe), and an endpoint of its account
/// for `payment.refunded`.
struct LivePayment {
    account: Account,
    key: String,
    receiving: Receiver,
    payment: String,
    /// Its PaymentIntent.
    intent: String,
}

async fn live_payment(t: &TestApp) -> LivePayment {
    let (account, key) = t.account(Mode::Live).await;
    let receiving = receiver_of(t, &key, &["payment.refunded"]).await;
    let (_, payment) = paid_through_stripe(t, &account, &key).await;
    let intent = t.provider_reference(&account, &payment).await.unwrap();
    LivePayment {
        account,
        key,
        receiving,
        payment,
        intent,
    }
}

#[tokio::test]
async fn a_live_charge_is_refunded_at_stripe_and_stripes_report_of_it_changes_nothing() {
    // GIVEN a live charge paid through Stripe, and an endpoint for payment.refunded
    let t = TestApp::with_stripe(None).await;
    let LivePayment {
        key,
        mut receiving,
        payment,
        intent,
        ..
    } = live_payment(&t).await;

    // WHEN its transaction is refunded through the API
    let refunded = refund(&t, &key, &transaction_of(&payment), None).await;

    // THEN Stripe refunded the charge in full, and the answer names that charge
    assert_eq!(refunded.status, 200, "{}", refunded.text);
    let refunds = stripe("GET", &format!("/v1/refunds?payment_intent={intent}"), &[]).await;
    let made = &refunds["data"][0];
    assert_eq!(refunds["data"].as_array().unwrap().len(), 1);
    assert_eq!(made["amount"], 2500);
    assert_eq!(made["metadata"]["commet_payment_id"], payment.as_str());
    let data = refunded.data();
    assert_eq!(data["chargeId"], made["charge"]);
    assert_eq!(
        (&data["amount"], &data["status"], &data["livemode"]),
        (&json!(2500), &json!("succeeded"), &json!(true))
    );
    // AND the merchant hears of it once, though Stripe then reports the refund too
    let charge = stripe(
        "GET",
        &format!("/v1/charges/{}", made["charge"].as_str().unwrap()),
        &[],
    )
    .await;
    assert_eq!(charge["amount_refunded"], 2500);
    let reported = report(&t, "evt_api_refund", &charge).await;
    assert_eq!(reported.data()["outcome"], "already_recorded");
    let heard = next_event(&mut receiving).await;
    assert_eq!(heard["data"]["refundAmount"], 2500);
    assert_eq!(heard["data"]["provider"], "stripe");
    nothing_more(&mut receiving).await;
    // AND asked again, nothing more is refunded at Stripe
    refund(&t, &key, &transaction_of(&payment), None)
        .await
        .error(409, "transaction_not_refundable");
    let refunds = stripe("GET", &format!("/v1/refunds?payment_intent={intent}"), &[]).await;
    assert_eq!(refunds["data"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn after_a_partial_refund_at_stripe_the_api_refunds_what_remains() {
    // GIVEN a live charge of $25.00 of which $5.00 was refunded at Stripe and reported
    let t = TestApp::with_stripe(None).await;
    let LivePayment {
        account,
        key,
        mut receiving,
        payment,
        intent,
    } = live_payment(&t).await;
    let partial = stripe(
        "POST",
        "/v1/refunds",
        &[("payment_intent", &intent), ("amount", "500")],
    )
    .await;
    let charge = stripe(
        "GET",
        &format!("/v1/charges/{}", partial["charge"].as_str().unwrap()),
        &[],
    )
    .await;
    let reported = report(&t, "evt_partial", &charge).await;
    assert_eq!(reported.data()["outcome"], "recorded");
    assert_eq!(
        next_event(&mut receiving).await["data"]["refundAmount"],
        500
    );

    // WHEN the transaction is refunded through the API
    let refunded = refund(&t, &key, &transaction_of(&payment), None).await;

    // THEN the answer and the event are of the $20.00 that remained (Stripe, unlike
    // localstripe, refunds only that when no amount is given), and the total is all of it
    assert_eq!(refunded.status, 200, "{}", refunded.text);
    assert_eq!(refunded.data()["amount"], 2000);
    assert_eq!(
        next_event(&mut receiving).await["data"]["refundAmount"],
        2000
    );
    let stored = t.payment_item(&account.id, &payment).await;
    assert_eq!(stored["amountRefunded"].as_n().unwrap(), "2500");
}
