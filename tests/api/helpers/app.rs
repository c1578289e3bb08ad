//! The functions as a test runs them: their configuration and `TestApp`.

use std::sync::OnceLock;
use std::time::Duration;

use commet_payments::app::{App, Config, SecretSource, StripeConfig};
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode};
use commet_payments::domain::delivery::RetrySchedule;
use commet_payments::domain::mail_cap::MailCap;
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::provider::stripe::SecretKey;
use commet_payments::store::{IssueKeyOutcome, Store};
use commet_payments::{endpoints, workers};
use lambda_http::Request;
use serde_json::Value;

use super::events::{TestResponse, event};
use super::iam::{as_function, checked, checked_as};
use super::log_watch;
use super::services::{
    create_table, dynamodb_endpoint, free_port, localstripe_endpoint, ses_endpoint, settings,
};

/// localstripe takes any key of the right form.
pub const LOCALSTRIPE_KEY: &str = "sk_test_commet_payments_tests";
pub const LOCALSTRIPE_PUBLISHABLE_KEY: &str = "pk_test_commet_payments_tests";
/// The keys an app's test mode uses (localstripe does not tell keys apart; the pages show which).
pub const LOCALSTRIPE_TEST_MODE_KEY: &str = "sk_test_commet_payments_test_mode";
pub const LOCALSTRIPE_TEST_MODE_PUBLISHABLE_KEY: &str = "pk_test_commet_payments_test_mode";
/// What Stripe's events to the tests are signed with (events/env.json's too).
pub const STRIPE_WEBHOOK_SECRET: &str = "whsec_commet_payments_local";
/// The test-mode endpoint's, for sandbox accounts on Stripe.
pub const STRIPE_TEST_WEBHOOK_SECRET: &str = "whsec_commet_payments_local_test";

pub async fn store() -> Store {
    checked(Store::connect(&settings(dynamodb_endpoint())).await)
}

pub fn config(endpoint: &str) -> Config {
    Config {
        store: settings(endpoint),
        public_base_url: None,
        api_key_cache_ttl: Duration::from_secs(60),
        error_docs_url: None,
        webhooks_allow_loopback: true,
        // Retries a second apart, as the local stack has them.
        retry_schedule: RetrySchedule {
            minute: Duration::from_secs(1),
        },
        receipt_sender: Some("receipts@commet-payments.test".into()),
        ses_endpoint: Some(ses_endpoint().to_owned()),
        mail_cap: MailCap::default(),
        stripe: None,
        stripe_test: None,
        stripe_webhook_secret: Some(SecretSource::Given(SecretKey::new(
            STRIPE_WEBHOOK_SECRET.to_owned(),
        ))),
        stripe_test_webhook_secret: Some(SecretSource::Given(SecretKey::new(
            STRIPE_TEST_WEBHOOK_SECRET.to_owned(),
        ))),
        secrets_endpoint: None,
    }
}

/// Stripe on this process's localstripe with these keys, its Stripe.js there too.
fn localstripe(key: SecretSource, publishable_key: &str) -> StripeConfig {
    localstripe_at(localstripe_endpoint(), key, publishable_key)
}

fn localstripe_at(endpoint: &str, key: SecretSource, publishable_key: &str) -> StripeConfig {
    StripeConfig {
        api_base: endpoint.to_owned(),
        key,
        publishable_key: Some(publishable_key.to_owned()),
        js_url: format!("{endpoint}/js.stripe.com/v3/"),
    }
}

/// Every test logs at TRACE into the log watch, which knows the secrets of this configuration from
/// the start, and each key and card a test sends as it is built into a request.
fn init_logging() {
    static WATCHED: std::sync::Once = std::sync::Once::new();
    WATCHED.call_once(|| {
        log_watch::install();
        for secret in [
            LOCALSTRIPE_KEY,
            LOCALSTRIPE_TEST_MODE_KEY,
            STRIPE_WEBHOOK_SECRET,
            STRIPE_TEST_WEBHOOK_SECRET,
        ] {
            log_watch::watch_secret(secret);
        }
    });
}

