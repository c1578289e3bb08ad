//! Events out (docs/contract.md §5): committed changes read from DynamoDB Local's stream by the
//! relay, delivered by `deliver_events` and `retry_deliveries` to receivers on loopback, every
//! body checked against Commet's documented fields and its signature by an HMAC computed here.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use commet_payments::domain::account::Mode;
use commet_payments::outbound::DELIVERY_TIMEOUT;
use serde_json::{Value, json};

use crate::helpers::{Observed, TestApp, card, event, stream_relay};
use crate::receiver::{Answer, Received, Receiver, receiver};

/// Each event's `data` fields, exactly as Commet documents them (PyPI `commet-sdk` 9.7.0,
/// `commet/docs/webhooks.openapi.json`).
const DOCUMENTED: &[(&str, &[&str])] = &[
    (
        "payment_link.created",
        &[
            "paymentId",
            "status",
            "amount",
            "currency",
            "description",
            "customerId",
        ],
    ),
    (
        "payment_link.completed",
        &[
            "paymentContext",
            "paymentId",
            "status",
            "amount",
            "currency",
            "description",
            "customerId",
            "invoiceId",
            "invoiceNumber",
            "paymentTransactionId",
            "paymentMethod",
            "subPaymentMethod",
        ],
    ),
    (
        "payment_link.failed",
        &[
            "paymentContext",
            "paymentId",
            "status",
            "amount",
            "currency",
            "description",
            "customerId",
            "failureCode",
            "failureMessage",
            "paymentMethod",
            "subPaymentMethod",
        ],
    ),
    (
        "payment_link.canceled",
        &[
            "paymentId",
            "status",
            "amount",
            "currency",
            "description",
            "customerId",
        ],
    ),
    (
        "payment.received",
        &[
            "paymentContext",
            "invoiceId",
            "invoiceNumber",
            "invoiceTotal",
            "customerId",
            "subscriptionId",
            "paymentTransactionId",
            "provider",
            "paymentMethod",
            "subPaymentMethod",
            "grossAmount",
            "currency",
            "orgNetAmount",
            "customerEmail",
            "paidAt",
        ],
    ),
    (
        "payment.failed",
        &[
            "paymentContext",
            "invoiceId",
            "invoiceNumber",
            "customerId",
            "subscriptionId",
            "provider",
            "paymentMethod",
            "subPaymentMethod",
            "failureCode",
            "failureMessage",
            "recoveryUrl",
        ],
    ),
    (
        "invoice.created",
        &[
            "invoiceId",
            "invoiceNumber",
            "invoiceStatus",
            "periodStart",
            "periodEnd",
            "issueDate",
            "dueDate",
            "currency",
            "subtotal",
            "total",
            "customerId",
            "subscriptionId",
        ],
    ),
    (
        "invoice.voided",
        &[
            "invoiceId",
            "invoiceNumber",
            "invoiceStatus",
            "periodStart",
            "periodEnd",
            "issueDate",
            "dueDate",
            "currency",
            "subtotal",
            "total",
            "customerId",
            "subscriptionId",
        ],
    ),
    (
        "payment_method.attached",
        &["subscriptionId", "customerId", "paymentMethod", "card"],
    ),
    ("customer.created", CUSTOMER_DATA),
    ("customer.updated", CUSTOMER_DATA),
];

const CUSTOMER_DATA: &[&str] = &[
    "id",
    "externalId",
    "fullName",
    "email",
    "taxDocument",
    "documentType",
    "timezone",
    "metadata",
    "createdAt",
    "updatedAt",
];

const ALL_EVENTS: [&str; 11] = [
    "payment_link.created",
    "payment_link.completed",
    "payment_link.failed",
    "payment_link.canceled",
    "payment.received",
    "payment.failed",
    "invoice.created",
    "invoice.voided",
    "payment_method.attached",
    "customer.created",
    "customer.updated",
];

