//! A loopback HTTP/1.1 proxy that counts what passes: the connections made through it and the
//! requests sent on them (their heads kept). Taken down, it closes each connection as it comes
//! (the upstream unreachable), until it is brought up again. It can also give a recorded answer
//! in the upstream's place, once, to a request the upstream (an emulator) would answer
//! otherwise.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::tcp::OwnedWriteHalf;
use tokio::net::{TcpListener, TcpStream};

#[derive(Clone)]
pub struct CountingProxy {
    pub origin: String,
    connections: Arc<AtomicUsize>,
    requests: Arc<AtomicUsize>,
    down: Arc<AtomicBool>,
    stand_in: Arc<Mutex<Option<StandIn>>>,
    heads: Arc<Mutex<Vec<String>>>,
}

/// A recorded answer, for the first request whose head starts with `head_start` and whose
/// body contains `body_part`.
struct StandIn {
    head_start: String,
    body_part: String,
    answer: Vec<u8>,
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
            stand_in: Arc::default(),
            heads: Arc::default(),
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
                tokio::spawn(relay(client, server, counts.clone()));
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

    /// The request line of every request that passed (`GET /v1/customers/cus_1 HTTP/1.1`).
    pub fn request_lines(&self) -> Vec<String> {
        let heads = self.heads.lock().unwrap();
        let first_line = |head: &String| head.lines().next().unwrap_or_default().to_owned();
        heads.iter().map(first_line).collect()
    }

    /// The `Idempotency-Key` of every request whose head starts with `head_start`
    /// (`POST /v1/customers `), in the order they passed; "" for one sent without.
    pub fn idempotency_keys(&self, head_start: &str) -> Vec<String> {
        let heads = self.heads.lock().unwrap();
        let key_of = |head: &String| {
            let header = head.lines().find_map(|line| {
                let (name, value) = line.split_once(':')?;
                name.eq_ignore_ascii_case("idempotency-key")
                    .then(|| value.trim().to_owned())
            });
            header.unwrap_or_default()
        };
        let sent = heads.iter().filter(|head| head.starts_with(head_start));
        sent.map(key_of).collect()
    }

    /// Whether new connections are closed as they come (those open stay open).
    pub fn set_down(&self, down: bool) {
        self.down.store(down, Ordering::SeqCst);
    }

    /// Answers the next request whose head starts with `head_start` (`POST /v1/customers `)
    /// and whose body contains `body_part` with `status` and the JSON `body`, in the upstream's
    /// place; the request does not reach the upstream.
    pub fn answer_once(&self, head_start: &str, body_part: &str, status: u16, body: &str) {
        let answer = format!(
            "HTTP/1.1 {status} Recorded\r\ncontent-type: application/json\r\n\
             content-length: {}\r\n\r\n{body}",
            body.len()
        );
        *self.stand_in.lock().unwrap() = Some(StandIn {
            head_start: head_start.to_owned(),
            body_part: body_part.to_owned(),
            answer: answer.into_bytes(),
        });
    }

    /// Whether the recorded answer is still waiting for its request.
    pub fn answer_waiting(&self) -> bool {
        self.stand_in.lock().unwrap().is_some()
    }

    /// The recorded answer for `request`, if it is the one it waits for (then taken).
    fn stand_in_for(&self, request: &[u8]) -> Option<Vec<u8>> {
        let mut stand_in = self.stand_in.lock().unwrap();
        let head_end = find(request, b"\r\n\r\n")?;
        let waiting = stand_in.as_ref()?;
        let matches = request.starts_with(waiting.head_start.as_bytes())
            && find(&request[head_end..], waiting.body_part.as_bytes()).is_some();
        matches.then(|| stand_in.take().unwrap().answer)
    }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack
        .windows(needle.len())
        .position(|window| window == needle)
}

/// The length of the first whole request in `bytes` (its head, and its body by
/// Content-Length: our clients send no chunked bodies), if it has all arrived.
fn request_length(bytes: &[u8]) -> Option<usize> {
    let body_start = find(bytes, b"\r\n\r\n")? + 4;
    let head = String::from_utf8_lossy(&bytes[..body_start]).to_ascii_lowercase();
    let body_length = head
        .lines()
        .find_map(|line| line.strip_prefix("content-length:"))
        .map_or(0, |length| length.trim().parse::<usize>().unwrap());
    let length = body_start + body_length;
    (bytes.len() >= length).then_some(length)
}

async fn relay(client: TcpStream, server: TcpStream, proxy: CountingProxy) {
    let (mut client_read, client_write) = client.into_split();
    let (mut server_read, mut server_write) = server.into_split();
    // Written by both directions: the upstream's answers and the recorded one. HTTP/1.1 sends
    // a request only once the answer before it is in, so their bytes never interleave.
    let client_write = Arc::new(tokio::sync::Mutex::new(client_write));
    let up = async {
        let mut buffer = vec![0u8; 64 * 1024];
        let mut pending: Vec<u8> = Vec::new();
        'reading: while let Ok(n) = client_read.read(&mut buffer).await {
            if n == 0 {
                break;
            }
            pending.extend_from_slice(&buffer[..n]);
            while let Some(length) = request_length(&pending) {
                let request: Vec<u8> = pending.drain(..length).collect();
                proxy.requests.fetch_add(1, Ordering::SeqCst);
                let head_end = find(&request, b"\r\n\r\n").unwrap_or(request.len());
                let head = String::from_utf8_lossy(&request[..head_end]).into_owned();
                proxy.heads.lock().unwrap().push(head);
                let sent = match proxy.stand_in_for(&request) {
                    Some(answer) => write_to(&client_write, &answer).await,
                    None => server_write.write_all(&request).await.is_ok(),
                };
                if !sent {
                    break 'reading;
                }
            }
        }
        let _ = server_write.shutdown().await;
    };
    let down = async {
        let mut buffer = vec![0u8; 64 * 1024];
        while let Ok(n) = server_read.read(&mut buffer).await {
            if n == 0 || !write_to(&client_write, &buffer[..n]).await {
                break;
            }
        }
        let _ = client_write.lock().await.shutdown().await;
    };
    tokio::join!(up, down);
}

async fn write_to(client: &tokio::sync::Mutex<OwnedWriteHalf>, bytes: &[u8]) -> bool {
    client.lock().await.write_all(bytes).await.is_ok()
}
