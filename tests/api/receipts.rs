//! Receipts (docs/contract.md §5): every settled payment e-mails its payer exactly one receipt
//! through SES (here aws-ses-v2-local), from the stream, with what the payer needs to know.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::charges::receipts;
use crate::helpers::{TestApp, card, customer_with_card, sent_mail, stream_relay};

/// The e-mails to `to`, once `wanted` arrived (failing after 30 s) and nothing more came for 3 s.
async fn mail_to(to: &str, wanted: usize) -> Vec<Value> {
    let deadline = Instant::now() + Duration::from_secs(30);
    let find = || async {
        sent_mail()
            .await
            .into_iter()
            .filter(|mail| mail["destination"]["to"] == json!([to]))
            .collect::<Vec<_>>()
    };
    loop {
        let found = find().await;
        if found.len() >= wanted {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "{} of {wanted} receipts to {to} arrived",
            found.len()
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    tokio::time::sleep(Duration::from_secs(3)).await;
    find().await
}

#[tokio::test]
async fn each_settled_payment_mails_its_payer_one_receipt_that_says_what_was_paid() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let payer = format!(
        "receipt-{}@example.com",
        &account.id.as_str()[5..15].to_ascii_lowercase()
    );

    // A link paid on its page by a new customer, then a charge of that customer's card.
    let link = t
        .create(
            "/api/v1/payments",
            &key,
            json!({ "amount": 2500, "currency": "usd", "description": "Order <b>#7</b>" }),
        )
        .await;
    let mut fields = vec![("email", payer.as_str())];
    let good = card("4242424242424242");
    fields.extend_from_slice(&good);
    assert_eq!(t.pay(&link, &fields).await.status, 200);
    let payment = t.get(&format!("/api/v1/payments/{link}"), &key).await;
    let customer = payment.data()["customerId"].as_str().unwrap().to_owned();
    let invoice_id = payment.data()["invoiceId"].as_str().unwrap().to_owned();
    let invoice = t.get(&format!("/api/v1/invoices/{invoice_id}"), &key).await;

    let mail = mail_to(&payer, 1).await;
    assert_eq!(mail.len(), 1, "exactly one receipt: {mail:#?}");
    let receipt = &mail[0];
    assert_eq!(receipt["from"], "receipts@commet-payments.test");
    assert_eq!(
        receipt["subject"],
        format!(
            "Your receipt from Test account ({})",
            invoice.data()["invoiceNumber"].as_str().unwrap()
        )
    );
    let html = receipt["body"]["html"].as_str().unwrap();
    let text = receipt["body"]["text"].as_str().unwrap();
    for part in [
        "Test account",
        "$25.00",
        invoice.data()["invoiceNumber"].as_str().unwrap(),
        "Visa ending in 4242",
        link.as_str(),
        &payment.data()["updatedAt"].as_str().unwrap()[..10],
    ] {
        assert!(
            html.contains(part) && text.contains(part),
            "{part} in {text}"
        );
    }
    assert!(
        html.contains("Order &#60;b&#62;#7&#60;/b&#62;"),
        "escaped: {html}"
    );
    assert!(text.contains("Order <b>#7</b>"));

    let charge = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 1999, "currency": "usd", "description": "Refill" }),
        )
        .await;
    assert_eq!(charge.status, 200, "{}", charge.text);
    let mail = mail_to(&payer, 2).await;
    assert_eq!(mail.len(), 2, "one more receipt, for the charge");
    assert!(mail[1]["body"]["text"].as_str().unwrap().contains("$19.99"));

    // Both receipt records moved pending -> sent, with SES's message id.
    let records = receipts(&t, &account.id).await;
    assert_eq!(records.len(), 2);
    for record in &records {
        assert_eq!(record["status"], AttributeValue::S("sent".into()));
        assert_eq!(record["attempts"], AttributeValue::N("1".into()));
        let id = record["messageId"].as_s().unwrap();
        assert!(mail.iter().any(|m| m["messageId"] == id.as_str()), "{id}");
        assert!(!record.contains_key("gsi2pk"), "out of the due index");
    }
}

#[tokio::test]
async fn a_declined_payment_mails_nothing() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let customer = customer_with_card(&t, &key, None, "4000000000000341").await;
    // The link that saved the card was paid: its receipt went to payer@example.com. The charge
    // declines: nothing more goes out for this account.
    let declined = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 300, "currency": "usd", "description": "No" }),
        )
        .await;
    assert_eq!(declined.status, 402);
    tokio::time::sleep(Duration::from_secs(3)).await;
    let ours: Vec<Value> = sent_mail()
        .await
        .into_iter()
        .filter(|mail| {
            mail["body"]["text"]
                .as_str()
                .is_some_and(|text| text.contains(account.name.as_str()) && text.contains("$3.00"))
        })
        .collect();
    assert!(ours.is_empty(), "{ours:#?}");
}
