use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::domain::account::Mode;
use commet_payments::domain::download::DownloadToken;
use commet_payments::domain::time::Timestamp;
use serde_json::json;

use crate::helpers::{
    Observed, TestApp, customer_with_card, downloaded_pdf, event, invoice_number, names,
    outstanding_invoice,
};

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
    // No invoice is a subscription's (there are none): Commet's SDKs may still ask.
    let of_subscription = t
        .get(
            &format!("/api/v1/invoices?customerId={customer}&subscriptionId=sub_1"),
            &key,
        )
        .await;
    assert_eq!(of_subscription.data(), &json!([]));
    assert_eq!(of_subscription.body["hasMore"], false);
    let too_long = "s".repeat(256);
    let refused = t
        .get(&format!("/api/v1/invoices?subscriptionId={too_long}"), &key)
        .await;
    assert_eq!(refused.invalid_fields(), ["subscriptionId"]);
}

/// The path of a download URL (the tests serve it as API Gateway would, on any host).
fn path_of(url: &str) -> String {
    let path = url
        .split_once("/files/invoices/")
        .map(|(_, token)| format!("/files/invoices/{token}"));
    path.unwrap_or_else(|| panic!("not a download URL: {url}"))
}

#[tokio::test]
async fn a_download_link_serves_the_invoice_as_a_pdf_without_a_key_for_seven_days() {
    // GIVEN an outstanding invoice
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    let number = invoice_number(&t, &key, &invoice).await;

    // WHEN a download link is asked for, both ways
    let made = t
        .post(
            &format!("/api/v1/invoices/{invoice}/download-links"),
            &key,
            json!({}),
        )
        .await;
    let old_way = t
        .get(&format!("/api/v1/invoices/{invoice}/download"), &key)
        .await;

    // THEN each answers a URL for seven days, named as 2026-07-11 names it
    for answer in [&made, &old_way] {
        assert_eq!(answer.status, 200, "{:#}", answer.body);
        let data = answer.data();
        assert_eq!(data["object"], "invoice");
        assert_eq!(data["livemode"], false);
        let expires = Timestamp::parse(data["expiresAt"].as_str().unwrap()).unwrap();
        let days = (expires.datetime() - Timestamp::now().datetime()).whole_hours();
        assert!((167..=168).contains(&days), "{days} hours");
        assert!(
            data["url"]
                .as_str()
                .unwrap()
                .starts_with("http://127.0.0.1:9000/files/invoices/"),
            "{data}"
        );
    }
    assert_ne!(made.data()["url"], old_way.data()["url"], "a link each");

    // AND the URL serves the PDF to anyone who has it, no key needed
    let path = path_of(made.data()["url"].as_str().unwrap());
    let observed = Observed::default();
    let fresh = t.another_container_observed_by(observed.clone());
    let file = fresh.send(event("GET", &path).build()).await;
    assert_eq!(file.status, 200, "{}", file.text);
    // Two round trips: the link, then the invoice, its customer and (in a container new to
    // the merchant) the merchant's account in one BatchGetItem. Warm, the account is cached.
    assert_eq!(observed.operations(), names(&["GetItem", "BatchGetItem"]));
    let again = fresh.send(event("GET", &path).build()).await;
    assert_eq!(again.status, 200, "{}", again.text);
    assert_eq!(again.bytes, file.bytes);
    assert_eq!(
        observed.operations(),
        names(&["GetItem", "BatchGetItem", "GetItem", "BatchGetItem"])
    );
    assert_eq!(observed.batch_sizes(), [3, 2]);
    assert_eq!(file.header("content-type"), Some("application/pdf"));
    assert_eq!(
        file.header("content-disposition"),
        Some(format!("attachment; filename=\"{number}.pdf\"").as_str())
    );
    assert_eq!(file.header("cache-control"), Some("no-store"));
    assert!(file.bytes.starts_with(b"%PDF-"));
    for part in [
        format!("(Invoice {number})"),
        "(DUE)".into(),
        "(Test account)".into(),
        "(payer@example.com)".into(),
        "($3.00)".into(),
    ] {
        assert!(file.text.contains(&part), "{part}");
    }

    // AND a link stored before links named the customer serves the same PDF, the customer
    // read after the invoice
    let old_path = path_of(old_way.data()["url"].as_str().unwrap());
    let old_token = DownloadToken::parse(old_path.rsplit('/').next().unwrap()).unwrap();
    t.store
        .client()
        .update_item()
        .table_name(t.store.table_name())
        .key("pk", AttributeValue::S(format!("DL#{}", old_token.hash())))
        .key("sk", AttributeValue::S("DL".into()))
        .update_expression("REMOVE customerId")
        .condition_expression("attribute_exists(customerId)")
        .send()
        .await
        .unwrap();
    let observed = Observed::default();
    let older = t
        .another_container_observed_by(observed.clone())
        .send(event("GET", &old_path).build())
        .await;
    assert_eq!(older.status, 200, "{}", older.text);
    assert_eq!(older.bytes, file.bytes);
    assert_eq!(
        observed.operations(),
        names(&["GetItem", "BatchGetItem", "GetItem"])
    );

    // AND once expired it serves nothing, as an unknown or malformed token does not
    let token = path.rsplit('/').next().unwrap();
    let hash = DownloadToken::parse(token).unwrap().hash();
    t.store
        .client()
        .update_item()
        .table_name(t.store.table_name())
        .key("pk", AttributeValue::S(format!("DL#{hash}")))
        .key("sk", AttributeValue::S("DL".into()))
        .update_expression("SET expiresAt = :past")
        .expression_attribute_values(
            ":past",
            AttributeValue::S("2026-01-01T00:00:00.000Z".into()),
        )
        .send()
        .await
        .unwrap();
    let unknown = format!("/files/invoices/{}", "A".repeat(43));
    for gone in [path.as_str(), unknown.as_str(), "/files/invoices/short"] {
        let refused = t.send(event("GET", gone).build()).await;
        assert_eq!(refused.status, 404, "{gone}");
        assert_eq!(
            refused.header("content-type"),
            Some("text/plain; charset=utf-8")
        );
        assert!(refused.text.contains("expired"), "{}", refused.text);
    }
    assert_eq!(t.send(event("GET", &old_path).build()).await.status, 200);
}

