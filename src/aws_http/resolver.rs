//! Name lookups for the connector: getaddrinfo on a blocking thread, as hyper's own resolver
//! does, with one lookup that may start before the first connection asks for it.

use std::future::Future;
use std::io;
use std::net::{SocketAddr, ToSocketAddrs};
use std::pin::Pin;
use std::sync::{Arc, Mutex, PoisonError};
use std::task::{Context, Poll};

use hyper_util::client::legacy::connect::dns::Name;
use tokio::task::JoinHandle;

/// The name in `url` that a connection would look up: none for an address.
pub(super) fn host_to_look_up(url: &str) -> Option<String> {
    url::Url::parse(url)
        .ok()
        .and_then(|url| url.domain().map(str::to_owned))
}

/// Looks names up as hyper's own resolver does (getaddrinfo on a blocking thread); one of them
/// may have been started early, and its answer is used once, by the first connection to it.
#[derive(Debug, Clone, Default)]
pub(super) struct Resolver {
    early: Arc<Mutex<Option<EarlyLookup>>>,
}

#[derive(Debug)]
pub(super) struct EarlyLookup {
    host: String,
    addresses: JoinHandle<io::Result<Vec<SocketAddr>>>,
}

impl Resolver {
    pub(super) fn looking_up(host: String) -> Self {
        let addresses = {
            let host = host.clone();
            tokio::task::spawn_blocking(move || lookup(&host))
        };
        let early = EarlyLookup { host, addresses };
        Self {
            early: Arc::new(Mutex::new(Some(early))),
        }
    }

    pub(super) fn take_early(&self, name: &str) -> Option<EarlyLookup> {
        let mut early = self.early.lock().unwrap_or_else(PoisonError::into_inner);
        if early.as_ref().is_some_and(|early| early.host == name) {
            early.take()
        } else {
            None
        }
    }
}

/// Addresses with port 0: the connector sets the URL's.
fn lookup(host: &str) -> io::Result<Vec<SocketAddr>> {
    Ok((host, 0).to_socket_addrs()?.collect())
}

type Lookup = Pin<Box<dyn Future<Output = io::Result<std::vec::IntoIter<SocketAddr>>> + Send>>;

impl tower_service::Service<Name> for Resolver {
    type Response = std::vec::IntoIter<SocketAddr>;
    type Error = io::Error;
    type Future = Lookup;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, name: Name) -> Lookup {
        let early = self.take_early(name.as_str());
        Box::pin(async move {
            let looked_up = match early {
                Some(early) => early.addresses.await,
                None => tokio::task::spawn_blocking(move || lookup(name.as_str())).await,
            };
            Ok(looked_up.map_err(io::Error::other)??.into_iter())
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
}
