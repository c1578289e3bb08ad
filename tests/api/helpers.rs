//! Test harness: a real DynamoDB Local (started here unless DYNAMODB_ENDPOINT points at one),
//! a fresh account per test, and API Gateway events fed through the real handlers.

use std::collections::BTreeMap;
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use commet_payments::app::{App, Config, SecretSource, StripeConfig};
use commet_payments::domain::account::{Account, ApiKey, ApiKeySecret, Mode};
use commet_payments::domain::delivery::RetrySchedule;
use commet_payments::domain::ids::AccountId;
use commet_payments::domain::tax::{BasisPoints, RegionKey, TaxRates};
use commet_payments::domain::time::Timestamp;
use commet_payments::domain::version::ApiVersion;
use commet_payments::endpoints;
use commet_payments::http::version::is_enveloped;
use commet_payments::provider::stripe::SecretKey;
use commet_payments::store::{IssueKeyOutcome, Store, StoreError, StoreSettings};
use lambda_http::{Body, Request, Response};
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

pub const TABLE: &str = "commet-payments-test";

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

/// The endpoint of the DynamoDB Local this test process uses, with the table created.
/// Fails the test (never skips it) when DynamoDB Local cannot be started.
pub fn dynamodb_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    static SHARED: OnceLock<LocalDynamo> = OnceLock::new();
    ENDPOINT.get_or_init(|| {
        let endpoint = std::env::var("DYNAMODB_ENDPOINT")
            .ok()
            .filter(|value| !value.is_empty())
            .unwrap_or_else(|| SHARED.get_or_init(LocalDynamo::start).endpoint());
        let settings = settings(&endpoint);
        // A runtime of its own: SDK clients must not outlive the runtime that made them, and
        // each #[tokio::test] has its own.
        std::thread::spawn(move || {
            tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
                .expect("runtime")
                .block_on(async { create_table(&Store::connect(&settings).await).await })
        })
        .join()
        .expect("table creation thread");
        endpoint
    })
}

/// Creates the store's table on a DynamoDB Local that has just begun to listen. Its first
/// request can outlast the SDK's 5 s budget while the machine is loaded (seen once, in the
/// frozen-datastore test with CI running beside it), so an unavailable answer is tried again
/// for up to a minute; creating a table that exists is a no-op.
pub async fn create_table(store: &Store) {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        match store.create_table().await {
            Ok(_) => return,
            Err(StoreError::Unavailable(why)) if Instant::now() < deadline => {
                eprintln!("DynamoDB Local not ready for the table yet: {why}");
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
            Err(error) => panic!("create the table in DynamoDB Local: {error}"),
        }
    }
}

/// A DynamoDB Local of this test process, started by `scripts/dynamodb-local.sh`, which stops it
/// when this process exits however it ends (the shared one is never dropped) and which Java dies
/// with even when the script itself is killed.
pub struct LocalDynamo {
    script: Child,
    pub port: u16,
}

impl LocalDynamo {
    pub fn start() -> Self {
        let port = free_port();
        let script = concat!(env!("CARGO_MANIFEST_DIR"), "/scripts/dynamodb-local.sh");
        let child = Command::new(script)
            .arg(port.to_string())
            .arg("--parent-pid")
            .arg(std::process::id().to_string())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot start DynamoDB Local with {script}: {e}"));
        let dynamo = Self {
            script: child,
            port,
        };
        let deadline = Instant::now() + Duration::from_secs(120);
        while TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "DynamoDB Local did not listen on 127.0.0.1:{port} within 120 s \
                 (needs Java 17 and `npm ci`; see scripts/dynamodb-local.sh)"
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        dynamo
    }

    pub fn endpoint(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }

    pub fn script_pid(&self) -> u32 {
        self.script.id()
    }

    /// The Java process the script started.
    pub fn java_pid(&self) -> u32 {
        self.running_java().expect("the script runs Java")
    }

    fn running_java(&self) -> Option<u32> {
        let out = Command::new("pgrep")
            .args(["-P", &self.script.id().to_string()])
            .output()
            .expect("pgrep");
        String::from_utf8(out.stdout)
            .ok()?
            .lines()
            .next()
            .and_then(|line| line.trim().parse().ok())
    }

    /// Sends a signal (`-STOP`, `-CONT`, ...) to the Java process.
    pub fn signal(&self, signal: &str) {
        signal_process(signal, self.java_pid());
    }
}

