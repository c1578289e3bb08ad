//! API versions (docs/contract.md §6): which version a request gets, the exact fields each
//! version's answers have (as Commet's SDK of that version declares them), a golden file per
//! endpoint with every version's rendering of fixed objects, and replays across versions.

use std::collections::{BTreeMap, BTreeSet};

use commet_payments::domain::account::{ApiKeyHash, Mode};
use commet_payments::domain::ids::AccountId;
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::http::version::{has_flat_errors, is_enveloped};
use serde_json::{Value, json};

use crate::helpers::{TestApp, TestResponse, customer_with_card, event, outstanding_invoice};

const SDK_FIELDS: &str = include_str!("../data/sdk_fields.json");

fn keys(value: &Value) -> BTreeSet<String> {
    value
        .as_object()
        .unwrap_or_else(|| panic!("not an object: {value:#}"))
        .keys()
        .cloned()
        .collect()
}

/// The SDK's declared fields of `object` for the family of `version`, with this service's own
/// additions where that family has them.
fn declared(version: ApiVersion, object: &str) -> BTreeSet<String> {
    let data: Value = serde_json::from_str(SDK_FIELDS).unwrap();
    // A release declares what its own family lists, else what the next newer one does: up to
    // 2026-06-10 shapes are 2026-07-11's (the newer SDK only declares fields the older lacked)
    // but for what the older families list of their own.
    let family = ApiVersion::ALL
        .into_iter()
        .filter(|release| *release >= version)
        .find(|release| !data["families"][release.as_str()][object].is_null())
        .unwrap_or_else(|| panic!("{version}: no family declares {object}"));
    let fields = &data["families"][family.as_str()][object];
    let mut set: BTreeSet<String> = fields
        .as_array()
        .unwrap_or_else(|| panic!("{family}: no {object} in sdk_fields.json"))
        .iter()
        .map(|field| field.as_str().unwrap().to_owned())
        .collect();
    if is_enveloped(version)
        && let Some(additions) = data["serviceAdditions"][object].as_array()
    {
        set.extend(additions.iter().map(|f| f.as_str().unwrap().to_owned()));
    }
    set
}

fn assert_fields(version: ApiVersion, object: &str, value: &Value) {
    assert_eq!(
        keys(value),
        declared(version, object),
        "{version} {object}: {value:#}"
    );
}

/// A list's own keys: `nextCursor` is there exactly when there is more.
fn assert_list(version: ApiVersion, response: &TestResponse) {
    let mut expected = declared(version, "list");
    if response.body["hasMore"] != json!(true) {
        expected.remove("nextCursor");
    }
    assert_eq!(keys(&response.body), expected, "{version} list");
}

fn assert_error(version: ApiVersion, response: &TestResponse) {
    assert_fields(version, "error", &response.body);
    if !has_flat_errors(version) {
        assert_fields(version, "errorBody", &response.body["error"]);
    }
}

