//! Faults: DynamoDB frozen mid-run. Requests answer 503 with Retry-After inside the function
//! timeout, nothing is half-written, and after recovery the same requests (same
//! Idempotency-Keys) succeed exactly once. Runs its own DynamoDB Local, so freezing it does not
//! disturb the other tests.

use std::time::{Duration, Instant};

use aws_sdk_dynamodb::types::AttributeValue;
use commet_payments::app::App;
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode};
use commet_payments::domain::idempotency::IdempotencyKey;
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::store::{Store, StoreSettings, keys};
use serde_json::json;

use crate::helpers::{
    LocalDynamo, TestApp, TestResponse, config, create_table, event, signal_process,
};

async fn payments(store: &Store, account: &Account) -> usize {
    store
        .client()
        .query()
        .table_name(store.table_name())
        .index_name(keys::GSI1)
        .key_condition_expression("gsi1pk = :pk")
        .expression_attribute_values(
            ":pk",
            AttributeValue::S(keys::account_payments(&account.id)),
        )
        .send()
        .await
        .unwrap()
        .count() as usize
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_frozen_datastore_is_503_then_the_same_requests_succeed_once() {
    // GIVEN a private DynamoDB Local with a table, an account, and a warm function
    let dynamo = LocalDynamo::start();
    let settings = StoreSettings {
        table_name: "faults".into(),
        endpoint: Some(dynamo.endpoint()),
    };
    let store = Store::connect(&settings).await;
    create_table(&store).await;
    let account = Account::create(
        "faults",
        Mode::Sandbox,
        ApiVersion::V2026_07_11,
        Timestamp::now(),
    )
    .unwrap();
    let secret = ApiKeySecret::generate(&account).unwrap();
    store
        .create_account(
            &account,
            &ApiKey::issue(&account, &secret, Timestamp::now()),
        )
        .await
        .unwrap();
    let mut app_config = config(&dynamo.endpoint());
    app_config.store = settings.clone();
    let t = TestApp {
        app: App::new(store.clone(), app_config).leak(),
        store: store.clone(),
    };
    let key = secret.expose().to_owned();
    let warm = t.get("/api/v1/payments", &key).await;
    assert_eq!(warm.status, 200, "the key is now cached in this container");

    // WHEN DynamoDB freezes and a create with an Idempotency-Key arrives
    dynamo.signal("-STOP");
    let create = || {
        event("POST", "/api/v1/payments")
            .key(&key)
            .header("Idempotency-Key", "fault-create-1")
            .json(json!({ "amount": 700, "currency": "usd", "description": "during an outage" }))
            .build()
    };
    let started = Instant::now();
    let frozen: TestResponse = t.send(create()).await;
    let took = started.elapsed();

    // THEN it answers 503 with Retry-After, inside the 10 s function timeout
    frozen.error(503, "service_unavailable");
    assert!(frozen.header("retry-after").is_some());
    assert!(took < Duration::from_secs(10), "answered in {took:?}");

    // WHEN DynamoDB recovers
    dynamo.signal("-CONT");
    tokio::time::sleep(Duration::from_millis(500)).await;

    // THEN nothing was half-written: no payment exists yet
    assert_eq!(payments(&store, &account).await, 0);

    // AND the same request succeeds, once, and its retries replay it. The frozen invocation's
    // claim may land late (DynamoDB Local works off its queue, slower on a loaded machine): it is
    // then an in-progress record, which blocks retries until its lock runs out. Each try lets
    // it run out now instead of waiting the 30 s, for as long as it may still land.
    let digest = IdempotencyKey::parse("fault-create-1").unwrap().digest();
    let mut retried = None;
    for _ in 0..40 {
        expire_claim(&store, &keys::idempotency(&account.id, &digest)).await;
        let response = t.send(create()).await;
        if response.status == 409 && response.text.contains("idempotency_in_progress") {
            tokio::time::sleep(Duration::from_millis(250)).await;
            continue;
        }
        retried = Some(response);
        break;
    }
    let retried = retried.expect("the frozen claim was still landing 10 s after DynamoDB resumed");
    assert_eq!(retried.status, 200, "{}", retried.text);
    let again = t.send(create()).await;
    assert_eq!(again.text, retried.text);
    assert_eq!(payments(&store, &account).await, 1);
}

/// Lets an in-progress idempotency claim's lock run out, if the claim is there.
async fn expire_claim(store: &Store, key: &str) {
    let expired = store
        .client()
        .update_item()
        .table_name(store.table_name())
        .key(keys::PK, AttributeValue::S(key.to_owned()))
        .key(keys::SK, AttributeValue::S(keys::IDEMPOTENCY_SK.into()))
        .update_expression("SET lockedUntil = :past")
        .condition_expression("attribute_exists(pk) AND #state = :in_progress")
        .expression_attribute_names("#state", "state")
        .expression_attribute_values(":past", AttributeValue::N("0".into()))
        .expression_attribute_values(":in_progress", AttributeValue::S("in_progress".into()))
        .send()
        .await;
    // Not there (yet, or never) or already settled: nothing to expire.
    if let Err(error) = expired {
        assert!(
            error
                .as_service_error()
                .is_some_and(|e| e.is_conditional_check_failed_exception()),
            "{error:?}"
        );
    }
}

/// A loopback TCP proxy that holds every chunk for `delay` before passing it on: a slow network
/// or an overloaded datastore.
async fn delaying_proxy(upstream: u16, delay: Duration) -> u16 {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = listener.local_addr().unwrap().port();
    tokio::spawn(async move {
        while let Ok((client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let Ok(server) = tokio::net::TcpStream::connect(("127.0.0.1", upstream)).await
                else {
                    return;
                };
                let (client_read, client_write) = client.into_split();
                let (server_read, server_write) = server.into_split();
                let pipe = |mut from: tokio::net::tcp::OwnedReadHalf,
                            mut to: tokio::net::tcp::OwnedWriteHalf| async move {
                    use tokio::io::{AsyncReadExt, AsyncWriteExt};
                    let mut buffer = vec![0u8; 64 * 1024];
                    while let Ok(n) = from.read(&mut buffer).await {
                        if n == 0 {
                            break;
                        }
                        tokio::time::sleep(delay).await;
                        if to.write_all(&buffer[..n]).await.is_err() {
                            break;
                        }
                    }
                };
                tokio::join!(
                    pipe(client_read, server_write),
                    pipe(server_read, client_write)
                );
            });
        }
    });
    port
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_slow_datastore_is_503_in_time_and_a_merely_sluggish_one_still_works() {
    let upstream: u16 = crate::helpers::dynamodb_endpoint()
        .rsplit(':')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    // A fresh account in the shared table, through the fast path.
    let fast = TestApp::new().await;
    let (_, key) = fast.account(Mode::Sandbox).await;

    for (delay, expect_ok) in [
        (Duration::from_millis(150), true),
        (Duration::from_secs(3), false),
    ] {
        let port = delaying_proxy(upstream, delay).await;
        let endpoint = format!("http://127.0.0.1:{port}");
        let store = Store::connect(&StoreSettings {
            table_name: crate::helpers::TABLE.into(),
            endpoint: Some(endpoint.clone()),
        })
        .await;
        let t = TestApp {
            app: App::new(store.clone(), config(&endpoint)).leak(),
            store,
        };
        let started = Instant::now();
        let response = t
            .send(
                event("POST", "/api/v1/payments")
                    .key(&key)
                    .header("Idempotency-Key", &format!("slow-{}", delay.as_millis()))
                    .json(json!({ "amount": 100, "currency": "usd", "description": "slow" }))
                    .build(),
            )
            .await;
        let took = started.elapsed();
        assert!(
            took < Duration::from_secs(10),
            "{delay:?}: answered in {took:?}"
        );
        if expect_ok {
            assert_eq!(response.status, 200, "{delay:?}: {}", response.text);
        } else {
            response.error(503, "service_unavailable");
            assert!(response.header("retry-after").is_some());
        }
    }
    // Only the sluggish request made a payment; the slow one wrote nothing it did not undo.
    let listed = fast.get("/api/v1/payments", &key).await;
    assert_eq!(listed.data().as_array().unwrap().len(), 1);
}

#[test]
fn dynamodb_local_dies_with_its_script_even_when_the_script_is_killed_outright() {
    // GIVEN a DynamoDB Local started the way the tests and scripts start it
    let dynamo = LocalDynamo::start();
    let java = dynamo.java_pid();
    // WHEN its script is killed with SIGKILL (no trap can run)
    signal_process("-KILL", dynamo.script_pid());
    // THEN Java goes with it (its parent-death signal), within seconds
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::path::Path::new(&format!("/proc/{java}")).exists()
        && !std::fs::read_to_string(format!("/proc/{java}/stat"))
            .is_ok_and(|stat| stat.contains(") Z "))
    {
        assert!(
            Instant::now() < deadline,
            "DynamoDB Local (pid {java}) outlived its script"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
}