pub fn signal_process(signal: &str, pid: u32) {
    let status = Command::new("kill")
        .args([signal, &pid.to_string()])
        .status()
        .unwrap();
    assert!(status.success(), "kill {signal} {pid}");
}

impl Drop for LocalDynamo {
    fn drop(&mut self) {
        // A frozen Java would not die of the script's SIGTERM; thaw it first.
        if let Some(pid) = self.running_java() {
            signal_process("-CONT", pid);
        }
        // SIGTERM, not SIGKILL: the script's trap stops Java before the script exits.
        signal_process("-TERM", self.script.id());
        if self.script.wait().is_err() {
            eprintln!("could not wait for the DynamoDB Local script");
        }
    }
}

/// A loopback port that was free a moment ago: to start a service on, or, left alone, one
/// nothing answers on.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("free port");
    listener.local_addr().expect("addr").port()
}

/// An app whose table endpoint has nothing listening.
pub async fn app_without_datastore() -> &'static App {
    let config = config(&format!("http://127.0.0.1:{}", free_port()));
    let store = Store::connect(&config.store).await;
    App::new(store, config).leak()
}

/// Starts `script <port> --parent-pid <this process>` on a free loopback port (the script stops
/// its service when this process exits, however it ends) and waits until it listens; its origin.
fn start_local_service(script: &str, what: &str, keep: &'static OnceLock<Child>) -> String {
    let port = free_port();
    let script = format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    let child = Command::new(&script)
        .arg(port.to_string())
        .arg("--parent-pid")
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} with {script}: {e}"));
    keep.set(child).expect("started once");
    // The first start may install it (npm, pip).
    let deadline = Instant::now() + Duration::from_secs(180);
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on 127.0.0.1:{port} within 180 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    format!("http://127.0.0.1:{port}")
}

/// The aws-ses-v2-local of this test process (`scripts/ses-local.sh`): where receipts go, and
/// where the tests read them (`GET /store`).
pub fn ses_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    static SES: OnceLock<Child> = OnceLock::new();
    ENDPOINT.get_or_init(|| start_local_service("ses-local.sh", "aws-ses-v2-local", &SES))
}

/// The localstripe of this test process (`scripts/localstripe.sh`): live accounts' Stripe.
pub fn localstripe_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    static STRIPE: OnceLock<Child> = OnceLock::new();
    ENDPOINT.get_or_init(|| start_local_service("localstripe.sh", "localstripe", &STRIPE))
}

/// The moto server of this test process (`scripts/moto.sh`): Secrets Manager.
pub fn moto_endpoint() -> &'static str {
    static ENDPOINT: OnceLock<String> = OnceLock::new();
    static MOTO: OnceLock<Child> = OnceLock::new();
    ENDPOINT.get_or_init(|| start_local_service("moto.sh", "moto", &MOTO))
}

/// The e-mails aws-ses-v2-local holds, as its `GET /store` lists them.
pub async fn sent_mail() -> Vec<Value> {
    let store = http_request("GET", &format!("{}/store", ses_endpoint()), &[], "").await;
    serde_json::from_str::<Value>(&store).expect("the store is JSON")["emails"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// A plain HTTP/1.1 request on loopback, its answer's body read to the end (the tests need no
/// HTTP client crate).
pub async fn http_request(method: &str, url: &str, headers: &[(&str, &str)], body: &str) -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let rest = url.strip_prefix("http://").expect("http");
    let (host, path) = rest
        .split_once('/')
        .map_or((rest, "/".to_owned()), |(h, p)| (h, format!("/{p}")));
    let mut socket = tokio::net::TcpStream::connect(host).await.expect("connect");
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nhost: {host}\r\nconnection: close\r\ncontent-length: {}\r\n",
        body.len()
    );
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    request.push_str(body);
    socket.write_all(request.as_bytes()).await.expect("send");
    let mut answer = Vec::new();
    socket.read_to_end(&mut answer).await.expect("read");
    let answer = String::from_utf8_lossy(&answer).into_owned();
    let (head, body) = answer.split_once("\r\n\r\n").expect("an HTTP answer");
    if head
        .to_ascii_lowercase()
        .contains("transfer-encoding: chunked")
    {
        dechunk(body)
    } else {
        body.to_owned()
    }
}

