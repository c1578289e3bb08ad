//! The sandbox's dispute test card (4000 0000 0000 0259, Stripe's number for the same): what it
//! pays is disputed at once, so that a merchant sees `payment.disputed` and a disputed
//! transaction before going live.

use std::collections::BTreeSet;
use std::time::Duration;

use commet_payments::domain::account::Mode;
use serde_json::Value;

use crate::helpers::{TestApp, assert_transactions_indexed, customer_with_card, event};
use crate::stripe::charge_body;
use crate::stripe_refunds::{next_event, receiver_of};

fn transaction_of(payment: &str) -> String {
    payment.replacen("pay_", "txn_", 1)
}

#[tokio::test]
async fn what_the_dispute_card_pays_is_disputed_at_once_and_announced_once() {
    // GIVEN a sandbox account listening for disputes, and a customer whose link was paid with
    // the dispute card on the hosted page
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let mut receiving = receiver_of(&t, &key, &["payment.disputed"]).await;
    let customer = customer_with_card(&t, &key, None, "4000000000000259").await;
    let links = t
        .get(&format!("/api/v1/payments?customerId={customer}"), &key)
        .await;
    let link = links.data()[0]["id"].as_str().unwrap().to_owned();

    // WHEN the saved card is charged off-session
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;

    // THEN the charge is paid, as the link was: both read `succeeded`, invoices paid
    assert_eq!(charged.status, 200, "{}", charged.text);
    let charge = charged.data()["id"].as_str().unwrap().to_owned();
    for payment in [&link, &charge] {
        let read = t.get(&format!("/api/v1/payments/{payment}"), &key).await;
        assert_eq!(read.data()["status"], "succeeded", "{payment}");
        let invoice = read.data()["invoiceId"].as_str().unwrap().to_owned();
        let invoice = t.get(&format!("/api/v1/invoices/{invoice}"), &key).await;
        assert_eq!(invoice.data()["status"], "paid");
        // AND each carries the open dispute of its whole amount, written with its completion
        let stored = t.payment_item(&account.id, payment).await;
        assert_eq!(stored["disputeStatus"].as_s().unwrap(), "open");
        assert_eq!(stored["disputeReason"].as_s().unwrap(), "fraudulent");
        assert_eq!(
            stored["disputeId"].as_s().unwrap(),
            &payment.replacen("pay_", "dp_sbx_", 1)
        );
    }

    // AND the merchant hears `payment.disputed` once for each, of its whole amount
    let mut heard = BTreeSet::new();
    for _ in 0..2 {
        let delivered = next_event(&mut receiving).await;
        assert_eq!(delivered["event"], "payment.disputed");
        let data = &delivered["data"];
        assert_eq!(data["provider"], "commet");
        assert_eq!(data["disputeReason"], "fraudulent");
        assert_eq!(data["customerId"], customer.as_str());
        let transaction = data["paymentTransactionId"].as_str().unwrap().to_owned();
        let amount = if transaction == transaction_of(&link) {
            100
        } else {
            2500
        };
        assert_eq!(data["disputeAmount"], amount, "{transaction}");
        heard.insert(transaction);
    }
    assert_eq!(
        heard,
        BTreeSet::from([transaction_of(&link), transaction_of(&charge)])
    );
    assert!(
        receiving.drain(Duration::from_secs(3)).await.is_empty(),
        "each dispute once"
    );

    // AND both transactions read `disputed`, are listed as such, and cannot be refunded
    for payment in [&link, &charge] {
        let id = transaction_of(payment);
        let read = t.get(&format!("/api/v1/transactions/{id}"), &key).await;
        assert_eq!(read.data()["status"], "disputed", "{}", read.text);
        let refund = t
            .send(
                event("POST", &format!("/api/v1/transactions/{id}/refund"))
                    .key(&key)
                    .build(),
            )
            .await;
        refund.error(409, "transaction_not_refundable");
    }
    let listed = t.get("/api/v1/transactions?status=disputed", &key).await;
    let listed: BTreeSet<String> = listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|txn: &Value| txn["id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(listed, heard);
    assert_eq!(assert_transactions_indexed(&t.store, &account.id).await, 2);
}

#[tokio::test]
async fn other_test_cards_pay_without_a_dispute() {
    // GIVEN a customer who paid with the card that always succeeds, then was charged
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let charged = t
        .post("/api/v1/payments/charge", &key, charge_body(&customer))
        .await;
    assert_eq!(charged.status, 200, "{}", charged.text);

    // THEN neither payment carries a dispute, and the charge's transaction reads `succeeded`
    let payments = t
        .get(&format!("/api/v1/payments?customerId={customer}"), &key)
        .await;
    for payment in payments.data().as_array().unwrap() {
        let stored = t
            .payment_item(&account.id, payment["id"].as_str().unwrap())
            .await;
        assert!(!stored.contains_key("disputeId"), "{payment}");
    }
    let id = transaction_of(charged.data()["id"].as_str().unwrap());
    let read = t.get(&format!("/api/v1/transactions/{id}"), &key).await;
    assert_eq!(read.data()["status"], "succeeded");
}