/// Every answer of every endpoint, in every version, has exactly the declared fields.
#[tokio::test]
async fn each_version_answers_exactly_the_fields_its_sdk_declares() {
    let t = TestApp::new().await;
    for version in ApiVersion::ALL {
        let (_, key) = t.account_pinned(Mode::Sandbox, Some(version)).await;
        let customer = customer_with_card(
            &t,
            &key,
            Some(json!({ "line1": "1 Main St", "city": "Austin", "postalCode": "78701", "country": "US" })),
            "4242424242424242",
        )
        .await;
        let got = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
        assert_eq!(got.header("commet-version"), Some(version.as_str()));
        assert_fields(version, "customer", got.data());

        let link = t
            .post(
                "/api/v1/payments",
                &key,
                json!({ "amount": 500, "currency": "usd", "description": "Link" }),
            )
            .await;
        assert_fields(version, "payment", link.data());
        let charge = t
            .post(
                "/api/v1/payments/charge",
                &key,
                json!({ "customerId": customer, "amount": 700, "currency": "usd", "description": "Charge" }),
            )
            .await;
        assert_fields(version, "payment", charge.data());
        // The charge refunded: the transaction up to 2026-07-11, the refund from 2026-07-24.
        let transaction = charge.data()["id"]
            .as_str()
            .unwrap()
            .replacen("pay_", "txn_", 1);
        let refund = t
            .post(
                &format!("/api/v1/transactions/{transaction}/refund"),
                &key,
                json!({}),
            )
            .await;
        assert_eq!(refund.status, 200, "{}", refund.text);
        let read = t
            .get(&format!("/api/v1/transactions/{transaction}"), &key)
            .await;
        assert_eq!(read.status, 200, "{}", read.text);
        assert_fields(version, "transaction", read.data());
        assert_eq!(read.data()["status"], "refunded");
        let listed = t.get("/api/v1/transactions?status=refunded", &key).await;
        assert_list(version, &listed);
        assert_eq!(listed.data(), &json!([read.data()]), "{version}");
        if is_enveloped(version) {
            assert_fields(version, "transactionRefund", refund.data());
            assert_eq!(refund.data()["id"], transaction.as_str());
        } else {
            assert_fields(version, "refund", refund.data());
            assert_eq!(refund.data()["transactionId"], transaction.as_str());
            assert_eq!(refund.data()["amount"], charge.data()["amountTotal"]);
        }
        if let Some(context) = charge.data().get("paymentContext") {
            assert_fields(version, "paymentContext", context);
            assert_eq!(context["reason"], "one_time_payment");
            assert_eq!(context["paymentLinkId"], Value::Null, "a charge is no link");
            assert_eq!(
                link.data()["paymentContext"]["paymentLinkId"],
                link.data()["id"]
            );
        }

        let payments = t.get("/api/v1/payments?limit=2", &key).await;
        assert_list(version, &payments);
        for payment in payments.data().as_array().unwrap() {
            assert_fields(version, "payment", payment);
        }
        let customers = t.get("/api/v1/customers", &key).await;
        assert_list(version, &customers);
        assert_fields(version, "customer", &customers.data()[0]);

        let (_, outstanding) = outstanding_invoice(&t, &key).await;
        let invoice = t
            .get(&format!("/api/v1/invoices/{outstanding}"), &key)
            .await;
        assert_fields(version, "invoice", invoice.data());
        assert_fields(version, "lineItem", &invoice.data()["lineItems"][0]);
        let invoices = t.get("/api/v1/invoices", &key).await;
        assert_list(version, &invoices);
        for listed in invoices.data().as_array().unwrap() {
            assert_fields(version, "invoiceListItem", listed);
        }
        let sent = t
            .send(
                event("POST", &format!("/api/v1/invoices/{outstanding}/send"))
                    .key(&key)
                    .build(),
            )
            .await;
        assert_eq!(sent.status, 200, "{}", sent.text);
        assert_fields(version, "sentInvoice", sent.data());
        let download = t
            .get(&format!("/api/v1/invoices/{outstanding}/download"), &key)
            .await;
        assert_eq!(download.status, 200, "{}", download.text);
        assert_fields(version, "invoiceDownload", download.data());
        let adjustment = t
            .post(
                "/api/v1/invoices",
                &key,
                json!({ "customerId": customer, "amount": -200, "description": "Credit" }),
            )
            .await;
        assert_eq!(adjustment.status, 200, "{}", adjustment.text);
        assert_fields(version, "createdInvoice", adjustment.data());
        assert_eq!(adjustment.data()["total"], -200);
        // Both methods work in every version; the version decides the answer's shape.
        let method = if is_enveloped(version) {
            "PUT"
        } else {
            "PATCH"
        };
        let changed = t
            .send(
                event(method, &format!("/api/v1/invoices/{outstanding}/status"))
                    .key(&key)
                    .json(json!({ "status": "void" }))
                    .build(),
            )
            .await;
        assert_eq!(changed.status, 200, "{}", changed.text);
        assert_fields(version, "statusChange", changed.data());
        assert_eq!(changed.data()["status"], "void");

        let missing = t
            .get("/api/v1/payments/pay_01KEVENTSPAYMENT0000000009", &key)
            .await;
        missing.error(404, "payment_not_found");
        assert_error(version, &missing);
    }
}