#[derive(Clone)]
pub struct TestApp {
    pub app: &'static App,
    pub store: Store,
}

/// A test ends with its logs checked (a leak found while another test ran fails this one too).
impl Drop for TestApp {
    fn drop(&mut self) {
        if !std::thread::panicking() {
            log_watch::assert_no_leaks();
        }
    }
}

/// Stripe at a loopback port nothing listens on.
fn unreachable_stripe() -> StripeConfig {
    StripeConfig {
        api_base: format!("http://127.0.0.1:{}", free_port()),
        key: SecretSource::Given(SecretKey::new(LOCALSTRIPE_KEY.to_owned())),
        publishable_key: None,
        js_url: commet_payments::app::STRIPE_JS.to_owned(),
    }
}

impl TestApp {
    pub async fn new() -> Self {
        init_logging();
        let store = store().await;
        let app = App::new(store.clone(), config(dynamodb_endpoint())).leak();
        Self { app, store }
    }

    /// An app on a table of its own (on the shared DynamoDB Local), for tests of what works
    /// across accounts, such as the reconciler, that must not meet other tests' objects.
    pub async fn with_own_table(name: &str) -> Self {
        Self::custom(Some(name), |_| {}).await
    }

    /// An app whose live accounts charge through this process's localstripe.
    pub async fn with_stripe(own_table: Option<&str>) -> Self {
        Self::with_stripe_key(
            own_table,
            SecretSource::Given(SecretKey::new(LOCALSTRIPE_KEY.to_owned())),
            None,
        )
        .await
    }

    /// An app whose live accounts charge through the localstripe at `endpoint` (not this
    /// process's first).
    pub async fn with_localstripe_at(own_table: Option<&str>, endpoint: &str) -> Self {
        Self::custom(own_table, |config| {
            let key = SecretSource::Given(SecretKey::new(LOCALSTRIPE_KEY.to_owned()));
            config.stripe = Some(localstripe_at(endpoint, key, LOCALSTRIPE_PUBLISHABLE_KEY));
        })
        .await
    }

    /// An app whose live accounts reach localstripe's API at `api_base` (a proxy to it); the
    /// payer's browser still loads Stripe.js from localstripe itself.
    pub async fn with_stripe_api_at(own_table: Option<&str>, api_base: &str) -> Self {
        Self::custom(own_table, |config| {
            let key = SecretSource::Given(SecretKey::new(LOCALSTRIPE_KEY.to_owned()));
            let mut stripe = localstripe(key, LOCALSTRIPE_PUBLISHABLE_KEY);
            stripe.api_base = api_base.to_owned();
            config.stripe = Some(stripe);
        })
        .await
    }

    /// The same, with the key found as `key` says (through `secrets_endpoint`).
    pub async fn with_stripe_key(
        own_table: Option<&str>,
        key: SecretSource,
        secrets_endpoint: Option<&str>,
    ) -> Self {
        Self::custom(own_table, |config| {
            config.stripe = Some(localstripe(key, LOCALSTRIPE_PUBLISHABLE_KEY));
            config.secrets_endpoint = secrets_endpoint.map(str::to_owned);
        })
        .await
    }

    /// An app with Stripe's test keys only (on this process's localstripe): for sandbox
    /// accounts set to Stripe; live accounts have no provider here.
    pub async fn with_stripe_test_keys_only() -> Self {
        Self::custom(None, |config| {
            let key = SecretSource::Given(SecretKey::new(LOCALSTRIPE_TEST_MODE_KEY.to_owned()));
            config.stripe_test = Some(localstripe(key, LOCALSTRIPE_TEST_MODE_PUBLISHABLE_KEY));
        })
        .await
    }