/// How long a test waits for what the relay delivers: polls every 25 ms, but the tests share
/// two cores and one stream.
const PATIENCE: Duration = Duration::from_secs(30);
/// Nothing more arrives within this: the stream has been read past the change.
const QUIET: Duration = Duration::from_secs(3);

/// Registers an endpoint for `events` at `url`; its id and secret.
async fn register(
    t: &TestApp,
    key: &str,
    url: &str,
    events: &[&str],
    version: &str,
) -> (String, String) {
    let created = t
        .post(
            "/api/v1/webhooks",
            key,
            json!({ "url": url, "events": events, "apiVersion": version }),
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.text);
    (
        created.data()["id"].as_str().unwrap().to_owned(),
        created.data()["secretKey"].as_str().unwrap().to_owned(),
    )
}

/// Waits until `wanted` requests came (failing the test after `PATIENCE`), then for quiet.
async fn receive(receiving: &mut Receiver, wanted: usize) -> Vec<Received> {
    let deadline = Instant::now() + PATIENCE;
    let mut all = Vec::new();
    while all.len() < wanted {
        let left = deadline.saturating_duration_since(Instant::now());
        match receiving.next(left).await {
            Some(received) => all.push(received),
            None => panic!(
                "{} of {wanted} deliveries arrived: {:?}",
                all.len(),
                all.iter()
                    .map(|r| r.json()["event"].clone())
                    .collect::<Vec<_>>()
            ),
        }
    }
    all.extend(receiving.drain(QUIET).await);
    all
}

fn by_event(received: &[Received]) -> BTreeMap<String, Vec<Value>> {
    let mut events: BTreeMap<String, Vec<Value>> = BTreeMap::new();
    for request in received {
        let body = request.json();
        events
            .entry(body["event"].as_str().unwrap().to_owned())
            .or_default()
            .push(body);
    }
    events
}

fn only<'a>(events: &'a BTreeMap<String, Vec<Value>>, name: &str) -> &'a Value {
    let found = events.get(name).unwrap_or_else(|| panic!("no {name}"));
    assert_eq!(found.len(), 1, "{name} once: {found:?}");
    &found[0]["data"]
}