/// Up to 2026-05-25 (`commet-sdk` 3.x to 5.x, `@commet/node` 5.x) a customer's e-mail is
/// `billingEmail` both ways, fields of that model this service does not keep are refused by
/// name, and a batch answers whole customers.
#[tokio::test]
async fn up_to_2026_05_25_a_customers_email_is_billing_email_both_ways() {
    let t = TestApp::new().await;
    let (account, key) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_05_25))
        .await;
    let created = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "billingEmail": "old@example.com", "id": "legacy-1", "fullName": "Old SDK" }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("commet-version"), Some("2026-05-25"));
    assert_eq!(created.data()["billingEmail"], "old@example.com");
    assert_eq!(created.data()["externalId"], "legacy-1");
    assert_eq!(created.data()["organizationId"], account.id.as_str());
    assert!(created.data().get("email").is_none(), "{}", created.text);
    let again = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "billingEmail": "old@example.com", "id": "legacy-1" }),
        )
        .await;
    assert_eq!(
        again.data()["id"],
        created.data()["id"],
        "a create by a held id"
    );

    let current_name = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "email": "new@example.com" }),
        )
        .await;
    let error = current_name.error(400, "validation_error");
    assert_eq!(error["param"], "billingEmail", "{}", current_name.text);
    assert!(
        current_name
            .text
            .contains("is `billingEmail` in API version 2026-05-25"),
        "{}",
        current_name.text
    );
    let unkept = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "billingEmail": "a@example.com", "domain": "example.com" }),
        )
        .await;
    assert_eq!(unkept.error(400, "validation_error")["param"], "domain");

    let renamed = t
        .send(
            event("PUT", "/api/v1/customers/legacy-1")
                .key(&key)
                .json(json!({ "billingEmail": "renamed@example.com" }))
                .build(),
        )
        .await;
    assert_eq!(renamed.status, 200, "{}", renamed.text);
    assert_eq!(renamed.data()["billingEmail"], "renamed@example.com");
    let not_renamed = t
        .send(
            event("PUT", "/api/v1/customers/legacy-1")
                .key(&key)
                .json(json!({ "email": "x@example.com", "industry": "Retail" }))
                .build(),
        )
        .await;
    not_renamed.error(400, "validation_error");
    assert!(
        not_renamed.text.contains("industry"),
        "{}",
        not_renamed.text
    );
    let read = t.get("/api/v1/customers/legacy-1", &key).await;
    assert_eq!(read.data()["billingEmail"], "renamed@example.com");

    let batch = t
        .post(
            "/api/v1/customers/batch",
            &key,
            json!({ "customers": [
                { "billingEmail": "b1@example.com", "id": "legacy-2" },
                { "email": "b2@example.com" },
            ] }),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    assert_fields(
        ApiVersion::V2026_05_25,
        "customer",
        &batch.data()["successful"][0],
    );
    assert_eq!(
        batch.data()["successful"][0]["billingEmail"],
        "b1@example.com"
    );
    let failure = batch.data()["failed"][0]["error"].as_str().unwrap();
    assert!(failure.contains("customers[1].billingEmail"), "{failure}");

    let searched = t.get("/api/v1/customers?search=old%20sdk", &key).await;
    assert_eq!(
        searched.data().as_array().unwrap().len(),
        1,
        "{}",
        searched.text
    );
    assert_eq!(searched.data()[0]["fullName"], "Old SDK");
    let listed = t.get("/api/v1/customers", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 2);
    assert_eq!(listed.data()[0]["billingEmail"], "b1@example.com");

    // The same key asking for 2026-06-07 (`commet-sdk` 6.0.0) speaks `email`.
    let newer = t
        .send(
            event("POST", "/api/v1/customers")
                .key(&key)
                .header("Commet-Version", "2026-06-07")
                .json(json!({ "email": "six@example.com" }))
                .build(),
        )
        .await;
    assert_eq!(newer.status, 200, "{}", newer.text);
    assert_eq!(newer.header("commet-version"), Some("2026-06-07"));
    assert_eq!(newer.data()["email"], "six@example.com");
    assert_fields(ApiVersion::V2026_06_07, "customer", newer.data());
}

