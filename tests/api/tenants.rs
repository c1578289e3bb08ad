//! Tenants and secrets: every API route, called with another account's key, a sandbox key
//! against live objects, a revoked key, no key and malformed keys, never reaches account A's
//! objects; and nothing a request carries secretly (keys, card numbers) reaches the logs.

use commet_payments::domain::account::Mode;
use commet_payments::domain::time::Timestamp;
use commet_payments::http::routes::{self, Route};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, card, customer_with_card, event, log_watch};

/// Account A's objects, each reachable by id.
struct Objects {
    payment: String,
    customer: String,
    external: String,
    invoice: String,
    webhook: String,
    delivery: String,
}

async fn objects_of(t: &TestApp, key: &str) -> Objects {
    let customer = customer_with_card(t, key, None, "4000000000000341").await;
    let external = format!("ext-{}", &customer[4..12]);
    // A second customer with an external id, for the externalId forms.
    t.post(
        "/api/v1/customers",
        key,
        json!({ "email": "e@example.com", "externalId": external }),
    )
    .await;
    let declined = t
        .post(
            "/api/v1/payments/charge",
            key,
            json!({ "customerId": customer, "amount": 100, "currency": "usd", "description": "x" }),
        )
        .await;
    let details = &declined.body["error"]["details"];
    let webhook = t
        .post(
            "/api/v1/webhooks",
            key,
            json!({ "url": "http://127.0.0.1:9/hook", "events": ["payment.received"] }),
        )
        .await;
    let webhook = webhook.data()["id"].as_str().unwrap().to_owned();
    let tested = t
        .post(&format!("/api/v1/webhooks/{webhook}/test"), key, json!({}))
        .await;
    Objects {
        delivery: tested.data()["deliveryId"].as_str().unwrap().to_owned(),
        webhook,
        payment: details["paymentId"].as_str().unwrap().to_owned(),
        customer,
        external,
        invoice: details["invoiceId"].as_str().unwrap().to_owned(),
    }
}

/// The payment and the customer (by id and by external id) the matrix tries to change, as
/// `key` reads them.
async fn as_read_by(t: &TestApp, key: &str, a: &Objects) -> Vec<String> {
    let mut texts = Vec::new();
    for path in [
        format!("/api/v1/payments/{}", a.payment),
        format!("/api/v1/customers/{}", a.customer),
        format!("/api/v1/customers/{}", a.external),
        format!("/api/v1/invoices?customerId={}", a.customer),
    ] {
        texts.push(t.get(&path, key).await.text);
    }
    texts
}

