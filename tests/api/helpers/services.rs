//! The processes a test run starts, each once and stopped with it, and plain HTTP to them.

use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::sync::OnceLock;
use std::time::{Duration, Instant};

use commet_payments::store::{Store, StoreError, StoreSettings};
use serde_json::Value;

pub const TABLE: &str = "commet-payments-test";

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
        // Kept before waiting, so that a failed wait still stops the script (Drop).
        let dynamo = Self {
            script: spawn_owned("dynamodb-local.sh", port, "DynamoDB Local"),
            port,
        };
        wait_listening(
            port,
            Duration::from_secs(120),
            "DynamoDB Local (needs Java 17 and `npm ci`; see scripts/dynamodb-local.sh)",
        );
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

    /// The script's Java child, by name: the script also has short-lived `sleep` children, and
    /// once PIDs wrap (pid_max is 32,768 here) one of them can have the lower PID, which `pgrep`
    /// lists first.
    fn running_java(&self) -> Option<u32> {
        let out = Command::new("pgrep")
            .args(["-x", "java", "-P", &self.script.id().to_string()])
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

/// Starts `script <port> --parent-pid <this process>` on a free loopback port (the script stops
/// its service when this process exits, however it ends) and waits until it listens; its origin.
fn start_local_service(script: &str, what: &str, keep: &'static OnceLock<Child>) -> String {
    let port = free_port();
    keep.set(spawn_owned(script, port, what))
        .expect("started once");
    // The first start may install it (npm, pip).
    wait_listening(port, Duration::from_secs(180), what);
    format!("http://127.0.0.1:{port}")
}

/// `scripts/<script> <port> --parent-pid <this process>`, its stderr shown with the tests'.
fn spawn_owned(script: &str, port: u16, what: &str) -> Child {
    let script = format!("{}/scripts/{script}", env!("CARGO_MANIFEST_DIR"));
    Command::new(&script)
        .arg(port.to_string())
        .arg("--parent-pid")
        .arg(std::process::id().to_string())
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {what} with {script}: {e}"))
}

fn wait_listening(port: u16, within: Duration, what: &str) {
    let deadline = Instant::now() + within;
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(
            Instant::now() < deadline,
            "{what} did not listen on 127.0.0.1:{port} within {} s",
            within.as_secs()
        );
        std::thread::sleep(Duration::from_millis(100));
    }
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

/// A second localstripe of this test process, for the one test that fills it with more
/// PaymentIntents than the others' (sharing the first) may meet.
pub fn busy_localstripe_endpoint() -> &'static str {
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

pub(super) fn settings(endpoint: &str) -> StoreSettings {
    StoreSettings {
        table_name: TABLE.into(),
        endpoint: Some(endpoint.into()),
    }
}
