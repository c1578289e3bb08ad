//! `/webhooks`: endpoints registered, listed, changed and deleted; their secret shown once; their
//! URL held to public addresses (docs/contract.md §5).

use std::time::Duration;

use commet_payments::app::App;
use commet_payments::domain::account::Mode;
use commet_payments::domain::webhook::WebhookEndpoint;
use serde_json::{Value, json};

use crate::helpers::{TestApp, config, dynamodb_endpoint, event};
use crate::receiver::{Answer, receiver};

fn endpoint(url: &str) -> Value {
    json!({ "url": url, "events": ["payment_link.completed", "payment.received"] })
}

#[tokio::test]
async fn an_endpoint_is_created_with_its_secret_shown_once_then_read_changed_and_deleted() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let created = t
        .post(
            "/api/v1/webhooks",
            &key,
            json!({
                "url": "http://127.0.0.1:8123/hooks",
                "events": ["payment_link.completed"],
                "description": "  Orders  ",
                "apiVersion": "2026-07-30",
            }),
        )
        .await;
    let data = created.data();
    let id = data["id"].as_str().unwrap().to_owned();
    assert!(id.starts_with("whk_"));
    let secret = data["secretKey"].as_str().unwrap();
    assert!(
        secret.starts_with("whsec_") && secret.len() == 6 + 43,
        "{secret}"
    );
    assert_eq!(data["url"], "http://127.0.0.1:8123/hooks");
    assert_eq!(data["events"], json!(["payment_link.completed"]));
    assert_eq!(data["description"], "Orders");
    assert_eq!(
        data["apiVersion"], "2026-07-24",
        "the release the date means"
    );
    assert_eq!(data["isActive"], true);
    assert_eq!(data["object"], "webhook");
    assert_eq!(data["livemode"], false);

    // Never again: not on a get, a list or an update.
    let got = t.get(&format!("/api/v1/webhooks/{id}"), &key).await;
    assert!(got.data().get("secretKey").is_none());
    assert!(!got.text.contains(secret));
    let listed = t.get("/api/v1/webhooks", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
    assert!(!listed.text.contains(secret));

    for method in ["PATCH", "PUT"] {
        let changed = t
            .send(
                event(method, &format!("/api/v1/webhooks/{id}"))
                    .key(&key)
                    .json(json!({ "isActive": false, "description": null, "events": ["customer.created"] }))
                    .build(),
            )
            .await;
        assert_eq!(changed.status, 200, "{method}: {}", changed.text);
        let data = changed.data();
        assert_eq!(data["isActive"], false);
        assert_eq!(data["description"], Value::Null, "null clears it");
        assert_eq!(data["events"], json!(["customer.created"]));
        assert_eq!(
            data["url"], "http://127.0.0.1:8123/hooks",
            "unsent fields stay"
        );
        assert!(!changed.text.contains(secret));
    }

    let deleted = t
        .send(
            event("DELETE", &format!("/api/v1/webhooks/{id}"))
                .key(&key)
                .build(),
        )
        .await;
    assert_eq!(
        deleted.data(),
        &json!({ "id": id, "deleted": true, "object": "webhook", "livemode": false })
    );
    t.get(&format!("/api/v1/webhooks/{id}"), &key)
        .await
        .error(404, "webhook_not_found");
    let again = t
        .send(
            event("DELETE", &format!("/api/v1/webhooks/{id}"))
                .key(&key)
                .build(),
        )
        .await;
    again.error(404, "webhook_not_found");
    assert_eq!(t.get("/api/v1/webhooks", &key).await.data(), &json!([]));
}

