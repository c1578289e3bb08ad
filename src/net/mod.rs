//! HTTP/1.1 to the world outside AWS: hyper 1 over rustls on ring, the crates the AWS SDK
//! clients already send through (no second HTTP or TLS stack). `send` makes one exchange on a
//! connection of its own, to addresses the caller chose (webhook deliveries, `outbound`: only
//! addresses checked to be public); a `Pool` keeps connections to an origin the deployment
//! configures (the Stripe provider, `provider`). Each caller bounds the whole exchange in time.

use std::net::SocketAddr;
use std::sync::{Arc, OnceLock};

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::Request;
use hyper::body::Incoming;
use hyper_util::rt::TokioIo;
use rustls_pki_types::ServerName;
use tokio::net::TcpStream;

use crate::tls;

mod pool;

pub use pool::Pool;

#[derive(Debug, thiserror::Error)]
pub enum NetError {
    #[error("could not connect: {0}")]
    Connect(String),
    #[error("TLS failed: {0}")]
    Tls(String),
    #[error("HTTP failed: {0}")]
    Http(String),
    /// A kept-alive connection closed as the request went out (`Pool` only).
    #[error("the connection closed before the answer: {0}")]
    Closed(String),
}

/// What came back: the status, and the body if it was at most the limit asked for (a longer one
/// is cut off, never read to its end).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: Option<Bytes>,
}

/// Where to send: the addresses to try in order, and, for https, the name the certificate must
/// show.
pub struct Destination<'a> {
    pub addresses: &'a [SocketAddr],
    pub tls_name: Option<&'a str>,
}

/// Connects to the first address that accepts, speaks TLS if asked, sends `request` and reads the
/// answer's head and at most `max_body` bytes of its body.
pub async fn send(
    destination: Destination<'_>,
    request: Request<Full<Bytes>>,
    max_body: usize,
) -> Result<Answer, NetError> {
    let stream = connect(destination.addresses).await?;
    match destination.tls_name {
        Some(name) => {
            let name = name.trim_start_matches('[').trim_end_matches(']');
            let name =
                ServerName::try_from(name.to_owned()).map_err(|e| NetError::Tls(e.to_string()))?;
            let tls = tls_connector()
                .connect(name, stream)
                .await
                .map_err(|e| NetError::Tls(e.to_string()))?;
            exchange(tls, request, max_body).await
        }
        None => exchange(stream, request, max_body).await,
    }
}

/// The first address that accepts a connection, in the order given.
async fn connect(addresses: &[SocketAddr]) -> Result<TcpStream, NetError> {
    let mut last = String::from("no address");
    for address in addresses {
        match TcpStream::connect(address).await {
            Ok(stream) => return Ok(stream),
            Err(error) => last = format!("{address}: {error}"),
        }
    }
    Err(NetError::Connect(last))
}

async fn exchange<S>(
    stream: S,
    request: Request<Full<Bytes>>,
    max_body: usize,
) -> Result<Answer, NetError>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .map_err(|e| NetError::Http(e.to_string()))?;
    let driver = tokio::spawn(connection);
    let result = async {
        let response = sender
            .send_request(request)
            .await
            .map_err(|e| NetError::Http(e.to_string()))?;
        Ok(answer_of(response, max_body).await)
    }
    .await;
    driver.abort();
    result
}

/// The answer's status, and its body when it is at most `max_body` bytes (reading stops there).
async fn answer_of(response: hyper::Response<Incoming>, max_body: usize) -> Answer {
    let status = response.status().as_u16();
    let body = Limited::new(response.into_body(), max_body)
        .collect()
        .await
        .ok()
        .map(|collected| collected.to_bytes());
    Answer { status, body }
}

/// The public web's trust roots, from the system store, read once per container and only by the
/// first https exchange or pool (the request paths that never send one never pay for it).
fn public_roots() -> Arc<rustls::ClientConfig> {
    static CONFIG: OnceLock<Arc<rustls::ClientConfig>> = OnceLock::new();
    CONFIG
        .get_or_init(|| {
            let mut roots = rustls::RootCertStore::empty();
            for certificate in rustls_native_certs::load_native_certs().certs {
                // A system certificate rustls cannot use is one root fewer, not a failure.
                let _ = roots.add(certificate);
            }
            Arc::new(tls::client_config(roots))
        })
        .clone()
}

fn tls_connector() -> tokio_rustls::TlsConnector {
    tokio_rustls::TlsConnector::from(public_roots())
}
