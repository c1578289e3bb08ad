//! Bounded races: many requests at once against one item.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use serde_json::json;

use crate::helpers::{TestApp, event};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn thirty_two_concurrent_cancels_change_the_link_once() {
    // GIVEN a pending link
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let id = t
        .create(
            "/api/v1/payments",
            &key,
            json!({ "amount": 500, "currency": "usd", "description": "race" }),
        )
        .await;

    // WHEN 32 cancels arrive at once
    let mut tasks = Vec::new();
    for _ in 0..32 {
        let app = t.app;
        let request = event("POST", &format!("/api/v1/payments/{id}/cancel"))
            .key(&key)
            .build();
        tasks.push(tokio::spawn(async move {
            crate::helpers::TestResponse::from(
                crate::helpers::dispatch(app, "cancel_payment", request).await,
            )
        }));
    }
    let responses = tokio::time::timeout(Duration::from_secs(60), async {
        let mut responses = Vec::new();
        for task in tasks {
            responses.push(task.await.unwrap());
        }
        responses
    })
    .await
    .expect("32 cancels finish within 60 s");

    // THEN all answer 200 with the same canceled payment
    let first = responses[0].data().clone();
    assert_eq!(first["status"], "canceled");
    for response in &responses {
        assert_eq!(response.status, 200, "{:#}", response.body);
        assert_eq!(response.data(), &first);
    }

    // AND the item was written exactly once after its creation (version 1 -> 2)
    let item = t.payment_item(&account.id, &id).await;
    assert_eq!(item["version"], AttributeValue::N("2".into()));
}