/// `commet-sdk` up to 2.x and `@commet/node` 1.x call the customer routes without `/v1` and
/// send no version: they get the first version's shapes whatever the account is pinned to.
#[tokio::test]
async fn paths_without_v1_answer_the_first_version_unless_the_header_names_another() {
    let t = TestApp::new().await;
    let (account, key) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_08_27))
        .await;
    let first = ApiVersion::V2026_05_01;
    let created = t
        .post(
            "/api/customers",
            &key,
            json!({ "billingEmail": "pre@example.com", "externalId": "pre-1", "fullName": "Pre" }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    assert_eq!(created.header("commet-version"), Some("2026-05-01"));
    assert_fields(first, "customer", created.data());
    assert_eq!(created.data()["billingEmail"], "pre@example.com");
    assert_eq!(created.data()["organizationId"], account.id.as_str());
    let id = created.data()["id"].as_str().unwrap().to_owned();

    let read = t.get("/api/customers/pre-1", &key).await;
    assert_eq!(read.data()["id"], id.as_str());
    let current = t.get(&format!("/api/v1/customers/{id}"), &key).await;
    assert_eq!(current.header("commet-version"), Some("2026-08-27"));
    assert_eq!(current.data()["email"], "pre@example.com");
    for method in ["PUT", "PATCH"] {
        let email = format!("{}@example.com", method.to_lowercase());
        let changed = t
            .send(
                event(method, &format!("/api/customers/{id}"))
                    .key(&key)
                    .json(json!({ "billingEmail": email }))
                    .build(),
            )
            .await;
        assert_eq!(changed.status, 200, "{method}: {}", changed.text);
        assert_eq!(changed.data()["billingEmail"], email.as_str());
    }
    let batch = t
        .post(
            "/api/customers/batch",
            &key,
            json!({ "customers": [{ "billingEmail": "b@example.com" }] }),
        )
        .await;
    assert_eq!(batch.status, 200, "{}", batch.text);
    assert_fields(first, "customer", &batch.data()["successful"][0]);
    let listed = t.get("/api/customers?limit=1", &key).await;
    assert_list(first, &listed);
    assert_eq!(listed.data()[0]["billingEmail"], "b@example.com");

    // Errors are flat, as those SDKs read them: a field, a route they call that is not served
    // here, a method, a key.
    let renamed = t
        .post(
            "/api/customers",
            &key,
            json!({ "email": "new@example.com" }),
        )
        .await;
    assert_error(first, &renamed);
    assert_eq!(
        renamed.error(400, "validation_error")["param"],
        "billingEmail"
    );
    let plans = t.get("/api/plans", &key).await;
    assert_error(first, &plans);
    plans.error(404, "not_found");
    let deleted = t
        .send(
            event("DELETE", &format!("/api/customers/{id}"))
                .key(&key)
                .build(),
        )
        .await;
    assert_error(first, &deleted);
    deleted.error(405, "method_not_allowed");
    let unknown = t.get("/api/customers", "ck_test_unknown").await;
    assert_error(first, &unknown);
    assert_eq!(unknown.status, 401, "{}", unknown.text);

    // A header still names the version, on these paths too.
    let named = t
        .send(
            event("POST", "/api/customers")
                .key(&key)
                .header("Commet-Version", "2026-08-27")
                .json(json!({ "email": "named@example.com" }))
                .build(),
        )
        .await;
    assert_eq!(named.status, 200, "{}", named.text);
    assert_eq!(named.header("commet-version"), Some("2026-08-27"));
    assert_fields(ApiVersion::V2026_08_27, "customer", named.data());
}

/// The older model's archive (`customers.archive` of `commet-sdk` up to 3.x and `@commet/node`
/// 1.x: `PUT {isActive: false}`) and its list filter; the newer model has neither.
#[tokio::test]
async fn up_to_2026_05_25_a_customer_is_archived_and_restored_with_is_active() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let customer = |email: &str| json!({ "billingEmail": email });
    let kept = t
        .create("/api/customers", &key, customer("kept@example.com"))
        .await;
    let archived_id = t
        .create("/api/customers", &key, customer("gone@example.com"))
        .await;
    let put = |id: &str, body: Value| {
        event("PUT", &format!("/api/customers/{id}"))
            .key(&key)
            .json(body)
            .build()
    };

    let archived = t
        .send(put(&archived_id, json!({ "isActive": false })))
        .await;
    assert_eq!(archived.status, 200, "{}", archived.text);
    assert_eq!(archived.data()["isActive"], false);
    assert_eq!(
        t.get(&format!("/api/customers/{archived_id}"), &key)
            .await
            .data()["isActive"],
        false
    );
    let ids = |listed: &TestResponse| -> Vec<String> {
        let items = listed.data().as_array().unwrap();
        items
            .iter()
            .map(|c| c["id"].as_str().unwrap().to_owned())
            .collect()
    };
    let inactive = t.get("/api/customers?isActive=false", &key).await;
    assert_eq!(ids(&inactive), [archived_id.as_str()]);
    let active = t.get("/api/customers?isActive=true&limit=1", &key).await;
    assert_eq!(ids(&active), [kept.as_str()], "{}", active.text);
    assert_eq!(
        active.body["hasMore"], false,
        "the archived one is not counted"
    );
    let not_a_boolean = t.get("/api/customers?isActive=maybe", &key).await;
    assert_eq!(
        not_a_boolean.error(400, "validation_error")["param"],
        "isActive"
    );

    // The newer model neither shows nor takes it; the customer is otherwise as it was.
    let newer = t
        .get(&format!("/api/v1/customers/{archived_id}"), &key)
        .await;
    assert_eq!(newer.data()["email"], "gone@example.com");
    assert!(newer.data().get("isActive").is_none());
    let refused = t
        .send(
            event("PATCH", &format!("/api/v1/customers/{archived_id}"))
                .key(&key)
                .json(json!({ "isActive": true }))
                .build(),
        )
        .await;
    assert_eq!(refused.error(400, "validation_error")["param"], "isActive");
    let unfiltered = t.get("/api/v1/customers?isActive=true", &key).await;
    assert_eq!(
        unfiltered.error(400, "validation_error")["param"],
        "isActive"
    );

    let restored = t.send(put(&archived_id, json!({ "isActive": true }))).await;
    assert_eq!(restored.data()["isActive"], true, "{}", restored.text);
    let inactive = t.get("/api/customers?isActive=false", &key).await;
    assert!(ids(&inactive).is_empty(), "{}", inactive.text);
    let cleared = t.send(put(&archived_id, json!({ "isActive": null }))).await;
    assert_eq!(cleared.error(400, "validation_error")["param"], "isActive");
}

