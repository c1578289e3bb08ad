//! A customer's new e-mail, name or address reaches their Stripe customer (localstripe) through the
//! table's stream, as `sync_stripe_customers` reads it on AWS: the records here are read from
//! DynamoDB Local's stream of a table of the test's own.

use aws_lambda_events::dynamodb::{Event as StreamEvent, EventRecord};
use aws_lambda_events::streams::DynamoDbEventResponse;
use commet_payments::domain::account::{Account, Mode};
use commet_payments::domain::customer::{Customer, NewCustomer};
use commet_payments::domain::ids::CustomerId;
use commet_payments::domain::text::Email;
use commet_payments::domain::time::Timestamp;
use commet_payments::store::StreamReader;
use commet_payments::store::keys;
use commet_payments::store::stream::change_of;
use commet_payments::workers::{relay_stream, sync_stripe_customers};
use serde_json::{Value, json};
use std::time::Duration;

use crate::helpers::{CountingProxy, TestApp, dynamodb_endpoint, event, localstripe_endpoint};
use crate::stripe::{EMAIL_INVALID, stripe, stripe_customer};

/// The next `wanted` customer writes on the stream, as one Lambda event.
async fn customer_writes(reader: &mut StreamReader, wanted: usize) -> StreamEvent {
    let mut records: Vec<EventRecord> = Vec::new();
    for _ in 0..400 {
        records.extend(reader.poll().await.unwrap().into_iter().filter(|record| {
            record.change.keys.get("sk")
                == Some(&serde_dynamo::AttributeValue::S(keys::CUSTOMER_SK.into()))
        }));
        if records.len() >= wanted {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert_eq!(
        records.len(),
        wanted,
        "the customer's updates on the stream"
    );
    let mut event = StreamEvent::default();
    event.records = records;
    event
}

/// `sync_stripe_customers` handed the next `wanted` customer writes, as Lambda hands them.
async fn synced(t: &TestApp, reader: &mut StreamReader, wanted: usize) -> DynamoDbEventResponse {
    let batch = customer_writes(reader, wanted).await;
    sync_stripe_customers(t.worker("sync_stripe_customers"), batch).await
}

async fn update(t: &TestApp, key: &str, customer: &str, body: Value) {
    let path = format!("/api/v1/customers/{customer}");
    let response = t
        .send(event("PATCH", &path).key(key).json(body).build())
        .await;
    assert_eq!(response.status, 200, "{:#}", response.body);
}

/// Our customer's Stripe customer, as the pay page recorded it.
async fn stripe_customer_of(t: &TestApp, account: &Account, customer: &str) -> String {
    let id = CustomerId::parse(customer).unwrap();
    let customer = t
        .store
        .get_customer_by_id(&account.id, &id)
        .await
        .unwrap()
        .unwrap();
    customer.known_provider_customer().unwrap().to_owned()
}

/// A live customer whose card is saved on a Stripe customer, on a deployment of its own (table
/// `table`) whose Stripe calls pass a proxy.
struct Saved {
    proxy: CountingProxy,
    t: TestApp,
    key: String,
    customer: String,
    /// The Stripe customer's path at localstripe.
    at_stripe: String,
}

async fn saved_behind_proxy(table: &str) -> Saved {
    let proxy = CountingProxy::to(localstripe_endpoint()).await;
    let t = TestApp::with_stripe_api_at(Some(table), &proxy.origin).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let at_stripe = format!(
        "/v1/customers/{}",
        stripe_customer_of(&t, &account, &customer).await
    );
    Saved {
        proxy,
        t,
        key,
        customer,
        at_stripe,
    }
}

#[tokio::test]
async fn a_new_email_name_or_address_reaches_the_stripe_customer_in_order_and_nothing_else_calls_stripe()
 {
    // GIVEN a live customer whose card is saved on a Stripe customer, Stripe behind a counter
    let Saved {
        proxy,
        t,
        key,
        customer,
        at_stripe,
    } = saved_behind_proxy("stripe-sync").await;
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();

    // WHEN only what Stripe does not hold changes
    update(
        &t,
        &key,
        &customer,
        json!({"metadata": {"plan": "pro"}, "timezone": "Europe/Madrid"}),
    )
    .await;
    let answer = synced(&t, &mut reader, 1).await;
    // THEN Stripe is not called
    assert!(answer.batch_item_failures.is_empty());
    assert_eq!(proxy.requests(), 0);

    // WHEN the e-mail changes twice and the name once, read in one batch
    update(&t, &key, &customer, json!({"email": "first@example.com"})).await;
    update(
        &t,
        &key,
        &customer,
        json!({"email": "second@example.com", "fullName": "Pat New"}),
    )
    .await;
    let answer = synced(&t, &mut reader, 2).await;
    // THEN each change is told, in order: Stripe ends with the last
    assert!(answer.batch_item_failures.is_empty());
    assert_eq!(proxy.requests(), 2);
    let told = stripe("GET", &at_stripe, &[]).await;
    assert_eq!(told["email"], "second@example.com");
    assert_eq!(told["name"], "Pat New");
    assert_eq!(told["metadata"]["commet_customer_id"], customer.as_str());

    // WHEN the name is cleared
    update(&t, &key, &customer, json!({"fullName": null})).await;
    let answer = synced(&t, &mut reader, 1).await;
    // THEN Stripe's is unset too
    assert!(answer.batch_item_failures.is_empty());
    let told = stripe("GET", &at_stripe, &[]).await;
    assert_eq!(told["email"], "second@example.com");
    assert!(
        told["name"].as_str().unwrap_or_default().is_empty(),
        "{told}"
    );

    // WHEN an address is given, then one without a second line or a state, read in one batch
    update(
        &t,
        &key,
        &customer,
        json!({"address": {"line1": "1 Main St", "line2": "Apt 4", "city": "Springfield",
                           "state": "IL", "postalCode": "62701", "country": "US"}}),
    )
    .await;
    update(
        &t,
        &key,
        &customer,
        json!({"address": {"line1": "Calle Mayor 1", "city": "Madrid", "postalCode": "28013",
                           "country": "es"}}),
    )
    .await;
    let answer = synced(&t, &mut reader, 2).await;
    // THEN Stripe holds the last one whole, nothing of the first left in it
    assert!(answer.batch_item_failures.is_empty());
    assert_eq!(proxy.requests(), 5);
    let told = stripe("GET", &at_stripe, &[]).await;
    let address = &told["address"];
    assert_eq!(address["line1"], "Calle Mayor 1", "{told}");
    assert_eq!(address["city"], "Madrid");
    assert_eq!(address["postal_code"], "28013");
    assert_eq!(address["country"], "ES");
    for unset in ["line2", "state"] {
        // Stripe reads an empty part as none (null); localstripe keeps the empty string.
        assert!(
            address[unset].as_str().unwrap_or_default().is_empty(),
            "{unset}: {told}"
        );
    }
    assert_eq!(told["email"], "second@example.com");

    // WHEN the address is cleared
    update(&t, &key, &customer, json!({"address": null})).await;
    let answer = synced(&t, &mut reader, 1).await;
    // THEN Stripe's is unset too
    assert!(answer.batch_item_failures.is_empty());
    let told = stripe("GET", &at_stripe, &[]).await;
    assert!(told["address"].is_null() || told["address"] == "", "{told}");
}

#[tokio::test]
async fn an_email_stripe_refuses_is_unset_at_stripe_and_the_rest_of_the_change_told() {
    // GIVEN a live customer whose card is saved on a Stripe customer, Stripe behind a proxy
    let Saved {
        proxy,
        t,
        key,
        customer,
        at_stripe,
    } = saved_behind_proxy("stripe-sync-refused").await;
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();
    // AND Stripe refusing the new e-mail (a recorded answer in localstripe's place)
    let new_email = "ada.new@example.com";
    proxy.answer_once(
        "POST /v1/customers/",
        "email=ada.new%40example.com",
        400,
        EMAIL_INVALID,
    );

    // WHEN the e-mail and the name change
    update(
        &t,
        &key,
        &customer,
        json!({"email": new_email, "fullName": "Ada New"}),
    )
    .await;
    let answer = synced(&t, &mut reader, 1).await;

    // THEN the change is not read again, and the Stripe customer has the new name and no
    // e-mail: not the old one, which is no longer the customer's
    assert!(answer.batch_item_failures.is_empty());
    assert!(!proxy.answer_waiting(), "Stripe's refusal was given");
    assert_eq!(
        proxy.requests(),
        2,
        "the refused update, then one without the e-mail"
    );
    let told = stripe("GET", &at_stripe, &[]).await;
    assert_eq!(told["name"], "Ada New");
    assert!(
        told["email"].as_str().unwrap_or_default().is_empty(),
        "{told}"
    );
    assert_eq!(told["metadata"]["commet_customer_id"], customer.as_str());
    // AND ours keeps the e-mail
    let ours = t.get(&format!("/api/v1/customers/{customer}"), &key).await;
    assert_eq!(ours.data()["email"], new_email);
}

#[tokio::test]
async fn a_change_stripe_cannot_take_is_read_again_and_a_missing_stripe_customer_is_not() {
    // GIVEN a live customer with a Stripe customer, and a deployment whose Stripe is down
    let t = TestApp::with_unreachable_stripe("stripe-sync-down").await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();

    // WHEN two e-mail changes are read in one batch
    update(&t, &key, &customer, json!({"email": "first@example.com"})).await;
    update(&t, &key, &customer, json!({"email": "second@example.com"})).await;
    let batch = customer_writes(&mut reader, 2).await;
    let first = batch.records[0].change.sequence_number.clone();
    let answer = sync_stripe_customers(t.worker("sync_stripe_customers"), batch).await;
    // THEN the batch is read again from the first: the second is not told before it
    assert_eq!(answer.batch_item_failures.len(), 1);
    assert_eq!(answer.batch_item_failures[0].item_identifier, first);

    // GIVEN Stripe up, and a customer whose Stripe customer is not there (deleted at Stripe)
    let t = TestApp::with_stripe(Some("stripe-sync-missing")).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let gone = stripe_customer_of(&t, &account, &customer).await;
    stripe("DELETE", &format!("/v1/customers/{gone}"), &[]).await;
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();
    // WHEN their e-mail changes
    update(&t, &key, &customer, json!({"email": "third@example.com"})).await;
    let answer = synced(&t, &mut reader, 1).await;
    // THEN nothing is read again: asking again could not help
    assert!(answer.batch_item_failures.is_empty());
}

#[tokio::test]
async fn a_stripe_customer_made_from_an_email_changed_meanwhile_is_told_the_new_one() {
    // GIVEN a live customer without a Stripe customer, and one made at Stripe from the e-mail
    // a payment's page read before the merchant changed it
    let t = TestApp::with_stripe(Some("stripe-sync-race")).await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = t
        .create(
            "/api/v1/customers",
            &key,
            json!({"email": "before@example.com"}),
        )
        .await;
    let made = stripe("POST", "/v1/customers", &[("email", "before@example.com")]).await;
    let made = made["id"].as_str().unwrap();
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();

    // WHEN the e-mail changes, and then the page records the Stripe customer it made
    update(&t, &key, &customer, json!({"email": "after@example.com"})).await;
    let id = CustomerId::parse(&customer).unwrap();
    t.store
        .set_provider_customer(&account.id, &id, made, None)
        .await
        .unwrap();
    let batch = customer_writes(&mut reader, 2).await;
    let versions: Vec<u64> = batch
        .records
        .iter()
        .map(|record| {
            change_of(&record.change.old_image, &record.change.new_image)
                .unwrap()
                .unwrap()
                .version
        })
        .collect();
    let answer = sync_stripe_customers(t.worker("sync_stripe_customers"), batch).await;

    // THEN the Stripe customer gets the new e-mail, under a write of its own
    assert!(answer.batch_item_failures.is_empty());
    assert_eq!(
        stripe("GET", &format!("/v1/customers/{made}"), &[]).await["email"],
        "after@example.com"
    );
    assert!(versions[1] > versions[0], "{versions:?}");
}

#[tokio::test]
async fn a_customer_created_by_a_link_s_payment_is_tagged_at_stripe_with_our_id() {
    // GIVEN a Stripe customer a live page made for a link's payer who was no customer of ours
    let t = TestApp::with_stripe(Some("stripe-sync-created")).await;
    let (account, _) = t.account(Mode::Live).await;
    let made = stripe("POST", "/v1/customers", &[("email", "payer@example.com")]).await;
    let made = made["id"].as_str().unwrap();
    let mut reader = t.store.stream_reader(dynamodb_endpoint()).await.unwrap();

    // WHEN the payment creates our customer with it
    let mut customer = Customer::create(
        NewCustomer::with_email(Email::parse("payer@example.com").unwrap()),
        Timestamp::now(),
        true,
    );
    customer.provider_customer = Some(made.to_owned());
    t.store
        .insert_customer(&account.id, &customer, None)
        .await
        .unwrap();
    let answer = synced(&t, &mut reader, 1).await;

    // THEN the Stripe customer names our customer
    assert!(answer.batch_item_failures.is_empty());
    let told = stripe("GET", &format!("/v1/customers/{made}"), &[]).await;
    assert_eq!(told["metadata"]["commet_customer_id"], customer.id.as_str());
    assert_eq!(told["email"], "payer@example.com");
}

#[tokio::test]
async fn the_local_relay_tells_stripe_again_a_change_it_could_not_take_at_first() {
    // GIVEN a live customer with a Stripe customer, Stripe behind a proxy, and the local stack's
    // relay reading the table's stream (read again after 1 s, as its mapping would on AWS)
    let Saved {
        proxy,
        t,
        key,
        customer,
        at_stripe,
    } = saved_behind_proxy("stripe-sync-relay").await;
    let (ready, reading) = tokio::sync::oneshot::channel();
    let relay = tokio::spawn(relay_stream(
        t.app,
        dynamodb_endpoint(),
        Duration::from_millis(100),
        Duration::from_secs(600),
        move || ready.send(()).expect("the test waits"),
    ));
    reading.await.unwrap();

    // WHEN the e-mail changes while Stripe is unreachable, and Stripe is back after that try
    proxy.set_down(true);
    let before = proxy.connections();
    update(&t, &key, &customer, json!({"email": "back@example.com"})).await;
    let mut tried = false;
    for _ in 0..200 {
        tried = proxy.connections() > before;
        if tried {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    assert!(tried, "the relay tells Stripe");
    tokio::time::sleep(Duration::from_millis(300)).await;
    proxy.set_down(false);

    // THEN the relay reads the change again, and Stripe gets it
    let mut email = Value::Null;
    for _ in 0..200 {
        email = stripe("GET", &at_stripe, &[]).await["email"].clone();
        if email == "back@example.com" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    relay.abort();
    assert_eq!(email, "back@example.com");
}
