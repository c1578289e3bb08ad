//! docs/contract.md §1: auth, routing, versions, limits, request ids and the error envelope.

use commet_payments::domain::account::Mode;
use commet_payments::domain::ids::ApiKeyId;
use commet_payments::domain::time::Timestamp;
use serde_json::json;

use commet_payments::endpoints;
use commet_payments::http::api_gateway::ApiGatewayEvent;
use lambda_http::{Context, LambdaEvent};

use crate::helpers::{TestApp, TestResponse, event};

#[tokio::test]
async fn missing_unknown_and_malformed_keys_are_401() {
    let t = TestApp::new().await;
    let no_key = t.send(event("GET", "/api/v1/payments").build()).await;
    no_key.error(401, "unauthorized");
    for key in ["ck_test_unknown", "sk_test_123", "", "ck_"] {
        t.get("/api/v1/payments", key)
            .await
            .error(401, "unauthorized");
    }
}

#[tokio::test]
async fn a_revoked_key_is_refused_once_the_cache_expires() {
    // A fresh app is a cold container: its cache is empty, as after the TTL.
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    assert_eq!(t.get("/api/v1/payments", &key).await.status, 200);
    let keys = t.store.list_api_keys(&account.id).await.unwrap();
    let key_id: ApiKeyId = keys[0].id.clone();
    t.store
        .revoke_api_key(&account.id, &key_id, Timestamp::now())
        .await
        .unwrap();

    let cold = TestApp::new().await;
    cold.get("/api/v1/payments", &key)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn unknown_routes_are_404_and_wrong_methods_405_with_allow() {
    let t = TestApp::new().await;
    for path in [
        "/api/v1/nope",
        "/api/v2/payments",
        "/",
        "/api/v1/payments/x/y/z",
    ] {
        t.send(event("GET", path).build())
            .await
            .error(404, "not_found");
    }
    let response = t.send(event("DELETE", "/api/v1/payments").build()).await;
    response.error(405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("POST, GET"));
    let response = t
        .send(event("PUT", "/api/v1/payments/pay_1/cancel").build())
        .await;
    response.error(405, "method_not_allowed");
    assert_eq!(response.header("allow"), Some("POST"));
}

#[tokio::test]
async fn a_header_outside_ascii_does_not_stop_the_request() {
    // API Gateway passes such bytes through: a CDN's city name (Cloudflare's `cf-ipcity`), a
    // browser's. http 1.6's `HeaderValue::from_str` refuses them, and aws_lambda_events parses
    // the event's header strings with it: read so, the whole event would be unreadable.
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let request = event("GET", "/api/v1/payments")
        .key(&key)
        .header("cf-ipcity", "Córdoba")
        .header("user-agent", "Benoît's client")
        .build();
    let response = t.send(request).await;
    assert_eq!(response.status, 200, "{}", response.text);
}

#[tokio::test]
async fn a_query_with_raw_quotes_or_brackets_is_read_and_its_field_named() {
    // lambda_http panicked building these URIs: API Gateway answered a bare 500.
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for query in [r#"status="paid""#, "status=<paid>"] {
        let response = t.get(&format!("/api/v1/invoices?{query}"), &key).await;
        assert_eq!(response.error(400, "validation_error")["param"], "status");
    }
}

#[tokio::test]
async fn an_event_that_cannot_be_read_is_answered_in_the_envelope() {
    let t = TestApp::new().await;
    let function = endpoints::by_name("list_payments").unwrap();
    let unreadable = serde_json::to_string(&json!({
        "version": "2.0",
        "rawPath": "/api/v1/payments",
        "headers": { "x-api-key": "ck_test_a\u{1}b" },
        "requestContext": { "http": { "method": "GET" } }
    }))
    .unwrap();
    let mut context = Context::default();
    context.request_id = "lambda-request-1".into();
    let payload = ApiGatewayEvent::from_slice(unreadable.as_bytes()).unwrap();
    let event = LambdaEvent::new(payload, context);
    let response = TestResponse::from(endpoints::answer(t.app, function, event).await);
    let error = response.error(400, "validation_error");
    assert_eq!(error["param"], "headers");
    assert!(
        !response.text.contains("ck_test_a"),
        "the offending value is not echoed: {}",
        response.text
    );
    assert_eq!(response.header("x-request-id"), Some("lambda-request-1"));
    assert_eq!(error["doc_url"], "/docs/errors#validation_error");
}

#[tokio::test]
async fn every_response_carries_the_request_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for response in [
        t.get("/api/v1/payments", &key).await,
        t.get("/api/v1/payments", "ck_bad").await,
        t.send(event("GET", "/nowhere").build()).await,
    ] {
        let id = response.header("x-request-id").expect("x-request-id");
        assert!(
            id.starts_with("test-"),
            "API Gateway's request id is used: {id}"
        );
    }
}

#[tokio::test]
async fn bodies_over_64_kib_are_413() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let big = json!({ "amount": 1, "currency": "usd", "description": "x".repeat(70 * 1024) });
    t.post("/api/v1/payments", &key, big)
        .await
        .error(413, "payload_too_large");
}

#[tokio::test]
async fn error_envelope_has_every_field_and_a_doc_url_per_code() {
    let t = TestApp::new().await;
    let response = t.get("/api/v1/payments", "ck_nope").await;
    let error = response.error(401, "unauthorized");
    assert_eq!(error["type"], "authentication_error");
    // The doc_url is this deployment's own error page, on the origin the client called...
    let doc_url = error["doc_url"].as_str().unwrap();
    assert_eq!(doc_url, "http://127.0.0.1:9000/docs/errors#unauthorized");
    assert_eq!(response.header("content-type"), Some("application/json"));
    // ... which exists and has the code's section.
    let page = t.send(event("GET", "/docs/errors").build()).await;
    assert_eq!(page.status, 200);
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert!(page.text.contains("<h2 id=\"unauthorized\">"));
}

#[tokio::test]
async fn an_unreachable_datastore_is_503_with_retry_after() {
    // GIVEN an app whose table endpoint has nothing listening
    let app = crate::helpers::app_without_datastore().await;

    // WHEN a client calls it
    let request = event("GET", "/api/v1/payments")
        .key("ck_test_anything")
        .build();
    let started = std::time::Instant::now();
    let response = crate::helpers::TestResponse::from(
        crate::helpers::dispatch(app, "list_payments", request).await,
    );

    // THEN it answers 503 in the envelope, with Retry-After, well inside a Lambda timeout
    let error = response.error(503, "service_unavailable");
    assert_eq!(error["type"], "internal_error");
    assert_eq!(response.header("retry-after"), Some("1"));
    assert!(
        !error["message"].as_str().unwrap().contains("127.0.0.1"),
        "no internals leak"
    );
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
}
