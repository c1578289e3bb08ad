//! The deployment's secrets in AWS Secrets Manager (`GetSecretValue`): the Stripe secret key.
//! Locally `SECRETS_MANAGER_ENDPOINT` points it at an emulator (moto), with fixed local
//! credentials.

use aws_config::BehaviorVersion;
use aws_sdk_secretsmanager::Client;
use aws_sdk_secretsmanager::config::Region;
use aws_smithy_async::rt::sleep::TokioSleep;

use crate::aws_http;

use super::aws;

/// The text of the secret `arn` (its `SecretString`). The error says why not, never what.
pub async fn read_secret(arn: &str, endpoint: Option<&str>) -> Result<String, String> {
    let mut config = aws_sdk_secretsmanager::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .http_client(aws_http::http_client())
        .timeout_config(aws::read_timeouts())
        .retry_config(aws::retries())
        .sleep_impl(TokioSleep::new())
        .region(Region::new(aws::region()))
        .credentials_provider(aws::credentials(endpoint));
    if let Some(endpoint) = endpoint {
        config = config.endpoint_url(endpoint);
    }
    let answer = Client::from_conf(config.build())
        .get_secret_value()
        .secret_id(arn)
        .send()
        .await
        .map_err(|error| match error.as_service_error() {
            Some(service) => format!(
                "Secrets Manager refused {arn}: {}",
                service.meta().code().unwrap_or("error")
            ),
            None => format!("Secrets Manager unreachable: {error}"),
        })?;
    answer
        .secret_string()
        .map(|text| text.trim().to_owned())
        .filter(|text| !text.is_empty())
        .ok_or_else(|| format!("the secret {arn} has no text"))
}
