use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, event};

fn link_body() -> Value {
    json!({ "amount": 2500, "currency": "USD", "description": "  Order #7  " })
}

#[tokio::test]
async fn create_link_returns_a_pending_link_with_its_hosted_page() {
    // GIVEN a sandbox account
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;

    // WHEN it creates a payment link
    let body = json!({
        "amount": 2500, "currency": "USD", "description": "  Order #7  ",
        "successUrl": "https://shop.example/thanks", "metadata": { "order": "7" }
    });
    let response = t.post("/api/v1/payments", &key, body).await;

    // THEN the link is pending, in lower-case currency, with its page on the same host
    assert_eq!(response.status, 200, "{:#}", response.body);
    let payment = response.data();
    let id = payment["id"].as_str().unwrap();
    assert!(id.starts_with("pay_") && id.len() == 30);
    assert_eq!(payment["kind"], "link");
    assert_eq!(payment["status"], "pending");
    assert_eq!(payment["provider"], "commet");
    assert_eq!(payment["amountSubtotal"], 2500);
    assert_eq!(payment["taxAmount"], 0);
    assert_eq!(payment["amountTotal"], 2500);
    assert_eq!(payment["currency"], "usd");
    assert_eq!(payment["description"], "Order #7");
    assert_eq!(payment["metadata"], json!({ "order": "7" }));
    assert_eq!(payment["customerId"], Value::Null);
    assert_eq!(payment["expiresAt"], Value::Null);
    assert_eq!(payment["object"], "payment");
    assert_eq!(payment["livemode"], false);
    assert_eq!(
        payment["url"].as_str().unwrap(),
        format!("http://127.0.0.1:9000/pay/{id}")
    );
    assert_eq!(payment["createdAt"], payment["updatedAt"]);

    // AND it reads back identically
    let fetched = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(fetched.data(), payment);
}

#[tokio::test]
async fn create_link_for_a_customer_by_id_or_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer_id = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "ada@example.com", "externalId": "user-42" }),
        )
        .await;

    for reference in [customer_id.as_str(), "user-42"] {
        let mut body = link_body();
        body["customerId"] = json!(reference);
        let response = t.post("/api/v1/payments", &key, body).await;
        assert_eq!(response.status, 200, "{:#}", response.body);
        assert_eq!(response.data()["customerId"], json!(customer_id));
    }
}

#[tokio::test]
async fn create_link_for_an_unknown_customer_is_404_and_writes_nothing() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for reference in ["cus_01KEVENTSCVST0MER000000099", "nobody"] {
        let mut body = link_body();
        body["customerId"] = json!(reference);
        let response = t.post("/api/v1/payments", &key, body).await;
        let error = response.error(404, "customer_not_found");
        assert_eq!(error["param"], "customerId");
    }
    let list = t.get("/api/v1/payments", &key).await;
    assert_eq!(list.data(), &json!([]));
}

#[tokio::test]
async fn live_accounts_cannot_create_links_yet() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Live).await;
    let response = t.post("/api/v1/payments", &key, link_body()).await;
    response.error(409, "provider_unsupported");
}

#[tokio::test]
async fn every_problem_of_a_create_is_reported_at_once() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({
        "amount": 25.5, "currency": "usdx", "description": "   ",
        "successUrl": "ftp://x", "metadata": { "k": 1 }, "colour": "red"
    });
    let response = t.post("/api/v1/payments", &key, body).await;
    let fields = response.invalid_fields();
    let error = &response.body["error"];
    assert_eq!(
        fields,
        [
            "amount",
            "currency",
            "description",
            "successUrl",
            "metadata",
            "colour"
        ]
    );
    assert_eq!(error["param"], "amount");
    assert_eq!(error["type"], "validation_error");
}

#[tokio::test]
async fn amount_must_be_an_integer_in_range() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for amount in [
        json!(0),
        json!(100_000_000),
        json!("2500"),
        json!(2500.0),
        json!(true),
        json!(null),
        json!(-5),
    ] {
        let mut body = link_body();
        body["amount"] = amount.clone();
        let response = t.post("/api/v1/payments", &key, body).await;
        let error = response.error(400, "validation_error");
        assert_eq!(error["param"], "amount", "amount {amount}");
    }
    for amount in [1, 99_999_999] {
        let mut body = link_body();
        body["amount"] = json!(amount);
        assert_eq!(t.post("/api/v1/payments", &key, body).await.status, 200);
    }
}

#[tokio::test]
async fn missing_required_fields_are_named() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let response = t.post("/api/v1/payments", &key, json!({})).await;
    let error = response.error(400, "validation_error");
    let details = error["details"].as_array().unwrap();
    assert_eq!(details.len(), 3);
    assert!(details.iter().all(|d| d["message"] == "is required"));
}

#[tokio::test]
async fn body_must_be_a_json_object() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for body in [
        "",
        "[1,2]",
        "{\"amount\":",
        "null",
        "\"text\"",
        "{\"amount\":1,\"amount\":99999999,\"currency\":\"usd\",\"description\":\"x\"}",
    ] {
        let request = event("POST", "/api/v1/payments")
            .key(&key)
            .header("content-type", "application/json")
            .raw_body(body)
            .build();
        t.send(request).await.error(400, "invalid_json");
    }
    let form = event("POST", "/api/v1/payments")
        .key(&key)
        .header("content-type", "application/x-www-form-urlencoded")
        .raw_body("amount=1")
        .build();
    let error = t.send(form).await;
    assert_eq!(error.error(400, "invalid_json")["param"], "Content-Type");
}