#[tokio::test]
async fn every_event_is_delivered_signed_with_its_documented_data_and_no_op_emits_nothing() {
    let t = TestApp::new().await;
    let (account, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let mut receiving = receiver(&[Answer::Status(200)]).await;
    let (_, secret) = register(&t, &key, &receiving.url, &ALL_EVENTS, "2026-08-27").await;

    // A customer with an external id, a link it pays (its card vaulted on the way), a charge
    // that declines (its invoice then voided), a link whose card declines, a link canceled
    // twice, and the customer renamed twice to the same name.
    let customer = t
        .post(
            "/api/v1/customers",
            &key,
            json!({ "email": "events@example.com", "externalId": "ext-events", "fullName": "Eve Vent" }),
        )
        .await;
    let customer_id = customer.data()["id"].as_str().unwrap().to_owned();
    let link = |description: &'static str| {
        let t = &t;
        let key = &key;
        async move {
            t.create(
                "/api/v1/payments",
                key,
                json!({ "amount": 1250, "currency": "usd", "description": description, "customerId": "ext-events" }),
            )
            .await
        }
    };
    let paid = link("Paid link").await;
    assert_eq!(t.pay(&paid, &card("4000000000000341")).await.status, 200);
    let declined_charge = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer_id, "amount": 300, "currency": "usd", "description": "Declines" }),
        )
        .await;
    assert_eq!(declined_charge.status, 402);
    let charge_invoice = declined_charge.body["error"]["details"]["invoiceId"]
        .as_str()
        .unwrap()
        .to_owned();
    let voided = t
        .send(
            event(
                "PATCH",
                &format!("/api/v1/invoices/{charge_invoice}/status"),
            )
            .key(&key)
            .json(json!({ "status": "void" }))
            .build(),
        )
        .await;
    assert_eq!(voided.status, 200, "{}", voided.text);
    let failing = link("Declined link").await;
    assert_eq!(t.pay(&failing, &card("4000000000000002")).await.status, 402);
    let canceled = link("Canceled link").await;
    for _ in 0..2 {
        t.post(
            &format!("/api/v1/payments/{canceled}/cancel"),
            &key,
            json!({}),
        )
        .await;
    }
    for _ in 0..2 {
        let renamed = t
            .send(
                event("PATCH", "/api/v1/customers/ext-events")
                    .key(&key)
                    .json(json!({ "fullName": "Eve Updated", "taxDocument": "DE123456789" }))
                    .build(),
            )
            .await;
        assert_eq!(renamed.status, 200, "{}", renamed.text);
    }

    // Exactly the events those changes cause: one each, except a link created thrice and an
    // invoice for each of the paid link and the declined charge.
    let received = receive(&mut receiving, 14).await;
    let events = by_event(&received);
    let counts: BTreeMap<&str, usize> = events.iter().map(|(k, v)| (k.as_str(), v.len())).collect();
    let expected: BTreeMap<&str, usize> = ALL_EVENTS
        .iter()
        .map(|name| {
            let n = match *name {
                "payment_link.created" => 3,
                "invoice.created" => 2,
                _ => 1,
            };
            (*name, n)
        })
        .collect();
    assert_eq!(counts, expected);

    // Every delivery: signed with the endpoint's secret (an HMAC computed here), its id in the
    // header, the envelope Commet documents, the data fields exactly as documented.
    for request in &received {
        assert!(request.signed_with(&secret), "{}", request.body);
        let body = request.json();
        assert_eq!(request.header("x-commet-event-id"), body["id"]);
        assert!(body["id"].as_str().unwrap().starts_with("whev_"));
        let envelope: Vec<&str> = body
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        assert_eq!(
            envelope,
            [
                "apiVersion",
                "data",
                "event",
                "id",
                "mode",
                "organizationId",
                "timestamp"
            ]
        );
        assert_eq!(body["organizationId"], account.id.as_str());
        assert_eq!(body["mode"], "sandbox");
        assert_eq!(body["apiVersion"], "2026-08-27");
        let name = body["event"].as_str().unwrap();
        let (_, documented) = DOCUMENTED.iter().find(|(n, _)| *n == name).unwrap();
        let mut fields: Vec<&str> = body["data"]
            .as_object()
            .unwrap()
            .keys()
            .map(String::as_str)
            .collect();
        let mut documented = documented.to_vec();
        fields.sort_unstable();
        documented.sort_unstable();
        assert_eq!(fields, documented, "{name}");
    }
    let ids: std::collections::BTreeSet<&str> = received
        .iter()
        .map(|r| r.header("x-commet-event-id"))
        .collect();
    assert_eq!(ids.len(), received.len(), "every event its own id");

    // The data, against what the API says about the same objects.
    let payment = t.get(&format!("/api/v1/payments/{paid}"), &key).await;
    let invoice_id = payment.data()["invoiceId"].as_str().unwrap().to_owned();
    let invoice = t.get(&format!("/api/v1/invoices/{invoice_id}"), &key).await;
    let completed = only(&events, "payment_link.completed");
    assert_eq!(completed["paymentId"], paid.as_str());
    assert_eq!(completed["status"], "succeeded");
    assert_eq!(completed["amount"], payment.data()["amountTotal"]);
    assert_eq!(completed["currency"], payment.data()["currency"]);
    assert_eq!(completed["description"], "Paid link");
    assert_eq!(
        completed["customerId"], "ext-events",
        "the externalId when there is one"
    );
    assert_eq!(completed["invoiceId"], invoice_id.as_str());
    assert_eq!(completed["invoiceNumber"], invoice.data()["invoiceNumber"]);
    assert_eq!(completed["paymentMethod"], "card");
    assert_eq!(
        completed["paymentContext"],
        json!({ "reason": "one_time_payment", "paymentLinkId": paid, "recovery": null })
    );
    let received_payment = only(&events, "payment.received");
    assert_eq!(received_payment["invoiceTotal"], invoice.data()["total"]);
    assert_eq!(received_payment["grossAmount"], invoice.data()["total"]);
    assert_eq!(received_payment["customerEmail"], "events@example.com");
    assert_eq!(received_payment["provider"], "commet");
    assert_eq!(received_payment["customerId"], "ext-events");
    let failed_charge = only(&events, "payment.failed");
    assert_eq!(failed_charge["failureCode"], "card_declined");
    assert_eq!(failed_charge["invoiceId"], charge_invoice.as_str());
    assert_eq!(
        failed_charge["paymentContext"]["paymentLinkId"],
        Value::Null
    );
    let link_failed = only(&events, "payment_link.failed");
    assert_eq!(link_failed["paymentId"], failing.as_str());
    assert_eq!(link_failed["failureCode"], "card_declined");
    let link_canceled = only(&events, "payment_link.canceled");
    assert_eq!(link_canceled["paymentId"], canceled.as_str());
    assert_eq!(link_canceled["status"], "canceled");
    let void = only(&events, "invoice.voided");
    assert_eq!(void["invoiceId"], charge_invoice.as_str());
    assert_eq!(void["invoiceStatus"], "void");
    assert_eq!(void["customerId"], "ext-events");
    let attached = only(&events, "payment_method.attached");
    assert_eq!(attached["customerId"], "ext-events");
    assert_eq!(attached["card"]["last4"], "0341");
    let created = only(&events, "customer.created");
    assert_eq!(created["id"], customer_id.as_str());
    assert_eq!(created["externalId"], "ext-events");
    assert_eq!(created["fullName"], "Eve Vent");
    let updated = only(&events, "customer.updated");
    assert_eq!(updated["id"], customer_id.as_str());
    assert_eq!(updated["fullName"], "Eve Updated");
    assert_eq!(updated["taxDocument"], "DE123456789");
    assert_eq!(created["taxDocument"], Value::Null);
    assert_eq!(updated["email"], "events@example.com");
    assert_ne!(updated["updatedAt"], created["updatedAt"]);
    let amounts: Vec<&Value> = events["payment_link.created"]
        .iter()
        .map(|e| &e["data"]["amount"])
        .collect();
    assert!(
        amounts.iter().all(|a| **a == json!(1250)),
        "integer minor units"
    );
}

