//! Live accounts charge through Stripe: this process's localstripe, a Stripe emulator, over the
//! same HTTP client and requests real Stripe gets. The card is saved at Stripe (a customer and
//! an attached PaymentMethod, made here as Stripe.js and the hosted page would) and on our
//! customer, then charged off-session through the API.

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::{Account, Mode};
use serde_json::{Value, json};

use crate::helpers::{LOCALSTRIPE_KEY, TestApp, http_request, localstripe_endpoint};

/// Stripe's answer to a customer create or update whose e-mail it does not take (recorded from
/// its API reference: localstripe takes any e-mail), for the test proxy to give in its place.
pub const EMAIL_INVALID: &str = r#"{"error": {"code": "email_invalid",
    "doc_url": "https://stripe.com/docs/error-codes/email-invalid",
    "message": "Invalid email address: pat@example.com", "param": "email",
    "type": "invalid_request_error"}}"#;

/// A form POST (or a GET without one) to localstripe; its JSON answer.
pub async fn stripe(method: &str, path: &str, form: &[(&str, &str)]) -> Value {
    stripe_at(localstripe_endpoint(), method, path, form).await
}

/// The same to the localstripe at `endpoint`.
pub async fn stripe_at(endpoint: &str, method: &str, path: &str, form: &[(&str, &str)]) -> Value {
    let body = url::form_urlencoded::Serializer::new(String::new())
        .extend_pairs(form)
        .finish();
    let auth = format!("Bearer {LOCALSTRIPE_KEY}");
    let answer = http_request(
        method,
        &format!("{endpoint}{path}"),
        &[
            ("authorization", &auth),
            ("content-type", "application/x-www-form-urlencoded"),
        ],
        &body,
    )
    .await;
    serde_json::from_str(&answer).unwrap_or_else(|_| panic!("localstripe: {answer}"))
}

/// The PaymentIntents localstripe holds for our payment `payment`.
pub async fn intents_of(payment: &str) -> Vec<Value> {
    let listed = stripe("GET", "/v1/payment_intents?limit=100", &[]).await;
    listed["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|intent| intent["metadata"]["commet_payment_id"] == payment)
        .cloned()
        .collect()
}

/// A customer of ours whose `card` is saved at Stripe (customer + attached PaymentMethod) and
/// vaulted on the customer, as paying a live link will do; its id.
pub async fn stripe_customer(t: &TestApp, account: &Account, key: &str, card: &str) -> String {
    let customer = t
        .create(
            "/api/v1/customers",
            key,
            json!({ "email": "payer@example.com", "fullName": "Pat Payer" }),
        )
        .await;
    let at_stripe = stripe("POST", "/v1/customers", &[("email", "payer@example.com")]).await;
    let method = stripe(
        "POST",
        "/v1/payment_methods",
        &[
            ("type", "card"),
            ("card[number]", card),
            ("card[exp_month]", "12"),
            ("card[exp_year]", "2034"),
            ("card[cvc]", "123"),
        ],
    )
    .await;
    let (stripe_customer, method_id) = (
        at_stripe["id"].as_str().unwrap(),
        method["id"].as_str().unwrap(),
    );
    stripe(
        "POST",
        &format!("/v1/payment_methods/{method_id}/attach"),
        &[("customer", stripe_customer)],
    )
    .await;
    let s = |text: &str| AttributeValue::S(text.to_owned());
    let vaulted = HashMap::from([
        ("token".to_owned(), s(method_id)),
        ("brand".to_owned(), s("visa")),
        ("last4".to_owned(), s(&card[12..])),
        ("expMonth".to_owned(), AttributeValue::N("12".into())),
        ("expYear".to_owned(), AttributeValue::N("2034".into())),
        ("providerCustomer".to_owned(), s(stripe_customer)),
    ]);
    t.update_customer_item(
        &account.id,
        &customer,
        "SET paymentMethod = :method",
        &[],
        &[(":method", AttributeValue::M(vaulted))],
    )
    .await;
    customer
}

pub fn charge_body(customer: &str) -> Value {
    json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": "Plan" })
}

#[tokio::test]
async fn a_live_charge_is_a_stripe_payment_intent_confirmed_off_session() {
    // GIVEN a live account and a customer whose card is saved at Stripe
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;

    // WHEN it is charged
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;

    // THEN the payment succeeded through Stripe, live, with its invoice paid
    assert_eq!(charged.status, 200, "{}", charged.text);
    let payment = charged.data();
    assert_eq!(payment["provider"], "stripe");
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["livemode"], true);
    let id = payment["id"].as_str().unwrap();
    let invoices = t.get("/api/v1/invoices?limit=100", &key).await;
    let invoice = invoices.data().as_array().unwrap()[0].clone();
    assert_eq!(
        (invoice["paymentId"].as_str(), invoice["status"].as_str()),
        (Some(id), Some("paid"))
    );
    // AND Stripe holds exactly one PaymentIntent for it: the total, confirmed, succeeded
    let intents = intents_of(id).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["amount"], 2500);
    assert_eq!(intents[0]["currency"], "usd");
    assert_eq!(intents[0]["status"], "succeeded");
    // AND the payment records the PaymentIntent's id
    let stored = t
        .store
        .get_payment(
            &account.id,
            &commet_payments::domain::ids::PaymentId::parse(id).unwrap(),
        )
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.provider_reference.as_deref(),
        intents[0]["id"].as_str()
    );
}

#[tokio::test]
async fn live_declines_are_402_with_stripes_code_and_authentication_fails_off_session() {
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    for (card, code) in [
        // Attaches, then declines every charge.
        ("4000000000000341", "card_declined"),
        // Needs 3-D Secure: off-session nobody can authenticate, so the charge fails.
        ("4000002760003184", "authentication_required"),
    ] {
        let customer = stripe_customer(&t, &account, &key, card).await;
        let declined = t
            .post("/api/v1/payments/charge", &key, charge_body(&customer))
            .await;
        let error = declined.error(402, "payment_failed");
        assert_eq!(error["details"]["failureCode"], code, "{card}");
        let payment = error["details"]["paymentId"].as_str().unwrap();
        let got = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
        assert_eq!(got.data()["status"], "failed");
        assert_eq!(
            intents_of(payment).await.len(),
            1,
            "{card}: one PaymentIntent"
        );
    }
}

#[tokio::test]
async fn without_stripe_live_charges_are_provider_unsupported() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Live).await;
    let refused = t
        .post(
            "/api/v1/payments/charge",
            &key,
            charge_body("cus_01JD0000000000000000000000"),
        )
        .await;
    refused.error(409, "provider_unsupported");
}
