//! A payment's transaction read (`GET /transactions/{id}`, the SDKs' `transactions.get`): its
//! status through the payment's life, its amounts, its payer and when it was paid.

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, customer_with_card, event};
use crate::transaction_refunds::pending_link;

/// The transaction `id`, in the newest version's shape.
async fn transaction(t: &TestApp, key: &str, id: &str) -> TestResponse {
    t.send(
        event("GET", &format!("/api/v1/transactions/{id}"))
            .key(key)
            .header("Commet-Version", "2026-08-27")
            .build(),
    )
    .await
}

fn transaction_of(payment: &Value) -> String {
    payment["id"].as_str().unwrap().replacen("pay_", "txn_", 1)
}

#[tokio::test]
async fn a_charges_transaction_shows_its_money_its_payer_and_its_refund() {
    // GIVEN a succeeded sandbox charge of $25.00 (no tax here)
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4242424242424242").await;
    let charged = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 2500, "currency": "usd", "description": "Plan" }),
        )
        .await;
    let payment = charged.data().clone();
    let paid_with = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    let invoice = t
        .get(
            &format!(
                "/api/v1/invoices/{}",
                payment["invoiceId"].as_str().unwrap()
            ),
            &key,
        )
        .await;

    // WHEN its transaction is read
    let id = transaction_of(&payment);
    let read = transaction(&t, &key, &id).await;

    // THEN it is the charge's: succeeded, in USD, paid by its customer when its invoice was made
    assert_eq!(read.status, 200, "{}", read.text);
    let data = read.data();
    assert_eq!(data["id"], id.as_str());
    assert_eq!(data["status"], "succeeded");
    assert_eq!(
        (
            &data["grossAmount"],
            &data["subtotal"],
            &data["taxAmount"],
            &data["presentmentAmount"]
        ),
        (&json!(2500), &json!(2500), &json!(0), &Value::Null)
    );
    assert_eq!(data["invoiceId"], payment["invoiceId"]);
    assert_eq!(data["customerEmail"], paid_with.data()["email"]);
    assert_eq!(data["paidAt"], invoice.data()["createdAt"]);
    assert_eq!(data["paymentMethod"], "card");
    assert_eq!(data["paymentContext"]["reason"], "one_time_payment");
    // AND by the payment's own id it is the same
    let by_payment = transaction(&t, &key, payment["id"].as_str().unwrap()).await;
    assert_eq!(by_payment.data(), data);

    // AND once refunded in full it reads refunded, paid when it was paid
    let refunded = t
        .post(
            &format!("/api/v1/transactions/{id}/refund"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(refunded.status, 200, "{}", refunded.text);
    let after = transaction(&t, &key, &id).await;
    assert_eq!(after.data()["status"], "refunded");
    assert_eq!(after.data()["paidAt"], invoice.data()["createdAt"]);
    assert_ne!(after.data()["updatedAt"], data["updatedAt"]);
}

#[tokio::test]
async fn a_declined_charge_failed_a_pending_link_has_none_and_other_currencies_show_as_presented() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    // A declined charge: failed, never paid, its outstanding invoice named
    let risky = customer_with_card(&t, &key, None, "4000000000000341").await;
    let declined = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": risky, "amount": 900, "currency": "eur", "description": "Month" }),
        )
        .await;
    let details = declined.error(402, "payment_failed")["details"].clone();
    let read = transaction(
        &t,
        &key,
        &transaction_of(&json!({"id": details["paymentId"]})),
    )
    .await;
    assert_eq!(read.status, 200, "{}", read.text);
    let data = read.data();
    assert_eq!(
        (&data["status"], &data["paidAt"], &data["invoiceId"]),
        (&json!("failed"), &Value::Null, &details["invoiceId"])
    );
    // In euros: no USD figures, the amount as presented
    assert_eq!(
        (
            &data["grossAmount"],
            &data["subtotal"],
            &data["taxAmount"],
            &data["presentmentAmount"],
            &data["currency"]
        ),
        (
            &Value::Null,
            &Value::Null,
            &Value::Null,
            &json!(900),
            &json!("eur")
        )
    );
    // A link nobody tried to pay yet has no transaction, nor has an unknown id
    let link = pending_link(&t, &key).await;
    for id in [
        link.replacen("pay_", "txn_", 1),
        "txn_01KEVENTSPAYMENT0000000009".to_owned(),
        "not-an-id".to_owned(),
    ] {
        transaction(&t, &key, &id)
            .await
            .error(404, "transaction_not_found");
    }
}
