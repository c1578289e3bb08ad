//! One POST to a merchant's URL, connected only to an address `check_destination` allowed (so a
//! name that resolves elsewhere by the time of the connection, DNS rebinding, cannot redirect
//! it), bounded in time, redirects never followed, at most a few KiB of the answer read.

use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper::header::{CONTENT_TYPE, HOST, USER_AGENT};

use super::destination::{Refused, check_destination};
use crate::domain::delivery::AttemptResult;
use crate::domain::ids::EventId;
use crate::domain::time::Timestamp;
use crate::domain::webhook::{WebhookEndpoint, WebhookUrl};
use crate::net::{self, Destination, NetError};

/// The whole attempt: connect, TLS, send, and the answer's head (the contract's 10 s).
pub const DELIVERY_TIMEOUT: Duration = Duration::from_secs(10);
/// How much of an answer's body is kept (for the delivery log); the rest is never read.
const MAX_ANSWER_BYTES: usize = 1024;

/// What the receiver answered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answered {
    pub status: u16,
    /// The start of its body, as text.
    pub body: String,
    pub duration: Duration,
}

impl Answered {
    /// Any 2xx is delivered; a redirect is not (it is never followed).
    pub fn delivered(&self) -> bool {
        (200..300).contains(&self.status)
    }
}