/// The older model's `search`: a part of the name, e-mail or externalId in any case, paged as
/// the list is; the newer model has none.
#[tokio::test]
async fn up_to_2026_05_25_the_list_searches_names_emails_and_external_ids() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    for (email, name, external) in [
        ("ada@example.com", "Ada Lovelace", "first"),
        ("grace@example.com", "Grace Hopper", "second"),
        ("alan@example.org", "Alan Turing", "ada-fan"),
        ("edsger@example.org", "Edsger Dijkstra", "fourth"),
    ] {
        let body = json!({ "billingEmail": email, "fullName": name, "externalId": external });
        t.create("/api/customers", &key, body).await;
    }
    let names = |listed: &TestResponse| -> Vec<String> {
        let items = listed.data().as_array().unwrap();
        items
            .iter()
            .map(|c| c["fullName"].as_str().unwrap().to_owned())
            .collect()
    };
    let page = t.get("/api/customers?search=ADA&limit=1", &key).await;
    assert_eq!(names(&page), ["Alan Turing"], "newest first: {}", page.text);
    assert_eq!(page.body["hasMore"], true);
    let cursor = page.body["nextCursor"].as_str().unwrap();
    let next = t
        .get(
            &format!("/api/customers?search=ADA&limit=1&cursor={cursor}"),
            &key,
        )
        .await;
    assert_eq!(names(&next), ["Ada Lovelace"], "{}", next.text);
    assert_eq!(next.body["hasMore"], false);
    let other = t
        .get(
            &format!("/api/customers?search=grace&cursor={cursor}"),
            &key,
        )
        .await;
    other.error(400, "validation_error");
    let orgs = t.get("/api/customers?search=example.org", &key).await;
    assert_eq!(names(&orgs), ["Edsger Dijkstra", "Alan Turing"]);
    let none = t.get("/api/customers?search=nobody", &key).await;
    assert!(names(&none).is_empty());
    assert_eq!(none.body["hasMore"], false);
    let blank = t.get("/api/customers?search=%20", &key).await;
    assert_eq!(blank.error(400, "validation_error")["param"], "search");
    let newer = t.get("/api/v1/customers?search=ada", &key).await;
    assert_eq!(newer.error(400, "validation_error")["param"], "search");
}

#[tokio::test]
async fn the_header_wins_over_the_pin_which_wins_over_the_current_version() {
    let t = TestApp::new().await;
    let (_, pinned) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_07_24))
        .await;
    let (_, unpinned) = t.account_pinned(Mode::Sandbox, None).await;
    let version_of = |response: TestResponse| {
        assert_eq!(response.status, 200, "{}", response.text);
        response.header("commet-version").unwrap().to_owned()
    };
    let list = |key: &str, header: Option<&str>| {
        let mut request = event("GET", "/api/v1/payments").key(key);
        if let Some(header) = header {
            request = request.header("Commet-Version", header);
        }
        request.build()
    };
    assert_eq!(version_of(t.send(list(&pinned, None)).await), "2026-07-24");
    assert_eq!(
        version_of(t.send(list(&pinned, Some("2026-07-11"))).await),
        "2026-07-11"
    );
    assert_eq!(
        version_of(t.send(list(&unpinned, None)).await),
        "2026-08-27"
    );
    // A date between releases means the release before it.
    assert_eq!(
        version_of(t.send(list(&unpinned, Some("2026-07-30"))).await),
        "2026-07-24"
    );
    let enveloped = t.send(list(&unpinned, Some("2026-06-10"))).await;
    assert_eq!(enveloped.body["success"], true);
    let bare = t.send(list(&pinned, None)).await;
    assert_eq!(bare.body["object"], "list");

    // A future or malformed date is refused on the header, in the shape of the account's pin.
    for refused in ["2026-08-28", "2027-01-01", "2026-02-30", "tomorrow"] {
        let response = t.send(list(&pinned, Some(refused))).await;
        assert_eq!(response.header("commet-version"), Some("2026-07-24"));
        let error = response.error(400, "validation_error");
        assert_eq!(error["param"], "Commet-Version", "{refused}");
        assert!(error["message"].as_str().unwrap().contains("2026-08-27"));
    }
    // Before the key is known, an error takes the header's version, else the current one.
    let anonymous = t
        .send(
            event("GET", "/api/v1/payments")
                .key("ck_test_nobody")
                .header("Commet-Version", "2026-07-11")
                .build(),
        )
        .await;
    anonymous.error(401, "unauthorized");
    assert_eq!(anonymous.body["success"], false);
    let anonymous = t.get("/api/v1/payments", "ck_test_nobody").await;
    anonymous.error(401, "unauthorized");
    assert!(anonymous.body.get("success").is_none());
}

