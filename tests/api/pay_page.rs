//! The hosted payment page: plain HTML forms, test cards, and the state of the link after.

use commet_payments::domain::account::Mode;
use serde_json::json;

use crate::helpers::{GOOD_CARD, Observed, TestApp, card, event, names};

#[tokio::test]
async fn the_page_shows_the_link_and_a_card_form() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let link = t
        .post(
            "/api/v1/payments",
            &key,
            json!({ "amount": 2500, "currency": "usd", "description": "Tea <& biscuits>" }),
        )
        .await;
    let id = link.data()["id"].as_str().unwrap().to_owned();

    let observed = Observed::default();
    let fresh = t.another_container_observed_by(observed.clone());
    let visit = fresh.open_page(&id).await;
    let html = &visit.page.text;
    assert_eq!(visit.page.status, 200);
    // A container new to the merchant: the page's item, then the link with the merchant's
    // account in one BatchGetItem. Warm, the link's account and the account are cached: the
    // link alone, one round trip.
    assert_eq!(observed.operations(), names(&["BatchGetItem", "GetItem"]));
    assert_eq!(fresh.open_page(&id).await.page.status, 200);
    assert_eq!(
        observed.operations(),
        names(&["BatchGetItem", "GetItem", "GetItem"])
    );
    assert_eq!(
        visit.page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(visit.page.header("x-frame-options"), Some("DENY"));
    assert!(
        html.contains("Tea &#60;&#38; biscuits&#62;") && !html.contains("<&"),
        "description is escaped"
    );
    assert!(html.contains("$25.00"), "amounts as payers read them");
    assert!(
        html.contains("<p class=\"merchant\"><bdi>Test account</bdi></p>"),
        "the page says whom the payer pays"
    );
    assert!(
        html.contains("name=\"email\""),
        "a link without customer asks for an e-mail"
    );
    assert!(html.contains("name=\"card_number\"") && html.contains("name=\"cvc\""));
    assert!(html.contains("width=device-width"), "works on a phone");
    assert!(!html.contains("<script"), "works without JavaScript");
    assert!(!visit.token.is_empty());
    assert!(visit.cookie.starts_with("commet_csrf="));
    assert!(
        visit
            .page
            .header("set-cookie")
            .unwrap()
            .contains("SameSite=Strict")
    );
}

#[tokio::test]
async fn paying_a_link_without_customer_creates_one_vaults_the_card_and_invoices() {
    // GIVEN a link with no customer
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let link = t
        .post(
            "/api/v1/payments",
            &key,
            json!({ "amount": 2500, "currency": "usd", "description": "Order 9", "successUrl": "https://shop.example/done" }),
        )
        .await;
    let id = link.data()["id"].as_str().unwrap().to_owned();

    // WHEN the payer pays with 4242
    let mut fields = vec![("email", "new.payer@example.com")];
    fields.extend_from_slice(GOOD_CARD);
    let paid = t.pay(&id, &fields).await;

    // THEN the page says paid and offers the way back
    assert_eq!(paid.status, 200, "{}", paid.text);
    assert!(paid.text.contains("Paid"));
    assert!(paid.text.contains("https://shop.example/done"));
    assert!(!paid.text.contains("4242 4242 4242 4242") && !paid.text.contains("4242424242424242"));

    // AND the link succeeded, with a customer, an invoice and the card summary
    let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    let payment = payment.data();
    assert_eq!(payment["status"], "succeeded");
    let customer_id = payment["customerId"].as_str().expect("customer created");
    let invoice_id = payment["invoiceId"].as_str().expect("invoice linked");

    let customer = t
        .get(&format!("/api/v1/customers/{customer_id}"), &key)
        .await;
    assert_eq!(customer.data()["email"], "new.payer@example.com");
    assert_eq!(customer.data()["paymentMethod"]["last4"], "4242");
    assert_eq!(customer.data()["paymentMethod"]["brand"], "visa");
    assert!(
        customer.data()["paymentMethod"].get("token").is_none(),
        "the token stays inside"
    );

    let invoice = t.get(&format!("/api/v1/invoices/{invoice_id}"), &key).await;
    let invoice = invoice.data();
    assert_eq!(invoice["status"], "paid");
    assert_eq!(invoice["invoiceType"], "one_time_payment");
    assert_eq!(invoice["invoiceNumber"], "INV-000001");
    assert_eq!(invoice["customerId"], customer_id);
    assert_eq!(invoice["total"], 2500);
    assert_eq!(invoice["lineItems"][0]["lineType"], "one_time");
    assert_eq!(invoice["lineItems"][0]["description"], "Order 9");

    // AND the paid link can never be paid again
    let again = t.open_page(&id).await;
    assert!(again.page.text.contains("Paid") && !again.page.text.contains("<form"));
    let resubmit = t.submit_page(&id, &again, GOOD_CARD).await;
    assert!(!resubmit.text.contains("<form"));
    let invoices = t.get("/api/v1/invoices", &key).await;
    assert_eq!(
        invoices.data().as_array().unwrap().len(),
        1,
        "one invoice, ever"
    );
}

