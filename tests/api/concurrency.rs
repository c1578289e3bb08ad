//! Bounded races: many requests at once against one item.

use std::time::Duration;

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use serde_json::json;

use crate::helpers::{TestApp, TestResponse, dispatch, event};

/// `count` requests made by `request`, sent through `function` all at once; their answers, the
/// test failing unless all come within 60 s.
async fn at_once(
    t: &TestApp,
    count: usize,
    function: &'static str,
    request: impl Fn() -> lambda_http::Request,
) -> Vec<TestResponse> {
    let tasks: Vec<_> = (0..count)
        .map(|_| {
            let (app, request) = (t.app, request());
            tokio::spawn(async move { TestResponse::from(dispatch(app, function, request).await) })
        })
        .collect();
    tokio::time::timeout(Duration::from_secs(60), async {
        let mut responses = Vec::new();
        for task in tasks {
            responses.push(task.await.unwrap());
        }
        responses
    })
    .await
    .unwrap_or_else(|_| panic!("{count} requests to {function} finish within 60 s"))
}

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
    let responses = at_once(&t, 32, "cancel_payment", || {
        event("POST", &format!("/api/v1/payments/{id}/cancel"))
            .key(&key)
            .build()
    })
    .await;

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

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn sixteen_concurrent_refunds_record_the_refund_once() {
    // GIVEN a succeeded sandbox charge (written twice: processing, then succeeded)
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = crate::helpers::customer_with_card(&t, &key, None, "4242424242424242").await;
    let charged = t
        .post(
            "/api/v1/payments/charge",
            &key,
            crate::stripe::charge_body(&customer),
        )
        .await;
    let id = charged.data()["id"].as_str().unwrap().to_owned();
    let written = t.payment_item(&account.id, &id).await["version"].clone();

    // WHEN 16 refunds of its transaction arrive at once
    let transaction = id.replacen("pay_", "txn_", 1);
    let responses = at_once(&t, 16, "refund_transaction", || {
        event(
            "POST",
            &format!("/api/v1/transactions/{transaction}/refund"),
        )
        .key(&key)
        .header("Commet-Version", "2026-08-27")
        .build()
    })
    .await;

    // THEN each is the one refund of it, or finds it refunded already
    let mut refunded = 0;
    for response in &responses {
        match response.status {
            200 => {
                refunded += 1;
                assert_eq!(response.data()["amount"], 2500, "{:#}", response.body);
            }
            _ => {
                response.error(409, "transaction_not_refundable");
            }
        }
    }
    assert!(refunded >= 1, "at least the first is refunded");

    // AND the refund was written exactly once
    let item = t.payment_item(&account.id, &id).await;
    let AttributeValue::N(before) = written else {
        panic!("a version")
    };
    let after = (before.parse::<u64>().unwrap() + 1).to_string();
    assert_eq!(item["version"], AttributeValue::N(after));
    assert_eq!(item["amountRefunded"], AttributeValue::N("2500".into()));
    assert_eq!(item["lastRefundAmount"], AttributeValue::N("2500".into()));
}