/// A retry is the same request whatever version it asks for (the version is not part of the
/// fingerprint, as Commet's `idempotency_key_mismatch` speaks only of payload and operation),
/// and it gets the first answer byte for byte, with the version that shaped it.
#[tokio::test]
async fn a_replay_is_the_first_answer_byte_for_byte_whatever_version_the_retry_asks_for() {
    let t = TestApp::new().await;
    let (_, key) = t.account_pinned(Mode::Sandbox, None).await;
    let create = |version: &str| {
        event("POST", "/api/v1/payments")
            .key(&key)
            .header("Idempotency-Key", "order-42")
            .header("Commet-Version", version)
            .json(json!({ "amount": 900, "currency": "usd", "description": "Once" }))
            .build()
    };
    let first = t.send(create("2026-07-11")).await;
    assert_eq!(first.body["success"], true);
    for retry in ["2026-08-27", "2026-07-24", "2026-07-11"] {
        let again = t.send(create(retry)).await;
        assert_eq!(again.status, 200);
        assert_eq!(again.text, first.text, "retry asking for {retry}");
        assert_eq!(again.header("commet-version"), Some("2026-07-11"));
    }
    let listed = t.get("/api/v1/payments", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1, "one payment");
}

/// Both methods change the status in every version; an old client's PUT keeps working after its
/// account moved on.
#[tokio::test]
async fn put_and_patch_both_change_an_invoice_status() {
    let t = TestApp::new().await;
    let (_, key) = t.account_pinned(Mode::Sandbox, None).await;
    for method in ["PUT", "PATCH"] {
        let (_, invoice) = outstanding_invoice(&t, &key).await;
        let changed = t
            .send(
                event(method, &format!("/api/v1/invoices/{invoice}/status"))
                    .key(&key)
                    .json(json!({ "status": "paid" }))
                    .build(),
            )
            .await;
        assert_eq!(changed.status, 200, "{method}: {}", changed.text);
        assert_eq!(changed.body["object"], "invoice");
        assert_eq!(changed.body["status"], "paid");
        assert!(changed.body["lineItems"].is_array(), "the whole invoice");
    }
}

/// `admin set-api-version`: the account and every one of its keys move, so that the one key
/// lookup of a request tells the new pin.
#[tokio::test]
async fn a_new_pin_moves_the_account_and_every_key() {
    let t = TestApp::new().await;
    let (account, key) = t
        .account_pinned(Mode::Sandbox, Some(ApiVersion::V2026_07_11))
        .await;
    let second = t.issue_key(&account).await;
    let moved = t
        .store
        .set_api_version(&account.id, ApiVersion::V2026_07_31)
        .await
        .unwrap()
        .expect("the account exists");
    assert_eq!(moved.api_version, Some(ApiVersion::V2026_07_31));
    for secret in [&key, &second] {
        let stored = t
            .store
            .find_api_key(&ApiKeyHash::of(secret))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(stored.api_version, Some(ApiVersion::V2026_07_31));
    }
    // A container that has not cached the key answers in the new version at once.
    let fresh = TestApp::new().await;
    let listed = fresh.get("/api/v1/payments", &key).await;
    assert_eq!(listed.header("commet-version"), Some("2026-07-31"));
    assert_eq!(listed.body["object"], "list");
    let nobody = t
        .store
        .set_api_version(&AccountId::generate(), ApiVersion::V2026_07_31)
        .await
        .unwrap();
    assert!(nobody.is_none(), "no account, nothing pinned");
}

mod golden {
    //! Fixed objects rendered in every version, compared with tests/golden/<endpoint>.json.
    //! `UPDATE_GOLDEN=1 cargo test golden` rewrites the files (then read the diff).

