//! Kept-alive connections to an origin the deployment configures (Stripe's API): a hosted page
//! opened and paid makes several Stripe calls, and each took a TCP and a TLS handshake of its
//! own; through a pool they share one connection, and a warm container's next charge reuses it
//! (tests/api/live_page.rs counts seven calls, the page's and a charge's, over one).
//!
//! Not for merchants' URLs: the pool resolves names itself, so it could not hold every address
//! it connects to to `public_address`, as `send` does.

use std::io;
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::Request;
use hyper_rustls::{HttpsConnector, HttpsConnectorBuilder};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::{TokioExecutor, TokioTimer};

use super::{Answer, NetError, answer_of, public_roots};

/// A connection not made in this long is better given up for the origin's next address.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(3);

/// How long an unused connection is kept. Below the 60 s after which common load balancers
/// close idle connections, so that a kept one is rarely found closed by the other end; a frozen
/// container's connections count as idle all the while, and expire with it.
const IDLE_TIMEOUT: Duration = Duration::from_secs(30);

/// A function sends one request at a time, or a few at once at most.
const MAX_IDLE_PER_ORIGIN: usize = 4;

/// A pool of HTTP/1.1 connections over rustls, trusting the public web's roots. Its connections
/// are tasks of the tokio runtime that opened them: one pool per runtime.
#[derive(Debug, Clone)]
pub struct Pool(Client<HttpsConnector<HttpConnector>, Full<Bytes>>);

impl Pool {
    pub fn new() -> Self {
        let mut tcp = HttpConnector::new();
        tcp.enforce_http(false);
        tcp.set_nodelay(true);
        tcp.set_connect_timeout(Some(CONNECT_TIMEOUT));
        let https = HttpsConnectorBuilder::new()
            .with_tls_config((*public_roots()).clone())
            .https_or_http()
            .enable_http1()
            .wrap_connector(tcp);
        let client = Client::builder(TokioExecutor::new())
            // Without a timer the pool never closes an idle connection.
            .pool_timer(TokioTimer::new())
            .pool_idle_timeout(IDLE_TIMEOUT)
            .pool_max_idle_per_host(MAX_IDLE_PER_ORIGIN)
            .build(https);
        Self(client)
    }

    /// Sends `request` (its URI absolute) and reads the answer's head and at most `max_body`
    /// bytes of its body. A kept connection that the other end closed just as the request went
    /// out is not an answer: the request is sent once more, on a new connection. Only requests
    /// that are safe to repeat may be sent here (Stripe's: GETs, and POSTs with an
    /// Idempotency-Key).
    pub async fn send(
        &self,
        request: Request<Full<Bytes>>,
        max_body: usize,
    ) -> Result<Answer, NetError> {
        let again = copy(&request);
        match self.exchange(request, max_body).await {
            Err(NetError::Closed(_)) => self.exchange(again, max_body).await,
            answered => answered,
        }
    }

    async fn exchange(
        &self,
        request: Request<Full<Bytes>>,
        max_body: usize,
    ) -> Result<Answer, NetError> {
        let response = self.0.request(request).await.map_err(classified)?;
        Ok(answer_of(response, max_body).await)
    }
}

impl Default for Pool {
    fn default() -> Self {
        Self::new()
    }
}

/// The same request again: method, URI, headers and body.
fn copy(request: &Request<Full<Bytes>>) -> Request<Full<Bytes>> {
    let mut copy = Request::new(request.body().clone());
    *copy.method_mut() = request.method().clone();
    *copy.uri_mut() = request.uri().clone();
    *copy.headers_mut() = request.headers().clone();
    copy
}

/// A connection that could not be made (TLS included); one that closed under the request; or
/// any other failure of the exchange.
fn classified(error: hyper_util::client::legacy::Error) -> NetError {
    // hyper-util's own message says only "client error (Connect)": its causes say why.
    let said = causes(&error)
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(": ");
    if error.is_connect() {
        return NetError::Connect(said);
    }
    let closed = causes(&error).any(|cause| {
        cause
            .downcast_ref::<hyper::Error>()
            .is_some_and(|e| e.is_incomplete_message() || e.is_canceled() || e.is_closed())
            || cause.downcast_ref::<io::Error>().is_some_and(|e| {
                matches!(
                    e.kind(),
                    io::ErrorKind::ConnectionReset
                        | io::ErrorKind::ConnectionAborted
                        | io::ErrorKind::BrokenPipe
                        | io::ErrorKind::UnexpectedEof
                )
            })
    });
    match closed {
        true => NetError::Closed(said),
        false => NetError::Http(said),
    }
}

/// The error and each of its causes, outermost first.
fn causes<'a>(
    error: &'a (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'a (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |e| e.source())
}

#[cfg(test)]
mod tests {
    use std::io::{BufRead, BufReader, Write};
    use std::net::{SocketAddr, TcpListener, TcpStream};
    use std::thread::JoinHandle;

    use super::*;

    fn get(address: SocketAddr) -> Request<Full<Bytes>> {
        Request::get(format!("http://{address}/v1/thing"))
            .body(Full::new(Bytes::new()))
            .unwrap()
    }

