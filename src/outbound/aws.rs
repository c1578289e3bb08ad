//! What the AWS services beside DynamoDB (SES, Secrets Manager) are reached with: a connector
//! of `aws_http` (as the store's client has), short timeouts, two attempts, and credentials from
//! the function's environment, or fixed local ones for an emulator.

use std::time::Duration;

use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, Region, SdkConfig};
use aws_credential_types::Credentials;
use aws_credential_types::provider::SharedCredentialsProvider;
use aws_smithy_async::rt::sleep::TokioSleep;

use crate::aws_http;

/// What a client of SES or Secrets Manager is made from: `timeouts` for its calls, and
/// `endpoint` for an emulator (unset: the service in the function's region).
pub(super) fn sdk_config(endpoint: Option<&str>, timeouts: TimeoutConfig) -> SdkConfig {
    let mut config = SdkConfig::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(aws_http::http_client())
        .timeout_config(timeouts)
        .retry_config(retries())
        .sleep_impl(TokioSleep::new())
        .region(Region::new(region()))
        .credentials_provider(credentials(endpoint));
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    config.build()
}

/// For a call that must not be sent twice (an e-mail): an attempt that stalls after SES took
/// the message is not cut short and sent again; only the operation's bound holds.
pub(super) fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(aws_http::CONNECT_TIMEOUT)
        .operation_timeout(Duration::from_secs(10))
        .build()
}

/// For a read, safe to repeat: an attempt that stalls is cut off and tried again while the
/// operation's bound leaves room for it, rather than using all of it.
pub(super) fn read_timeouts() -> TimeoutConfig {
    timeouts()
        .to_builder()
        .operation_attempt_timeout(Duration::from_secs(3))
        .build()
}

fn retries() -> RetryConfig {
    RetryConfig::standard().with_max_attempts(2)
}

/// The function's own credentials; fixed local ones when `endpoint` names an emulator.
fn credentials(endpoint: Option<&str>) -> SharedCredentialsProvider {
    match endpoint {
        Some(_) => {
            SharedCredentialsProvider::new(Credentials::new("local", "local", None, None, "local"))
        }
        None => SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
    }
}

fn region() -> String {
    std::env::var("AWS_REGION").unwrap_or_else(|_| "us-east-1".to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_read_keeps_the_calls_bounds_and_adds_one_per_attempt() {
        let read = read_timeouts();
        assert_eq!(read.connect_timeout(), Some(aws_http::CONNECT_TIMEOUT));
        assert_eq!(read.operation_timeout(), timeouts().operation_timeout());
        assert_eq!(
            read.operation_attempt_timeout(),
            Some(Duration::from_secs(3))
        );
        assert_eq!(timeouts().operation_attempt_timeout(), None);
    }
}