    use super::*;
    use commet_payments::domain::address::{Address, CountryCode};
    use commet_payments::domain::card::PaymentMethod;
    use commet_payments::domain::customer::{Customer, NewCustomer};
    use commet_payments::domain::ids::{CustomerId, InvoiceId, PaymentId};
    use commet_payments::domain::invoice::{
        AdjustmentAmount, Invoice, InvoiceNumber, InvoiceStatus, NewAdjustment,
    };
    use commet_payments::domain::money::{Currency, PaymentAmount};
    use commet_payments::domain::payment::{
        Failure, NewLink, Payment, PaymentKind, PaymentStatus, Route,
    };
    use commet_payments::domain::text::{
        Description, Email, ExternalId, FullName, Metadata, TaxDocument,
    };
    use commet_payments::http::views;
    use commet_payments::http::{ApiError, ApiResponse, Resource};

    const CREATED: &str = "2026-11-26T10:15:00.123Z";
    const UPDATED: &str = "2026-11-26T10:16:30.456Z";

    fn at(text: &str) -> Timestamp {
        Timestamp::parse(text).unwrap()
    }

    fn account() -> AccountId {
        AccountId::parse("acct_01KGXDENACC0VNT00000000001").unwrap()
    }

    fn customer() -> Customer {
        let mut customer = Customer::create(
            NewCustomer {
                email: Email::parse("ada@example.com").unwrap(),
                external_id: Some(ExternalId::parse("user-7").unwrap()),
                full_name: Some(FullName::parse("Ada Lovelace").unwrap()),
                tax_document: Some(TaxDocument::parse("20-12345678-9").unwrap()),
                address: Some(Address {
                    line1: Some("1 Main St".into()),
                    line2: None,
                    city: Some("Austin".into()),
                    state: Some("TX".into()),
                    postal_code: Some("78701".into()),
                    country: CountryCode::parse("US").unwrap(),
                }),
                timezone: None,
                metadata: None,
            },
            at(CREATED),
            false,
        );
        customer.id = CustomerId::parse("cus_01KGXDENCVST0MER0000000001").unwrap();
        customer.updated_at = at(UPDATED);
        customer.payment_method = Some(PaymentMethod {
            token: "pm_never_shown".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2034,
            provider_customer: None,
        });
        customer
    }

    fn link() -> Payment {
        let mut link = Payment::new_link(
            NewLink {
                amount: PaymentAmount::new(2500).unwrap(),
                currency: Currency::parse("usd").unwrap(),
                description: Description::parse("Order #7").unwrap(),
                customer: None,
                success_url: Some(
                    commet_payments::domain::text::SuccessUrl::parse("https://shop.example/ok")
                        .unwrap(),
                ),
                metadata: Some(
                    Metadata::new(BTreeMap::from([("order".into(), "7".into())])).unwrap(),
                ),
            },
            Some(customer().id),
            206,
            Route::sandbox(),
            "https://pay.example",
            at(CREATED),
        );
        link.id = PaymentId::parse("pay_01KGXDENPAYMENT00000000001").unwrap();
        link.url = Some(format!("https://pay.example/pay/{}", link.id));
        link
    }

    fn declined_charge() -> Payment {
        let mut charge = link();
        charge.id = PaymentId::parse("pay_01KGXDENPAYMENT00000000002").unwrap();
        charge.kind = PaymentKind::Charge;
        charge.status = PaymentStatus::Failed;
        charge.url = None;
        charge.success_url = None;
        charge.metadata = None;
        charge.invoice_id = Some(invoice().id);
        charge.failure = Some(Failure {
            code: "card_declined".into(),
            message: "The card was declined.".into(),
        });
        charge.updated_at = at(UPDATED);
        charge
    }

    fn invoice() -> Invoice {
        let mut invoice = Invoice::for_payment(
            &link(),
            customer().id,
            InvoiceStatus::Outstanding,
            at(CREATED),
        );
        invoice.id = InvoiceId::parse("inv_01KGXDEN1NV0CE000000000001").unwrap();
        invoice.number = InvoiceNumber::new(42).unwrap();
        invoice
    }

    fn credit() -> Invoice {
        let mut credit = Invoice::adjustment(
            NewAdjustment {
                customer_id: customer().id,
                amount: AdjustmentAmount::new(-1250).unwrap(),
                currency: Currency::parse("eur").unwrap(),
                description: Description::parse("Outage credit").unwrap(),
                metadata: None,
            },
            at(CREATED),
            false,
        );
        credit.id = InvoiceId::parse("inv_01KGXDEN1NV0CE000000000002").unwrap();
        credit.number = InvoiceNumber::new(43).unwrap();
        credit
    }

    fn settled_invoice() -> Invoice {
        let mut invoice = invoice();
        invoice.status = InvoiceStatus::Paid;
        invoice.updated_at = at(UPDATED);
        invoice
    }