    /// An app whose Stripe does not answer: a loopback port nothing listens on.
    pub async fn with_unreachable_stripe(own_table: &str) -> Self {
        Self::custom(Some(own_table), |config| {
            config.stripe = Some(unreachable_stripe());
        })
        .await
    }

    /// Another container of the same deployment (same table) that cannot reach Stripe.
    pub fn another_container_without_stripe(&self) -> Self {
        let mut app_config = config(dynamodb_endpoint());
        app_config.store.table_name = self.store.table_name().to_owned();
        app_config.stripe = Some(unreachable_stripe());
        Self {
            app: App::new(self.store.clone(), app_config).leak(),
            store: self.store.clone(),
        }
    }

    pub async fn custom(own_table: Option<&str>, configure: impl FnOnce(&mut Config)) -> Self {
        init_logging();
        let mut app_config = config(dynamodb_endpoint());
        configure(&mut app_config);
        if let Some(name) = own_table {
            app_config.store.table_name = format!("{name}-{}", ulid::Ulid::generate());
        }
        let store = checked(Store::connect(&app_config.store).await);
        if own_table.is_some() {
            create_table(&store).await;
        }
        Self {
            app: App::new(store.clone(), app_config).leak(),
            store,
        }
    }

    /// Another container of the same deployment (same table and configuration, empty caches,
    /// the same interceptors) that is worker `name`'s (`send_receipts`): every DynamoDB call it makes is
    /// checked against that function's policy.
    pub fn as_worker(&self, name: &'static str) -> Self {
        let store = checked_as(&self.store, &[name]);
        Self {
            app: App::new(store.clone(), self.app.config.clone()).leak(),
            store,
        }
    }