#[tokio::test]
async fn a_hebrew_name_and_an_arabic_description_are_drawn_in_the_pdf() {
    // GIVEN a customer named in Hebrew, billed an adjustment described in Arabic (joiners before
    // a lam-alef, which make ar-reshaper 1.5 panic unless left out)
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "david@example.co.il", "fullName": "דוד שלום (בע״מ)" }),
        )
        .await;
    let invoice = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": customer, "amount": 5000,
                    "description": "\u{200D}\u{200D}لا" }),
        )
        .await;

    // WHEN its PDF is downloaded
    let file = downloaded_pdf(&t, &key, &invoice).await;

    // THEN the letters are in the embedded font, copied as written (ד, ש, lam-alef as alef and
    // lam), none drawn as `?`
    assert_eq!(file.status, 200, "{}", file.text);
    for part in ["/F4", "<05D3>", "<05E9>", "<06270644>"] {
        assert!(file.text.contains(part), "{part}");
    }
    assert!(!file.text.contains("<003F>"), "{}", file.text);
}

#[tokio::test]
async fn a_download_link_is_for_the_keys_own_invoices_and_once_per_idempotency_key() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (_, invoice) = outstanding_invoice(&t, &key).await;
    let path = format!("/api/v1/invoices/{invoice}/download-links");
    let (_, other) = t.account(Mode::Sandbox).await;
    t.post(&path, &other, json!({}))
        .await
        .error(404, "invoice_not_found");
    t.post(
        "/api/v1/invoices/inv_01KEVENTS1NV0CE00000000099/download-links",
        &key,
        json!({}),
    )
    .await
    .error(404, "invoice_not_found");
    t.post(&path, &key, json!({ "expiresIn": 60 }))
        .await
        .error(400, "validation_error");
    let once = || {
        t.send(
            event("POST", &path)
                .key(&key)
                .header("Idempotency-Key", "pdf-1")
                .json(json!({}))
                .build(),
        )
    };
    let first = once().await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_eq!(once().await.text, first.text, "the same URL");
    for (version, object) in [
        ("2026-07-11", "invoice"),
        ("2026-08-27", "invoice_download_link"),
    ] {
        let answer = t
            .send(
                event("POST", &path)
                    .key(&key)
                    .header("Commet-Version", version)
                    .build(),
            )
            .await;
        assert_eq!(answer.status, 200, "{}", answer.text);
        assert_eq!(answer.data()["object"], object, "{version}");
    }
}
