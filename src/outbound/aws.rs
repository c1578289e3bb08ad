//! What the AWS services beside DynamoDB (SES, Secrets Manager) are reached with: the store's
//! kind of HTTP client (rustls on ring, AWS's roots compiled in), short timeouts, two attempts,
//! and credentials from the function's environment, or fixed local ones for an emulator.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_http_client::tls::{self, rustls_provider::CryptoMode};
use aws_smithy_runtime_api::client::http::SharedHttpClient;

/// The roots AWS endpoints chain to, compiled in (see certs/README.md), as the store's client
/// has them.
const AWS_TRUST_ROOTS: &str = include_str!("../../certs/aws-trust-roots.pem");

pub(super) fn http_client() -> SharedHttpClient {
    let roots = tls::TrustStore::empty()
        .with_native_roots(false)
        .with_pem_certificate(AWS_TRUST_ROOTS.as_bytes());
    aws_smithy_http_client::Builder::new()
        .tls_provider(tls::Provider::Rustls(CryptoMode::Ring))
        .tls_context(
            tls::TlsContext::builder()
                .with_trust_store(roots)
                .build()
                .unwrap_or_default(),
        )
        .build_https()
}

pub(super) fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(10))
        .build()
}

pub(super) fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(2)
}

/// The function's own credentials; fixed local ones when `endpoint` names an emulator.
pub(super) fn credentials(endpoint: Option<&str>) -> SharedCredentialsProvider {
    match endpoint {
        Some(_) => {
            SharedCredentialsProvider::new(Credentials::new("local", "local", None, None, "local"))
        }
        None => SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
    }
}

pub(super) fn region() -> String {
    std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned())
}
