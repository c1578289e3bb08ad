//! The HTTPS connector an AWS SDK client (DynamoDB, its stream, SES, Secrets Manager) sends
//! through: hyper 1 over rustls on ring, trusting AWS's roots compiled in plus whatever
//! `SSL_CERT_FILE` names, parsed once per client.
//!
//! The SDK's own hyper client would build a connector, and so parse every trust root, once while
//! validating the client's configuration and again on the first request (aws-smithy-http-client
//! 1.5: `HyperClient::validate_base_client_config`). Handing the client one already-built
//! connector through `http_client_fn` skips both: its validation is a no-op.
//!
//! One connector per client, not one per process: its pooled connections are tasks of the tokio
//! runtime that opened them, and a process with several runtimes (the test suite) would hand one
//! runtime's dead connections to another. A function has one runtime and, for its API requests,
//! one client: one parse per cold start.
//!
//! The functions' DynamoDB client looks its endpoint's address up while the Lambda runtime
//! starts, not when the first call connects: measured 1 to 3 ms off a cold start unthrottled
//! and at the 512 and 128 MB CPU shares. Opening the whole connection early (an unsigned
//! `GET /` through the pool) was measured too and not kept: the first call then waits for that
//! request's round trip (see docs/benchmarks.md).
//!
//! rustls on ring, not aws-lc: aws-lc's first use seeds its random generator, which shows in
//! every cold start. AWS's roots, not the system store, whose hundreds of files every cold start
//! would read and parse.

use std::io;
use std::net::{IpAddr, ToSocketAddrs};
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::dns::{DnsFuture, ResolveDns, ResolveDnsError};
use aws_smithy_runtime_api::client::http::{
    HttpConnectorSettings, SharedHttpClient, SharedHttpConnector, http_client_fn,
};
use tokio::task::JoinHandle;

/// The roots AWS endpoints chain to (see certs/README.md).
const AWS_TRUST_ROOTS: &str = include_str!("../certs/aws-trust-roots.pem");

/// An AWS endpoint in the function's own region answers a TCP connect in milliseconds; a second
/// without one means the attempt is better retried than waited for.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An SDK client's HTTP client: every call of the client goes through one connector, built now.
pub fn http_client() -> SharedHttpClient {
    let connector = build(Resolver::default());
    http_client_fn(move |_, _| connector.clone())
}

/// As [`http_client`], with the address of `url`'s host looked up now, on a blocking thread,
/// beside whatever the process does before its first call; the client's first connection there
/// takes that answer instead of asking again.
pub fn http_client_resolving(url: &str) -> SharedHttpClient {
    let resolver = host_to_look_up(url).map_or_else(Resolver::default, Resolver::looking_up);
    let connector = build(resolver);
    http_client_fn(move |_, _| connector.clone())
}

/// The name in `url` that a connection would look up: none for an address.
fn host_to_look_up(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|url| url.domain().map(str::to_owned))
}

/// Looks names up as hyper's own resolver does (getaddrinfo on a blocking thread); one of them
/// may have been started early, and its answer is used once, by the first connection to it.
#[derive(Debug, Clone, Default)]
struct Resolver {
    early: Arc<Mutex<Option<EarlyLookup>>>,
}

#[derive(Debug)]
struct EarlyLookup {
    host: String,
    addresses: JoinHandle<io::Result<Vec<IpAddr>>>,
}

impl Resolver {
    fn looking_up(host: String) -> Self {
        let addresses = {
            let host = host.clone();
            tokio::task::spawn_blocking(move || lookup(&host))
        };
        let early = EarlyLookup { host, addresses };
        Self {
            early: Arc::new(Mutex::new(Some(early))),
        }
    }

    fn take_early(&self, name: &str) -> Option<EarlyLookup> {
        let mut early = self.early.lock().unwrap_or_else(PoisonError::into_inner);
        if early.as_ref().is_some_and(|early| early.host == name) {
            early.take()
        } else {
            None
        }
    }
}

fn lookup(host: &str) -> io::Result<Vec<IpAddr>> {
    Ok((host, 0)
        .to_socket_addrs()?
        .map(|address| address.ip())
        .collect())
}

impl ResolveDns for Resolver {
    fn resolve_dns<'a>(&'a self, name: &'a str) -> DnsFuture<'a> {
        let early = self.take_early(name);
        DnsFuture::new(async move {
            let looked_up = match early {
                Some(early) => early.addresses.await,
                None => {
                    let name = name.to_owned();
                    tokio::task::spawn_blocking(move || lookup(&name)).await
                }
            };
            looked_up
                .map_err(ResolveDnsError::new)?
                .map_err(ResolveDnsError::new)
        })
    }
}

fn build(resolver: Resolver) -> SharedHttpConnector {
    match std::env::var_os("SSL_CERT_FILE") {
        Some(path) => with_roots_of(Path::new(&path), resolver),
        None => connector(None, resolver),
    }
}