fn dechunk(mut body: &str) -> String {
    let mut out = String::new();
    while let Some((size, rest)) = body.split_once("\r\n") {
        let size = usize::from_str_radix(size.trim(), 16).unwrap_or(0);
        if size == 0 {
            break;
        }
        out.push_str(&rest[..size]);
        body = &rest[size + 2..];
    }
    out
}

fn settings(endpoint: &str) -> StoreSettings {
    StoreSettings {
        table_name: TABLE.into(),
        endpoint: Some(endpoint.into()),
    }
}

pub async fn store() -> Store {
    Store::connect(&settings(dynamodb_endpoint())).await
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
    StripeConfig {
        api_base: localstripe_endpoint().to_owned(),
        key,
        publishable_key: Some(publishable_key.to_owned()),
        js_url: format!("{}/js.stripe.com/v3/", localstripe_endpoint()),
    }
}

fn init_logging() {
    static LOGGING: std::sync::Once = std::sync::Once::new();
    LOGGING.call_once(|| {
        // Logs show with `RUST_LOG=... cargo test -- --nocapture`; errors only otherwise.
        let level = std::env::var("RUST_LOG").unwrap_or_else(|_| "error".to_owned());
        tracing_subscriber::registry()
            .with(commet_payments::logging::filter(Some(&level)))
            .with(tracing_subscriber::fmt::layer().with_test_writer())
            .init();
    });
}

#[derive(Clone)]
pub struct TestApp {
    pub app: &'static App,
    pub store: Store,
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
    #[cfg_attr(not(feature = "fault-injection"), allow(dead_code))]
    pub async fn with_unreachable_stripe(own_table: &str) -> Self {
        let closed = free_port();
        Self::custom(Some(own_table), |config| {
            config.stripe = Some(StripeConfig {
                api_base: format!("http://127.0.0.1:{closed}"),
                key: SecretSource::Given(SecretKey::new(LOCALSTRIPE_KEY.to_owned())),
                publishable_key: None,
                js_url: commet_payments::app::STRIPE_JS.to_owned(),
            });
        })
        .await
    }

