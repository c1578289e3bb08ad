//! Idempotency-Key on every write: replays, mismatches, concurrency, expiry, release.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use commet_payments::domain::idempotency::{IdempotencyKey, RequestFingerprint};
use commet_payments::domain::ids::AccountId;
use commet_payments::domain::time::Timestamp;
use commet_payments::http::routes;
use commet_payments::http::serve::serve;
use commet_payments::http::{ApiError, ApiRequest, ApiResponse};
use commet_payments::store::{ClaimOutcome, keys};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, customer_with_card, event, outstanding_invoice};

fn link_body() -> Value {
    json!({ "amount": 2500, "currency": "usd", "description": "Idempotent order" })
}

impl TestApp {
    async fn post_with_key(
        &self,
        path: &str,
        key: &str,
        idempotency_key: &str,
        body: Value,
    ) -> TestResponse {
        self.send(
            event("POST", path)
                .key(key)
                .header("Idempotency-Key", idempotency_key)
                .json(body)
                .build(),
        )
        .await
    }
}

async fn count(t: &TestApp, key: &str, path: &str) -> usize {
    t.get(&format!("{path}?limit=100"), key)
        .await
        .data()
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_repeat_replays_the_first_response_byte_for_byte() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let first = t
        .post_with_key("/api/v1/payments", &key, "order-1", link_body())
        .await;
    assert_eq!(first.status, 200);
    let again = t
        .post_with_key("/api/v1/payments", &key, "order-1", link_body())
        .await;
    assert_eq!(again.status, 200);
    assert_eq!(again.text, first.text, "identical body");
    assert_eq!(count(&t, &key, "/api/v1/payments").await, 1, "one payment");

    let customer = json!({ "email": "i@example.com", "externalId": "idem-1" });
    let first = t
        .post_with_key("/api/v1/customers", &key, "cus-1", customer.clone())
        .await;
    let again = t
        .post_with_key("/api/v1/customers", &key, "cus-1", customer)
        .await;
    assert_eq!(
        (first.status, again.status),
        (200, 200),
        "not 409 duplicate: {}",
        again.text
    );
    assert_eq!(again.text, first.text);
}

#[tokio::test]
async fn refusals_are_kept_too_and_replayed() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // A declined charge: 402, with the failed payment and outstanding invoice written once.
    let customer = customer_with_card(&t, &key, None, "4000000000000341").await;
    let body =
        json!({ "customerId": customer, "amount": 700, "currency": "usd", "description": "x" });
    let first = t
        .post_with_key("/api/v1/payments/charge", &key, "charge-1", body.clone())
        .await;
    first.error(402, "payment_failed");
    let again = t
        .post_with_key("/api/v1/payments/charge", &key, "charge-1", body)
        .await;
    assert_eq!(again.status, 402);
    assert_eq!(again.text, first.text);
    assert_eq!(
        count(&t, &key, "/api/v1/invoices").await,
        2,
        "the link's and one charge's"
    );

    // A 404 is an answer, kept like any other.
    let ghost =
        json!({ "amount": 1, "currency": "usd", "description": "x", "customerId": "ghost" });
    let first = t
        .post_with_key("/api/v1/payments", &key, "ghost-1", ghost.clone())
        .await;
    first.error(404, "customer_not_found");
    let again = t
        .post_with_key("/api/v1/payments", &key, "ghost-1", ghost)
        .await;
    assert_eq!(again.text, first.text);
}

