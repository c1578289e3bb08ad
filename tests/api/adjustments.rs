//! `POST /invoices` (Commet's `invoices.createAdjustment`): adjustment invoices, a charge or
//! with a negative amount a credit, for a customer named either way.

use commet_payments::domain::account::Mode;
use serde_json::{Value, json};

use crate::helpers::{
    TestApp, TestResponse, downloaded_pdf, event, invoice_number, outstanding_invoice,
};

async fn adjust(t: &TestApp, key: &str, body: Value) -> TestResponse {
    t.post("/api/v1/invoices", key, body).await
}

/// A sandbox account with one customer, never invoiced: `(app, key, customer id)`.
async fn fresh_customer() -> (TestApp, String, String) {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "ada@example.com" }),
        )
        .await;
    (t, key, customer)
}

/// The number after `number` (`INV-000007` → `INV-000008`).
fn next(number: &str) -> String {
    let n: u64 = number["INV-".len()..].parse().unwrap();
    format!("INV-{:06}", n + 1)
}

#[tokio::test]
async fn an_adjustment_is_an_outstanding_numbered_invoice_of_no_payment_and_a_credit_is_negative() {
    // GIVEN a customer with an external id, whose declined charge left an invoice
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (customer, declined) = outstanding_invoice(&t, &key).await;
    let external = format!("ext-{}", &customer[4..16]);
    let named = t
        .send(
            event("PATCH", &format!("/api/v1/customers/{customer}"))
                .key(&key)
                .json(json!({ "externalId": external }))
                .build(),
        )
        .await;
    assert_eq!(named.status, 200, "{:#}", named.body);
    let last = invoice_number(&t, &key, &declined).await;

    // WHEN a charge is issued by id and a credit by external id
    let charge = adjust(
        &t,
        &key,
        json!({ "customerId": customer, "amount": 5000, "description": "Setup fee",
                "metadata": { "ticket": "42", "seats": 3, "waived": false } }),
    )
    .await;
    let credit = adjust(
        &t,
        &key,
        json!({ "customerId": external, "amount": -1250, "description": "Outage credit" }),
    )
    .await;

    // THEN both are outstanding adjustments of the customer, untaxed, numbered next
    assert_eq!(charge.status, 200, "{:#}", charge.body);
    assert_eq!(credit.status, 200, "{:#}", credit.body);
    let whole = |answer: TestResponse| {
        let t = &t;
        let key = &key;
        async move {
            let id = answer.data()["id"].as_str().unwrap().to_owned();
            let read = t.get(&format!("/api/v1/invoices/{id}"), key).await;
            // The answer (2026-07-11's CreatedInvoice, fewer fields) is the invoice as it reads.
            for (field, value) in answer.data().as_object().unwrap() {
                assert_eq!(&read.data()[field], value, "{field}");
            }
            read.data().clone()
        }
    };
    let (charge, credit) = (whole(charge).await, whole(credit).await);
    assert_eq!(charge["invoiceNumber"], next(&last));
    assert_eq!(credit["invoiceNumber"], next(&next(&last)));
    for (invoice, amount, line_type) in [(&charge, 5000, "one_time"), (&credit, -1250, "credit")] {
        assert_eq!(invoice["object"], "invoice");
        assert_eq!(invoice["invoiceType"], "adjustment");
        assert_eq!(invoice["status"], "outstanding");
        assert_eq!(invoice["customerId"], customer.as_str());
        assert_eq!(invoice["paymentId"], Value::Null, "no payment");
        assert_eq!(
            invoice["currency"], "usd",
            "as the customer's newest invoice"
        );
        assert_eq!(
            (
                &invoice["subtotal"],
                &invoice["taxAmount"],
                &invoice["total"]
            ),
            (&json!(amount), &json!(0), &json!(amount))
        );
        let lines = invoice["lineItems"].as_array().unwrap();
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0]["lineType"], line_type);
        assert_eq!(
            (&lines[0]["amount"], &lines[0]["quantity"]),
            (&json!(amount), &json!(1))
        );
        assert_eq!(invoice["issueDate"], invoice["createdAt"]);
    }
    assert_eq!(charge["lineItems"][0]["description"], "Setup fee");
    assert_eq!(
        charge["metadata"],
        json!({ "ticket": "42", "seats": 3, "waived": false })
    );
    let read = t
        .get(
            &format!("/api/v1/invoices/{}", charge["id"].as_str().unwrap()),
            &key,
        )
        .await;
    assert_eq!(read.data()["metadata"], charge["metadata"]);

    // AND they list with the customer's invoices, newest first
    let listed = t
        .get(&format!("/api/v1/invoices?customerId={customer}"), &key)
        .await;
    let ids: Vec<&str> = listed
        .data()
        .as_array()
        .unwrap()
        .iter()
        .map(|invoice| invoice["id"].as_str().unwrap())
        .collect();
    // (Before them: the declined charge's invoice, and the paid link's that vaulted the card.)
    assert_eq!(
        ids[..3],
        [
            credit["id"].as_str().unwrap(),
            charge["id"].as_str().unwrap(),
            declined.as_str()
        ]
    );

    // AND a credit is settled by hand like any outstanding invoice
    let settled = t
        .send(
            event(
                "PATCH",
                &format!("/api/v1/invoices/{}/status", credit["id"].as_str().unwrap()),
            )
            .key(&key)
            .json(json!({ "status": "paid" }))
            .build(),
        )
        .await;
    assert_eq!(settled.status, 200, "{:#}", settled.body);
    assert_eq!(settled.data()["status"], "paid");
}

