use commet_payments::domain::account::Mode;
use serde_json::json;

use crate::helpers::{TestApp, customer_with_card, outstanding_invoice};

#[tokio::test]
async fn an_outstanding_invoice_can_be_marked_paid_once() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    let path = format!("/api/v1/invoices/{invoice}/status");
    let response = t
        .send(
            crate::helpers::event("PUT", &path)
                .key(&key)
                .json(json!({ "status": "paid" }))
                .build(),
        )
        .await;
    assert_eq!(response.status, 200, "{:#}", response.body);
    let data = response.data();
    assert_eq!(data["id"], invoice.as_str());
    assert_eq!(data["status"], "paid");
    assert_eq!(data["object"], "invoice");
    assert_eq!(data["livemode"], false);
    assert!(data["updatedAt"].is_string());

    for status in ["paid", "void"] {
        let again = t
            .send(
                crate::helpers::event("PUT", &path)
                    .key(&key)
                    .json(json!({ "status": status }))
                    .build(),
            )
            .await;
        again.error(409, "invoice_not_outstanding");
    }
}

#[tokio::test]
async fn status_updates_validate_and_404() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    let path = format!("/api/v1/invoices/{invoice}/status");
    for body in [
        json!({ "status": "uncollectible" }),
        json!({}),
        json!({ "status": "paid", "x": 1 }),
    ] {
        let response = t
            .send(
                crate::helpers::event("PUT", &path)
                    .key(&key)
                    .json(body)
                    .build(),
            )
            .await;
        response.error(400, "validation_error");
    }
    let missing = t
        .send(
            crate::helpers::event(
                "PUT",
                "/api/v1/invoices/inv_01KEVENTS1NV0CE00000000099/status",
            )
            .key(&key)
            .json(json!({ "status": "void" }))
            .build(),
        )
        .await;
    missing.error(404, "invoice_not_found");
    let (_, other) = t.account(Mode::Sandbox).await;
    t.get(&format!("/api/v1/invoices/{invoice}"), &other)
        .await
        .error(404, "invoice_not_found");
}

#[tokio::test]
async fn list_filters_by_customer_and_status_with_pagination() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // One customer: a paid link invoice and an outstanding charge invoice.
    let (customer, _) = outstanding_invoice(&t, &key).await;
    // Another customer with a paid link invoice.
    customer_with_card(&t, &key, None, "4242424242424242").await;

    let all = t.get("/api/v1/invoices?limit=2", &key).await;
    assert_eq!(all.data().as_array().unwrap().len(), 2);
    assert_eq!(all.body["hasMore"], true);
    let cursor = all.body["nextCursor"].as_str().unwrap();
    let rest = t
        .get(&format!("/api/v1/invoices?limit=2&cursor={cursor}"), &key)
        .await;
    assert_eq!(rest.data().as_array().unwrap().len(), 1);
    assert_eq!(rest.body["hasMore"], false);

    let theirs = t
        .get(&format!("/api/v1/invoices?customerId={customer}"), &key)
        .await;
    assert_eq!(theirs.data().as_array().unwrap().len(), 2);
    // An externalId no customer of the account has: nobody's invoices, not everyone's.
    let nobody = t.get("/api/v1/invoices?customerId=nobody-here", &key).await;
    assert_eq!(nobody.status, 200);
    assert_eq!(nobody.data().as_array().unwrap().len(), 0);
    assert_eq!(nobody.body["hasMore"], false);
    let paid = t.get("/api/v1/invoices?status=paid&limit=1", &key).await;
    assert_eq!(paid.data().as_array().unwrap().len(), 1);
    assert_eq!(
        paid.body["hasMore"], true,
        "two paid invoices, pages of one"
    );
    let cursor = paid.body["nextCursor"].as_str().unwrap();
    let paid_rest = t
        .get(
            &format!("/api/v1/invoices?status=paid&limit=1&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(paid_rest.data().as_array().unwrap().len(), 1);
    assert_eq!(paid_rest.body["hasMore"], false);
    let outstanding = t
        .get(
            &format!("/api/v1/invoices?customerId={customer}&status=outstanding"),
            &key,
        )
        .await;
    let found = outstanding.data().as_array().unwrap();
    assert_eq!(found.len(), 1);
    assert_eq!(found[0]["status"], "outstanding");
    t.get("/api/v1/invoices?status=late", &key)
        .await
        .error(400, "validation_error");
}
