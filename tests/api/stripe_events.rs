//! `POST /stripe/webhook`: Stripe's events, signed as Stripe signs them (by localstripe itself
//! where an event comes from a real PaymentIntent, else by the test in the same scheme). A
//! verified `payment_intent.*` event records a charge nobody recorded, through the same
//! completion as the request and the reconciler; anything unverified changes nothing.

use commet_payments::domain::account::{Account, Mode, ProviderSettings};
use commet_payments::domain::card::PaymentMethod;
use commet_payments::domain::customer::CustomerRef;
use commet_payments::domain::ids::{CustomerId, PaymentId, StripeAccountId};
use commet_payments::domain::money::{Currency, PaymentAmount};
use commet_payments::domain::payment::{NewCharge, Payment};
use commet_payments::domain::pending_charge::PendingCharge;
use commet_payments::domain::text::Description;
use commet_payments::domain::time::Timestamp;
use commet_payments::store::InsertChargeOutcome;
use hmac::{KeyInit, Mac};
use serde_json::{Value, json};

use crate::helpers::{
    STRIPE_TEST_WEBHOOK_SECRET, STRIPE_WEBHOOK_SECRET, TestApp, TestResponse, event,
};

/// `Stripe-Signature` for `body` at `timestamp`, computed here as Stripe documents it.
pub fn signature(secret: &str, timestamp: i64, body: &str) -> String {
    let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.{body}").as_bytes());
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

pub fn now() -> i64 {
    Timestamp::now().datetime().unix_timestamp()
}

pub async fn deliver(t: &TestApp, signature: Option<&str>, body: &str) -> TestResponse {
    let mut request = event("POST", "/stripe/webhook").header("content-type", "application/json");
    if let Some(signature) = signature {
        request = request.header("stripe-signature", signature);
    }
    t.send(request.raw_body(body).build()).await
}

fn intent_event(kind: &str, account: &str, payment: &str, status: &str) -> String {
    json!({
        "id": format!("evt_{payment}"), "object": "event", "type": kind, "livemode": true,
        "created": now(), "api_version": "2024-06-20",
        "data": {"object": {"id": format!("pi_{payment}"), "object": "payment_intent",
            "amount": 1500, "currency": "usd", "status": status,
            "metadata": {"commet_payment_id": payment, "commet_account_id": account}}}
    })
    .to_string()
}

/// A live charge through Stripe whose request died after writing it: `processing`, with its
/// pending charge; written as the charge endpoint writes it. Its id.
pub async fn processing_charge(t: &TestApp, account: &Account, key: &str) -> String {
    let customer = t
        .create(
            "/api/v1/customers",
            key,
            json!({ "email": "payer@example.com" }),
        )
        .await;
    let now = Timestamp::now();
    let customer = CustomerId::parse(&customer).unwrap();
    let payment = Payment::new_charge(
        PaymentId::generate(),
        NewCharge {
            customer: CustomerRef::Id(customer.clone()),
            amount: PaymentAmount::new(1500).unwrap(),
            currency: Currency::parse("usd").unwrap(),
            description: Description::parse("Plan").unwrap(),
            metadata: None,
        },
        customer,
        0,
        account.providers.route(account.mode),
        now,
    );
    let method = PaymentMethod {
        token: "pm_card_visa".into(),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2034,
        provider_customer: Some("cus_x".into()),
    };
    let pending = PendingCharge::new(payment.id.clone(), method, now);
    assert_eq!(
        t.store
            .insert_charge(&account.id, &payment, &pending)
            .await
            .unwrap(),
        InsertChargeOutcome::Inserted
    );
    payment.id.to_string()
}

async fn status_of(t: &TestApp, key: &str, payment: &str) -> Value {
    t.get(&format!("/api/v1/payments/{payment}"), key)
        .await
        .data()
        .clone()
}

#[tokio::test]
async fn an_event_that_is_not_stripes_changes_nothing() {
    // GIVEN a charge still processing (its request died before recording it)
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Live).await;
    let payment = processing_charge(&t, &account, &key).await;
    let body = intent_event(
        "payment_intent.succeeded",
        account.id.as_str(),
        &payment,
        "succeeded",
    );
    let good = signature(STRIPE_WEBHOOK_SECRET, now(), &body);
    let tampered = body.replace("\"amount\":1500", "\"amount\":1");
    assert_ne!(tampered, body);

    // WHEN events arrive unsigned, signed with another secret, tampered, too old or too new
    for (signature, body, why) in [
        (None, body.as_str(), "is missing"),
        (Some("v1=abc".to_owned()), body.as_str(), "timestamp"),
        (
            Some(signature("whsec_someone_else", now(), &body)),
            body.as_str(),
            "matches no v1",
        ),
        (Some(good.clone()), tampered.as_str(), "matches no v1"),
        (
            Some(signature(STRIPE_WEBHOOK_SECRET, now() - 301, &body)),
            body.as_str(),
            "300 seconds",
        ),
        (
            Some(signature(STRIPE_WEBHOOK_SECRET, now() + 400, &body)),
            body.as_str(),
            "300 seconds",
        ),
    ] {
        // THEN each is 400 naming the header, and the charge is still processing
        let refused = deliver(&t, signature.as_deref(), body).await;
        let error = refused.error(400, "validation_error");
        assert_eq!(error["param"], "Stripe-Signature");
        assert!(error["message"].as_str().unwrap().contains(why), "{error}");
        assert_eq!(status_of(&t, &key, &payment).await["status"], "processing");
    }
    // AND the genuine event records it
    let recorded = deliver(&t, Some(&good), &body).await;
    assert_eq!(recorded.data()["outcome"], "recorded", "{}", recorded.text);
    assert_eq!(status_of(&t, &key, &payment).await["status"], "succeeded");
}