    /// The app of `as_worker(name)`: a fresh container of worker `name`, held to its policy.
    pub fn worker(&self, name: &'static str) -> &'static App {
        self.as_worker(name).app
    }

    /// Another container of the same deployment (same table, empty caches), whose DynamoDB
    /// client also runs `interceptor` on every call.
    pub fn another_container_observed_by(
        &self,
        interceptor: impl aws_sdk_dynamodb::config::Intercept + 'static,
    ) -> Self {
        let client_config = self
            .store
            .client()
            .config()
            .to_builder()
            .interceptor(interceptor)
            .build();
        let store = Store::from_client(
            aws_sdk_dynamodb::Client::from_conf(client_config),
            self.store.table_name(),
        );
        let mut app_config = config(dynamodb_endpoint());
        app_config.store.table_name = self.store.table_name().to_owned();
        Self {
            app: App::new(store.clone(), app_config).leak(),
            store,
        }
    }

    /// A fresh account of its own, so tests sharing the table never see each other's objects.
    /// Pinned to 2026-07-11: most tests read the enveloped family (`data()`, `error()`);
    /// `versions.rs` covers the others.
    pub async fn account(&self, mode: Mode) -> (Account, String) {
        self.account_pinned(mode, Some(ApiVersion::V2026_07_11))
            .await
    }

    /// A fresh account with this pin (`None`: an account from before pins existed).
    pub async fn account_pinned(&self, mode: Mode, pin: Option<ApiVersion>) -> (Account, String) {
        let mut account =
            Account::create("Test account", mode, ApiVersion::CURRENT, Timestamp::now()).unwrap();
        account.api_version = pin;
        let secret = ApiKeySecret::generate(&account).unwrap();
        self.store
            .create_account(
                &account,
                &ApiKey::issue(&account, &secret, Timestamp::now()),
            )
            .await
            .unwrap();
        log_watch::watch_secret(secret.expose());
        (account, secret.expose().to_owned())
    }

    /// Another key of `account`, as `admin issue-key` makes it (carrying the account's settings).
    pub async fn issue_key(&self, account: &Account) -> String {
        let secret = ApiKeySecret::generate(account).unwrap();
        self.issue_secret(account, &secret).await;
        secret.expose().to_owned()
    }

    /// Stores a key with this secret for `account`, as `admin issue-key` does.
    pub async fn issue_secret(&self, account: &Account, secret: &ApiKeySecret) -> ApiKey {
        log_watch::watch_secret(secret.expose());
        let issued = self
            .store
            .issue_api_key(&account.id, |current| {
                ApiKey::issue(current, secret, Timestamp::now())
            })
            .await
            .unwrap();
        match issued {
            IssueKeyOutcome::Issued(key) => key,
            other => panic!("no key issued: {other:?}"),
        }
    }

    /// The provider's id the stored payment records (Stripe's PaymentIntent; not on the wire).
    pub async fn provider_reference(&self, account: &Account, payment: &str) -> Option<String> {
        let id = commet_payments::domain::ids::PaymentId::parse(payment).unwrap();
        let stored = self.store.get_payment(&account.id, &id).await.unwrap();
        stored.expect("the payment is stored").provider_reference
    }

    /// The payment's item as stored (one consistent GetItem), every attribute.
    pub async fn payment_item(
        &self,
        account: &commet_payments::domain::ids::AccountId,
        payment: &str,
    ) -> std::collections::HashMap<String, aws_sdk_dynamodb::types::AttributeValue> {
        use aws_sdk_dynamodb::types::AttributeValue;
        use commet_payments::store::keys;
        let id = commet_payments::domain::ids::PaymentId::parse(payment).unwrap();
        self.store
            .client()
            .get_item()
            .table_name(self.store.table_name())
            .key(keys::PK, AttributeValue::S(keys::payment(account, &id)))
            .key(keys::SK, AttributeValue::S(keys::PAYMENT_SK.into()))
            .consistent_read(true)
            .send()
            .await
            .unwrap()
            .item
            .expect("the payment is stored")
    }

    /// Makes the link `payment` be in an attempt begun on 2026-01-01 (`processing`), as a
    /// crashed or left attempt that long ago would leave it.
    pub async fn begin_attempt_long_ago(
        &self,
        account: &commet_payments::domain::ids::AccountId,
        payment: &str,
    ) {
        use aws_sdk_dynamodb::types::AttributeValue;
        let text = |value: &str| AttributeValue::S(value.to_owned());
        self.update_payment_item(
            account,
            payment,
            "SET #status = :processing, attemptStartedAt = :long_ago",
            &[("#status", "status")],
            &[
                (":processing", text("processing")),
                (":long_ago", text("2026-01-01T00:00:00.000Z")),
            ],
        )
        .await;
    }

    /// Changes the stored item of payment `payment` by the update `expression` (its `#names`
    /// as `names` say), unconditionally: a state no request of ours leaves it in.
    pub async fn update_payment_item(
        &self,
        account: &commet_payments::domain::ids::AccountId,
        payment: &str,
        expression: &str,
        names: &[(&str, &str)],
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    ) {
        use commet_payments::store::keys;
        let id = commet_payments::domain::ids::PaymentId::parse(payment).unwrap();
        let pk = keys::payment(account, &id);
        self.update_raw(pk, keys::PAYMENT_SK, expression, names, values)
            .await;
    }

    /// Changes the stored item of customer `customer` (a `cus_` id) by the update `expression`
    /// (its `#names` as `names` say), unconditionally: a state no request of ours leaves it in.
    pub async fn update_customer_item(
        &self,
        account: &commet_payments::domain::ids::AccountId,
        customer: &str,
        expression: &str,
        names: &[(&str, &str)],
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    ) {
        use commet_payments::store::keys;
        let id = commet_payments::domain::ids::CustomerId::parse(customer).unwrap();
        let pk = keys::customer(account, &id);
        self.update_raw(pk, keys::CUSTOMER_SK, expression, names, values)
            .await;
    }

    /// Changes the Idempotency-Key record of `idem` in `account` by the update `expression`
    /// (its `#names` as `names` say), unconditionally: a state a request that died leaves it in.
    pub async fn update_idempotency_record(
        &self,
        account: &commet_payments::domain::ids::AccountId,
        idem: &str,
        expression: &str,
        names: &[(&str, &str)],
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    ) {
        use commet_payments::domain::idempotency::IdempotencyKey;
        use commet_payments::store::keys;
        let digest = IdempotencyKey::parse(idem).unwrap().digest();
        let pk = keys::idempotency(account, &digest);
        self.update_raw(pk, keys::IDEMPOTENCY_SK, expression, names, values)
            .await;
    }

    /// One unconditional UpdateItem of the item at (`pk`, `sk`).
    async fn update_raw(
        &self,
        pk: String,
        sk: &str,
        expression: &str,
        names: &[(&str, &str)],
        values: &[(&str, aws_sdk_dynamodb::types::AttributeValue)],
    ) {
        use aws_sdk_dynamodb::types::AttributeValue;
        use commet_payments::store::keys;
        let mut update = self
            .store
            .client()
            .update_item()
            .table_name(self.store.table_name())
            .key(keys::PK, AttributeValue::S(pk))
            .key(keys::SK, AttributeValue::S(sk.to_owned()))
            .update_expression(expression);
        for (placeholder, name) in names {
            update = update.expression_attribute_names(*placeholder, *name);
        }
        for (placeholder, value) in values {
            update = update.expression_attribute_values(*placeholder, value.clone());
        }
        update.send().await.unwrap();
    }

    /// Sends a request through the function that serves it, as API Gateway would.
    pub async fn send(&self, request: Request) -> TestResponse {
        // The function API Gateway would route this request to (the `$default` one if none).
        let function = endpoints::for_request(request.method().as_str(), request.uri().path());
        let served = as_function(function.name, (function.serve)(self.app, request)).await;
        TestResponse::from(served)
    }

    pub async fn get(&self, path: &str, key: &str) -> TestResponse {
        self.send(event("GET", path).key(key).build()).await
    }

    pub async fn post(&self, path: &str, key: &str, body: Value) -> TestResponse {
        self.send(event("POST", path).key(key).json(body).build())
            .await
    }

    /// Creates an object with a POST that must succeed; its id.
    pub async fn create(&self, path: &str, key: &str, body: Value) -> String {
        let created = self.post(path, key, body).await;
        created.data()["id"].as_str().unwrap().to_owned()
    }
}

/// An app whose table endpoint has nothing listening.
pub async fn app_without_datastore() -> &'static App {
    let config = config(&format!("http://127.0.0.1:{}", free_port()));
    let store = Store::connect(&config.store).await;
    App::new(store, config).leak()
}

/// Starts, once per test process, what carries committed changes to webhooks locally: the stream
/// relay (`workers::relay_stream`, as `admin relay-stream` runs it) with retries every 250 ms,
/// on a thread and runtime of its own, with an app of its own. Returns once the stream is being
/// read, so that every change after the call is delivered.
pub fn stream_relay() {
    static STARTED: OnceLock<()> = OnceLock::new();
    STARTED.get_or_init(|| {
        let endpoint = dynamodb_endpoint().to_owned();
        let (ready, reading) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async {
                    let workers: Vec<&str> =
                        workers::ALL.iter().map(|(_, worker)| worker.name).collect();
                    let store = checked_as(&Store::connect(&settings(&endpoint)).await, &workers);
                    let app = App::new(store, config(&endpoint)).leak();
                    commet_payments::workers::relay_stream(
                        app,
                        &endpoint,
                        Duration::from_millis(25),
                        Duration::from_millis(250),
                        move || ready.send(()).expect("the test waits"),
                    )
                    .await
                    .expect("the stream relay runs");
                })
        });
        reading
            .recv_timeout(Duration::from_secs(60))
            .expect("the stream relay reads DynamoDB Local's stream");
    });
}
