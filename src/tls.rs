//! The TLS client configuration of both HTTPS stacks the functions send through: `aws_http` (AWS's
//! services, trusting AWS's roots) and `net` (webhooks and Stripe, trusting the public web's).
//! rustls on ring, its safe default protocol versions (TLS 1.2 and 1.3), no client certificate,
//! and no ALPN: both speak HTTP/1.1 only, and without ALPN a server cannot pick HTTP/2.

use std::sync::Arc;

use rustls::RootCertStore;

pub(crate) fn client_config(roots: RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(rustls::crypto::ring::default_provider()))
        .with_safe_default_protocol_versions()
        .expect("ring's default provider supports TLS 1.2 and 1.3 (a unit test builds one)")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_configuration_is_built_and_offers_no_protocol() {
        let config = client_config(RootCertStore::empty());
        assert!(config.alpn_protocols.is_empty());
    }
}
