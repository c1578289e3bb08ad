use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::TestApp;

#[tokio::test]
async fn create_and_get_by_id_or_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({
        "email": "ada@example.com",
        "externalId": "ada@example.com",
        "fullName": "Ada Lovelace",
        "timezone": "Europe/London",
        "address": { "line1": "12 St James's Square", "city": "London", "postalCode": "SW1Y 4JH", "country": "gb" },
        "metadata": { "tier": "gold" }
    });
    let created = t.post("/api/v1/customers", &key, body).await;
    assert_eq!(created.status, 200, "{:#}", created.body);
    let customer = created.data().clone();
    let id = customer["id"].as_str().unwrap();
    assert!(id.starts_with("cus_"));
    assert_eq!(customer["externalId"], "ada@example.com");
    assert_eq!(customer["fullName"], "Ada Lovelace");
    assert_eq!(customer["address"]["country"], "GB");
    assert_eq!(customer["address"]["line2"], Value::Null);
    assert_eq!(customer["taxDocument"], Value::Null);
    assert_eq!(customer["documentType"], Value::Null);
    assert_eq!(customer["object"], "customer");
    assert_eq!(customer["livemode"], false);

    for reference in [id, "ada@example.com", "ada%40example.com"] {
        let fetched = t.get(&format!("/api/v1/customers/{reference}"), &key).await;
        assert_eq!(fetched.data(), &customer, "by {reference}");
    }
}

#[tokio::test]
async fn duplicate_external_id_is_409_and_names_the_field() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({ "email": "a@example.com", "externalId": "dup-1" });
    assert_eq!(
        t.post("/api/v1/customers", &key, body.clone()).await.status,
        200
    );
    let second = t.post("/api/v1/customers", &key, body).await;
    assert_eq!(second.error(409, "duplicate")["param"], "externalId");
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(
        listed.data().as_array().unwrap().len(),
        1,
        "the loser wrote nothing"
    );
}

#[tokio::test]
async fn create_reports_all_problems_including_nested_ones() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let body = json!({
        "email": "not-an-email",
        "externalId": "cus_sneaky",
        "address": { "country": "XX", "planet": "Mars" },
        "timezone": 5,
        "nickname": "x"
    });
    let response = t.post("/api/v1/customers", &key, body).await;
    let error = response.error(400, "validation_error");
    let fields: Vec<&str> = error["details"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["field"].as_str().unwrap())
        .collect();
    assert_eq!(
        fields,
        [
            "email",
            "externalId",
            "address.country",
            "address.planet",
            "timezone",
            "nickname"
        ]
    );
}

#[tokio::test]
async fn unknown_customers_are_404() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for reference in [
        "cus_01KEVENTSCVST0MER000000099",
        "nobody",
        "cus_malformed",
        "a%2Fb",
    ] {
        let response = t.get(&format!("/api/v1/customers/{reference}"), &key).await;
        response.error(404, "customer_not_found");
    }
}

#[tokio::test]
async fn list_pages_and_filters_by_external_id() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let mut ids = Vec::new();
    for n in 0..3 {
        let body =
            json!({ "email": format!("c{n}@example.com"), "externalId": format!("ext-{n}") });
        ids.push(t.post("/api/v1/customers", &key, body).await.data()["id"].clone());
    }
    ids.reverse();

    let first = t.get("/api/v1/customers?limit=2", &key).await;
    assert_eq!(first.body["hasMore"], true);
    let cursor = first.body["nextCursor"].as_str().unwrap();
    let second = t
        .get(&format!("/api/v1/customers?limit=2&cursor={cursor}"), &key)
        .await;
    assert_eq!(second.body["hasMore"], false);
    let seen: Vec<Value> = first
        .data()
        .as_array()
        .unwrap()
        .iter()
        .chain(second.data().as_array().unwrap())
        .map(|c| c["id"].clone())
        .collect();
    assert_eq!(seen, ids);

    let filtered = t.get("/api/v1/customers?externalId=ext-1", &key).await;
    let found = filtered.data().as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["externalId"], "ext-1");
    assert_eq!(filtered.body["hasMore"], false);
    let none = t.get("/api/v1/customers?externalId=ext-99", &key).await;
    assert_eq!(none.data(), &json!([]));
}