#[tokio::test]
async fn other_events_and_other_payments_are_acknowledged_and_ignored() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Live).await;
    let payment = processing_charge(&t, &account, &key).await;
    let account_id = account.id.as_str();
    let (other_account, _) = t.account(Mode::Live).await;
    for body in [
        // An event type this service does not act on.
        intent_event("payment_intent.created", account_id, &payment, "succeeded"),
        // A PaymentIntent some other system made.
        json!({"id": "evt_x", "type": "payment_intent.succeeded", "livemode": true,
            "data": {"object": {"id": "pi_x", "object": "payment_intent", "status": "succeeded",
            "metadata": {"order": "42"}}}})
        .to_string(),
        // Our payment's id under another account: not found there.
        intent_event(
            "payment_intent.succeeded",
            other_account.id.as_str(),
            &payment,
            "succeeded",
        ),
        // Not decided yet.
        intent_event(
            "payment_intent.succeeded",
            account_id,
            &payment,
            "processing",
        ),
    ] {
        let answer = deliver(
            &t,
            Some(&signature(STRIPE_WEBHOOK_SECRET, now(), &body)),
            &body,
        )
        .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.data()["outcome"], "ignored", "{body}");
    }
    assert_eq!(status_of(&t, &key, &payment).await["status"], "processing");
    // A body that is no event at all, correctly signed, is refused.
    let garbage = "not json";
    let refused = deliver(
        &t,
        Some(&signature(STRIPE_WEBHOOK_SECRET, now(), garbage)),
        garbage,
    )
    .await;
    assert_eq!(refused.error(400, "validation_error")["param"], "body");
}

