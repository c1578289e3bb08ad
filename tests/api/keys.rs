//! API keys on a container that has not seen them yet: a key that names its account lets a
//! read take the key's lookup along (one round trip, not two in a row); the answer still
//! waits for the key, takes the shape the key's account is pinned to, and keys from before keys
//! named their account keep working. Who may see what is tenants.rs.

use commet_payments::domain::account::{ApiKeySecret, Mode};
use commet_payments::domain::version::ApiVersion;
use serde_json::json;

use crate::helpers::{Observed, TestApp, TestResponse, event, names};

async fn read(t: &TestApp, path: &str, key: &str, version: Option<&str>) -> TestResponse {
    let mut request = event("GET", path).key(key);
    if let Some(version) = version {
        request = request.header("Commet-Version", version);
    }
    t.send(request.build()).await
}

async fn a_link(t: &TestApp, key: &str) -> String {
    t.create(
        "/api/v1/payments",
        key,
        json!({ "amount": 1250, "currency": "usd", "description": "keys" }),
    )
    .await
}

#[tokio::test]
async fn a_read_with_an_unseen_key_is_one_round_trip_with_the_keys_lookup() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let payment = a_link(&t, &key).await;
    // One item: the key's item comes in the same BatchGetItem. A Query: the key's GetItem
    // goes out with it.
    for (path, operations, at_once) in [
        (
            format!("/api/v1/payments/{payment}"),
            names(&["BatchGetItem"]),
            1,
        ),
        (
            "/api/v1/payments".to_owned(),
            names(&["GetItem", "Query"]),
            2,
        ),
    ] {
        let observed = Observed::default();
        let cold = t.another_container_observed_by(observed.clone());
        // The version the account is pinned to, named: nothing the key's item says can change
        // the answer.
        let response = read(&cold, &path, &key, Some("2026-07-11")).await;
        assert_eq!(response.status, 200, "{path}: {:#}", response.body);
        assert_eq!(observed.operations(), operations, "{path}");
        assert_eq!(observed.most_at_once(), at_once, "{path}");

        // Warm, the key is cached: the read alone.
        let again = read(&cold, &path, &key, Some("2026-07-11")).await;
        assert_eq!(again.text, response.text);
        assert_eq!(observed.operations().len(), operations.len() + 1, "{path}");
    }

    // A key nobody issued, naming the account: 401, though the read found the payment.
    let forged = format!("{}{}", &key[..40], "0".repeat(43));
    let cold = t.another_container_observed_by(Observed::default());
    read(&cold, &format!("/api/v1/payments/{payment}"), &forged, None)
        .await
        .error(401, "unauthorized");
}

#[tokio::test]
async fn an_unseen_key_of_a_pinned_account_gets_the_pins_shape() {
    let t = TestApp::new().await;
    let (_, key) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_07_11))
        .await;
    let payment = a_link(&t, &key).await;
    let path = format!("/api/v1/payments/{payment}");

    // The read went out before the pin was known, in the current version's shape; the pin
    // (found with the key) is older, so the read runs again in its shape.
    let observed = Observed::default();
    let cold = t.another_container_observed_by(observed.clone());
    let response = read(&cold, &path, &key, None).await;
    assert_eq!(response.status, 200, "{:#}", response.body);
    assert_eq!(response.header("commet-version"), Some("2026-07-11"));
    assert_eq!(
        response.body["success"], true,
        "enveloped: {:#}",
        response.body
    );
    assert_eq!(response.data()["id"], payment.as_str());
    assert_eq!(observed.operations(), names(&["BatchGetItem", "GetItem"]));

    // An account on the current version: the first read's answer is the answer.
    let (_, current) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::CURRENT))
        .await;
    let payment = a_link(&t, &current).await;
    let observed = Observed::default();
    let cold = t.another_container_observed_by(observed.clone());
    let response = read(
        &cold,
        &format!("/api/v1/payments/{payment}"),
        &current,
        None,
    )
    .await;
    assert_eq!(response.status, 200, "{:#}", response.body);
    assert_eq!(
        response.header("commet-version"),
        Some(ApiVersion::CURRENT.as_str())
    );
    assert_eq!(
        response.body["id"],
        payment.as_str(),
        "bare: {:#}",
        response.body
    );
    assert_eq!(observed.operations(), names(&["BatchGetItem"]));
}

#[tokio::test]
async fn keys_from_before_keys_named_their_account_keep_working() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let payment = a_link(&t, &key).await;
    // The shape every key had: the mode, then 43 random characters.
    let legacy = format!("ck_test_{}{}", ulid::Ulid::generate(), "k".repeat(17));
    t.issue_secret(&account, &ApiKeySecret::from_text(&legacy))
        .await;

    let observed = Observed::default();
    let cold = t.another_container_observed_by(observed.clone());
    let path = format!("/api/v1/payments/{payment}");
    let response = read(&cold, &path, &legacy, Some("2026-07-11")).await;
    assert_eq!(response.status, 200, "{:#}", response.body);
    assert_eq!(response.data()["id"], payment.as_str());
    assert_eq!(observed.most_at_once(), 1, "the key is looked up first");
    assert_eq!(observed.operations(), names(&["GetItem", "GetItem"]));

    let canceled = cold
        .post(&format!("{path}/cancel"), &legacy, json!({}))
        .await;
    assert_eq!(canceled.status, 200, "{:#}", canceled.body);
    assert_eq!(canceled.data()["status"], "canceled");
}
