//! Listings read fewer attributes than a single read (no keys, no write counter: see
//! `store::projection`); what they show must not change for it.

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, outstanding_invoice};

/// Every object of `listing` (one page), with the same object as its own GET shows it.
async fn listed_and_read(t: &TestApp, key: &str, listing: &str, read: &str) -> Vec<(Value, Value)> {
    let page = t.get(listing, key).await;
    assert_eq!(page.status, 200, "{:#}", page.body);
    let mut pairs = Vec::new();
    for listed in page.data().as_array().unwrap() {
        let id = listed["id"].as_str().unwrap();
        let own = t.get(&format!("{read}/{id}"), key).await;
        assert_eq!(own.status, 200, "{:#}", own.body);
        pairs.push((listed.clone(), own.data().clone()));
    }
    pairs
}

#[tokio::test]
async fn every_listing_shows_its_objects_as_their_own_read_does() {
    // GIVEN objects with their optional fields set: a customer with an address and a card, a
    // paid link, a declined charge (failure, card, invoice), its invoice, a webhook endpoint
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (customer, _) = outstanding_invoice(&t, &key).await;
    t.post(
        "/api/v1/payments",
        &key,
        json!({
            "amount": 1200, "currency": "usd", "description": "With everything",
            "customerId": customer, "successUrl": "https://shop.example/thanks",
            "metadata": { "order": "42" },
        }),
    )
    .await;
    t.post(
        "/api/v1/webhooks",
        &key,
        json!({
            "url": "http://127.0.0.1:8123/hooks", "events": ["payment_link.completed"],
            "description": "Orders", "apiVersion": "2026-07-30",
        }),
    )
    .await;

    // WHEN each is listed and read on its own THEN both show the same object
    for (listing, read, at_least) in [
        ("/api/v1/payments", "/api/v1/payments", 3),
        ("/api/v1/invoices", "/api/v1/invoices", 1),
        ("/api/v1/customers", "/api/v1/customers", 1),
        ("/api/v1/webhooks", "/api/v1/webhooks", 1),
    ] {
        let pairs = listed_and_read(&t, &key, listing, read).await;
        assert!(
            pairs.len() >= at_least,
            "{listing}: {} objects",
            pairs.len()
        );
        for (listed, own) in pairs {
            assert_eq!(listed, own, "{listing}");
        }
    }
}
