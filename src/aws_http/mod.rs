//! The HTTPS connector an AWS SDK client (DynamoDB, its stream, SES, Secrets Manager) sends
//! through: a pool of HTTP/1.1 connections (hyper-util's client) over rustls on ring, trusting
//! AWS's roots compiled in plus whatever `SSL_CERT_FILE` names, parsed once per process.
//!
//! Not the SDK's own hyper client (aws-smithy-http-client), for two reasons measured in
//! docs/benchmarks.md:
//! - It links HTTP/2 (h2, about 600 KB of every function's binary) that no request runs:
//!   DynamoDB and the other services the functions call speak HTTP/1.1, and the client has no
//!   setting that leaves h2 out. This connector speaks HTTP/1.1 only, and offers nothing else
//!   in the TLS handshake.
//! - It parses every trust root once while validating the client's configuration and again on
//!   the first request. Here they are parsed once per process, when the first client is built.
//!
//! It applies the connect and read timeouts each call asks for, as an SDK HTTP client must.
//!
//! One pool per client, not one per process: its pooled connections are tasks of the tokio
//! runtime that opened them, and a process with several runtimes (the test suite) would hand one
//! runtime's dead connections to another. The TLS configuration (the parsed roots) holds no such
//! state and is shared: one parse per cold start, however many clients a function builds.
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

mod resolver;
mod roots;

use std::error::Error;
use std::io;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use aws_smithy_runtime_api::client::http::{
    HttpClient, HttpConnector, HttpConnectorFuture, HttpConnectorSettings, SharedHttpClient,
    SharedHttpConnector,
};
use aws_smithy_runtime_api::client::orchestrator::{HttpRequest, HttpResponse};
use aws_smithy_runtime_api::client::result::ConnectorError;
use aws_smithy_runtime_api::client::runtime_components::RuntimeComponents;
use aws_smithy_types::body::SdkBody;
use aws_smithy_types::retry::ErrorKind;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector as TcpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use resolver::{Resolver, host_to_look_up};
use roots::shared_tls_config;

/// An AWS endpoint in the function's own region answers a TCP connect in milliseconds; a second
/// without one means the attempt is better retried than waited for. The clients' timeout
/// configurations name it (the SDK's own default is 3.1 s), and a call that names none gets it.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An SDK client's HTTP client. Its connectors are built when its first call asks for one.
pub fn http_client() -> SharedHttpClient {
    SharedHttpClient::new(Connectors::new(Resolver::default()))
}

/// As [`http_client`], with the address of `url`'s host looked up now, on a blocking thread,
/// beside whatever the process does before its first call; the client's first connection there
/// takes that answer instead of asking again.
pub fn http_client_resolving(url: &str) -> SharedHttpClient {
    let resolver = host_to_look_up(url).map_or_else(Resolver::default, Resolver::looking_up);
    SharedHttpClient::new(Connectors::new(resolver))
}

/// The SDK asks its HTTP client for a connector on every attempt, with the timeouts of the
/// client's configuration, and the client must apply them. Calls asking for the same timeouts
/// get the same connector, and so the same pool; a client's calls all ask for the same ones, so
/// a client has one pool (as the SDK's own client keeps one per distinct setting).
#[derive(Debug)]
struct Connectors {
    tls: rustls::ClientConfig,
    resolver: Resolver,
    built: Mutex<Vec<(Timeouts, SharedHttpConnector)>>,
}

impl Connectors {
    fn new(resolver: Resolver) -> Self {
        Self {
            tls: shared_tls_config(),
            resolver,
            built: Mutex::default(),
        }
    }

    fn with_timeouts(&self, timeouts: Timeouts) -> SharedHttpConnector {
        let mut built = self.built.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some((_, connector)) = built.iter().find(|(each, _)| *each == timeouts) {
            return connector.clone();
        }
        let connector = connector(self.tls.clone(), self.resolver.clone(), timeouts);
        built.push((timeouts, connector.clone()));
        connector
    }
}