#[tokio::test]
async fn a_credit_is_announced_once_with_negative_amounts_and_its_mails_announce_nothing() {
    // GIVEN an endpoint for every event and a customer
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let mut receiving = receiver(&[Answer::Status(200)]).await;
    register(&t, &key, &receiving.url, &ALL_EVENTS, "2026-08-27").await;
    t.create(
        "/api/v1/customers",
        &key,
        json!({ "email": "credited@example.com", "externalId": "ext-credit" }),
    )
    .await;

    // WHEN a credit is issued and then mailed twice (each mail moves its send pace on: a write
    // of the invoice item that the stream also sees)
    let credit = t
        .create(
            "/api/v1/invoices",
            &key,
            json!({ "customerId": "ext-credit", "amount": -1250, "currency": "gbp",
                    "description": "Outage credit" }),
        )
        .await;
    for _ in 0..2 {
        let sent = t
            .post(&format!("/api/v1/invoices/{credit}/send"), &key, json!({}))
            .await;
        assert_eq!(sent.status, 200, "{}", sent.text);
    }

    // THEN the customer's creation and the credit's, nothing more
    let events = by_event(&receive(&mut receiving, 2).await);
    let names: Vec<&str> = events.keys().map(String::as_str).collect();
    assert_eq!(names, ["customer.created", "invoice.created"]);
    let created = only(&events, "invoice.created");
    let invoice = t.get(&format!("/api/v1/invoices/{credit}"), &key).await;
    assert_eq!(created["invoiceId"], credit.as_str());
    assert_eq!(created["invoiceNumber"], invoice.data()["invoiceNumber"]);
    assert_eq!(created["invoiceStatus"], "outstanding");
    assert_eq!(created["currency"], "gbp");
    assert_eq!(created["subtotal"], -1250);
    assert_eq!(created["total"], -1250);
    assert_eq!(created["customerId"], "ext-credit");
}

