//! The deployment's Stripe key from Secrets Manager (moto's server standing in for it): read on
//! the first charge, used, never shown; a secret that cannot be read is a 503 that writes
//! nothing, and a later request reads it again.

use std::time::{Duration, Instant};

use aws_sdk_secretsmanager::config::{BehaviorVersion, Credentials, Region};
use commet_payments::app::SecretSource;
use commet_payments::domain::account::Mode;
use commet_payments::outbound::read_secret;
use serde_json::json;
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{LOCALSTRIPE_KEY, TestApp, moto_endpoint};
use crate::stripe::stripe_customer;

async fn create_secret(name: &str, text: &str) -> String {
    let config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .credentials_provider(Credentials::new("local", "local", None, None, "local"))
        .endpoint_url(moto_endpoint())
        .http_client(commet_payments::aws_http::http_client())
        .build();
    aws_sdk_secretsmanager::Client::from_conf(config)
        .create_secret()
        .name(name)
        .secret_string(text)
        .send()
        .await
        .unwrap()
        .arn()
        .unwrap()
        .to_owned()
}

#[tokio::test]
async fn the_stripe_key_comes_from_secrets_manager() {
    // GIVEN the key in a secret, and an app that knows only the secret's ARN
    let name = format!("stripe-{}", ulid::Ulid::generate());
    let arn = create_secret(&name, LOCALSTRIPE_KEY).await;
    let t = TestApp::with_stripe_key(
        None,
        SecretSource::InSecretsManager { arn },
        Some(moto_endpoint()),
    )
    .await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;

    // WHEN a live charge is made, twice
    for _ in 0..2 {
        let charged = t
            .post(
                "/api/v1/payments/charge",
                &key,
                json!({ "customerId": customer, "amount": 900, "currency": "usd", "description": "x" }),
            )
            .await;
        // THEN it went through Stripe with the key from the secret
        assert_eq!(charged.status, 200, "{}", charged.text);
        assert_eq!(charged.data()["provider"], "stripe");
    }
}

#[tokio::test]
async fn a_secret_that_cannot_be_read_is_503_and_writes_nothing() {
    let t = TestApp::with_stripe_key(
        None,
        SecretSource::InSecretsManager {
            arn: "arn:aws:secretsmanager:us-east-1:123456789012:secret:missing-AbCdEf".into(),
        },
        Some(moto_endpoint()),
    )
    .await;
    let (account, key) = t.account(Mode::Live).await;
    let customer = stripe_customer(&t, &account, &key, "4242424242424242").await;
    let refused = t
        .post(
            "/api/v1/payments/charge",
            &key,
            json!({ "customerId": customer, "amount": 900, "currency": "usd", "description": "x" }),
        )
        .await;
    refused.error(503, "service_unavailable");
    let listed = t.get("/api/v1/payments", &key).await;
    assert_eq!(
        listed.data().as_array().unwrap().len(),
        0,
        "no payment written"
    );
}

/// A relay to moto on a loopback port whose first connection is taken and never answered, as a
/// stalled connection would be; later ones are passed through.
async fn stalling_first_connection() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let moto = moto_endpoint().trim_start_matches("http://").to_owned();
    tokio::spawn(async move {
        let (stalled, _) = listener.accept().await.unwrap();
        loop {
            let Ok((mut client, _)) = listener.accept().await else {
                break;
            };
            let moto = moto.clone();
            tokio::spawn(async move {
                if let Ok(mut upstream) = TcpStream::connect(moto).await {
                    let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
                }
            });
        }
        drop(stalled);
    });
    format!("http://{address}")
}

#[tokio::test]
async fn a_stalled_attempt_at_the_secret_is_cut_off_and_tried_again() {
    let name = format!("stalled-{}", ulid::Ulid::generate());
    let arn = create_secret(&name, LOCALSTRIPE_KEY).await;
    let relay = stalling_first_connection().await;
    let started = Instant::now();
    // The operation's own bound is 10 s: without an attempt's bound, the stalled first attempt
    // would use all of it and the read would fail.
    let read = tokio::time::timeout(Duration::from_secs(20), read_secret(&arn, Some(&relay)))
        .await
        .expect("the read ends");
    assert_eq!(read.as_deref(), Ok(LOCALSTRIPE_KEY));
    let took = started.elapsed();
    assert!(
        took >= Duration::from_secs(3),
        "the first attempt stalled: {took:?}"
    );
}
