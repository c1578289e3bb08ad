//! A live link's hosted page with Stripe: the page opens a SetupIntent and loads Stripe.js; the
//! payer's browser confirms the card at Stripe (done here exactly as localstripe's Stripe.js
//! does it: its `confirmCardSetup` request); the submitted form names the SetupIntent and the
//! link is paid with one PaymentIntent, the card saved for off-session charges.

use commet_payments::domain::account::Mode;
use commet_payments::domain::ids::CustomerId;
use serde_json::{Value, json};

use crate::helpers::{
    CountingProxy, LOCALSTRIPE_PUBLISHABLE_KEY, PageVisit, TestApp, TestResponse, http_request,
    localstripe_endpoint, log_watch,
};
use crate::stripe::{EMAIL_INVALID, charge_body, intents_of, stripe};

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
    confirm_in_browser_at(localstripe_endpoint(), setup, number).await
}

/// The same at the localstripe at `endpoint`.
pub async fn confirm_in_browser_at(
    endpoint: &str,
    setup: &(String, String),
    number: &str,
) -> Value {
    let (id, secret) = setup;
    log_watch::watch_card(number);
    let body = json!({
        "key": LOCALSTRIPE_PUBLISHABLE_KEY, "use_stripe_sdk": true, "client_secret": secret,
        "payment_method_data": {"type": "card",
            "card": {"number": number, "exp_month": "12", "exp_year": "2034", "cvc": "123"},
            "billing_details": {"email": "payer@example.com"}}
    });
    let answer = http_request(
        "POST",
        &format!("{endpoint}/v1/setup_intents/{id}/confirm"),
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

/// A payer on the link's page: it opens, the browser confirms `card` at Stripe, and the form is
/// submitted for payer@example.com; the page's answer.
pub async fn pay_with_stripe_js(t: &TestApp, link: &str, card: &str) -> TestResponse {
    pay_as(t, link, card, "payer@example.com").await
}

/// The same for the payer at `email`.
async fn pay_as(t: &TestApp, link: &str, card: &str, email: &str) -> TestResponse {
    pay_as_at(localstripe_endpoint(), t, link, card, email).await
}

/// The same at the localstripe at `endpoint`.
pub async fn pay_as_at(
    endpoint: &str,
    t: &TestApp,
    link: &str,
    card: &str,
    email: &str,
) -> TestResponse {
    let visit = t.open_page(link).await;
    assert_eq!(visit.page.status, 200, "{}", visit.page.text);
    let setup = setup_of(&visit);
    confirm_in_browser_at(endpoint, &setup, card).await;
    t.submit_page(
        link,
        &visit,
        &[("email", email), ("setup_intent", &setup.0)],
    )
    .await
}

/// A customer made of `customer` (a create's body) and a live link of $13.00 for them: their ids.
async fn customer_link(t: &TestApp, key: &str, customer: Value) -> (String, String) {
    let customer = t.create("/api/v1/customers", key, customer).await;
    let link = t
        .create(
            "/api/v1/payments",
            key,
            json!({ "amount": 1300, "currency": "usd", "description": "Order", "customerId": customer }),
        )
        .await;
    (customer, link)
}

#[tokio::test]
async fn a_live_link_is_paid_through_stripe_js_and_its_card_then_charges_off_session() {
    // GIVEN a live link, its page opened
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
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
    assert_eq!(
        t.provider_reference(&account, &link).await.as_deref(),
        intents[0]["id"].as_str(),
        "the link records its PaymentIntent"
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
async fn a_page_payment_and_a_charge_make_their_stripe_calls_over_one_kept_connection() {
    // GIVEN a deployment whose Stripe calls pass a proxy that counts them
    let proxy = CountingProxy::to(localstripe_endpoint()).await;
    let t = TestApp::with_stripe_api_at(None, &proxy.origin).await;
    let (_, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 2000).await;

    // WHEN a payer opens the page, confirms a card and pays, and the merchant then charges them
    let paid = pay_with_stripe_js(&t, &link, "4242424242424242").await;
    assert!(paid.text.contains("<h1>Paid</h1>"), "{}", paid.text);
    let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    let customer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.data()["status"], "succeeded", "{}", charged.text);

    // THEN every Stripe call went over the first connection, kept alive between them
    assert!(proxy.requests() >= 5, "{} Stripe calls", proxy.requests());
    assert_eq!(
        proxy.connections(),
        1,
        "{} Stripe calls over {} connections",
        proxy.requests(),
        proxy.connections()
    );
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
    let declined = pay_with_stripe_js(&t, &link, "4000000000000341").await;
    assert_eq!(declined.status, 402, "{}", declined.text);
    let failed = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(failed.data()["status"], "failed");
    // Another card then pays it, with one more PaymentIntent and no second charge
    let paid = pay_with_stripe_js(&t, &link, "4242424242424242").await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let intents = intents_of(&link).await;
    let succeeded = intents
        .iter()
        .filter(|intent| intent["status"] == "succeeded")
        .count();
    assert_eq!((intents.len(), succeeded), (2, 1), "{intents:?}");
}

#[tokio::test]
async fn a_customers_attempts_share_one_stripe_customer_recorded_on_them() {
    // GIVEN a live link for a customer of ours who never paid through Stripe
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let (customer, link) = customer_link(&t, &key, json!({ "email": "known@example.com" })).await;

    // WHEN a card that declines is tried, then one that pays
    for (card, status) in [("4000000000000341", 402), ("4242424242424242", 200)] {
        let visit = t.open_page(&link).await;
        let setup = setup_of(&visit);
        confirm_in_browser(&setup, card).await;
        let answer = t
            .submit_page(&link, &visit, &[("setup_intent", &setup.0)])
            .await;
        assert_eq!(answer.status, status, "{card}: {}", answer.text);
    }

    // THEN one Stripe customer was made for them, tagged with them, both attempts used it,
    // and it is recorded on them
    let made: Vec<Value> = stripe("GET", "/v1/customers?limit=100", &[]).await["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|made| made["metadata"]["commet_customer_id"] == customer.as_str())
        .cloned()
        .collect();
    assert_eq!(made.len(), 1, "{made:?}");
    let stripe_customer = made[0]["id"].as_str().unwrap();
    assert_eq!(made[0]["email"], "known@example.com");
    let intents = intents_of(&link).await;
    assert_eq!(intents.len(), 2, "{intents:?}");
    assert!(
        intents
            .iter()
            .all(|intent| intent["customer"] == stripe_customer)
    );
    let stored = t
        .store
        .get_customer_by_id(&account.id, &CustomerId::parse(&customer).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(stored.provider_customer.as_deref(), Some(stripe_customer));
    assert_eq!(
        stored.payment_method.unwrap().provider_customer.as_deref(),
        Some(stripe_customer)
    );
}

/// The customer's link paid on the page, with `card` and no e-mail asked (the link names them).
async fn pay_customer_link(t: &TestApp, link: &str, card: &str) -> TestResponse {
    let visit = t.open_page(link).await;
    let setup = setup_of(&visit);
    confirm_in_browser(&setup, card).await;
    t.submit_page(link, &visit, &[("setup_intent", &setup.0)])
        .await
}

#[tokio::test]
async fn a_customer_whose_stripe_customer_was_deleted_at_stripe_pays_on_one_made_in_its_place() {
    // GIVEN a live customer who paid a link through Stripe (their Stripe customer recorded on
    // them, their card saved on it), and then that Stripe customer deleted at Stripe
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let profile = json!({ "email": "kim@example.com", "fullName": "Kim Kept" });
    let (customer, first) = customer_link(&t, &key, profile).await;
    let paid = pay_customer_link(&t, &first, "4242424242424242").await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let id = CustomerId::parse(&customer).unwrap();
    let stored = || async {
        let found = t.store.get_customer_by_id(&account.id, &id).await;
        found.unwrap().unwrap()
    };
    let gone = stored().await.provider_customer.unwrap();
    stripe("DELETE", &format!("/v1/customers/{gone}"), &[]).await;
    // (their saved card went with it: a charge fails, no money moved)
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.status, 402, "{}", charged.text);

    // WHEN they try another link of theirs with a card that declines
    let link = t
        .create(
            "/api/v1/payments",
            &key,
            json!({ "amount": 900, "currency": "usd", "description": "Order", "customerId": customer }),
        )
        .await;
    let declined = pay_customer_link(&t, &link, "4000000000000341").await;
    assert_eq!(declined.status, 402, "{}", declined.text);
    // THEN a Stripe customer was made in place of the gone one and recorded on them all the same
    let replacement = stored().await.provider_customer.unwrap();
    assert_ne!(replacement, gone);

    // WHEN they pay the link with a card that pays
    let paid = pay_customer_link(&t, &link, "4242424242424242").await;

    // THEN it is paid on that Stripe customer (no other made), told who they are
    assert_eq!(paid.status, 200, "{}", paid.text);
    let intents = intents_of(&link).await;
    let succeeded: Vec<&Value> = intents
        .iter()
        .filter(|intent| intent["status"] == "succeeded")
        .collect();
    assert_eq!((intents.len(), succeeded.len()), (2, 1), "{intents:?}");
    assert!(
        intents
            .iter()
            .all(|intent| intent["customer"] == replacement.as_str())
    );
    let made = stripe("GET", &format!("/v1/customers/{replacement}"), &[]).await;
    let made_id = replacement.as_str();
    assert_eq!(
        (&made["email"], &made["name"]),
        (&json!("kim@example.com"), &json!("Kim Kept"))
    );
    assert_eq!(made["metadata"]["commet_customer_id"], customer.as_str());
    // AND it is recorded on them with the card, which charges again
    let stored = stored().await;
    assert_eq!(stored.provider_customer.as_deref(), Some(made_id));
    assert_eq!(
        stored.payment_method.unwrap().provider_customer.as_deref(),
        Some(made_id)
    );
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.status, 200, "{}", charged.text);
    assert_eq!(charged.data()["status"], "succeeded");
}

#[tokio::test]
async fn a_payers_attempts_on_a_link_ask_stripe_for_one_stripe_customer_for_them() {
    // GIVEN Stripe behind a proxy, and a live link without a customer
    let proxy = CountingProxy::to(localstripe_endpoint()).await;
    let t = TestApp::with_stripe_api_at(None, &proxy.origin).await;
    let (_, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1500).await;

    // WHEN a payer's card declines, another payer's too, then the first payer's other card pays
    let attempts = [
        ("payer@example.com", "4000000000000341", 402),
        ("other@example.com", "4000000000000341", 402),
        ("payer@example.com", "4242424242424242", 200),
    ];
    for (email, card, status) in attempts {
        let answer = pay_as(&t, &link, card, email).await;
        assert_eq!(answer.status, status, "{email} {card}: {}", answer.text);
    }

    // THEN the first payer's Stripe customer was asked for twice under one idempotency key
    // (Stripe answers a key given again with the customer it made for it: one Stripe customer
    // for one payer; localstripe keeps no keys and makes another), the other payer's under
    // a key of their own
    let keys = proxy.idempotency_keys("POST /v1/customers ");
    assert_eq!(keys.len(), 3, "{keys:?}");
    assert_eq!(keys[0], keys[2]);
    assert_ne!(keys[0], keys[1]);
    let link_keys = format!("{link}-payer-");
    assert!(
        keys.iter().all(|key| key.starts_with(&link_keys)),
        "{keys:?}"
    );
}

/// The Stripe customer that paid `link`'s one PaymentIntent.
async fn stripe_customer_paying(link: &str) -> Value {
    let intents = intents_of(link).await;
    assert_eq!(intents.len(), 1, "{intents:?}");
    assert_eq!(intents[0]["status"], "succeeded");
    let customer = intents[0]["customer"].as_str().unwrap();
    stripe("GET", &format!("/v1/customers/{customer}"), &[]).await
}

#[tokio::test]
async fn a_payer_whose_email_stripe_refuses_still_pays_and_keeps_a_stripe_customer_without_it() {
    // GIVEN Stripe behind a proxy, and a live link for a customer of ours
    let proxy = CountingProxy::to(localstripe_endpoint()).await;
    let t = TestApp::with_stripe_api_at(None, &proxy.origin).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = json!({ "email": "pat@example.com", "fullName": "Pat Payer" });
    let (customer, link) = customer_link(&t, &key, customer).await;
    // AND Stripe refusing the next customer create that carries an e-mail
    proxy.answer_once("POST /v1/customers ", "email=", 400, EMAIL_INVALID);

    // WHEN the customer pays the link
    let visit = t.open_page(&link).await;
    let setup = setup_of(&visit);
    confirm_in_browser(&setup, "4242424242424242").await;
    let paid = t
        .submit_page(&link, &visit, &[("setup_intent", &setup.0)])
        .await;

    // THEN it is paid, by a Stripe customer made without the e-mail, named and tagged
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert!(paid.text.contains("<h1>Paid</h1>"), "{}", paid.text);
    assert!(!proxy.answer_waiting(), "Stripe's refusal was given");
    let at_stripe = stripe_customer_paying(&link).await;
    assert!(at_stripe["email"].is_null(), "{at_stripe}");
    assert_eq!(at_stripe["name"], "Pat Payer");
    assert_eq!(
        at_stripe["metadata"]["commet_customer_id"],
        customer.as_str()
    );
    // AND our customer keeps their e-mail, and the card saved on that Stripe customer
    // charges off-session
    let ours = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    assert_eq!(ours.data()["email"], "pat@example.com");
    let stored = t
        .store
        .get_customer_by_id(&account.id, &CustomerId::parse(&customer).unwrap())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        stored.provider_customer.as_deref(),
        at_stripe["id"].as_str()
    );
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.data()["status"], "succeeded", "{}", charged.text);

    // WHEN a payer without a customer gives an e-mail Stripe refuses on another link
    proxy.answer_once("POST /v1/customers ", "email=", 400, EMAIL_INVALID);
    let other = live_link(&t, &key, 900).await;
    let paid = pay_with_stripe_js(&t, &other, "4242424242424242").await;

    // THEN it is paid the same way, and the payer's customer of ours has the e-mail
    assert!(paid.text.contains("<h1>Paid</h1>"), "{}", paid.text);
    assert!(!proxy.answer_waiting(), "Stripe's refusal was given");
    let at_stripe = stripe_customer_paying(&other).await;
    assert!(at_stripe["email"].is_null(), "{at_stripe}");
    assert_eq!(
        at_stripe["metadata"]["commet_account_id"],
        account.id.as_str()
    );
    let payment = t.get(&format!("/api/v1/payments/{other}"), &key).await;
    let payer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let payer = t.get(&format!("/api/v1/customers/{payer}"), &key).await;
    assert_eq!(payer.data()["email"], "payer@example.com");

    // WHEN such a payer's card asks for authentication, so the attempt is recorded on their
    // return, without the form that held the e-mail
    proxy.answer_once("POST /v1/customers ", "email=", 400, EMAIL_INVALID);
    let third = live_link(&t, &key, 700).await;
    let asked = submitted_asking_authentication(&t, &third, "third@example.com").await;
    assert!(
        asked.text.contains("Confirm with your bank"),
        "{}",
        asked.text
    );
    let (step, intent, secret) = authentication_of(&asked);
    let path = format!("/v1/payment_intents/{intent}/_authenticate");
    authenticate_in_browser(&path, &secret, Some(true)).await;
    let back = t
        .submit_page(&third, &step, &[("payment_intent", &intent)])
        .await;

    // THEN it is paid, and the payer's customer of ours has the e-mail kept with the attempt
    // (their Stripe customer has none to read it from, and was not asked)
    assert!(back.text.contains("<h1>Paid</h1>"), "{}", back.text);
    let customer_reads: Vec<String> = proxy
        .request_lines()
        .into_iter()
        .filter(|line| line.starts_with("GET /v1/customers/"))
        .collect();
    assert!(customer_reads.is_empty(), "{customer_reads:?}");
    assert!(!proxy.answer_waiting(), "Stripe's refusal was given");
    assert!(stripe_customer_paying(&third).await["email"].is_null());
    let payment = t.get(&format!("/api/v1/payments/{third}"), &key).await;
    let payer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let payer = t.get(&format!("/api/v1/customers/{payer}"), &key).await;
    assert_eq!(payer.data()["email"], "third@example.com");
}

/// What localstripe's Stripe.js does when the payer answers its 3-D Secure window: the
/// SetupIntent confirmed again, or the PaymentIntent authenticated (or not).
pub async fn authenticate_in_browser(path: &str, secret: &str, success: Option<bool>) -> Value {
    authenticate_in_browser_at(localstripe_endpoint(), path, secret, success).await
}

/// The same at the localstripe at `endpoint`.
pub async fn authenticate_in_browser_at(
    endpoint: &str,
    path: &str,
    secret: &str,
    success: Option<bool>,
) -> Value {
    let body = json!({ "key": LOCALSTRIPE_PUBLISHABLE_KEY, "client_secret": secret, "use_stripe_sdk": true });
    let body = match success {
        // The PaymentIntent's endpoint takes no use_stripe_sdk.
        Some(_) => json!({ "key": LOCALSTRIPE_PUBLISHABLE_KEY, "client_secret": secret }),
        None => body,
    };
    let query = success.map_or(String::new(), |ok| format!("?success={ok}"));
    let answer = http_request(
        "POST",
        &format!("{endpoint}{path}{query}"),
        &[("content-type", "application/json")],
        &body.to_string(),
    )
    .await;
    serde_json::from_str(&answer).unwrap_or_else(|_| panic!("localstripe: {answer}"))
}

/// A payer of `link` whose card asks for 3-D Secure: saved through the page (the SetupIntent
/// authenticated in Stripe.js's window), the form submitted for `email`; the page's answer,
/// which asks the bank again for the payment itself.
pub async fn submitted_asking_authentication(t: &TestApp, link: &str, email: &str) -> TestResponse {
    submitted_asking_authentication_at(localstripe_endpoint(), t, link, email).await
}

/// The same at the localstripe at `endpoint`.
pub async fn submitted_asking_authentication_at(
    endpoint: &str,
    t: &TestApp,
    link: &str,
    email: &str,
) -> TestResponse {
    let visit = t.open_page(link).await;
    let setup = setup_of(&visit);
    let confirmed = confirm_in_browser_at(endpoint, &setup, "4000002760003184").await;
    assert_eq!(confirmed["status"], "requires_action");
    let path = format!("/v1/setup_intents/{}/confirm", setup.0);
    assert_eq!(
        authenticate_in_browser_at(endpoint, &path, &setup.1, None).await["status"],
        "succeeded"
    );
    t.submit_page(
        link,
        &visit,
        &[("email", email), ("setup_intent", &setup.0)],
    )
    .await
}

/// The authentication step's own form: its anti-forgery token and cookie, and the
/// PaymentIntent's id and client secret its script uses.
pub fn authentication_of(page: &crate::helpers::TestResponse) -> (PageVisit, String, String) {
    let field = |marker: &str| {
        page.text
            .split(marker)
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_else(|| panic!("{marker} in {}", page.text))
            .to_owned()
    };
    let visit = PageVisit {
        page: page.clone(),
        token: field("name=\"csrf\" value=\""),
        cookie: page
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .unwrap()
            .to_owned(),
    };
    (
        visit,
        field("name=\"payment_intent\" value=\""),
        field("data-secret=\""),
    )
}

#[tokio::test]
async fn a_card_that_asks_for_3d_secure_is_authenticated_in_the_browser_and_the_return_records_it()
{
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    for (authenticated, status, outcome) in [(true, 200, "succeeded"), (false, 402, "failed")] {
        // GIVEN a card that asks for authentication, saved through the page (authenticated once
        // for the SetupIntent, as Stripe.js's window does)
        let link = live_link(&t, &key, 1200).await;

        // WHEN the form is submitted, the bank asks again for the payment itself
        let asked = submitted_asking_authentication(&t, &link, "payer@example.com").await;
        assert_eq!(asked.status, 200, "{}", asked.text);
        assert!(
            asked.text.contains("Confirm with your bank"),
            "{}",
            asked.text
        );
        let processing = t.get(&format!("/api/v1/payments/{link}"), &key).await;
        assert_eq!(processing.data()["status"], "processing");
        let (step, intent, secret) = authentication_of(&asked);
        assert!(secret.starts_with(&format!("{intent}_secret_")));

        // AND the payer authenticates (or fails to) in Stripe.js's window, then returns
        let path = format!("/v1/payment_intents/{intent}/_authenticate");
        authenticate_in_browser(&path, &secret, Some(authenticated)).await;
        let back = t
            .submit_page(&link, &step, &[("payment_intent", &intent)])
            .await;

        // THEN the outcome read at Stripe is recorded
        assert_eq!(back.status, status, "{}", back.text);
        let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
        assert_eq!(payment.data()["status"], outcome);
        assert_eq!(intents_of(&link).await.len(), 1);
        if authenticated {
            assert!(back.text.contains("<h1>Paid</h1>"));
            assert_eq!(
                t.provider_reference(&account, &link).await,
                Some(intent.clone())
            );
            // AND returning again shows it paid and records nothing more
            let again = t
                .submit_page(&link, &step, &[("payment_intent", &intent)])
                .await;
            assert!(again.text.contains("<h1>Paid</h1>"));
        } else {
            assert!(back.text.contains("Pay $12.00"), "the form, to try again");
            // AND its PaymentIntent is canceled: the secret the browser holds pays nothing
            assert_eq!(intents_of(&link).await[0]["status"], "canceled");
        }
    }

    // A return naming another link's PaymentIntent records nothing
    let link = live_link(&t, &key, 1200).await;
    let asked = submitted_asking_authentication(&t, &link, "payer@example.com").await;
    let (step, _, _) = authentication_of(&asked);
    let other = live_link(&t, &key, 1200).await;
    let other_visit = t.open_page(&other).await;
    let other_setup = setup_of(&other_visit);
    confirm_in_browser(&other_setup, "4242424242424242").await;
    t.submit_page(
        &other,
        &other_visit,
        &[
            ("email", "payer@example.com"),
            ("setup_intent", &other_setup.0),
        ],
    )
    .await;
    let foreign = intents_of(&other).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let refused = t
        .submit_page(&link, &step, &[("payment_intent", &foreign)])
        .await;
    assert_eq!(refused.status, 409, "{}", refused.text);
    let still = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(still.data()["status"], "processing");
}

#[tokio::test]
async fn a_payer_who_left_mid_authentication_cannot_pay_twice() {
    // GIVEN a live link whose attempt waits for 3-D Secure, abandoned by the payer
    let t = TestApp::with_stripe(None).await;
    let (account, key) = t.account(Mode::Live).await;
    let link = live_link(&t, &key, 1300).await;
    let asked = submitted_asking_authentication(&t, &link, "payer@example.com").await;
    let (_, abandoned, abandoned_secret) = authentication_of(&asked);
    // ... until the attempt is stale (as two minutes would make it)
    t.begin_attempt_long_ago(&account.id, &link).await;

    // WHEN another attempt pays with another card
    let paid = pay_with_stripe_js(&t, &link, "4242424242424242").await;
    assert_eq!(paid.status, 200, "{}", paid.text);

    // THEN the abandoned PaymentIntent was canceled first: authenticating it now pays nothing,
    // and exactly one PaymentIntent of the link succeeded
    let late = authenticate_in_browser(
        &format!("/v1/payment_intents/{abandoned}/_authenticate"),
        &abandoned_secret,
        Some(true),
    )
    .await;
    assert!(late.get("error").is_some(), "{late}");
    let intents = intents_of(&link).await;
    let statuses: Vec<&str> = intents
        .iter()
        .map(|intent| intent["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.contains(&"canceled") && statuses.contains(&"succeeded"));
    let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    assert_eq!(payment.data()["status"], "succeeded");
}