impl HttpClient for Connectors {
    fn http_connector(
        &self,
        settings: &HttpConnectorSettings,
        _: &RuntimeComponents,
    ) -> SharedHttpConnector {
        self.with_timeouts(Timeouts::of(settings))
    }
}

/// How long a connection may take to open, and how long a sent request may wait for the head
/// of its answer (no limit unless the call sets one; the clients' attempt or operation timeouts
/// bound it).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Timeouts {
    connect: Duration,
    read: Option<Duration>,
}

impl Timeouts {
    fn of(settings: &HttpConnectorSettings) -> Self {
        Self {
            connect: settings.connect_timeout().unwrap_or(CONNECT_TIMEOUT),
            read: settings.read_timeout(),
        }
    }
}

fn connector(
    tls: rustls::ClientConfig,
    resolver: Resolver,
    timeouts: Timeouts,
) -> SharedHttpConnector {
    let mut tcp = TcpConnector::new_with_resolver(resolver);
    tcp.enforce_http(false);
    tcp.set_nodelay(true);
    tcp.set_connect_timeout(Some(timeouts.connect));
    let https = HttpsConnectorBuilder::new()
        .with_tls_config(tls)
        .https_or_http()
        .enable_http1()
        .wrap_connector(tcp);
    let pool = Client::builder(TokioExecutor::new())
        // Without a timer the pool never closes an idle connection.
        .pool_timer(TokioTimer::new())
        .build(https);
    SharedHttpConnector::new(Pooled {
        pool,
        read_timeout: timeouts.read,
    })
}

/// The SDK's side of the pool: its requests in, its responses or a classified error out.
#[derive(Debug, Clone)]
struct Pooled {
    pool: Client<HttpsConnector<TcpConnector<Resolver>>, SdkBody>,
    read_timeout: Option<Duration>,
}

impl HttpConnector for Pooled {
    fn call(&self, request: HttpRequest) -> HttpConnectorFuture {
        let request = match request.try_into_http1x() {
            Ok(request) => request,
            Err(error) => {
                return HttpConnectorFuture::ready(Err(ConnectorError::user(error.into())));
            }
        };
        let answer = self.pool.request(request);
        let read_timeout = self.read_timeout;
        HttpConnectorFuture::new(async move {
            let response = match read_timeout {
                Some(limit) => tokio::time::timeout(limit, answer)
                    .await
                    .map_err(|_| no_answer_within(limit))?,
                None => answer.await,
            }
            .map_err(classified)?;
            HttpResponse::try_from(response.map(SdkBody::from_body_1_x))
                .map_err(|error| ConnectorError::other(error.into(), None))
        })
    }
}

fn no_answer_within(limit: Duration) -> ConnectorError {
    let message = format!("no answer within the read timeout ({limit:?})");
    ConnectorError::timeout(io::Error::new(io::ErrorKind::TimedOut, message).into())
}

/// What the SDK's retry strategy needs to know of a failed exchange: a connection that could
/// not be made, broke or closed early is worth another attempt, as in the SDK's own client
/// (aws-smithy-http-client 1.5 `downcast_error`); a request the client could not send is not.
fn classified(error: hyper_util::client::legacy::Error) -> ConnectorError {
    let hyper = find_in_chain::<hyper::Error>(&error);
    if error.is_connect() {
        ConnectorError::io(error.into())
    } else if hyper.is_some_and(hyper::Error::is_timeout) {
        ConnectorError::timeout(error.into())
    } else if hyper.is_some_and(hyper::Error::is_user) {
        ConnectorError::user(error.into())
    } else if hyper.is_some_and(|hyper| hyper.is_closed() || hyper.is_canceled())
        || find_in_chain::<io::Error>(&error).is_some()
    {
        ConnectorError::io(error.into())
    } else if hyper.is_some_and(hyper::Error::is_incomplete_message) {
        ConnectorError::other(error.into(), Some(ErrorKind::TransientError))
    } else {
        ConnectorError::other(error.into(), None)
    }
}

