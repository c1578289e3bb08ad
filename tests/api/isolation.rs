//! One account's key never reaches another account's objects; sandbox never sees live.

use commet_payments::domain::account::Mode;
use serde_json::json;

use crate::helpers::TestApp;

#[tokio::test]
async fn another_account_sees_nothing_and_changes_nothing() {
    // GIVEN account A with a customer and a link
    let t = TestApp::new().await;
    let (_, a) = t.account(Mode::Sandbox).await;
    let (_, b) = t.account(Mode::Sandbox).await;
    let customer_id = t
        .create(
            "/api/v1/customers",
            &a,
            json!({ "email": "a@example.com", "externalId": "shared-ext" }),
        )
        .await;
    let link = t
        .post(
            "/api/v1/payments",
            &a,
            json!({ "amount": 100, "currency": "usd", "description": "A's", "customerId": customer_id }),
        )
        .await;
    let payment_id = link.data()["id"].as_str().unwrap().to_owned();

    // WHEN account B tries every way in
    t.get(&format!("/api/v1/payments/{payment_id}"), &b)
        .await
        .error(404, "payment_not_found");
    t.post(
        &format!("/api/v1/payments/{payment_id}/cancel"),
        &b,
        json!({}),
    )
    .await
    .error(404, "payment_not_found");
    t.get(&format!("/api/v1/customers/{customer_id}"), &b)
        .await
        .error(404, "customer_not_found");
    t.get("/api/v1/customers/shared-ext", &b)
        .await
        .error(404, "customer_not_found");
    assert_eq!(t.get("/api/v1/payments", &b).await.data(), &json!([]));
    assert_eq!(t.get("/api/v1/customers", &b).await.data(), &json!([]));
    assert_eq!(
        t.get(&format!("/api/v1/payments?customerId={customer_id}"), &b)
            .await
            .data(),
        &json!([])
    );
    t.post(
        "/api/v1/payments",
        &b,
        json!({ "amount": 100, "currency": "usd", "description": "B's", "customerId": customer_id }),
    )
    .await
    .error(404, "customer_not_found");

    // THEN A's link is untouched
    let still = t.get(&format!("/api/v1/payments/{payment_id}"), &a).await;
    assert_eq!(still.data()["status"], "pending");
}

#[tokio::test]
async fn sandbox_and_live_never_see_each_other() {
    let t = TestApp::new().await;
    let (_, live) = t.account(Mode::Live).await;
    let (_, sandbox) = t.account(Mode::Sandbox).await;
    let customer = t
        .post(
            "/api/v1/customers",
            &live,
            json!({ "email": "l@example.com" }),
        )
        .await;
    assert_eq!(customer.data()["livemode"], true);
    let id = customer.data()["id"].as_str().unwrap();
    t.get(&format!("/api/v1/customers/{id}"), &sandbox)
        .await
        .error(404, "customer_not_found");
    assert_eq!(
        t.get("/api/v1/customers", &sandbox).await.data(),
        &json!([])
    );
}