    /// The declined charge, paid after all, with its customer and invoice.
    fn paid_transaction() -> commet_payments::domain::transaction::Transaction {
        let mut charge = declined_charge();
        charge.status = PaymentStatus::Succeeded;
        charge.failure = None;
        commet_payments::domain::transaction::Transaction::of(
            charge,
            Some(customer()),
            Some(&settled_invoice()),
        )
        .unwrap()
    }

    type Render = fn(ApiVersion) -> Result<ApiResponse, ApiError>;

    /// What each endpoint answers, rendered from the fixed objects.
    fn endpoints() -> Vec<(&'static str, Render)> {
        vec![
            ("create_payment", |v| views::payment(v, &link())),
            ("get_payment", |v| views::payment(v, &declined_charge())),
            ("list_payments", |v| {
                views::payments(v, &[declined_charge(), link()], Some("cursor_2"))
            }),
            ("cancel_payment", |v| {
                let mut canceled = link();
                canceled.status = PaymentStatus::Canceled;
                canceled.updated_at = at(UPDATED);
                views::payment(v, &canceled)
            }),
            ("charge_payment", |v| {
                let mut charge = declined_charge();
                charge.status = PaymentStatus::Succeeded;
                charge.failure = None;
                views::payment(v, &charge)
            }),
            ("refund_transaction", |v| {
                let mut charge = declined_charge();
                charge.status = PaymentStatus::Succeeded;
                charge.failure = None;
                let refund = commet_payments::app::IssuedRefund {
                    payment: charge,
                    amount: 2706,
                    status: commet_payments::domain::refund::RefundStatus::Succeeded,
                    charge: Some("ch_3MtwBwLkdIwHu7ix28a3tqPa".into()),
                };
                views::refund(v, &refund)
            }),
            ("get_transaction", |v| {
                views::transaction(v, &paid_transaction())
            }),
            ("list_transactions", |v| {
                views::transactions(v, &[paid_transaction()], Some("cursor_2"))
            }),
            ("charge_payment_declined", |v| {
                let error = ApiError::PaymentFailed {
                    payment_id: declined_charge().id.to_string(),
                    invoice_id: invoice().id.to_string(),
                    failure_code: "card_declined".into(),
                    failure_message: "The card was declined.".into(),
                };
                Ok(ApiResponse::from_error(&error, "https://api.example/docs/errors", v).0)
            }),
            ("create_customer", |v| {
                views::customer(v, &account(), &customer())
            }),
            ("get_customer", |v| {
                views::customer(v, &account(), &customer())
            }),
            ("list_customers", |v| {
                views::customers(v, &account(), &[customer()], None)
            }),
            ("get_invoice", |v| views::invoice(v, &invoice())),
            ("list_invoices", |v| {
                views::invoices(v, &[invoice()], Some("cursor_2"))
            }),
            ("update_invoice_status", |v| {
                views::invoice_status_changed(v, &settled_invoice())
            }),
            ("send_invoice", |v| {
                views::invoice_sent(v, at(UPDATED), false)
            }),
            ("create_invoice", |v| views::created_invoice(v, &credit())),
            ("create_invoice_download_link", |v| {
                let url = "https://api.example/files/invoices/token";
                views::invoice_download(v, url, at(UPDATED), false)
            }),
            ("not_found", |v| {
                let error = ApiError::not_found(Resource::Payment);
                Ok(ApiResponse::from_error(&error, "https://api.example/docs/errors", v).0)
            }),
        ]
    }

    #[test]
    fn every_endpoint_renders_its_golden_file_in_every_version() {
        let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden");
        let update = std::env::var_os("UPDATE_GOLDEN").is_some();
        for (endpoint, render) in endpoints() {
            let rendered: BTreeMap<&str, Value> = ApiVersion::ALL
                .into_iter()
                .map(|version| {
                    let response = render(version).unwrap();
                    assert_eq!(response.version, version);
                    (
                        version.as_str(),
                        serde_json::from_str(&response.body).unwrap(),
                    )
                })
                .collect();
            let path = format!("{dir}/{endpoint}.json");
            let text = serde_json::to_string_pretty(&rendered).unwrap() + "\n";
            if update {
                std::fs::write(&path, &text).unwrap();
                continue;
            }
            let expected = std::fs::read_to_string(&path)
                .unwrap_or_else(|_| panic!("{path} is missing: run with UPDATE_GOLDEN=1"));
            assert_eq!(
                text, expected,
                "{endpoint}: the rendering changed (UPDATE_GOLDEN=1 rewrites {path})"
            );
        }
    }

    #[test]
    fn a_vaulted_cards_token_is_in_no_version() {
        for version in ApiVersion::ALL {
            let body = views::customer(version, &account(), &customer())
                .unwrap()
                .body;
            assert!(!body.contains("pm_never_shown"), "{version}");
        }
    }
}