/// The connector trusting AWS's roots and those in the PEM file at `path`; AWS's alone if the
/// file is unreadable or holds a certificate that is not a usable root.
fn with_roots_of(path: &Path, resolver: Resolver) -> SharedHttpConnector {
    match std::fs::read(path) {
        // The connector panics on a root it cannot use (it parses them only when built), and a
        // separate check would parse them all a second time: build it once and, if the extra
        // roots were the trouble, without them.
        Ok(pem) => {
            match catch_unwind(AssertUnwindSafe(|| connector(Some(pem), resolver.clone()))) {
                Ok(connector) => return connector,
                Err(_) => tracing::warn!(?path, "SSL_CERT_FILE is not PEM roots; ignored"),
            }
        }
        Err(error) => tracing::warn!(?path, %error, "SSL_CERT_FILE is unreadable; ignored"),
    }
    connector(None, resolver)
}

fn connector(extra_roots: Option<Vec<u8>>, resolver: Resolver) -> SharedHttpConnector {
    let mut roots = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_TRUST_ROOTS.as_bytes());
    if let Some(pem) = extra_roots {
        roots.add_pem_certificate(pem);
    }
    let context = tls::TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .unwrap_or_default();
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build();
    SharedHttpConnector::new(
        Connector::builder()
            .connector_settings(settings)
            .sleep_impl(TokioSleep::new())
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(context)
            .build_with_resolver(resolver),
    )
}

/// For unit tests of a client that sends through this connector: a plain HTTP server on
/// 127.0.0.1 that answers each of a number of connections once, with a fixed answer, and hands
/// back the request heads it read.
#[cfg(test)]
pub(crate) mod test_server {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{SocketAddr, TcpListener};
    use std::thread::JoinHandle;

    /// Its address, and the heads (lowercased, one per connection) once it has answered them all.
    /// `answer` should close the connection (`connection: close`), so that each request is a
    /// connection of its own.
    pub fn answering(
        connections: usize,
        answer: &'static str,
    ) -> (SocketAddr, JoinHandle<Vec<String>>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            (0..connections)
                .map(|_| {
                    let (stream, _) = listener.accept().unwrap();
                    let mut request = BufReader::new(&stream);
                    let (mut head, mut line) = (String::new(), String::new());
                    while request.read_line(&mut line).unwrap() > 2 {
                        head.push_str(&line.to_ascii_lowercase());
                        line.clear();
                    }
                    (&stream).write_all(answer.as_bytes()).unwrap();
                    head
                })
                .collect()
        });
        (address, server)
    }
}

#[cfg(test)]
mod tests {
    use aws_smithy_runtime_api::client::http::HttpConnector;
    use aws_smithy_runtime_api::client::orchestrator::HttpRequest;

    use super::*;

    const BAD_ROOT: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_compiled_in_roots_make_a_connector_and_a_bad_root_is_refused() {
        drop(connector(None, Resolver::default()));
        let built = catch_unwind(AssertUnwindSafe(|| {
            connector(Some(BAD_ROOT.to_vec()), Resolver::default())
        }));
        assert!(
            built.is_err(),
            "a certificate that does not parse was accepted"
        );
    }

    #[test]
    fn only_a_name_is_looked_up_early() {
        assert_eq!(
            host_to_look_up("https://dynamodb.eu-west-1.amazonaws.com").as_deref(),
            Some("dynamodb.eu-west-1.amazonaws.com")
        );
        assert_eq!(host_to_look_up("http://127.0.0.1:8000"), None);
        assert_eq!(host_to_look_up("http://[::1]:8000"), None);
        assert_eq!(host_to_look_up("not a url"), None);
    }

    #[tokio::test]
    async fn an_early_lookup_answers_once_and_only_for_its_host() {
        let resolver = Resolver::looking_up("localhost".to_owned());
        assert!(resolver.take_early("example.invalid").is_none());
        assert!(resolver.take_early("localhost").is_some());
        assert!(resolver.take_early("localhost").is_none());
    }

    #[tokio::test]
    async fn the_first_connection_to_the_host_takes_the_early_answer_and_later_ones_ask_again() {
        let answer = "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
        let (address, server) = test_server::answering(2, answer);
        let resolver = Resolver::looking_up("localhost".to_owned());
        let connector = connector(None, resolver.clone());
        let url = format!("http://localhost:{}/", address.port());
        for _ in 0..2 {
            let answer = connector.call(HttpRequest::get(&url).unwrap()).await;
            assert_eq!(answer.unwrap().status().as_u16(), 204);
            assert!(
                resolver.take_early("localhost").is_none(),
                "early answer unused"
            );
        }
        server.join().unwrap();
    }

    #[test]
    fn a_bad_or_missing_ssl_cert_file_leaves_the_compiled_in_roots() {
        let file = std::env::temp_dir().join(format!("bad-roots-{}.pem", std::process::id()));
        std::fs::write(&file, BAD_ROOT).unwrap();
        drop(with_roots_of(&file, Resolver::default()));
        std::fs::remove_file(&file).unwrap();
        drop(with_roots_of(&file, Resolver::default()));
    }
}