fn find_in_chain<'a, E: Error + 'static>(error: &'a (dyn Error + 'static)) -> Option<&'a E> {
    std::iter::successors(Some(error), |&error| error.source())
        .find_map(|error| error.downcast_ref::<E>())
}

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

    /// Its address; it takes one connection and answers `requests` requests on it, `200 ok`
    /// each, keeping it open between them.
    pub fn keeping_alive(requests: usize) -> (SocketAddr, JoinHandle<()>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        let server = std::thread::spawn(move || {
            let (stream, _) = listener.accept().unwrap();
            let mut request = BufReader::new(&stream);
            for _ in 0..requests {
                let mut line = String::new();
                while request.read_line(&mut line).unwrap() > 2 {
                    line.clear();
                }
                let answer = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";
                (&stream).write_all(answer.as_bytes()).unwrap();
            }
        });
        (address, server)
    }
}

#[cfg(test)]
mod tests {
    use http_body_util::BodyExt;

    use super::roots::{roots_of_file, tls_config};
    use super::*;

    const DEFAULT_TIMEOUTS: Timeouts = Timeouts {
        connect: CONNECT_TIMEOUT,
        read: None,
    };

    #[tokio::test]
    async fn the_first_connection_to_the_host_takes_the_early_answer_and_later_ones_ask_again() {
        let answer = "HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
        let (address, server) = test_server::answering(2, answer);
        let resolver = Resolver::looking_up("localhost".to_owned());
        let connector = connector(tls_config(None), resolver.clone(), DEFAULT_TIMEOUTS);
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

    #[tokio::test]
    async fn calls_share_one_kept_alive_connection() {
        let (address, server) = test_server::keeping_alive(3);
        let connector = connector(tls_config(None), Resolver::default(), DEFAULT_TIMEOUTS);
        let url = format!("http://{address}/");
        for _ in 0..3 {
            let call = connector.call(HttpRequest::get(&url).unwrap());
            let answer = tokio::time::timeout(Duration::from_secs(5), call)
                .await
                .expect("a second connection: the first was not reused")
                .unwrap();
            assert_eq!(answer.status().as_u16(), 200);
            let body = answer.into_body().collect().await.unwrap().to_bytes();
            assert_eq!(&body[..], b"ok");
        }
        server.join().unwrap();
    }

    #[tokio::test]
    async fn a_refused_connection_is_an_io_error_worth_retrying() {
        let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/", closed.local_addr().unwrap());
        drop(closed);
        let connector = connector(tls_config(None), Resolver::default(), DEFAULT_TIMEOUTS);
        let error = connector
            .call(HttpRequest::get(&url).unwrap())
            .await
            .unwrap_err();
        assert!(error.is_io(), "{error:?}");
    }

    #[tokio::test]
    async fn a_request_unanswered_within_the_read_timeout_is_a_timeout() {
        let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/", silent.local_addr().unwrap());
        let holding = tokio::spawn(async move {
            let (_connection, _) = silent.accept().await.unwrap();
            std::future::pending::<()>().await;
        });
        let read = Duration::from_millis(200);
        let timeouts = Timeouts {
            connect: CONNECT_TIMEOUT,
            read: Some(read),
        };
        let call = connector(tls_config(None), Resolver::default(), timeouts)
            .call(HttpRequest::get(&url).unwrap());
        let error = tokio::time::timeout(Duration::from_secs(10), call)
            .await
            .expect("the read timeout did not end the call")
            .unwrap_err();
        assert!(error.is_timeout(), "{error:?}");
        holding.abort();
    }

    #[test]
    fn calls_asking_for_the_same_timeouts_share_a_connector() {
        let connectors = Connectors::new(Resolver::default());
        let settings = |read| {
            let mut settings =
                HttpConnectorSettings::builder().connect_timeout(Duration::from_millis(300));
            settings.set_read_timeout(read);
            settings.build()
        };
        let no_read = Timeouts::of(&settings(None));
        assert_eq!(no_read.connect, Duration::from_millis(300));
        connectors.with_timeouts(no_read);
        connectors.with_timeouts(no_read);
        assert_eq!(connectors.built.lock().unwrap().len(), 1);
        connectors.with_timeouts(Timeouts::of(&settings(Some(Duration::from_secs(1)))));
        assert_eq!(connectors.built.lock().unwrap().len(), 2);
        let unnamed = Timeouts::of(&HttpConnectorSettings::default());
        assert_eq!(
            unnamed, DEFAULT_TIMEOUTS,
            "a call naming no timeouts gets CONNECT_TIMEOUT and no read limit"
        );
    }

    #[tokio::test]
    async fn https_trusts_a_root_from_ssl_cert_file_and_refuses_an_unknown_one() {
        let (root, server) = tls_server::answering_once();
        let url = format!("https://localhost:{}/", server.port);
        let unknown = connector(tls_config(None), Resolver::default(), DEFAULT_TIMEOUTS)
            .call(HttpRequest::get(&url).unwrap())
            .await;
        assert!(unknown.is_err(), "a server no root vouches for was trusted");

        let file = std::env::temp_dir().join(format!("extra-roots-{}.pem", std::process::id()));
        std::fs::write(&file, root).unwrap();
        let extra = roots_of_file(&file).expect("the file's root");
        std::fs::remove_file(&file).unwrap();
        let answer = connector(
            tls_config(Some(extra)),
            Resolver::default(),
            DEFAULT_TIMEOUTS,
        )
        .call(HttpRequest::get(&url).unwrap())
        .await
        .unwrap();
        assert_eq!(answer.status().as_u16(), 204);
        assert_eq!(
            server.finish().await,
            "",
            "a protocol was offered in the handshake"
        );
    }
}

/// A TLS server on 127.0.0.1 for `localhost`, with a certificate from a root made for it.
#[cfg(test)]
mod tls_server {
    use std::sync::Arc;

