use std::net::SocketAddr;
use std::time::Duration;

use crate::domain::public_address::forbidden_address;
use crate::domain::webhook::{Target, WebhookUrl};

/// How long a name may take to resolve before the URL is refused.
const RESOLVE_TIMEOUT: Duration = Duration::from_secs(5);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum Refused {
    #[error("must not point at {0}")]
    Forbidden(&'static str),
    #[error("must name a host that resolves to an address")]
    Unresolved,
}

/// The addresses `url` may be reached at: every address its host resolves to, each of them
/// public (loopback too when `allow_loopback`). A name with any forbidden address is refused as
/// a whole: which of its addresses a connection would use is not ours to choose.
pub async fn check_destination(
    url: &WebhookUrl,
    allow_loopback: bool,
) -> Result<Vec<SocketAddr>, Refused> {
    let port = url.port();
    let addresses: Vec<SocketAddr> = match url.target() {
        Target::Address(ip) => vec![SocketAddr::new(ip, port)],
        Target::Name(name) => {
            let lookup = tokio::net::lookup_host((name, port));
            match tokio::time::timeout(RESOLVE_TIMEOUT, lookup).await {
                Ok(Ok(found)) => found.collect(),
                Ok(Err(_)) | Err(_) => return Err(Refused::Unresolved),
            }
        }
    };
    if addresses.is_empty() {
        return Err(Refused::Unresolved);
    }
    for address in &addresses {
        if let Some(why) = forbidden_address(address.ip(), allow_loopback) {
            return Err(Refused::Forbidden(why));
        }
    }
    Ok(addresses)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(text: &str) -> WebhookUrl {
        WebhookUrl::parse(text, false).unwrap()
    }

    #[tokio::test]
    async fn a_name_that_resolves_to_loopback_is_refused_unless_allowed() {
        let local = url("http://localhost:8080/hooks");
        assert_eq!(
            check_destination(&local, false).await,
            Err(Refused::Forbidden("a loopback address"))
        );
        let allowed = check_destination(&local, true).await.unwrap();
        assert!(
            allowed
                .iter()
                .all(|a| a.ip().is_loopback() && a.port() == 8080)
        );
    }

    #[tokio::test]
    async fn literal_addresses_are_checked_without_resolving() {
        assert!(matches!(
            check_destination(&url("http://169.254.169.254/"), true).await,
            Err(Refused::Forbidden(_))
        ));
        let public = check_destination(&url("https://93.184.215.14/in"), false)
            .await
            .unwrap();
        assert_eq!(public, vec!["93.184.215.14:443".parse().unwrap()]);
    }

    #[tokio::test]
    async fn a_name_that_does_not_resolve_is_refused() {
        assert_eq!(
            check_destination(&url("https://no-such-host.invalid/"), false).await,
            Err(Refused::Unresolved)
        );
    }
}