#[tokio::test]
async fn the_currency_is_the_requests_else_the_customers_newest_invoices_else_usd() {
    let (t, key, customer) = fresh_customer().await;
    let currency = |response: TestResponse| {
        assert_eq!(response.status, 200, "{:#}", response.body);
        response.data()["currency"].as_str().unwrap().to_owned()
    };
    let body = |extra: Value| {
        let mut body = json!({ "customerId": customer, "amount": 700, "description": "Hours" });
        body.as_object_mut()
            .unwrap()
            .extend(extra.as_object().unwrap().clone());
        body
    };
    assert_eq!(
        currency(adjust(&t, &key, body(json!({}))).await),
        "usd",
        "never invoiced"
    );
    assert_eq!(
        currency(adjust(&t, &key, body(json!({ "currency": "EUR" }))).await),
        "eur"
    );
    assert_eq!(
        currency(adjust(&t, &key, body(json!({}))).await),
        "eur",
        "as the newest invoice"
    );
    assert_eq!(
        currency(adjust(&t, &key, body(json!({ "currency": "jpy" }))).await),
        "jpy"
    );
}

#[tokio::test]
async fn bad_adjustments_are_refused_naming_the_field_and_write_nothing() {
    let (t, key, customer) = fresh_customer().await;
    let valid = json!({ "customerId": customer, "amount": 100, "description": "x" });
    let with = |field: &str, value: Value| {
        let mut body = valid.clone();
        body[field] = value;
        body
    };
    let without = |field: &str| {
        let mut body = valid.clone();
        body.as_object_mut().unwrap().remove(field);
        body
    };
    for (body, field) in [
        (with("amount", json!(0)), "amount"),
        (with("amount", json!(100_000_000)), "amount"),
        (with("amount", json!(-100_000_000)), "amount"),
        (with("amount", json!(2.5)), "amount"),
        (with("amount", json!("100")), "amount"),
        (without("amount"), "amount"),
        (without("description"), "description"),
        (with("description", json!("  ")), "description"),
        (without("customerId"), "customerId"),
        (with("currency", json!("xau")), "currency"),
        (with("metadata", json!({ "n": [1] })), "metadata"),
        (with("tax", json!(1)), "tax"),
    ] {
        let refused = adjust(&t, &key, body.clone()).await;
        assert_eq!(refused.invalid_fields(), [field], "{body}");
    }
    for customer in ["cus_01KEVENTSCVST0MER000000099", "nobody-by-this-id"] {
        adjust(&t, &key, with("customerId", json!(customer)))
            .await
            .error(404, "customer_not_found");
    }
    // Another account's customer is no customer at all.
    let (_, other) = t.account(Mode::Sandbox).await;
    adjust(&t, &other, valid.clone())
        .await
        .error(404, "customer_not_found");

    let listed = t.get("/api/v1/invoices", &key).await;
    assert_eq!(listed.data(), &json!([]), "nothing was written");
    let first = adjust(&t, &key, valid).await;
    assert_eq!(
        first.data()["invoiceNumber"],
        "INV-000001",
        "no number was used up by a refusal"
    );
}

#[tokio::test]
async fn one_adjustment_per_idempotency_key() {
    let (t, key, customer) = fresh_customer().await;
    let body = json!({ "customerId": customer, "amount": -300, "description": "Goodwill" });
    let issue = || async {
        t.send(
            event("POST", "/api/v1/invoices")
                .key(&key)
                .header("Idempotency-Key", "credit-ada-1")
                .json(body.clone())
                .build(),
        )
        .await
    };
    let first = issue().await;
    let second = issue().await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(second.body, first.body, "the same invoice, number and all");
    let listed = t.get("/api/v1/invoices", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_credits_pdf_is_a_credit_note_of_negative_amounts() {
    let (t, key, customer) = fresh_customer().await;
    let credit = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": customer, "amount": -1250, "description": "Outage credit" }),
        )
        .await;
    let file = downloaded_pdf(&t, &key, &credit).await;
    assert_eq!(file.status, 200, "{}", file.text);
    for part in [
        "(Credit note INV-000001)",
        "(CREDIT)",
        "(Outage credit)",
        "(-$12.50)",
    ] {
        assert!(file.text.contains(part), "{part}");
    }
    for absent in ["(DUE)", "(Payment)"] {
        assert!(!file.text.contains(absent), "{absent}");
    }
}

#[tokio::test]
async fn concurrent_adjustments_take_consecutive_numbers_none_twice() {
    let (t, key, customer) = fresh_customer().await;
    const WRITERS: i64 = 8;
    let issued = futures_util::future::join_all((1..=WRITERS).map(|amount| {
        adjust(
            &t,
            &key,
            json!({ "customerId": customer, "amount": amount, "description": "x" }),
        )
    }))
    .await;
    let mut numbers: Vec<String> = issued
        .iter()
        .map(|answer| {
            assert_eq!(answer.status, 200, "{:#}", answer.body);
            answer.data()["invoiceNumber"].as_str().unwrap().to_owned()
        })
        .collect();
    numbers.sort();
    let expected: Vec<String> = (1..=WRITERS).map(|n| format!("INV-{n:06}")).collect();
    assert_eq!(numbers, expected);
}
