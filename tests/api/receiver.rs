//! A merchant's webhook receiver on loopback, for the tests: answers each request as its script
//! says (the last answer repeats) and hands every request it read to the test. It lives as long
//! as the test's runtime.

use std::time::Duration;

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::sync::mpsc;

/// How the receiver answers one request.
#[derive(Debug, Clone, Copy)]
pub enum Answer {
    Status(u16),
    /// Reads the request and never answers.
    Hang,
}

/// A request as the receiver read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub head: String,
    pub body: String,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.head
            .lines()
            .find_map(|line| {
                let (key, value) = line.split_once(": ")?;
                key.eq_ignore_ascii_case(name).then_some(value)
            })
            .unwrap_or_else(|| panic!("no {name} in {}", self.head))
    }

    pub fn json(&self) -> Value {
        serde_json::from_str(&self.body).expect("a JSON body")
    }

    /// Whether `X-Commet-Signature` is the HMAC-SHA256 of the body keyed with `secret`,
    /// computed here, not by the service's code: the receiver's view.
    pub fn signed_with(&self, secret: &str) -> bool {
        use hmac::{KeyInit, Mac};
        let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
        mac.update(self.body.as_bytes());
        hex::encode(mac.finalize().into_bytes()) == self.header("x-commet-signature")
    }
}

pub struct Receiver {
    pub url: String,
    requests: mpsc::UnboundedReceiver<Received>,
}

impl Receiver {
    /// The next request, waiting at most `within`.
    pub async fn next(&mut self, within: Duration) -> Option<Received> {
        tokio::time::timeout(within, self.requests.recv())
            .await
            .ok()
            .flatten()
    }

    /// Requests until none came for `quiet`.
    pub async fn drain(&mut self, quiet: Duration) -> Vec<Received> {
        let mut all = Vec::new();
        while let Some(received) = self.next(quiet).await {
            all.push(received);
        }
        all
    }
}

/// A receiver answering its requests, in order, as `script` says; the last answer repeats.
pub async fn receiver(script: &[Answer]) -> Receiver {
    assert!(!script.is_empty());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    let (sent, requests) = mpsc::unbounded_channel();
    let script = script.to_vec();
    tokio::spawn(async move {
        for served in 0.. {
            let Ok((mut socket, _)) = listener.accept().await else {
                return;
            };
            let answer = script[served.min(script.len() - 1)];
            let sent = sent.clone();
            tokio::spawn(async move {
                let Some(received) = read_request(&mut socket).await else {
                    return;
                };
                let _ = sent.send(received);
                match answer {
                    Answer::Status(status) => {
                        let answer = format!(
                            "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                        );
                        let _ = socket.write_all(answer.as_bytes()).await;
                    }
                    Answer::Hang => tokio::time::sleep(Duration::from_secs(60)).await,
                }
            });
        }
    });
    Receiver { url, requests }
}

async fn read_request(socket: &mut tokio::net::TcpStream) -> Option<Received> {
    let mut read = Vec::new();
    let mut chunk = [0u8; 8192];
    loop {
        let n = socket.read(&mut chunk).await.ok()?;
        read.extend_from_slice(&chunk[..n]);
        let text = String::from_utf8_lossy(&read).into_owned();
        if let Some((head, body)) = text.split_once("\r\n\r\n") {
            let length = head
                .lines()
                .find_map(|l| {
                    l.to_ascii_lowercase()
                        .strip_prefix("content-length: ")
                        .map(str::to_owned)
                })
                .and_then(|n| n.trim().parse::<usize>().ok())
                .unwrap_or(0);
            if body.len() >= length {
                return Some(Received {
                    head: head.to_owned(),
                    body: body.to_owned(),
                });
            }
        }
        if n == 0 {
            return None;
        }
    }
}
