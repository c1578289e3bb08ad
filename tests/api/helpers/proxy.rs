//! A loopback TCP proxy that counts what passes: the connections made through it and the
//! HTTP/1.1 requests sent on them. Taken down, it closes each connection as it comes (the
//! upstream unreachable), until it is brought up again.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// The end of a request line (`POST /v1/x HTTP/1.1`); form and JSON bodies have no CRLF.
const REQUEST_LINE_END: &[u8] = b" HTTP/1.1\r\n";

#[derive(Clone)]
pub struct CountingProxy {
    pub origin: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
}

impl CountingProxy {
    /// A proxy to `upstream` (`http://host:port`), on a port of its own.
    pub async fn to(upstream: &str) -> Self {
        let upstream = upstream.trim_start_matches("http://").to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let proxy = Self {
            origin: format!("http://{}", listener.local_addr().unwrap()),
            connections: Arc::default(),
            requests: Arc::default(),
            down: Arc::default(),
        };
        let counts = proxy.clone();
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                counts.connections.fetch_add(1, Ordering::SeqCst);
                if counts.down.load(Ordering::SeqCst) {
                    drop(client);
                    continue;
                }
                let Ok(server) = TcpStream::connect(&upstream).await else {
                    continue;
                };
                let requests = counts.requests.clone();
                tokio::spawn(relay(client, server, requests));
            }
        });
        proxy
    }

    pub fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }

    pub fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }

    /// Whether new connections are closed as they come (those open stay open).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }
}

async fn relay(client: TcpStream, server: TcpStream, requests: Arc<AtomicUsize>) {
    let (mut client_read, mut client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    let up = async {
        let mut buffer = vec![0u8; 64 * 1024];
        // The tail of the last chunk, so that a request line split between two is still seen.
        let mut seen: Vec<u8> = Vec::new();
        while let Ok(n) = client_read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buffer[..n]);
            let found = seen
                .windows(REQUEST_LINE_END.len())
                .filter(|window| *window == REQUEST_LINE_END)
                .count();
            requests.fetch_add(found, Ordering::SeqCst);
            let keep = seen.len().min(REQUEST_LINE_END.len() - 1);
            seen.drain(..seen.len() - keep);
            if server_write.write_all(&buffer[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_write.shutdown().await;
    };
    let down = async {
        let _ = tokio::io::copy(&mut server_read, &mut client_write).await;
        let _ = client_write.shutdown().await;
    };
    tokio::join!(up, down);
}