#[tokio::test]
async fn reports_from_another_stripe_account_or_mode_change_nothing() {
    // GIVEN a live account on its own connected Stripe account, a charge of it processing
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Live).await;
    let merchant = "acct_1CommetMerchant";
    let connected = ProviderSettings {
        sandbox_on_stripe: false,
        stripe_account: Some(StripeAccountId::parse(merchant).unwrap()),
    };
    let account = t
        .store
        .set_providers(&account.id, |_| connected.clone())
        .await
        .unwrap()
        .unwrap();
    let payment = processing_charge(&t, &account, &key).await;
    let reported_from = |stripe_account: Option<&str>| {
        let body = intent_event(
            "payment_intent.succeeded",
            account.id.as_str(),
            &payment,
            "succeeded",
        );
        let mut event: Value = serde_json::from_str(&body).unwrap();
        if let Some(stripe_account) = stripe_account {
            event["account"] = json!(stripe_account);
        }
        event.to_string()
    };

    // WHEN its success is reported from the deployment's own Stripe account, from another
    // connected account (whose owner can write any metadata), or by the test-mode endpoint
    for (body, secret) in [
        (reported_from(None), STRIPE_WEBHOOK_SECRET),
        (
            reported_from(Some("acct_1SomeoneElse")),
            STRIPE_WEBHOOK_SECRET,
        ),
        (reported_from(Some(merchant)), STRIPE_TEST_WEBHOOK_SECRET),
    ] {
        // THEN each is acknowledged and ignored, and the charge is still processing
        let answer = deliver(&t, Some(&signature(secret, now(), &body)), &body).await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.data()["outcome"], "ignored", "{body}");
        assert_eq!(status_of(&t, &key, &payment).await["status"], "processing");
    }
    // AND reported from its own account by the live endpoint, it is recorded
    let body = reported_from(Some(merchant));
    let answer = deliver(
        &t,
        Some(&signature(STRIPE_WEBHOOK_SECRET, now(), &body)),
        &body,
    )
    .await;
    assert_eq!(answer.data()["outcome"], "recorded", "{}", answer.text);
    assert_eq!(status_of(&t, &key, &payment).await["status"], "succeeded");
}

#[tokio::test]
async fn without_a_signing_secret_every_event_is_refused_503() {
    let t = TestApp::custom(None, |config| {
        config.stripe_webhook_secret = None;
        config.stripe_test_webhook_secret = None;
    })
    .await;
    let body = intent_event("payment_intent.succeeded", "acct_x", "pay_x", "succeeded");
    let answer = deliver(
        &t,
        Some(&signature(STRIPE_WEBHOOK_SECRET, now(), &body)),
        &body,
    )
    .await;
    answer.error(503, "service_unavailable");
}

/// Stripe's own events, from real PaymentIntents at localstripe, about charges whose request
/// died (an injected fault: the crash tests' feature).
#[cfg(feature = "fault-injection")]
pub mod crashed {
    use std::time::Duration;

    use commet_payments::app::Fault;
    use commet_payments::domain::delivery::later;
    use commet_payments::domain::pending_charge::CHECK_AFTER;

    use super::*;
    use crate::charges::receipts;
    use crate::helpers::{http_request, localstripe_endpoint};
    use crate::receiver::{Answer, Received, Receiver, receiver};
    use crate::stripe::stripe_customer;

    /// A receiver of localstripe's events, registered under a name of its own (localstripe sends
    /// every event to every registered endpoint, so it also sees other tests' PaymentIntents).
    async fn stripe_events_to_receiver(name: &str) -> Receiver {
        let receiver = receiver(&[Answer::Status(200)]).await;
        let form = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("url", &receiver.url)
            .append_pair("secret", STRIPE_WEBHOOK_SECRET)
            .append_pair("events[]", "payment_intent.succeeded")
            .append_pair("events[]", "payment_intent.payment_failed")
            .finish();
        // Answered with an empty 200, or an error in JSON.
        let answer = http_request(
            "POST",
            &format!("{}/_config/webhooks/{name}", localstripe_endpoint()),
            &[("content-type", "application/x-www-form-urlencoded")],
            &form,
        )
        .await;
        assert_eq!(answer, "", "localstripe refused the webhook");
        receiver
    }