    use rcgen::{BasicConstraints, CertificateParams, IsCa, Issuer, KeyPair};
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::task::JoinHandle;

    pub struct Server {
        pub port: u16,
        /// The protocol the handshake agreed (ALPN; empty for none), once it has answered one
        /// request.
        handled: JoinHandle<String>,
    }

    impl Server {
        pub async fn finish(self) -> String {
            self.handled.await.unwrap()
        }
    }

    /// The root's PEM, and the server: it serves one handshake that succeeds (failed ones
    /// before it are skipped) and answers its first request 204.
    pub fn answering_once() -> (String, Server) {
        let root_key = KeyPair::generate().unwrap();
        let mut root = CertificateParams::new(Vec::<String>::new()).unwrap();
        root.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        let root_certificate = root.self_signed(&root_key).unwrap();
        let issuer = Issuer::new(root, root_key);
        let key = KeyPair::generate().unwrap();
        let certificate = CertificateParams::new(vec!["localhost".to_owned()])
            .unwrap()
            .signed_by(&key, &issuer)
            .unwrap();
        let mut config =
            crate::tls::test_server_config(certificate.der().clone(), key.serialize_der());
        config.alpn_protocols = vec![b"h2".to_vec(), b"http/1.1".to_vec()];
        let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.set_nonblocking(true).unwrap();
        let port = listener.local_addr().unwrap().port();
        let handled = tokio::spawn(async move {
            let listener = TcpListener::from_std(listener).unwrap();
            loop {
                let (stream, _) = listener.accept().await.unwrap();
                let Ok(mut tls) = acceptor.accept(stream).await else {
                    continue;
                };
                let mut head = [0; 1024];
                let _ = tls.read(&mut head).await.unwrap();
                let answer = b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n";
                tls.write_all(answer).await.unwrap();
                tls.shutdown().await.unwrap();
                let agreed = tls.get_ref().1.alpn_protocol().unwrap_or_default();
                return String::from_utf8_lossy(agreed).into_owned();
            }
        });
        (root_certificate.pem(), Server { port, handled })
    }
}