#[tokio::test]
async fn bad_input_is_refused_naming_each_field() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let refused = t
        .post(
            "/api/v1/webhooks",
            &key,
            json!({ "url": "ftp://x.example/", "events": ["payment.received", "subscription.created"], "apiVersion": "2027-01-01", "extra": 1 }),
        )
        .await;
    let fields = refused.invalid_fields();
    assert_eq!(fields, ["url", "events", "apiVersion", "extra"]);
    let events = &refused.body["error"]["details"][1]["message"];
    assert!(
        events.as_str().unwrap().contains("`subscription.created`"),
        "the unknown event is named: {events}"
    );
    for (body, field) in [
        (json!({ "events": ["payment.received"] }), "url"),
        (json!({ "url": "http://127.0.0.1:1/" }), "events"),
        (
            json!({ "url": "http://127.0.0.1:1/", "events": [] }),
            "events",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "events": "payment.received" }),
            "events",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "events": ["customer.created", "customer.created"] }),
            "events",
        ),
        (
            json!({ "url": "http://u:p@127.0.0.1:1/", "events": ["customer.created"] }),
            "url",
        ),
        (
            json!({ "url": "http://127.0.0.1:1/", "events": ["customer.created"], "description": " " }),
            "description",
        ),
    ] {
        let response = t.post("/api/v1/webhooks", &key, body.clone()).await;
        let error = response.error(400, "validation_error");
        assert_eq!(error["param"], field, "{body}");
    }
    let id = t
        .post("/api/v1/webhooks", &key, endpoint("http://127.0.0.1:1/"))
        .await
        .data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let patch = t
        .send(
            event("PATCH", &format!("/api/v1/webhooks/{id}"))
                .key(&key)
                .json(json!({ "isActive": "yes" }))
                .build(),
        )
        .await;
    assert_eq!(patch.error(400, "validation_error")["param"], "isActive");
    // The changes are a JSON object, `{}` for none (openapi.yaml: the body is required).
    for method in ["PATCH", "PUT"] {
        let path = format!("/api/v1/webhooks/{id}");
        let bare = t.send(event(method, &path).key(&key).build()).await;
        bare.error(400, "invalid_json");
        let none = t.send(event(method, &path).key(&key).json(json!({})).build());
        assert_eq!(none.await.data()["id"], id.as_str());
    }
    t.get("/api/v1/webhooks/whk_nope", &key)
        .await
        .error(404, "webhook_not_found");
}

/// The SSRF table: none of these may be saved by a live account (nor, but for loopback when the
/// deployment allows it, by a sandbox one).
#[tokio::test]
async fn urls_that_reach_inside_are_refused() {
    let t = TestApp::new().await;
    let strict = TestApp {
        app: App::new(t.store.clone(), {
            let mut config = config(dynamodb_endpoint());
            config.webhooks_allow_loopback = false;
            config
        })
        .leak(),
        store: t.store.clone(),
    };
    let (_, live) = strict.account(Mode::Live).await;
    let (_, sandbox) = strict.account(Mode::Sandbox).await;
    for url in [
        "https://127.0.0.1/hook",
        "https://[::1]/hook",
        "https://0.0.0.0/hook",
        "https://10.0.0.1/hook",
        "https://172.16.0.1/hook",
        "https://192.168.1.1/hook",
        "https://169.254.169.254/latest/meta-data/",
        "https://[fd00::1]/hook",
        "https://2130706433/hook",
        "https://0177.0.0.1/hook",
        "https://0x7f000001/hook",
        "https://[::ffff:127.0.0.1]/hook",
        "https://localhost/hook",
        "https://localhost./hook",
    ] {
        for key in [&live, &sandbox] {
            let refused = strict.post("/api/v1/webhooks", key, endpoint(url)).await;
            let error = refused.error(400, "validation_error");
            assert_eq!(error["param"], "url", "{url}");
        }
    }
    // A live account needs https, even to a public address.
    let plain = strict
        .post(
            "/api/v1/webhooks",
            &live,
            endpoint("http://93.184.215.14/hook"),
        )
        .await;
    assert!(
        plain.error(400, "validation_error")["message"]
            .as_str()
            .unwrap()
            .contains("https")
    );
    let public = strict
        .post(
            "/api/v1/webhooks",
            &live,
            endpoint("https://93.184.215.14/hook"),
        )
        .await;
    assert_eq!(public.data()["livemode"], true);
    // An update cannot move an endpoint inside either.
    let id = public.data()["id"].as_str().unwrap();
    let moved = strict
        .send(
            event("PATCH", &format!("/api/v1/webhooks/{id}"))
                .key(&live)
                .json(json!({ "url": "https://169.254.169.254/" }))
                .build(),
        )
        .await;
    assert_eq!(moved.error(400, "validation_error")["param"], "url");
    let unchanged = strict.get(&format!("/api/v1/webhooks/{id}"), &live).await;
    assert_eq!(unchanged.data()["url"], "https://93.184.215.14/hook");
}