#[tokio::test]
async fn cancel_charge_and_invoice_status_replay_after_the_state_moved_on() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // Cancel: the replay is the first 200, not the "already canceled" path.
    let id = t.post("/api/v1/payments", &key, link_body()).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/payments/{id}/cancel");
    let first = t.post_with_key(&path, &key, "cancel-1", json!({})).await;
    assert_eq!(first.data()["status"], "canceled");
    let again = t.post_with_key(&path, &key, "cancel-1", json!({})).await;
    assert_eq!(again.text, first.text);

    // Invoice status: a second PUT would be 409; with the key it replays the 200.
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    let put = |idem: &'static str| {
        event("PUT", &format!("/api/v1/invoices/{invoice}/status"))
            .key(&key)
            .header("Idempotency-Key", idem)
            .json(json!({ "status": "paid" }))
            .build()
    };
    let first = t.send(put("settle-1")).await;
    assert_eq!(first.status, 200, "{}", first.text);
    let again = t.send(put("settle-1")).await;
    assert_eq!(again.status, 200);
    assert_eq!(again.text, first.text);
    t.send(put("settle-2"))
        .await
        .error(409, "invoice_not_outstanding");
}

#[tokio::test]
async fn the_same_key_with_another_request_is_a_mismatch() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    t.post_with_key("/api/v1/payments", &key, "k", link_body())
        .await;
    let mut other = link_body();
    other["amount"] = json!(2501);
    let response = t.post_with_key("/api/v1/payments", &key, "k", other).await;
    assert_eq!(
        response.error(409, "idempotency_key_mismatch")["param"],
        "Idempotency-Key"
    );
    let other_path = t
        .post_with_key(
            "/api/v1/customers",
            &key,
            "k",
            json!({ "email": "x@example.com" }),
        )
        .await;
    other_path.error(409, "idempotency_key_mismatch");
    assert_eq!(count(&t, &key, "/api/v1/payments").await, 1);
    assert_eq!(count(&t, &key, "/api/v1/customers").await, 0);
}

#[tokio::test]
async fn keys_are_scoped_to_the_account() {
    let t = TestApp::new().await;
    let (_, a) = t.account(Mode::Sandbox).await;
    let (_, b) = t.account(Mode::Sandbox).await;
    let first = t
        .post_with_key("/api/v1/payments", &a, "shared", link_body())
        .await;
    let second = t
        .post_with_key("/api/v1/payments", &b, "shared", link_body())
        .await;
    assert_eq!((first.status, second.status), (200, 200));
    assert_ne!(first.data()["id"], second.data()["id"]);
}

#[tokio::test]
async fn invalid_keys_are_400_and_validation_failures_are_not_kept() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // Blank, too long, outside ASCII (API Gateway passes such bytes through), a control character.
    for bad in [" ", &"k".repeat(256), "clé-1", "a\tb"] {
        let response = t
            .post_with_key("/api/v1/payments", &key, bad, link_body())
            .await;
        assert_eq!(
            response.error(400, "validation_error")["param"],
            "Idempotency-Key"
        );
    }
    let invalid = t
        .post_with_key("/api/v1/payments", &key, "fix-me", json!({ "amount": 0 }))
        .await;
    invalid.error(400, "validation_error");
    // The corrected request with the same key runs: the failed one was not kept.
    let fixed = t
        .post_with_key("/api/v1/payments", &key, "fix-me", link_body())
        .await;
    assert_eq!(fixed.status, 200, "{}", fixed.text);
}

#[tokio::test]
async fn a_5xx_releases_the_key_so_a_retry_runs() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let request = || {
        event("POST", "/api/v1/payments")
            .key(&key)
            .header("Idempotency-Key", "flaky")
            .json(link_body())
            .build()
    };
    async fn outage(
        _: &'static commet_payments::app::App,
        _: ApiRequest,
    ) -> Result<ApiResponse, ApiError> {
        Err(ApiError::Unavailable("simulated outage".into()))
    }
    let failed = TestResponse::from(serve(t.app, &routes::CREATE_PAYMENT, request(), outage).await);
    failed.error(503, "service_unavailable");
    let retried = t.send(request()).await;
    assert_eq!(retried.status, 200, "{}", retried.text);
    assert_eq!(count(&t, &key, "/api/v1/payments").await, 1);
}