#[tokio::test]
async fn a_failing_receiver_gets_the_same_event_again_until_it_answers_2xx() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let mut receiving = receiver(&[Answer::Status(500), Answer::Status(200)]).await;
    let (webhook, secret) = register(
        &t,
        &key,
        &receiving.url,
        &["customer.created"],
        "2026-07-11",
    )
    .await;
    t.create(
        "/api/v1/customers",
        &key,
        json!({ "email": "retry@example.com" }),
    )
    .await;

    let received = receive(&mut receiving, 2).await;
    assert_eq!(received.len(), 2, "a 500, then one retry that gets a 200");
    assert_eq!(
        received[0].header("x-commet-event-id"),
        received[1].header("x-commet-event-id")
    );
    assert_eq!(
        received[0].body, received[1].body,
        "the same event, byte for byte"
    );
    assert!(received.iter().all(|r| r.signed_with(&secret)));

    // The attempts, newest first, in this service's own listing.
    let attempts = t
        .get(&format!("/api/v1/webhooks/{webhook}/deliveries"), &key)
        .await;
    let attempts = attempts.data().as_array().unwrap().clone();
    assert_eq!(attempts.len(), 2, "{attempts:?}");
    assert_eq!(attempts[0]["attempt"], 2);
    assert_eq!(attempts[0]["statusCode"], 200);
    assert_eq!(attempts[0]["nextAttemptAt"], Value::Null);
    assert_eq!(attempts[1]["attempt"], 1);
    assert_eq!(attempts[1]["statusCode"], 500);
    assert!(attempts[1]["nextAttemptAt"].is_string());
    assert_eq!(attempts[0]["deliveryId"], attempts[1]["deliveryId"]);
    assert_eq!(attempts[0]["event"], "customer.created");
    assert_eq!(
        attempts[0]["eventId"].as_str().unwrap(),
        received[0].header("x-commet-event-id")
    );

    // A retry by hand: one more attempt, recorded; the delivery stays delivered. On a
    // container new to the key: its lookup, then the endpoint and the delivery in one read.
    let delivery = attempts[0]["deliveryId"].as_str().unwrap();
    let observed = Observed::default();
    let retried = t
        .another_container_observed_by(observed.clone())
        .post(
            &format!("/api/v1/webhooks/{webhook}/deliveries/{delivery}/retry"),
            &key,
            json!({}),
        )
        .await;
    assert_eq!(retried.data()["success"], true, "{}", retried.text);
    let reads = observed.operations();
    let reads: Vec<_> = reads.iter().filter(|name| name.contains("Get")).collect();
    assert_eq!(reads, ["BatchGetItem", "GetItem"]);
    assert_eq!(retried.data()["deliveryId"], delivery);
    let third = receiving.next(PATIENCE).await.expect("the manual retry");
    assert_eq!(third.body, received[0].body);
    let attempts = t
        .get(
            &format!("/api/v1/webhooks/{webhook}/deliveries?limit=1"),
            &key,
        )
        .await;
    assert_eq!(attempts.data()[0]["attempt"], 3);
    assert_eq!(attempts.body["hasMore"], true);
    t.post(
        &format!("/api/v1/webhooks/{webhook}/deliveries/whdl_01KEVENTSWEBH00K0000000009/retry"),
        &key,
        json!({}),
    )
    .await
    .error(404, "webhook_delivery_not_found");
}