    /// Reads one request's head from `reader`; false if the connection ended first.
    fn read_head(reader: &mut impl BufRead) -> bool {
        let mut line = String::new();
        loop {
            line.clear();
            match reader.read_line(&mut line) {
                Ok(0) | Err(_) => return false,
                Ok(_) if line == "\r\n" => return true,
                Ok(_) => {}
            }
        }
    }

    const OK: &str = "HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok";

    /// What the test server does on one connection.
    enum Connection {
        /// Answers this many requests, then closes.
        Answers(usize),
        /// Answers this many requests, reads one more and closes without answering it.
        AnswersThenDrops(usize),
    }

    /// A server that serves the connections it accepts one after the other as `plan` says
    /// (closing any beyond it at once), until none has come for a second; then it says how
    /// many it accepted.
    fn server(plan: Vec<Connection>) -> (SocketAddr, JoinHandle<usize>) {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = listener.local_addr().unwrap();
        listener.set_nonblocking(true).unwrap();
        let handle = std::thread::spawn(move || {
            let mut accepted = 0;
            while let Some(stream) = accept_within(&listener, Duration::from_secs(1)) {
                if let Some(connection) = plan.get(accepted) {
                    serve(&stream, connection);
                }
                accepted += 1;
            }
            accepted
        });
        (address, handle)
    }

    fn accept_within(listener: &TcpListener, wait: Duration) -> Option<TcpStream> {
        let deadline = std::time::Instant::now() + wait;
        loop {
            match listener.accept() {
                Ok((stream, _)) => {
                    stream.set_nonblocking(false).unwrap();
                    // A client that never sends ends the test in seconds, not never.
                    stream
                        .set_read_timeout(Some(Duration::from_secs(5)))
                        .unwrap();
                    return Some(stream);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => {
                    if std::time::Instant::now() > deadline {
                        return None;
                    }
                    std::thread::sleep(Duration::from_millis(5));
                }
                Err(e) => panic!("accept: {e}"),
            }
        }
    }

    fn serve(stream: &TcpStream, connection: &Connection) {
        let mut reader = BufReader::new(stream);
        let (Connection::Answers(answered) | Connection::AnswersThenDrops(answered)) = *connection;
        for _ in 0..answered {
            assert!(read_head(&mut reader), "a request was expected");
            (&*stream).write_all(OK.as_bytes()).unwrap();
        }
        if let Connection::AnswersThenDrops(_) = connection {
            assert!(read_head(&mut reader), "a request was expected");
        }
    }

    /// The server's count once it has finished; the runtime goes on meanwhile, so that the
    /// pool's connections can close.
    async fn accepted(server: JoinHandle<usize>) -> usize {
        tokio::task::spawn_blocking(move || server.join().unwrap())
            .await
            .unwrap()
    }

    #[tokio::test]
    async fn requests_share_one_kept_alive_connection() {
        let (address, server) = server(vec![Connection::Answers(3)]);
        let pool = Pool::new();
        for _ in 0..3 {
            let answer = pool.send(get(address), 1024).await.unwrap();
            assert_eq!(answer.status, 200);
            assert_eq!(answer.body.as_deref(), Some(&b"ok"[..]));
        }
        drop(pool);
        assert_eq!(
            server.join().unwrap(),
            1,
            "one connection for three requests"
        );
    }

    #[tokio::test]
    async fn a_request_the_kept_connection_dropped_is_sent_again_on_a_new_one() {
        // The first connection answers once, then takes the second request and closes.
        let (address, server) = server(vec![
            Connection::AnswersThenDrops(1),
            Connection::Answers(1),
        ]);
        let pool = Pool::new();
        assert_eq!(pool.send(get(address), 1024).await.unwrap().status, 200);
        let again = pool.send(get(address), 1024).await.unwrap();
        assert_eq!(again.status, 200);
        drop(pool);
        assert_eq!(accepted(server).await, 2);
    }

    #[tokio::test]
    async fn a_request_is_sent_again_once_at_most() {
        let (address, server) = server(vec![
            Connection::AnswersThenDrops(0),
            Connection::AnswersThenDrops(0),
        ]);
        let error = Pool::new().send(get(address), 1024).await.unwrap_err();
        assert!(matches!(error, NetError::Closed(_)), "{error:?}");
        assert_eq!(accepted(server).await, 2);
    }

    #[tokio::test]
    async fn a_refused_connection_is_a_connect_error_said_with_its_cause() {
        let closed = TcpListener::bind("127.0.0.1:0").unwrap();
        let address = closed.local_addr().unwrap();
        drop(closed);
        let error = Pool::new().send(get(address), 1024).await.unwrap_err();
        match error {
            NetError::Connect(why) => assert!(why.to_lowercase().contains("refused"), "{why}"),
            other => panic!("{other:?}"),
        }
    }

    #[tokio::test]
    async fn a_body_over_the_limit_is_not_read() {
        let (address, server) = server(vec![Connection::Answers(1)]);
        let answer = Pool::new().send(get(address), 1).await.unwrap();
        assert_eq!((answer.status, answer.body), (200, None));
        accepted(server).await;
    }
}
