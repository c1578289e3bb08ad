//! Bounded races: each runs a fixed number of rounds of concurrent requests, then checks the
//! table's invariants.

use std::collections::{BTreeSet, HashMap};
use std::time::Duration;

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{GOOD_CARD, TestApp, customer_with_card, declined_invoice, event};

const ROUNDS: usize = 8;

async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(120), future)
        .await
        .expect("the race finishes within 120 s")
}

async fn all_pages(t: &TestApp, key: &str, path: &str) -> Vec<Value> {
    let mut items = Vec::new();
    let mut url = format!("{path}?limit=100");
    loop {
        let page = t.get(&url, key).await;
        items.extend(page.data().as_array().unwrap().iter().cloned());
        match page.body["nextCursor"].as_str() {
            Some(cursor) => url = format!("{path}?limit=100&cursor={cursor}"),
            None => return items,
        }
    }
}

/// Every succeeded payment has exactly one paid invoice; no canceled link has one; every
/// invoice belongs to one payment; invoice numbers are 1..=n, each once.
async fn assert_invariants(t: &TestApp, key: &str) {
    let payments = all_pages(t, key, "/api/v1/payments").await;
    let invoices = all_pages(t, key, "/api/v1/invoices").await;
    let mut by_payment: HashMap<String, Vec<&Value>> = HashMap::new();
    for invoice in &invoices {
        by_payment
            .entry(invoice["paymentId"].as_str().unwrap().to_owned())
            .or_default()
            .push(invoice);
    }
    for payment in &payments {
        let id = payment["id"].as_str().unwrap();
        let theirs = by_payment.get(id).map(Vec::as_slice).unwrap_or_default();
        match payment["status"].as_str().unwrap() {
            "succeeded" => {
                assert_eq!(theirs.len(), 1, "{id} has one invoice");
                assert_eq!(theirs[0]["status"], "paid");
                assert_eq!(payment["invoiceId"], theirs[0]["id"]);
            }
            "canceled" => assert!(theirs.is_empty(), "canceled link {id} has an invoice"),
            _ => assert!(theirs.len() <= 1),
        }
    }
    let numbers: Vec<u64> = invoices
        .iter()
        .map(|i| i["invoiceNumber"].as_str().unwrap()[4..].parse().unwrap())
        .collect();
    let unique: BTreeSet<u64> = numbers.iter().copied().collect();
    assert_eq!(unique.len(), numbers.len(), "no invoice number twice");
    assert_eq!(unique, (1..=numbers.len() as u64).collect(), "no gap");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn cancel_racing_a_payment_on_the_page_has_exactly_one_winner() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (mut paid, mut canceled) = (0, 0);
    for _ in 0..ROUNDS {
        let (_, id) = t.customer_with_link(&key, None, 500).await;
        let visit = t.open_page(&id).await;
        let (payer, merchant) = (t.clone(), t.clone());
        let (pay_id, cancel_id, key2) = (id.clone(), id.clone(), key.clone());
        let pay = tokio::spawn(async move { payer.submit_page(&pay_id, &visit, GOOD_CARD).await });
        let cancel = tokio::spawn(async move {
            merchant
                .post(
                    &format!("/api/v1/payments/{cancel_id}/cancel"),
                    &key2,
                    json!({}),
                )
                .await
        });
        let (pay, cancel) = bounded(async { (pay.await.unwrap(), cancel.await.unwrap()) }).await;
        let status = t.get(&format!("/api/v1/payments/{id}"), &key).await.data()["status"].clone();
        match status.as_str().unwrap() {
            "succeeded" => {
                paid += 1;
                assert_eq!(pay.status, 200, "{}", pay.text);
                cancel.error(409, "payment_not_cancelable");
            }
            "canceled" => {
                canceled += 1;
                assert_eq!(cancel.status, 200);
                assert_ne!(pay.status, 200, "a canceled link was paid: {}", pay.text);
            }
            other => panic!("link ended {other}"),
        }
    }
    assert_eq!(paid + canceled, ROUNDS);
    assert_invariants(&t, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn paid_racing_void_on_one_invoice_has_exactly_one_winner() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = customer_with_card(&t, &key, None, "4000000000000341").await;
    for _ in 0..ROUNDS {
        let invoice = declined_invoice(&t, &key, &customer).await;
        let path = format!("/api/v1/invoices/{invoice}/status");
        let requests = ["paid", "void"].map(|status| {
            let (t, path, key) = (t.clone(), path.clone(), key.clone());
            tokio::spawn(async move {
                t.send(
                    event("PUT", &path)
                        .key(&key)
                        .json(json!({ "status": status }))
                        .build(),
                )
                .await
            })
        });
        let [a, b] = requests;
        let (a, b) = bounded(async { (a.await.unwrap(), b.await.unwrap()) }).await;
        let winners = [&a, &b].iter().filter(|r| r.status == 200).count();
        assert_eq!(winners, 1, "{:#} / {:#}", a.body, b.body);
        let loser = if a.status == 200 { &b } else { &a };
        loser.error(409, "invoice_not_outstanding");
        let winner = if a.status == 200 { &a } else { &b };
        let stored = t.get(&format!("/api/v1/invoices/{invoice}"), &key).await;
        assert_eq!(stored.data()["status"], winner.data()["status"]);
    }
    assert_invariants(&t, &key).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_charges_get_unique_gapless_invoice_numbers() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let good = customer_with_card(&t, &key, None, "4242424242424242").await;
    let risky = customer_with_card(&t, &key, None, "4000000000000341").await;
    let charges: Vec<_> = (0..24)
        .map(|n| {
            let (t, key) = (t.clone(), key.clone());
            let customer = if n % 3 == 0 { risky.clone() } else { good.clone() };
            tokio::spawn(async move {
                t.post(
                    "/api/v1/payments/charge",
                    &key,
                    json!({ "customerId": customer, "amount": 100 + n, "currency": "usd", "description": "storm" }),
                )
                .await
            })
        })
        .collect();
    let responses = bounded(async {
        let mut out = Vec::new();
        for charge in charges {
            out.push(charge.await.unwrap());
        }
        out
    })
    .await;
    for response in &responses {
        assert!(matches!(response.status, 200 | 402), "{:#}", response.body);
    }
    assert_eq!(responses.iter().filter(|r| r.status == 402).count(), 8);
    let invoices = all_pages(&t, &key, "/api/v1/invoices").await;
    assert_eq!(invoices.len(), 2 + 24);
    assert_invariants(&t, &key).await;
}