    pub async fn custom(own_table: Option<&str>, configure: impl FnOnce(&mut Config)) -> Self {
        init_logging();
        let mut app_config = config(dynamodb_endpoint());
        configure(&mut app_config);
        if let Some(name) = own_table {
            app_config.store.table_name = format!("{name}-{}", ulid::Ulid::generate());
        }
        let store = Store::connect(&app_config.store).await;
        if own_table.is_some() {
            store.create_table().await.unwrap();
        }
        Self {
            app: App::new(store.clone(), app_config).leak(),
            store,
        }
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

    /// Sends a request through the function that serves it, as API Gateway would.
    pub async fn send(&self, request: Request) -> TestResponse {
        // The function API Gateway would route this request to (the `$default` one if none).
        let function = endpoints::for_request(request.method().as_str(), request.uri().path());
        TestResponse::from((function.serve)(self.app, request).await)
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

/// Runs `event` through the function named `function`, exactly as that Lambda's main does
/// (`endpoints::run` calls the same `serve`).
pub async fn dispatch(app: &'static App, function: &str, event: Request) -> Response<Body> {
    let function = endpoints::by_name(function).unwrap_or_else(|| panic!("no function {function}"));
    (function.serve)(app, event).await
}

/// Builds an API Gateway HTTP API (payload 2.0) event, decoded by lambda_http as in Lambda.
pub struct EventBuilder {
    method: String,
    path: String,
    headers: serde_json::Map<String, Value>,
    body: Option<String>,
    base64: bool,
}

pub fn event(method: &str, path_and_query: &str) -> EventBuilder {
    let mut headers = serde_json::Map::new();
    headers.insert("host".into(), json!("127.0.0.1:9000"));
    EventBuilder {
        method: method.into(),
        path: path_and_query.into(),
        headers,
        body: None,
        base64: false,
    }
}

impl EventBuilder {
    pub fn key(self, key: &str) -> Self {
        self.header("x-api-key", key)
    }

    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.insert(name.to_ascii_lowercase(), json!(value));
        self
    }

    pub fn json(self, body: Value) -> Self {
        self.raw_body(&body.to_string())
            .header("content-type", "application/json")
    }

    /// An HTML form post, as a browser sends it.
    pub fn form(self, fields: &[(&str, &str)]) -> Self {
        let body = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.raw_body(&body)
            .header("content-type", "application/x-www-form-urlencoded")
    }

    /// Bytes that are not text, base64-encoded as API Gateway delivers them.
    pub fn binary_body(mut self, bytes: &[u8]) -> Self {
        use base64::Engine;
        self.body = Some(base64::engine::general_purpose::STANDARD.encode(bytes));
        self.base64 = true;
        self
    }

    pub fn raw_body(mut self, body: &str) -> Self {
        self.body = Some(body.into());
        self
    }

    pub fn build(self) -> Request {
        let (path, query) = self
            .path
            .split_once('?')
            .map(|(p, q)| (p.to_owned(), q.to_owned()))
            .unwrap_or((self.path.clone(), String::new()));
        let event = json!({
            "version": "2.0",
            "routeKey": "$default",
            "rawPath": path,
            "rawQueryString": query,
            "headers": self.headers,
            "requestContext": {
                "accountId": "123456789012",
                "apiId": "local",
                "domainName": "127.0.0.1",
                "domainPrefix": "local",
                "http": {
                    "method": self.method,
                    "path": path,
                    "protocol": "HTTP/1.1",
                    "sourceIp": "127.0.0.1",
                    "userAgent": "tests"
                },
                "requestId": format!("test-{}", ulid::Ulid::generate()),
                "routeKey": "$default",
                "stage": "$default",
                "time": "26/Nov/2026:10:15:00 +0000",
                "timeEpoch": 1795000000000u64
            },
            "body": self.body,
            "isBase64Encoded": self.base64
        });
        lambda_http::request::from_str(&event.to_string()).expect("valid API Gateway event")
    }
}

#[derive(Debug, Clone)]
pub struct TestResponse {
    pub status: u16,
    pub headers: lambda_http::http::HeaderMap,
    /// The body as JSON (`Null` for an HTML page).
    pub body: Value,
    pub text: String,
}

impl From<Response<Body>> for TestResponse {
    fn from(response: Response<Body>) -> Self {
        let status = response.status().as_u16();
        let headers = response.headers().clone();
        let text = match response.body() {
            Body::Text(text) => text.clone(),
            Body::Binary(bytes) => String::from_utf8(bytes.clone()).expect("UTF-8 body"),
            _ => String::new(),
        };
        let json = headers
            .get("content-type")
            .is_some_and(|v| v.as_bytes().starts_with(b"application/json"));
        let body = if json {
            serde_json::from_str(&text).expect("JSON body")
        } else {
            Value::Null
        };
        Self {
            status,
            headers,
            body,
            text,
        }
    }
}

impl TestResponse {
    /// Whether the answer is in the `{success, data}` family, by the version it says shaped it.
    pub fn enveloped(&self) -> bool {
        let version = self
            .header("commet-version")
            .expect("every API answer says its version");
        is_enveloped(ApiVersion::parse(version).expect("a known version"))
    }

    /// The object of a success, or a list's items, in either family.
    pub fn data(&self) -> &Value {
        if self.enveloped() {
            assert_eq!(
                self.body["success"],
                json!(true),
                "not a success: {:#}",
                self.body
            );
            return &self.body["data"];
        }
        // Bare objects may have a `success` of their own (a test delivery's answer).
        assert!(
            (200..300).contains(&self.status) && self.body.get("error").is_none(),
            "not a success: {:#}",
            self.body
        );
        if self.body["object"] == "list" {
            &self.body["data"]
        } else {
            &self.body
        }
    }

    /// Asserts the error envelope and returns its `error` object.
    pub fn error(&self, status: u16, code: &str) -> &Value {
        assert_eq!(
            self.status, status,
            "unexpected status, body: {:#}",
            self.body
        );
        if self.enveloped() {
            assert_eq!(self.body["success"], json!(false));
        } else {
            assert!(self.body.get("success").is_none(), "{:#}", self.body);
        }
        let error = &self.body["error"];
        assert_eq!(error["code"], json!(code), "body: {:#}", self.body);
        for field in ["type", "message", "doc_url"] {
            assert!(
                error[field].is_string(),
                "error.{field} missing: {:#}",
                self.body
            );
        }
        assert!(error.get("param").is_some() && error.get("details").is_some());
        error
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|value| value.to_str().ok())
    }
}

/// The hosted page as a browser sees it: open it, keep its anti-forgery cookie, submit it.
pub struct PageVisit {
    pub page: TestResponse,
    pub token: String,
    pub cookie: String,
}

impl TestApp {
    pub async fn open_page(&self, payment_id: &str) -> PageVisit {
        let page = self
            .send(event("GET", &format!("/pay/{payment_id}")).build())
            .await;
        let token = page
            .text
            .split("name=\"csrf\" value=\"")
            .nth(1)
            .and_then(|rest| rest.split('"').next())
            .unwrap_or_default()
            .to_owned();
        let cookie = page
            .header("set-cookie")
            .and_then(|c| c.split(';').next())
            .unwrap_or_default()
            .to_owned();
        PageVisit {
            page,
            token,
            cookie,
        }
    }

