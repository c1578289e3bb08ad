//! A live link's hosted page with Stripe: the page opens a SetupIntent and loads Stripe.js; the
//! payer's browser confirms the card at Stripe (done here exactly as localstripe's Stripe.js
//! does it: its `confirmCardSetup` request); the submitted form names the SetupIntent and the
//! link is paid with one PaymentIntent, the card saved for off-session charges.

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{
    LOCALSTRIPE_PUBLISHABLE_KEY, PageVisit, TestApp, http_request, localstripe_endpoint,
};
use crate::stripe::intents_of;

/// The page's SetupIntent: its id and client secret, as its script reads them.
pub fn setup_of(visit: &PageVisit) -> (String, String) {
    let secret = visit
        .page
        .text
        .split("data-secret=\"")
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the page carries the SetupIntent's client secret")
        .to_owned();
    let id = secret.split("_secret_").next().unwrap().to_owned();
    (id, secret)
}

/// What localstripe's Stripe.js sends for `confirmCardSetup` with a card Element holding
/// `number`: the card goes from the browser to Stripe, never to us.
pub async fn confirm_in_browser(setup: &(String, String), number: &str) -> Value {
    let (id, secret) = setup;
    let body = json!({
        "key": LOCALSTRIPE_PUBLISHABLE_KEY, "use_stripe_sdk": true, "client_secret": secret,
        "payment_method_data": {"type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
            "billing_details": {"email": "payer@example.com"}}
    });
    let answer = http_request(
        "POST",
        &format!("{}/v1/setup_intents/{id}/confirm", localstripe_endpoint()),
        &[("content-type", "application/json")],
        &body.to_string(),
    )
    .await;
    serde_json::from_str(&answer).unwrap_or_else(|_| panic!("localstripe: {answer}"))
}

pub async fn live_link(t: &TestApp, key: &str, amount: u64) -> String {
    t.create(
        "/api/v1/payments",
        key,
        json!({ "amount": amount, "currency": "usd", "description": "Order" }),
    )
    .await
}

#[tokio::test]
async fn a_live_link_is_paid_through_stripe_js_and_its_card_then_charges_off_session() {
    // GIVEN a live link, its page opened
    let t = TestApp::with_stripe(None).await;
    let (_, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 2000).await;
    let visit = t.open_page(&link).await;
    assert_eq!(visit.page.status, 200, "{}", visit.page.text);

    // THEN it loads Stripe.js with the publishable key, has no card field of ours, and lets
    // scripts run only from Stripe and its own nonce
    let html = &visit.page.text;
    let js = format!("src=\"{}/js.stripe.com/v3/\"", localstripe_endpoint());
    assert!(html.contains(&js), "{html}");
    assert!(html.contains(&format!("data-key=\"{LOCALSTRIPE_PUBLISHABLE_KEY}\"")));
    assert!(!html.contains("name=\"card_number\""));
    assert!(html.contains("<noscript>"));
    let csp = visit.page.header("content-security-policy").unwrap();
    assert!(csp.contains("script-src 'nonce-"), "{csp}");
    assert!(csp.contains(localstripe_endpoint()), "{csp}");
    assert!(!csp.contains("unsafe-eval") && !csp.contains("script-src 'unsafe-inline'"));
    let setup = setup_of(&visit);
    assert!(setup.0.starts_with("seti_"));

    // WHEN the browser confirms 4242 at Stripe and the form is submitted
    let confirmed = confirm_in_browser(&setup, "4242424242424242").await;
    assert_eq!(confirmed["status"], "succeeded", "{confirmed}");
    let paid = t
        .submit_page(
            &link,
            &visit,
            &[("email", "payer@example.com"), ("setup_intent", &setup.0)],
        )
        .await;

    // THEN the link is paid through Stripe: one PaymentIntent for the total, succeeded
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert!(paid.text.contains("<h1>Paid</h1>"), "{}", paid.text);
    let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    let payment = payment.data();
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["provider"], "stripe");
    let intents = intents_of(&link).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(
        (&intents[0]["amount"], &intents[0]["status"]),
        (&json!(2000), &json!("succeeded"))
    );
    // AND the payer is a customer with the card saved, which charges off-session
    let customer = payment["customerId"].as_str().unwrap();
    let got = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    assert_eq!(got.data()["email"], "payer@example.com");
    let charged = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 500, "currency": "usd", "description": "Renewal" }),
        )
        .await;
    assert_eq!(charged.status, 200, "{}", charged.text);
    assert_eq!(charged.data()["status"], "succeeded");
    let charge = charged.data()["id"].as_str().unwrap();
    assert_eq!(
        intents_of(charge).await[0]["customer"],
        intents[0]["customer"]
    );
    // AND the paid page is final: reopening it shows it paid, and it takes no other attempt
    let again = t.open_page(&link).await;
    assert!(again.page.text.contains("<h1>Paid</h1>"));
}

#[tokio::test]
async fn a_declined_card_a_setup_not_this_links_and_no_javascript_pay_nothing() {
    let t = TestApp::with_stripe(None).await;
    let (_, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1500).await;
    let other = live_link(&t, &key, 1500).await;

    // A SetupIntent of another link, confirmed: refused, nothing charged
    let elsewhere = t.open_page(&other).await;
    let foreign = setup_of(&elsewhere);
    confirm_in_browser(&foreign, "4242424242424242").await;
    let visit = t.open_page(&link).await;
    let refused = t
        .submit_page(
            &link,
            &visit,
            &[("email", "payer@example.com"), ("setup_intent", &foreign.0)],
        )
        .await;
    assert_eq!(refused.status, 200);
    assert!(refused.text.contains("Your card was not confirmed"));
    // This link's own SetupIntent, never confirmed (the card step skipped): the same
    let unconfirmed = setup_of(&visit);
    let refused = t
        .submit_page(
            &link,
            &visit,
            &[
                ("email", "payer@example.com"),
                ("setup_intent", &unconfirmed.0),
            ],
        )
        .await;
    assert!(refused.text.contains("Your card was not confirmed"));
    // Without JavaScript the form has no SetupIntent to send
    let no_script = t
        .submit_page(&link, &visit, &[("email", "payer@example.com")])
        .await;
    assert!(
        no_script.text.contains("needs JavaScript"),
        "{}",
        no_script.text
    );
    assert!(intents_of(&link).await.is_empty());
    let untouched = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(untouched.data()["status"], "pending");

    // A card that saves but declines every charge: 402, the link open for another card
    let visit = t.open_page(&link).await;
    let setup = setup_of(&visit);
    confirm_in_browser(&setup, "4000000000000341").await;
    let declined = t
        .submit_page(
            &link,
            &visit,
            &[("email", "payer@example.com"), ("setup_intent", &setup.0)],
        )
        .await;
    assert_eq!(declined.status, 402, "{}", declined.text);
    let failed = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(failed.data()["status"], "failed");
    // Another card then pays it, with one more PaymentIntent and no second charge
    let visit = t.open_page(&link).await;
    assert_eq!(visit.page.status, 200);
    let setup = setup_of(&visit);
    confirm_in_browser(&setup, "4242424242424242").await;
    let paid = t
        .submit_page(
            &link,
            &visit,
            &[("email", "payer@example.com"), ("setup_intent", &setup.0)],
        )
        .await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let intents = intents_of(&link).await;
    let succeeded = intents
        .iter()
        .filter(|intent| intent["status"] == "succeeded")
        .count();
    assert_eq!((intents.len(), succeeded), (2, 1), "{intents:?}");
}