#[tokio::test]
async fn an_account_has_a_bounded_number_of_endpoints_even_under_concurrent_creates() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let limit = WebhookEndpoint::MAX_PER_ACCOUNT as usize;
    let creates = (0..limit + 4).map(|n| {
        let t = t.clone();
        let key = key.clone();
        async move {
            t.post(
                "/api/v1/webhooks",
                &key,
                endpoint(&format!("http://127.0.0.1:{}/hook", 2000 + n)),
            )
            .await
        }
    });
    let answers = futures_util::future::join_all(creates).await;
    let created = answers.iter().filter(|a| a.status == 200).count();
    assert_eq!(created, limit);
    for refused in answers.iter().filter(|a| a.status != 200) {
        refused.error(409, "webhook_limit_reached");
    }
    let listed = t.get("/api/v1/webhooks?limit=100", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), limit);
    // Deleting one makes room for one.
    let first = listed.data()[0]["id"].as_str().unwrap();
    let deleted = t
        .send(
            event("DELETE", &format!("/api/v1/webhooks/{first}"))
                .key(&key)
                .build(),
        )
        .await;
    assert_eq!(deleted.status, 200);
    let again = t
        .post(
            "/api/v1/webhooks",
            &key,
            endpoint("http://127.0.0.1:3999/hook"),
        )
        .await;
    assert_eq!(again.status, 200, "{}", again.text);
    t.post(
        "/api/v1/webhooks",
        &key,
        endpoint("http://127.0.0.1:3998/hook"),
    )
    .await
    .error(409, "webhook_limit_reached");
}

#[tokio::test]
async fn a_test_delivery_is_signed_with_the_endpoints_secret_and_says_whether_it_arrived() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let mut receiving = receiver(&[Answer::Status(200)]).await;
    let url = receiving.url.clone();
    let created = t
        .post(
            "/api/v1/webhooks",
            &key,
            json!({ "url": url, "events": ["customer.created"], "apiVersion": "2026-07-24" }),
        )
        .await;
    let id = created.data()["id"].as_str().unwrap().to_owned();
    let secret = created.data()["secretKey"].as_str().unwrap().to_owned();

    let tested = t
        .post(&format!("/api/v1/webhooks/{id}/test"), &key, json!({}))
        .await;
    let data = tested.data();
    assert_eq!(data["success"], true, "{}", tested.text);
    assert!(data["deliveryId"].as_str().unwrap().starts_with("whdl_"));
    assert_eq!(data["object"], "webhook_delivery");

    let request = receiving.next(Duration::from_secs(15)).await.unwrap();
    assert!(request.signed_with(&secret));
    let delivered = request.json();
    assert_eq!(request.header("x-commet-event-id"), delivered["id"]);
    assert!(delivered["id"].as_str().unwrap().starts_with("whev_"));
    assert_eq!(delivered["event"], "webhook.test");
    assert_eq!(request.header("x-commet-event"), "webhook.test");
    assert_eq!(delivered["organizationId"], account.id.as_str());
    assert_eq!(delivered["mode"], "sandbox");
    assert_eq!(delivered["apiVersion"], "2026-07-24", "the endpoint's pin");
    assert_eq!(delivered["data"]["webhookId"], id.as_str());
    assert!(
        !request.head.contains(&secret) && !request.body.contains(&secret),
        "the secret itself is never sent"
    );

    // A receiver that fails: answered 200, success false.
    let failing = receiver(&[Answer::Status(500)]).await.url;
    let patched = t
        .send(
            event("PATCH", &format!("/api/v1/webhooks/{id}"))
                .key(&key)
                .json(json!({ "url": failing }))
                .build(),
        )
        .await;
    assert_eq!(patched.status, 200);
    let tested = t
        .post(&format!("/api/v1/webhooks/{id}/test"), &key, json!({}))
        .await;
    assert_eq!(tested.data()["success"], false);
    t.post(
        "/api/v1/webhooks/whk_01KEVENTSWEBH00K0000000009/test",
        &key,
        json!({}),
    )
    .await
    .error(404, "webhook_not_found");
}