    /// Opens the page and submits `fields` with its token, as a payer would.
    pub async fn pay(&self, payment_id: &str, fields: &[(&str, &str)]) -> TestResponse {
        let visit = self.open_page(payment_id).await;
        assert_eq!(visit.page.status, 200, "{}", visit.page.text);
        self.submit_page(payment_id, &visit, fields).await
    }

    pub async fn submit_page(
        &self,
        payment_id: &str,
        visit: &PageVisit,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        let mut all = vec![("csrf", visit.token.as_str())];
        all.extend_from_slice(fields);
        self.send(
            event("POST", &format!("/pay/{payment_id}"))
                .header("cookie", &visit.cookie)
                .form(&all)
                .build(),
        )
        .await
    }

    /// A sandbox customer (with e-mail and optional address) and a link for it.
    pub async fn customer_with_link(
        &self,
        key: &str,
        address: Option<Value>,
        amount: u64,
    ) -> (String, String) {
        let mut body = json!({ "email": "payer@example.com" });
        if let Some(address) = address {
            body["address"] = address;
        }
        let customer = self.post("/api/v1/customers", key, body).await;
        let customer_id = customer.data()["id"].as_str().unwrap().to_owned();
        let link = self
            .post(
                "/api/v1/payments",
                key,
                json!({ "amount": amount, "currency": "usd", "description": "Order", "customerId": customer_id }),
            )
            .await;
        let link_id = link.data()["id"].as_str().unwrap().to_owned();
        (customer_id, link_id)
    }
}

pub const GOOD_CARD: &[(&str, &str)] = &[
    ("card_number", "4242 4242 4242 4242"),
    ("expiry", "12/34"),
    ("cvc", "123"),
];

pub fn card(number: &str) -> Vec<(&str, &str)> {
    vec![("card_number", number), ("expiry", "12/34"), ("cvc", "123")]
}

/// Replaces the account's tax table: `default` and `(region, rate)` in basis points.
pub async fn set_rates(t: &TestApp, account: &AccountId, default: u32, regions: &[(&str, u32)]) {
    let rates = TaxRates {
        default: BasisPoints::new(i128::from(default)).unwrap(),
        by_region: regions
            .iter()
            .map(|(region, bps)| {
                (
                    RegionKey::parse(region).unwrap(),
                    BasisPoints::new(i128::from(*bps)).unwrap(),
                )
            })
            .collect::<BTreeMap<_, _>>(),
    };
    t.store.put_tax_rates(account, &rates).await.unwrap();
}

/// A customer whose card was vaulted by paying a link with `number`.
pub async fn customer_with_card(
    t: &TestApp,
    key: &str,
    address: Option<serde_json::Value>,
    number: &str,
) -> String {
    let (customer_id, link) = t.customer_with_link(key, address, 100).await;
    let paid = t.pay(&link, &card(number)).await;
    assert_eq!(paid.status, 200, "{}", paid.text);
    customer_id
}

/// A customer whose card declines off-session, and the outstanding invoice of a declined
/// charge: `(customer id, invoice id)`.
pub async fn outstanding_invoice(t: &TestApp, key: &str) -> (String, String) {
    let customer = customer_with_card(t, key, None, "4000000000000341").await;
    let invoice = declined_invoice(t, key, &customer).await;
    (customer, invoice)
}

/// The outstanding invoice of a charge of `customer` that declines.
pub async fn declined_invoice(t: &TestApp, key: &str, customer: &str) -> String {
    let declined = t
        .post(
            "/api/v1/payments/charge",
            key,
            json!({ "customerId": customer, "amount": 300, "currency": "usd", "description": "x" }),
        )
        .await;
    declined.body["error"]["details"]["invoiceId"]
        .as_str()
        .unwrap()
        .to_owned()
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
                    let store = Store::connect(&settings(&endpoint)).await;
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
