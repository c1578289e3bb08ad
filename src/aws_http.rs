//! The HTTPS connector an AWS SDK client (DynamoDB, its stream, SES, Secrets Manager) sends
//! through: hyper 1 over rustls on ring, trusting AWS's roots compiled in plus whatever
//! `SSL_CERT_FILE` names, parsed once per client.
//!
//! The SDK's own hyper client would build a connector, and so parse every trust root, once while
//! validating the client's configuration and again on the first request (aws-smithy-http-client
//! 1.5: `HyperClient::validate_base_client_config`). Handing the client one already-built
//! connector through `http_client_fn` skips both: its validation is a no-op.
//!
//! One connector per client, not one per process: its pooled connections are tasks of the tokio
//! runtime that opened them, and a process with several runtimes (the test suite) would hand one
//! runtime's dead connections to another. A function has one runtime and, for its API requests,
//! one client: one parse per cold start.
//!
//! rustls on ring, not aws-lc: aws-lc's first use seeds its random generator, which shows in
//! every cold start. AWS's roots, not the system store, whose hundreds of files every cold start
//! would read and parse.

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::Path;
use std::time::Duration;

use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_http_client::Connector;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::{
    HttpConnectorSettings, SharedHttpClient, SharedHttpConnector, http_client_fn,
};

/// The roots AWS endpoints chain to (see certs/README.md).
const AWS_TRUST_ROOTS: &str = include_str!("../certs/aws-trust-roots.pem");

/// An AWS endpoint in the function's own region answers a TCP connect in milliseconds; a second
/// without one means the attempt is better retried than waited for.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(1);

/// An SDK client's HTTP client: every call of the client goes through one connector, built now.
pub fn http_client() -> SharedHttpClient {
    let connector = build();
    http_client_fn(move |_, _| connector.clone())
}

fn build() -> SharedHttpConnector {
    match std::env::var_os("SSL_CERT_FILE") {
        Some(path) => with_roots_of(Path::new(&path)),
        None => connector(None),
    }
}

/// The connector trusting AWS's roots and those in the PEM file at `path`; AWS's alone if the
/// file is unreadable or holds a certificate that is not a usable root.
fn with_roots_of(path: &Path) -> SharedHttpConnector {
    match std::fs::read(path) {
        // The connector panics on a root it cannot use (it parses them only when built), and a
        // separate check would parse them all a second time: build it once and, if the extra
        // roots were the trouble, without them.
        Ok(pem) => match catch_unwind(AssertUnwindSafe(|| connector(Some(pem)))) {
            Ok(connector) => return connector,
            Err(_) => tracing::warn!(?path, "SSL_CERT_FILE is not PEM roots; ignored"),
        },
        Err(error) => tracing::warn!(?path, %error, "SSL_CERT_FILE is unreadable; ignored"),
    }
    connector(None)
}

fn connector(extra_roots: Option<Vec<u8>>) -> SharedHttpConnector {
    let mut roots = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_TRUST_ROOTS.as_bytes());
    if let Some(pem) = extra_roots {
        roots.add_pem_certificate(pem);
    }
    let context = tls::TlsContext::builder()
        .with_trust_store(roots)
        .build()
        .unwrap_or_default();
    let settings = HttpConnectorSettings::builder()
        .connect_timeout(CONNECT_TIMEOUT)
        .build();
    SharedHttpConnector::new(
        Connector::builder()
            .connector_settings(settings)
            .sleep_impl(TokioSleep::new())
            .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
            .tls_context(context)
            .build(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    const BAD_ROOT: &[u8] = b"-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n";

    #[test]
    fn the_compiled_in_roots_make_a_connector_and_a_bad_root_is_refused() {
        drop(connector(None));
        let built = catch_unwind(AssertUnwindSafe(|| connector(Some(BAD_ROOT.to_vec()))));
        assert!(
            built.is_err(),
            "a certificate that does not parse was accepted"
        );
    }

    #[test]
    fn a_bad_or_missing_ssl_cert_file_leaves_the_compiled_in_roots() {
        let file = std::env::temp_dir().join(format!("bad-roots-{}.pem", std::process::id()));
        std::fs::write(&file, BAD_ROOT).unwrap();
        drop(with_roots_of(&file));
        std::fs::remove_file(&file).unwrap();
        drop(with_roots_of(&file));
    }
}