/// Every way into A's objects through `route`, as (method, path, body).
fn attempts(route: &Route, a: &Objects) -> Vec<(String, String, Option<Value>)> {
    let one =
        |method: &str, path: String, body: Option<Value>| vec![(method.to_owned(), path, body)];
    match route.function {
        "create_payment" => one(
            "POST",
            "/api/v1/payments".into(),
            Some(
                json!({ "amount": 100, "currency": "usd", "description": "x", "customerId": a.customer }),
            ),
        ),
        "list_payments" => vec![
            ("GET".into(), "/api/v1/payments".into(), None),
            (
                "GET".into(),
                format!("/api/v1/payments?customerId={}", a.customer),
                None,
            ),
        ],
        "get_payment" => one("GET", format!("/api/v1/payments/{}", a.payment), None),
        "cancel_payment" => one(
            "POST",
            format!("/api/v1/payments/{}/cancel", a.payment),
            None,
        ),
        "charge_payment" => one(
            "POST",
            "/api/v1/payments/charge".into(),
            Some(
                json!({ "customerId": a.customer, "amount": 100, "currency": "usd", "description": "x" }),
            ),
        ),
        // A's paid and declined transactions, by status and by its customers' address.
        "list_transactions" => vec![
            ("GET".into(), "/api/v1/transactions".into(), None),
            (
                "GET".into(),
                "/api/v1/transactions?status=failed&customerEmail=payer@example.com".into(),
                None,
            ),
        ],
        // By the transaction's id and by the payment's own.
        "get_transaction" => by_transaction_and_payment("GET", a, "", None),
        "refund_transaction" => by_transaction_and_payment("POST", a, "/refund", Some(json!({}))),
        "create_customer" | "create_customer_batch" => vec![],
        "list_customers" => vec![
            ("GET".into(), "/api/v1/customers".into(), None),
            (
                "GET".into(),
                format!("/api/v1/customers?externalId={}", a.external),
                None,
            ),
        ],
        "get_customer" => vec![
            (
                "GET".into(),
                format!("/api/v1/customers/{}", a.customer),
                None,
            ),
            (
                "GET".into(),
                format!("/api/v1/customers/{}", a.external),
                None,
            ),
        ],
        "update_customer" => vec![
            (
                route.method.to_owned(),
                format!("/api/v1/customers/{}", a.customer),
                Some(json!({ "fullName": "Mallory", "externalId": "taken-over" })),
            ),
            (
                route.method.to_owned(),
                format!("/api/v1/customers/{}", a.external),
                Some(json!({ "email": "mallory@example.com" })),
            ),
        ],
        "get_invoice" => one("GET", format!("/api/v1/invoices/{}", a.invoice), None),
        "list_invoices" => vec![
            ("GET".into(), "/api/v1/invoices".into(), None),
            (
                "GET".into(),
                format!("/api/v1/invoices?customerId={}", a.customer),
                None,
            ),
        ],
        // Another account's credit for A's customer, named either way.
        "create_invoice" => vec![
            (
                "POST".into(),
                "/api/v1/invoices".into(),
                Some(json!({ "customerId": a.customer, "amount": -100, "description": "x" })),
            ),
            (
                "POST".into(),
                "/api/v1/invoices".into(),
                Some(json!({ "customerId": a.external, "amount": 100, "description": "x" })),
            ),
        ],
        "update_invoice_status" => one(
            route.method,
            format!("/api/v1/invoices/{}/status", a.invoice),
            Some(json!({ "status": "void" })),
        ),
        "create_invoice_download_link" => vec![
            (
                "POST".into(),
                format!("/api/v1/invoices/{}/download-links", a.invoice),
                Some(json!({})),
            ),
            (
                "GET".into(),
                format!("/api/v1/invoices/{}/download", a.invoice),
                None,
            ),
        ],
        "send_invoice" => one(
            "POST",
            format!("/api/v1/invoices/{}/send", a.invoice),
            Some(json!({})),
        ),
        "create_webhook" => vec![],
        "list_webhooks" => one("GET", "/api/v1/webhooks".into(), None),
        "get_webhook" => one("GET", format!("/api/v1/webhooks/{}", a.webhook), None),
        "update_webhook" => one(
            route.method,
            format!("/api/v1/webhooks/{}", a.webhook),
            Some(json!({ "isActive": false, "events": ["customer.created"] })),
        ),
        "delete_webhook" => one("DELETE", format!("/api/v1/webhooks/{}", a.webhook), None),
        "test_webhook" => one("POST", format!("/api/v1/webhooks/{}/test", a.webhook), None),
        "list_webhook_deliveries" => one(
            "GET",
            format!("/api/v1/webhooks/{}/deliveries", a.webhook),
            None,
        ),
        "retry_webhook_delivery" => one(
            "POST",
            format!(
                "/api/v1/webhooks/{}/deliveries/{}/retry",
                a.webhook, a.delivery
            ),
            None,
        ),
        // The hosted page is public by design and keyed by the link alone; the error
        // documentation is public and holds no account's data; Stripe's events take no key,
        // only Stripe's signature, and a forged one changes nothing (stripe_events.rs).
        // Public: a download link's token is its credential (tested in invoices.rs).
        "pay_page" | "error_docs" | "stripe_webhook" | "download_invoice" => vec![],
        other => panic!("route {other} has no tenant test: add its attempts here"),
    }
}

/// `method` on A's payment's transaction (`/api/v1/transactions/<id><rest>`), named by its
/// `txn_` id and by the payment's own.
fn by_transaction_and_payment(
    method: &str,
    a: &Objects,
    rest: &str,
    body: Option<Value>,
) -> Vec<(String, String, Option<Value>)> {
    [a.payment.replacen("pay_", "txn_", 1), a.payment.clone()]
        .into_iter()
        .map(|id| {
            let path = format!("/api/v1/transactions/{id}{rest}");
            (method.to_owned(), path, body.clone())
        })
        .collect()
}

async fn send(
    t: &TestApp,
    key: Option<&str>,
    method: &str,
    path: &str,
    body: Option<Value>,
) -> TestResponse {
    let mut request = event(method, path);
    if let Some(key) = key {
        request = request.header("x-api-key", key);
    }
    if let Some(body) = body {
        request = request.json(body);
    }
    t.send(request.build()).await
}

/// An answer that shows nothing of A: a 404, an empty list, or a refusal before any lookup.
fn reveals_nothing(response: &TestResponse, what: &str) {
    match response.status {
        200 => assert_eq!(
            response.data(),
            &json!([]),
            "{what}: a 200 must be an empty list"
        ),
        401 | 404 => {}
        // A live account is refused before anything is looked up.
        409 if response.body["error"]["code"] == "provider_unsupported" => {}
        other => panic!("{what}: unexpected {other}: {:#}", response.body),
    }
}

