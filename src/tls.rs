//! The TLS client configuration of both HTTPS stacks the functions send through: `aws_http` (AWS's
//! services, trusting AWS's roots) and `net` (webhooks and Stripe, trusting the public web's).
//! rustls on ring, its safe default protocol versions (TLS 1.2 and 1.3), no client certificate,
//! and no ALPN: both speak HTTP/1.1 only, and without ALPN a server cannot pick HTTP/2.
//!
//! ring, not aws-lc-rs, although only aws-lc-rs offers a post-quantum key exchange: it adds 1.4 MB
//! to every function, and its default random generator seeds itself from CPU jitter on first use,
//! some 40 ms of every cold start (docs/benchmarks.md, "Post-quantum key exchange").

use std::sync::Arc;

use rustls::RootCertStore;
use rustls::crypto::ring::kx_group::{SECP256R1, SECP384R1, X25519};
use rustls::crypto::{CryptoProvider, SupportedKxGroup};

/// The key exchanges offered, X25519 first, as rustls ordered ring's up to 0.23.47: 0.23.48 put
/// P-384 first, and ring's P-384 takes some 11 million instructions a handshake where X25519
/// takes under one (the client sends its share for the first group, which servers accept).
const KEY_EXCHANGES: [&dyn SupportedKxGroup; 3] = [X25519, SECP256R1, SECP384R1];

pub(crate) fn client_config(roots: RootCertStore) -> rustls::ClientConfig {
    rustls::ClientConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .expect("ring's default provider supports TLS 1.2 and 1.3 (a unit test builds one)")
        .with_root_certificates(roots)
        .with_no_client_auth()
}

/// ring's provider with `KEY_EXCHANGES`.
pub(crate) fn provider() -> CryptoProvider {
    #[expect(
        deprecated,
        reason = "rustls 0.23.48 deprecates ring's provider for lacking post-quantum key \
                  exchange; the module's comment says why ring stays"
    )]
    let ring = rustls::crypto::ring::default_provider();
    CryptoProvider {
        kx_groups: KEY_EXCHANGES.to_vec(),
        ..ring
    }
}

/// A test server's configuration: `provider()`, one certificate and its key (PKCS#8 DER).
#[cfg(test)]
pub(crate) fn test_server_config(
    certificate: rustls::pki_types::CertificateDer<'static>,
    key_der: Vec<u8>,
) -> rustls::ServerConfig {
    rustls::ServerConfig::builder_with_provider(Arc::new(provider()))
        .with_safe_default_protocol_versions()
        .unwrap()
        .with_no_client_auth()
        .with_single_cert(
            vec![certificate],
            rustls::pki_types::PrivateKeyDer::Pkcs8(key_der.into()),
        )
        .unwrap()
}

#[cfg(test)]
mod tests {
    use rcgen::{CertifiedKey, generate_simple_self_signed};
    use rustls::{ClientConnection, HandshakeKind, NamedGroup, ServerConnection};

    use super::*;

    #[test]
    fn a_configuration_is_built_and_offers_no_protocol() {
        let config = client_config(RootCertStore::empty());
        assert!(config.alpn_protocols.is_empty());
    }

    #[test]
    fn the_key_exchange_is_x25519_in_one_round_trip() {
        let CertifiedKey { cert, signing_key } =
            generate_simple_self_signed(vec!["localhost".to_owned()]).unwrap();
        let mut roots = RootCertStore::empty();
        roots.add(cert.der().clone()).unwrap();
        // A server preferring X25519 asks a client that sent another share to send again.
        let server = test_server_config(cert.der().clone(), signing_key.serialize_der());
        let mut client = ClientConnection::new(
            Arc::new(client_config(roots)),
            "localhost".try_into().unwrap(),
        )
        .unwrap();
        let mut server = ServerConnection::new(Arc::new(server)).unwrap();

        while client.is_handshaking() || server.is_handshaking() {
            let mut flight = Vec::new();
            client.write_tls(&mut flight).unwrap();
            server.read_tls(&mut flight.as_slice()).unwrap();
            server.process_new_packets().unwrap();
            flight.clear();
            server.write_tls(&mut flight).unwrap();
            client.read_tls(&mut flight.as_slice()).unwrap();
            client.process_new_packets().unwrap();
        }

        let group = client.negotiated_key_exchange_group().unwrap().name();
        assert_eq!(group, NamedGroup::X25519);
        assert_eq!(client.handshake_kind(), Some(HandshakeKind::Full));
    }
}