#[tokio::test]
async fn a_hanging_receiver_costs_only_its_own_timeout() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let mut hanging = receiver(&[Answer::Hang]).await;
    let mut answering = receiver(&[Answer::Status(204)]).await;
    let (slow, _) = register(&t, &key, &hanging.url, &["customer.created"], "2026-07-11").await;
    register(
        &t,
        &key,
        &answering.url,
        &["customer.created"],
        "2026-07-11",
    )
    .await;

    let started = Instant::now();
    t.create(
        "/api/v1/customers",
        &key,
        json!({ "email": "hang@example.com" }),
    )
    .await;
    answering
        .next(PATIENCE)
        .await
        .expect("the answering endpoint gets it");
    hanging
        .next(PATIENCE)
        .await
        .expect("the hanging one was sent it too");
    assert!(
        started.elapsed() < DELIVERY_TIMEOUT,
        "the answering endpoint did not wait for the hanging one ({:?})",
        started.elapsed()
    );

    // The hanging attempt ends at the timeout and is recorded as such, to be retried.
    let deadline = Instant::now() + PATIENCE;
    loop {
        let attempts = t
            .get(&format!("/api/v1/webhooks/{slow}/deliveries"), &key)
            .await;
        if let Some(first) = attempts.data().as_array().unwrap().last() {
            assert_eq!(first["statusCode"], Value::Null);
            assert!(
                first["error"]
                    .as_str()
                    .unwrap()
                    .contains("no answer within 10 s")
            );
            assert!(first["durationMs"].as_u64().unwrap() >= 9_000);
            assert!(first["nextAttemptAt"].is_string());
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the hanging attempt was never recorded"
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

#[tokio::test]
async fn disabled_deleted_unsubscribed_and_other_accounts_endpoints_get_nothing() {
    let t = TestApp::new().await;
    let (_, key) = t.account(Mode::Sandbox).await;
    let (other_account, other_key) = t.account(Mode::Sandbox).await;
    stream_relay();
    let mut links_only = receiver(&[Answer::Status(200)]).await;
    let mut disabled = receiver(&[Answer::Status(200)]).await;
    let mut deleted = receiver(&[Answer::Status(200)]).await;
    let mut elsewhere = receiver(&[Answer::Status(200)]).await;
    register(
        &t,
        &key,
        &links_only.url,
        &["payment_link.created"],
        "2026-07-11",
    )
    .await;
    let (off, _) = register(&t, &key, &disabled.url, &["customer.created"], "2026-07-11").await;
    let (gone, _) = register(&t, &key, &deleted.url, &["customer.created"], "2026-07-11").await;
    register(
        &t,
        &other_key,
        &elsewhere.url,
        &["customer.created"],
        "2026-07-11",
    )
    .await;
    let patched = t
        .send(
            event("PATCH", &format!("/api/v1/webhooks/{off}"))
                .key(&key)
                .json(json!({ "isActive": false }))
                .build(),
        )
        .await;
    assert_eq!(patched.status, 200, "{}", patched.text);
    let removed = t
        .send(
            event("DELETE", &format!("/api/v1/webhooks/{gone}"))
                .key(&key)
                .build(),
        )
        .await;
    assert_eq!(removed.status, 200);

    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({ "email": "quiet@example.com" }),
        )
        .await;
    t.create(
        "/api/v1/payments",
        &key,
        json!({ "amount": 500, "currency": "eur", "description": "Only this", "customerId": customer }),
    )
    .await;

    let received = receive(&mut links_only, 1).await;
    assert_eq!(received.len(), 1);
    assert_eq!(received[0].json()["event"], "payment_link.created");
    assert!(
        disabled.drain(QUIET).await.is_empty(),
        "a disabled endpoint gets nothing"
    );
    assert!(
        deleted.drain(QUIET).await.is_empty(),
        "a deleted endpoint gets nothing"
    );
    assert!(
        elsewhere.drain(QUIET).await.is_empty(),
        "another account's endpoint gets nothing"
    );

    // The other account's endpoint does work: it gets its own account's events.
    t.create(
        "/api/v1/customers",
        &other_key,
        json!({ "email": "mine@example.com" }),
    )
    .await;
    let theirs = receive(&mut elsewhere, 1).await;
    assert_eq!(theirs.len(), 1);
    assert_eq!(
        theirs[0].json()["organizationId"],
        other_account.id.as_str()
    );
}