#[tokio::test]
async fn a_declined_card_shows_why_and_the_payer_can_retry() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (customer_id, id) = t.customer_with_link(&key, None, 1200).await;

    let declined = t.pay(&id, &card("4000 0000 0000 9995")).await;
    assert_eq!(declined.status, 402);
    assert!(
        declined.text.contains("insufficient funds"),
        "{}",
        declined.text
    );
    assert!(declined.text.contains("<form"), "the payer may try again");
    let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(payment.data()["status"], "failed");
    assert_eq!(payment.data()["failureCode"], "insufficient_funds");
    assert!(
        t.get("/api/v1/invoices", &key)
            .await
            .data()
            .as_array()
            .unwrap()
            .is_empty()
    );

    let paid = t.pay(&id, GOOD_CARD).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(payment.data()["status"], "succeeded");
    assert_eq!(payment.data()["failureCode"], serde_json::Value::Null);
    assert_eq!(payment.data()["customerId"], customer_id.as_str());
    let customer = t
        .get(&format!("/api/v1/customers/{customer_id}"), &key)
        .await;
    assert_eq!(
        customer.data()["paymentMethod"]["last4"],
        "4242",
        "vaulted on the link's customer"
    );
}

#[tokio::test]
async fn each_test_card_moves_the_link_as_the_contract_says() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for (number, status, code) in [
        ("4000000000000002", "failed", Some("card_declined")),
        ("4000000000009995", "failed", Some("insufficient_funds")),
        (
            "4000002760003184",
            "requires_action",
            Some("authentication_required"),
        ),
        ("4000000000000341", "succeeded", None),
        ("4242424242424242", "succeeded", None),
    ] {
        let (_, id) = t.customer_with_link(&key, None, 700).await;
        t.pay(&id, &card(number)).await;
        let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
        assert_eq!(payment.data()["status"], status, "{number}");
        assert_eq!(payment.data()["failureCode"].as_str(), code, "{number}");
    }
}

#[tokio::test]
async fn bad_entries_are_shown_on_the_form_and_nothing_changes() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let id = t
        .create(
            "/api/v1/payments",
            &key,
            json!({ "amount": 100, "currency": "eur", "description": "x" }),
        )
        .await;
    let response = t
        .pay(
            &id,
            &[
                ("email", "nope"),
                ("card_number", "4242 4242 4242 4241"),
                ("expiry", "01/20"),
                ("cvc", "1"),
            ],
        )
        .await;
    assert_eq!(response.status, 400);
    for message in ["E-mail", "Card number", "Expiry", "CVC"] {
        assert!(response.text.contains(message), "{message} error shown");
    }
    assert!(
        !response.text.contains("4242 4242 4242 4241"),
        "the card number is not echoed"
    );
    let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(payment.data()["status"], "pending");
}

#[tokio::test]
async fn a_forged_submission_is_refused() {
    let t = TestApp::new().await;
    let (_, id) = {
        let (_, key) = t.account(Mode::Sandbox).await;
        t.customer_with_link(&key, None, 100).await
    };
    let visit = t.open_page(&id).await;
    let mut fields = vec![("csrf", visit.token.as_str())];
    fields.extend_from_slice(GOOD_CARD);
    // No cookie: a post from another site, which cannot read or set ours.
    let forged = t
        .send(event("POST", &format!("/pay/{id}")).form(&fields).build())
        .await;
    assert_eq!(forged.status, 403);
    // A cookie that does not match the form.
    let mismatched = t
        .send(
            event("POST", &format!("/pay/{id}"))
                .header("cookie", "commet_csrf=someone-elses")
                .form(&fields)
                .build(),
        )
        .await;
    assert_eq!(mismatched.status, 403);
}

#[tokio::test]
async fn canceled_and_unknown_links_show_clear_pages() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, id) = t.customer_with_link(&key, None, 100).await;
    // The payer opened the form before the merchant canceled the link.
    let open_form = t.open_page(&id).await;
    t.post(&format!("/api/v1/payments/{id}/cancel"), &key, json!({}))
        .await;
    let visit = t.open_page(&id).await;
    assert_eq!(visit.page.status, 410);
    assert!(visit.page.text.contains("canceled") && !visit.page.text.contains("<form"));
    let attempt = t.submit_page(&id, &open_form, GOOD_CARD).await;
    assert_eq!(attempt.status, 410, "a canceled link can never be paid");
    let payment = t.get(&format!("/api/v1/payments/{id}"), &key).await;
    assert_eq!(payment.data()["status"], "canceled");

    for unknown in ["pay_01KEVENTSPAYMENT0000000099", "nope", "%3Cscript%3E"] {
        let page = t
            .send(event("GET", &format!("/pay/{unknown}")).build())
            .await;
        assert_eq!(page.status, 404);
        assert!(!page.text.contains("<script>"));
    }
}

#[tokio::test]
async fn an_unreachable_datastore_is_a_page_asking_to_come_back() {
    // GIVEN a page function whose table endpoint has nothing listening
    let app = crate::helpers::app_without_datastore().await;

    // WHEN a payer opens a link's page, or submits its form
    let id = commet_payments::domain::ids::PaymentId::generate();
    for method in ["GET", "POST"] {
        let request = event(method, &format!("/pay/{id}")).form(GOOD_CARD).build();
        let page = crate::helpers::TestResponse::from(
            crate::helpers::dispatch(app, "pay_page", request).await,
        );

        // THEN the page (not a JSON error, not a 404) says to come back in a moment
        assert_eq!(page.status, 503, "{method}: {}", page.text);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert!(
            page.text.contains("Temporarily unavailable"),
            "{}",
            page.text
        );
        assert!(page.text.contains("please try again"), "{}", page.text);
        assert!(!page.text.contains("127.0.0.1"), "no internals leak");
    }
}