    /// The next event localstripe sent about our payment `payment`.
    async fn event_about(receiver: &mut Receiver, payment: &str) -> Received {
        let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(tokio::time::Instant::now());
            let received = receiver
                .next(left)
                .await
                .unwrap_or_else(|| panic!("no Stripe event about {payment}"));
            if received.json()["data"]["object"]["metadata"]["commet_payment_id"] == payment {
                return received;
            }
        }
    }

    #[tokio::test]
    async fn stripes_own_event_records_a_charge_whose_request_died_and_only_once() {
        let t = TestApp::with_stripe(Some("stripe-events")).await;
        let (account, key) = t.account(Mode::Live).await;
        let mut events = stripe_events_to_receiver("commet-tests-crashed-charges").await;
        for (card, status, invoice_status, receipts_sent) in [
            ("4242424242424242", "succeeded", "paid", 1),
            // Declines every charge: payment_intent.payment_failed.
            ("4000000000000341", "failed", "outstanding", 0),
        ] {
            // GIVEN a live charge whose final write failed after Stripe answered
            let customer = stripe_customer(&t, &account, &key, card).await;
            t.app.faults.arm_charge_recording(Fault::FailWrite);
            let failed = t
                .send(
                    event("POST", "/api/v1/payments/charge")
                        .key(&key)
                        .header("Idempotency-Key", &format!("events-{card}"))
                        .json(json!({ "customerId": customer, "amount": 1500, "currency": "usd", "description": "Plan" }))
                        .build(),
                )
                .await;
            failed.error(503, "service_unavailable");
            let listed = t
                .get(&format!("/api/v1/payments?customerId={customer}"), &key)
                .await;
            let payment = listed.data()[0]["id"].as_str().unwrap().to_owned();
            assert_eq!(status_of(&t, &key, &payment).await["status"], "processing");

            // WHEN Stripe's event about it arrives, as localstripe signed and sent it
            let sent = event_about(&mut events, &payment).await;
            let answer = deliver(&t, Some(sent.header("stripe-signature")), &sent.body).await;

            // THEN the charge is recorded from it: its outcome, one invoice, a receipt if paid
            assert_eq!(answer.status, 200, "{}", answer.text);
            assert_eq!(answer.data()["outcome"], "recorded");
            let recorded = status_of(&t, &key, &payment).await;
            assert_eq!(recorded["status"], status, "{card}");
            let invoices = t.get("/api/v1/invoices?limit=100", &key).await;
            let invoices: Vec<&Value> = invoices
                .data()
                .as_array()
                .unwrap()
                .iter()
                .filter(|invoice| invoice["paymentId"] == payment.as_str())
                .collect();
            assert_eq!(invoices.len(), 1, "{card}");
            assert_eq!(invoices[0]["status"], invoice_status);
            let stored = t
                .store
                .get_payment(&account.id, &PaymentId::parse(&payment).unwrap())
                .await
                .unwrap()
                .unwrap();
            assert_eq!(
                stored.provider_reference.as_deref(),
                sent.json()["data"]["object"]["id"].as_str()
            );
            let receipts_written = receipts(&t, &account.id)
                .await
                .iter()
                .filter(|item| {
                    item.get("paymentId")
                        == Some(&aws_sdk_dynamodb::types::AttributeValue::S(payment.clone()))
                })
                .count();
            assert_eq!(receipts_written, receipts_sent, "{card}");
            // AND the same event again, the reconciler, and the client's retry change nothing
            let again = deliver(&t, Some(sent.header("stripe-signature")), &sent.body).await;
            assert_eq!(again.data()["outcome"], "already_recorded");
            let overdue = later(Timestamp::now(), CHECK_AFTER + Duration::from_secs(1));
            assert_eq!(
                t.worker("reconcile_charges")
                    .reconcile_due(overdue, 1000)
                    .await
                    .unwrap()
                    .checked,
                0
            );
            assert_eq!(status_of(&t, &key, &payment).await, recorded);
        }
    }

    /// A live link of $18.00 whose page, paid by `email` with 4242, failed to record the
    /// attempt after Stripe charged: the link stays `processing`.
    pub async fn link_whose_page_died(t: &TestApp, key: &str, email: &str) -> String {
        use crate::live_page::{confirm_in_browser, live_link, setup_of};

        let link = live_link(t, key, 1800).await;
        let visit = t.open_page(&link).await;
        let setup = setup_of(&visit);
        confirm_in_browser(&setup, "4242424242424242").await;
        t.app.faults.arm_charge_recording(Fault::FailWrite);
        let failed = t
            .submit_page(
                &link,
                &visit,
                &[("email", email), ("setup_intent", &setup.0)],
            )
            .await;
        assert_eq!(failed.status, 503, "{}", failed.text);
        assert_eq!(status_of(t, key, &link).await["status"], "processing");
        link
    }

    #[tokio::test]
    async fn stripes_own_event_records_a_live_link_whose_page_died_after_stripe_charged() {
        use crate::helpers::CountingProxy;
        use crate::stripe::{EMAIL_INVALID, intents_of};

        // GIVEN a live link whose page failed to record the attempt after Stripe charged, and
        // whose payer's e-mail Stripe refused (a recorded answer in localstripe's place): the
        // e-mail is only in our record of the attempt
        let proxy = CountingProxy::to(localstripe_endpoint()).await;
        let t = TestApp::with_stripe_api_at(None, &proxy.origin).await;
        proxy.answer_once("POST /v1/customers ", "email=", 400, EMAIL_INVALID);
        let (account, key) = t.account(Mode::Live).await;
        let mut events = stripe_events_to_receiver("commet-tests-crashed-links").await;
        let link = link_whose_page_died(&t, &key, "payer@example.com").await;
        assert!(!proxy.answer_waiting(), "Stripe's refusal was given");

        // WHEN Stripe's payment_intent.succeeded about it arrives
        let sent = event_about(&mut events, &link).await;
        let answer = deliver(&t, Some(sent.header("stripe-signature")), &sent.body).await;

        // THEN the link is paid from it: its customer made from the payer's e-mail (kept with
        // the attempt), with the card Stripe saved, and its invoice paid
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.data()["outcome"], "recorded");
        let paid = status_of(&t, &key, &link).await;
        assert_eq!(paid["status"], "succeeded");
        assert_eq!(
            t.provider_reference(&account, &link).await.as_deref(),
            sent.json()["data"]["object"]["id"].as_str()
        );
        let customer = paid["customerId"].as_str().unwrap();
        let got = t
            .send(
                event("GET", &format!("/api/v1/customers/{customer}"))
                    .key(&key)
                    .header("Commet-Version", "2026-07-11")
                    .build(),
            )
            .await;
        assert_eq!(got.data()["email"], "payer@example.com");
        assert_eq!(got.data()["paymentMethod"]["last4"], "4242");
        let invoices = t
            .get(&format!("/api/v1/invoices?customerId={customer}"), &key)
            .await;
        assert_eq!(invoices.data().as_array().unwrap().len(), 1);
        assert_eq!(invoices.data()[0]["status"], "paid");
        // AND the same event again changes nothing, the page shows it paid, one PaymentIntent
        let again = deliver(&t, Some(sent.header("stripe-signature")), &sent.body).await;
        assert_eq!(again.data()["outcome"], "already_recorded");
        assert!(t.open_page(&link).await.page.text.contains("<h1>Paid</h1>"));
        assert_eq!(intents_of(&link).await.len(), 1);
    }

    #[tokio::test]
    async fn an_attempt_begun_before_its_email_was_kept_is_recorded_with_the_stripe_customers() {
        // GIVEN a live link whose page died after Stripe charged, its attempt as one begun
        // before the payer's e-mail was kept with attempts (no attemptEmail on the item)
        let t = TestApp::with_stripe(None).await;
        let (account, key) = t.account(Mode::Live).await;
        let mut events = stripe_events_to_receiver("commet-tests-older-attempts").await;
        let link = link_whose_page_died(&t, &key, "older@example.com").await;
        assert!(
            t.payment_item(&account.id, &link)
                .await
                .contains_key("attemptEmail")
        );
        t.update_payment_item(&account.id, &link, "REMOVE attemptEmail", &[], &[])
            .await;

        // WHEN Stripe's payment_intent.succeeded about it arrives
        let sent = event_about(&mut events, &link).await;
        let answer = deliver(&t, Some(sent.header("stripe-signature")), &sent.body).await;

        // THEN the link is paid, its customer made from the Stripe customer's e-mail
        assert_eq!(answer.data()["outcome"], "recorded", "{}", answer.text);
        let paid = status_of(&t, &key, &link).await;
        let customer = paid["customerId"].as_str().unwrap();
        let customer = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
        assert_eq!(customer.data()["email"], "older@example.com");
    }
}