#[derive(Debug, thiserror::Error)]
pub enum DeliveryError {
    #[error("the URL {0}")]
    Refused(#[from] Refused),
    #[error("no answer within {} s", DELIVERY_TIMEOUT.as_secs())]
    TimedOut,
    #[error(transparent)]
    Net(#[from] NetError),
}

/// One signed delivery of an event's `body` to `endpoint`: `X-Commet-Signature` is the lowercase
/// hex HMAC-SHA256 of the body keyed with the endpoint's secret, `X-Commet-Event-Id` the event's
/// id (the same on every attempt), `X-Commet-Timestamp` when this attempt was sent. Never fails:
/// a refusal, a timeout or a broken connection is an attempt without a status code.
pub async fn send_event(
    endpoint: &WebhookEndpoint,
    event_id: &EventId,
    event: &str,
    body: &[u8],
    at: Timestamp,
    allow_loopback: bool,
) -> AttemptResult {
    let headers = [
        ("x-commet-signature", endpoint.secret.sign(body)),
        ("x-commet-event-id", event_id.to_string()),
        ("x-commet-event", event.to_owned()),
        ("x-commet-timestamp", at.to_string()),
    ];
    let started = Instant::now();
    match post_json(&endpoint.url, &headers, body.to_vec(), allow_loopback).await {
        Ok(answered) => AttemptResult {
            status_code: Some(answered.status),
            duration: answered.duration,
            error: None,
        },
        Err(error) => AttemptResult {
            status_code: None,
            duration: started.elapsed(),
            error: Some(error.to_string()),
        },
    }
}

/// POSTs `body` with `headers` to `url`, as JSON, within `DELIVERY_TIMEOUT`.
pub async fn post_json(
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: Vec<u8>,
    allow_loopback: bool,
) -> Result<Answered, DeliveryError> {
    post_json_within(url, headers, body, allow_loopback, DELIVERY_TIMEOUT).await
}

async fn post_json_within(
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: Vec<u8>,
    allow_loopback: bool,
    limit: Duration,
) -> Result<Answered, DeliveryError> {
    let started = Instant::now();
    let attempt = async {
        // Checked again at every delivery: what the name resolves to now is what is connected to.
        let addresses = check_destination(url, allow_loopback).await?;
        let target = url.url();
        let destination = Destination {
            addresses: &addresses,
            tls_name: (target.scheme() == "https").then(|| target.host_str().unwrap_or_default()),
        };
        let answer = net::send(destination, request(url, headers, body)?, MAX_ANSWER_BYTES).await?;
        // The answer's body is the receiver's; only its start is kept.
        let body = match answer.body {
            Some(bytes) => String::from_utf8_lossy(&bytes).into_owned(),
            None => String::from("(longer than 1 KiB, not kept)"),
        };
        Ok(Answered {
            status: answer.status,
            body,
            duration: started.elapsed(),
        })
    };
    tokio::time::timeout(limit, attempt)
        .await
        .unwrap_or(Err(DeliveryError::TimedOut))
}

fn request(
    url: &WebhookUrl,
    headers: &[(&str, String)],
    body: Vec<u8>,
) -> Result<Request<Full<Bytes>>, DeliveryError> {
    let target = url.url();
    let mut path = target.path().to_owned();
    if let Some(query) = target.query() {
        path.push('?');
        path.push_str(query);
    }
    let host = match target.port() {
        Some(port) => format!("{}:{port}", target.host_str().unwrap_or_default()),
        None => target.host_str().unwrap_or_default().to_owned(),
    };
    let mut builder = Request::post(path)
        .header(HOST, host)
        .header(CONTENT_TYPE, "application/json")
        .header(USER_AGENT, "commet-payments-webhooks/1");
    for (name, value) in headers {
        builder = builder.header(*name, value);
    }
    builder
        .body(Full::new(Bytes::from(body)))
        .map_err(|e| DeliveryError::Net(NetError::Http(e.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpListener;
    use tokio::sync::oneshot;

    /// A receiver for one request: answers `answer` (raw HTTP) and hands back what it read.
    async fn receiver(answer: &'static str) -> (String, oneshot::Receiver<String>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}/hooks?x=1", listener.local_addr().unwrap());
        let (sent, received) = oneshot::channel();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut read = Vec::new();
            let mut chunk = [0u8; 4096];
            loop {
                let n = socket.read(&mut chunk).await.unwrap();
                read.extend_from_slice(&chunk[..n]);
                let text = String::from_utf8_lossy(&read).into_owned();
                if let Some((head, body)) = text.split_once("\r\n\r\n") {
                    let length = head
                        .lines()
                        .find_map(|line| {
                            line.to_ascii_lowercase()
                                .strip_prefix("content-length: ")
                                .map(str::to_owned)
                        })
                        .and_then(|n| n.trim().parse::<usize>().ok())
                        .unwrap_or(0);
                    if body.len() >= length {
                        break;
                    }
                }
                if n == 0 {
                    break;
                }
            }
            if !answer.is_empty() {
                socket.write_all(answer.as_bytes()).await.unwrap();
            }
            let _ = sent.send(String::from_utf8_lossy(&read).into_owned());
            // Hold the connection open: a receiver that never answers stays silent.
            tokio::time::sleep(Duration::from_secs(5)).await;
        });
        (url, received)
    }

    fn url(text: &str) -> WebhookUrl {
        WebhookUrl::parse(text, false).unwrap()
    }

    #[tokio::test]
    async fn a_2xx_is_delivered_with_the_headers_and_body_sent() {
        let (target, request) =
            receiver("HTTP/1.1 204 No Content\r\ncontent-length: 0\r\n\r\n").await;
        let answered = post_json(
            &url(&target),
            &[("x-commet-signature", "abc".into())],
            br#"{"id":"whev_1"}"#.to_vec(),
            true,
        )
        .await
        .unwrap();
        assert_eq!(answered.status, 204);
        assert!(answered.delivered());
        let request = request.await.unwrap();
        assert!(
            request.starts_with("POST /hooks?x=1 HTTP/1.1\r\n"),
            "{request}"
        );
        assert!(request.contains("x-commet-signature: abc"), "{request}");
        assert!(request.contains("content-type: application/json"));
        assert!(request.ends_with(r#"{"id":"whev_1"}"#), "{request}");
    }

    #[tokio::test]
    async fn errors_and_redirects_are_not_delivered_and_redirects_not_followed() {
        let (target, _) =
            receiver("HTTP/1.1 500 Internal Server Error\r\ncontent-length: 4\r\n\r\noops").await;
        let answered = post_json(&url(&target), &[], b"{}".to_vec(), true)
            .await
            .unwrap();
        assert_eq!((answered.status, answered.body.as_str()), (500, "oops"));
        assert!(!answered.delivered());
        let (target, _) = receiver(
            "HTTP/1.1 307 Temporary Redirect\r\nlocation: http://169.254.169.254/\r\ncontent-length: 0\r\n\r\n",
        )
        .await;
        let answered = post_json(&url(&target), &[], b"{}".to_vec(), true)
            .await
            .unwrap();
        assert_eq!(answered.status, 307);
        assert!(!answered.delivered());
    }

    #[tokio::test]
    async fn a_silent_receiver_costs_only_the_timeout() {
        let (target, _) = receiver("").await;
        let started = Instant::now();
        let outcome = post_json_within(
            &url(&target),
            &[],
            b"{}".to_vec(),
            true,
            Duration::from_millis(300),
        )
        .await;
        assert!(
            matches!(outcome, Err(DeliveryError::TimedOut)),
            "{outcome:?}"
        );
        assert!(started.elapsed() < Duration::from_secs(3));
    }

    #[tokio::test]
    async fn a_forbidden_address_is_never_connected_to() {
        let (target, request) = receiver("HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n").await;
        let outcome = post_json(&url(&target), &[], b"{}".to_vec(), false).await;
        assert!(
            matches!(outcome, Err(DeliveryError::Refused(_))),
            "{outcome:?}"
        );
        let waited = tokio::time::timeout(Duration::from_millis(200), request).await;
        assert!(waited.is_err(), "the receiver heard nothing");
    }
}