#[tokio::test]
async fn no_other_key_reaches_an_accounts_objects_through_any_route() {
    let t = TestApp::new().await;
    let (account_a, key_a) = t.account(Mode::Sandbox).await;
    let a = objects_of(&t, &key_a).await;
    let (_, key_b) = t.account(Mode::Sandbox).await;
    let (_, live) = t.account(Mode::Live).await;
    // A revoked key of A itself: refused once no warm container has it cached.
    let (revoked_account, revoked) = t.account(Mode::Sandbox).await;
    let key_id = t.store.list_api_keys(&revoked_account.id).await.unwrap()[0]
        .id
        .clone();
    t.store
        .revoke_api_key(&revoked_account.id, &key_id, Timestamp::now())
        .await
        .unwrap();
    let before = as_read_by(&t, &key_a, &a).await;

    // Keys name their account (`ck_test_<account>_<random>`): naming A's proves nothing.
    let names_a_made_up = format!("ck_test_{}_{}", account_a.id, "0".repeat(43));
    let b_naming_a = format!(
        "ck_test_{}{}",
        account_a.id,
        &key_b["ck_test_".len() + 31..]
    );
    let live_naming_a = format!("ck_live_{}{}", account_a.id, &live["ck_live_".len() + 31..]);
    let callers: [(&str, Option<&str>); 9] = [
        ("another account", Some(&key_b)),
        ("a live key", Some(&live)),
        ("a revoked key", Some(&revoked)),
        ("no key", None),
        ("a malformed key", Some("Bearer ck_test_x")),
        (
            "a made-up key",
            Some("ck_test_0000000000000000000000000000000000000000000"),
        ),
        ("a made-up key naming A", Some(&names_a_made_up)),
        ("B's key naming A", Some(&b_naming_a)),
        ("a live key naming A", Some(&live_naming_a)),
    ];
    let mut tried = 0;
    for route in routes::ALL {
        for (method, path, body) in attempts(route, &a) {
            for (who, key) in callers {
                let response = send(&t, key, &method, &path, body.clone()).await;
                reveals_nothing(&response, &format!("{method} {path} with {who}"));
                if key.is_none()
                    || who.contains("revoked")
                    || who.contains("made-up")
                    || who.contains("malformed")
                    || who.contains("naming A")
                {
                    response.error(401, "unauthorized");
                }
                tried += 1;
            }
        }
    }
    assert!(tried >= 27 * 9, "the matrix covers every route: {tried}");

    // A's objects did not change.
    assert_eq!(
        before,
        as_read_by(&t, &key_a, &a).await,
        "no payment, customer or invoice of A changed, and none was added"
    );
    t.get("/api/v1/customers/taken-over", &key_a)
        .await
        .error(404, "customer_not_found");
    let invoice = t
        .get(&format!("/api/v1/invoices/{}", a.invoice), &key_a)
        .await;
    assert_eq!(invoice.data()["status"], "outstanding");
    assert!(
        crate::charges::receipts(&t, &account_a.id)
            .await
            .iter()
            .all(|record| record["invoiceId"].as_s().ok() != Some(&a.invoice)),
        "no one else sent A's invoice"
    );
    let attempts = t
        .get(
            &format!("/api/v1/webhooks/{}/deliveries", a.webhook),
            &key_a,
        )
        .await;
    // (Events of A's own payments may be delivered to it meanwhile, by another test's relay.)
    assert_eq!(
        attempts
            .data()
            .as_array()
            .unwrap()
            .iter()
            .filter(|attempt| attempt["deliveryId"] == a.delivery.as_str())
            .count(),
        1,
        "no one else's retry was made"
    );
    let webhook = t
        .get(&format!("/api/v1/webhooks/{}", a.webhook), &key_a)
        .await;
    assert_eq!(webhook.data()["isActive"], true);
    assert_eq!(webhook.data()["url"], "http://127.0.0.1:9/hook");
}

/// Every test's logs are searched (helpers/log_watch.rs); this one pays a hosted page with two
/// cards and sends a wrong key, and makes sure the watch finds what it looks for.
#[tokio::test]
async fn logs_never_contain_api_keys_or_card_numbers() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, link) = t.customer_with_link(&key, None, 300).await;
    t.pay(&link, &card("4000 0000 0000 0002")).await;
    t.pay(&link, &card("4242424242424242")).await;
    t.get("/api/v1/payments", &key).await;
    t.get("/api/v1/payments", "ck_test_wrong_key_for_the_log_test")
        .await;

    // The watch itself: a line planted with the key is found, and named after this test.
    let planted = format!("planted-{}", ulid::Ulid::generate());
    tracing::info!(target: "commet_payments::http", "{planted} {key}");
    let leaks = log_watch::take_leaks_with(&planted);
    assert_eq!(leaks.len(), 1);
    assert!(
        leaks[0].contains("logged on tenants::logs_never_contain_api_keys_or_card_numbers,"),
        "{}",
        leaks[0]
    );
    log_watch::assert_no_leaks();
}