#[tokio::test]
async fn bytes_that_are_not_utf8_are_invalid_json_not_a_crash() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for bytes in [
        &b"\xff"[..],
        b"{\"amount\":\"\xc3\x28\"}",
        b"\x00\x01\x02",
        &[0xf0, 0x9f, 0x98],
    ] {
        let request = event("POST", "/api/v1/payments")
            .key(&key)
            .header("content-type", "application/json")
            .binary_body(bytes)
            .build();
        t.send(request).await.error(400, "invalid_json");
    }
}

#[tokio::test]
async fn get_unknown_or_malformed_payment_is_404() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for id in [
        "pay_01KEVENTSPAYMENT0000000099",
        "pay_nope",
        "cus_01KEVENTSCVST0MER000000000",
        "%00",
    ] {
        let response = t.get(&format!("/api/v1/payments/{id}"), &key).await;
        response.error(404, "payment_not_found");
    }
}

#[tokio::test]
async fn list_pages_newest_first_with_exact_has_more() {
    // GIVEN five links
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let mut created = Vec::new();
    for n in 0..5 {
        let mut body = link_body();
        body["description"] = json!(format!("link {n}"));
        created.push(t.post("/api/v1/payments", &key, body).await.data()["id"].clone());
    }
    created.reverse();

    // WHEN listed two at a time
    let mut seen = Vec::new();
    let mut path = "/api/v1/payments?limit=2".to_owned();
    let mut pages = 0;
    loop {
        let page = t.get(&path, &key).await;
        assert_eq!(page.status, 200, "{:#}", page.body);
        pages += 1;
        let items = page.data().as_array().unwrap().clone();
        seen.extend(items.iter().map(|p| p["id"].clone()));
        if page.body["hasMore"] == json!(true) {
            assert!(!items.is_empty());
            let cursor = page.body["nextCursor"].as_str().unwrap();
            path = format!("/api/v1/payments?limit=2&cursor={cursor}");
        } else {
            assert!(
                page.body.get("nextCursor").is_none(),
                "last page has no cursor"
            );
            break;
        }
    }

    // THEN every link appears once, newest first, in three pages and no empty trailing page
    assert_eq!(seen, created);
    assert_eq!(pages, 3);
}

#[tokio::test]
async fn list_filters_by_customer_in_either_form() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer_id = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "c@example.com", "externalId": "crm-9" }),
        )
        .await;
    let mut body = link_body();
    body["customerId"] = json!(customer_id);
    let theirs = t.post("/api/v1/payments", &key, body).await.data()["id"].clone();
    t.post("/api/v1/payments", &key, link_body()).await;

    for filter in [customer_id.as_str(), "crm-9"] {
        let page = t
            .get(&format!("/api/v1/payments?customerId={filter}"), &key)
            .await;
        let ids: Vec<_> = page
            .data()
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["id"].clone())
            .collect();
        assert_eq!(ids, vec![theirs.clone()]);
        assert_eq!(page.body["hasMore"], false);
    }
    let nobody = t
        .get("/api/v1/payments?customerId=unknown-person", &key)
        .await;
    assert_eq!(nobody.data(), &json!([]));
}

#[tokio::test]
async fn list_rejects_bad_query_parameters() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for (query, param) in [
        ("limit=0", "limit"),
        ("limit=101", "limit"),
        ("limit=ten", "limit"),
        ("limit=1&limit=2", "limit"),
        ("cursor=not-a-cursor", "cursor"),
        ("customer_id=x", "customer_id"),
        ("customerId=cus_bad", "customerId"),
    ] {
        let response = t.get(&format!("/api/v1/payments?{query}"), &key).await;
        let error = response.error(400, "validation_error");
        assert_eq!(error["param"], param, "query {query}");
    }
}

#[tokio::test]
async fn a_cursor_only_continues_its_own_listing() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for _ in 0..2 {
        t.post("/api/v1/payments", &key, link_body()).await;
    }
    let page = t.get("/api/v1/payments?limit=1", &key).await;
    let cursor = page.body["nextCursor"].as_str().unwrap().to_owned();
    let customers = t
        .get(&format!("/api/v1/customers?cursor={cursor}"), &key)
        .await;
    assert_eq!(customers.error(400, "validation_error")["param"], "cursor");
    let filtered = t
        .get(
            &format!("/api/v1/payments?customerId=someone&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(filtered.error(400, "validation_error")["param"], "cursor");
}

#[tokio::test]
async fn cancel_a_pending_link_then_again_is_a_no_op() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t.post("/api/v1/payments", &key, link_body()).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let path = format!("/api/v1/payments/{id}/cancel");

    let first = t.post(&path, &key, json!({})).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(first.data()["status"], "canceled");

    // An empty body is as good as {}.
    let second = t.send(event("POST", &path).key(&key).build()).await;
    assert_eq!(second.status, 200);
    assert_eq!(
        second.data(),
        first.data(),
        "a repeat cancel changes nothing, updatedAt included"
    );
}

#[tokio::test]
async fn cancel_refuses_unknown_fields_and_unknown_payments() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t.post("/api/v1/payments", &key, link_body()).await.data()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let response = t
        .post(
            &format!("/api/v1/payments/{id}/cancel"),
            &key,
            json!({ "reason": "x" }),
        )
        .await;
    assert_eq!(response.error(400, "validation_error")["param"], "reason");
    let fetched = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(
        fetched.data()["status"],
        "pending",
        "a refused cancel writes nothing"
    );

    let missing = t
        .post(
            "/api/v1/payments/pay_01KEVENTSPAYMENT0000000099/cancel",
            &key,
            json!({}),
        )
        .await;
    missing.error(404, "payment_not_found");
}