async fn claim_by_hand(t: &TestApp, account: &AccountId, idem: &str, body: &Value) {
    let fingerprint =
        RequestFingerprint::of("POST", "/api/v1/payments", body.to_string().as_bytes());
    let outcome = t
        .store
        .idempotency()
        .claim(
            account,
            &IdempotencyKey::parse(idem).unwrap(),
            &fingerprint,
            Timestamp::now(),
        )
        .await
        .unwrap();
    assert!(matches!(outcome, ClaimOutcome::Claimed(_)));
}

async fn set_record_field(t: &TestApp, account: &AccountId, idem: &str, field: &str, epoch: i64) {
    let value = AttributeValue::N(epoch.to_string());
    t.update_idempotency_record(
        account,
        idem,
        "SET #f = :v",
        &[("#f", field)],
        &[(":v", value)],
    )
    .await;
}

#[tokio::test]
async fn a_running_request_blocks_its_key_until_its_lock_runs_out() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    claim_by_hand(&t, &account.id, "busy", &link_body()).await;
    let response = t
        .post_with_key("/api/v1/payments", &key, "busy", link_body())
        .await;
    response.error(409, "idempotency_in_progress");
    assert!(response.header("retry-after").is_some());

    // The first invocation crashed: once its lock runs out, a retry runs.
    let past = Timestamp::now().datetime().unix_timestamp() - 1;
    set_record_field(&t, &account.id, "busy", "lockedUntil", past).await;
    let retried = t
        .post_with_key("/api/v1/payments", &key, "busy", link_body())
        .await;
    assert_eq!(retried.status, 200, "{}", retried.text);
}

#[tokio::test]
async fn after_24_hours_a_key_is_new_again() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let first = t
        .post_with_key("/api/v1/payments", &key, "old", link_body())
        .await;
    // DynamoDB's TTL deletes late; an expired record must already count as gone.
    let past = Timestamp::now().datetime().unix_timestamp() - 1;
    set_record_field(&t, &account.id, "old", keys::TTL, past).await;
    let later = t
        .post_with_key("/api/v1/payments", &key, "old", link_body())
        .await;
    assert_eq!(later.status, 200);
    assert_ne!(later.data()["id"], first.data()["id"], "executed again");
    assert_eq!(count(&t, &key, "/api/v1/payments").await, 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_requests_with_one_key_create_one_payment() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let tasks: Vec<_> = (0..32)
        .map(|_| {
            let (t, key) = (t.clone(), key.clone());
            tokio::spawn(async move {
                t.post_with_key("/api/v1/payments", &key, "storm", link_body())
                    .await
            })
        })
        .collect();
    let responses = tokio::time::timeout(Duration::from_secs(60), async {
        let mut out = Vec::new();
        for task in tasks {
            out.push(task.await.unwrap());
        }
        out
    })
    .await
    .expect("32 requests within 60 s");
    let created: Vec<&TestResponse> = responses.iter().filter(|r| r.status == 200).collect();
    assert!(!created.is_empty());
    for response in &responses {
        match response.status {
            200 => assert_eq!(
                response.text, created[0].text,
                "every 200 is the same payment"
            ),
            409 => {
                response.error(409, "idempotency_in_progress");
            }
            other => panic!("unexpected {other}: {}", response.text),
        }
    }
    assert_eq!(
        count(&t, &key, "/api/v1/payments").await,
        1,
        "exactly one payment"
    );
}

#[tokio::test]
async fn requests_without_the_header_are_not_deduplicated() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    t.post("/api/v1/payments", &key, link_body()).await;
    t.post("/api/v1/payments", &key, link_body()).await;
    assert_eq!(count(&t, &key, "/api/v1/payments").await, 2);
    // Reads ignore the header.
    let read = t
        .send(
            event("GET", "/api/v1/payments")
                .key(&key)
                .header("Idempotency-Key", " ")
                .build(),
        )
        .await;
    assert_eq!(read.status, 200);
}
