//! The deployment's secrets in AWS Secrets Manager (`GetSecretValue`): the Stripe secret key.
//! Locally `SECRETS_MANAGER_ENDPOINT` points it at an emulator (moto), with fixed local
//! credentials.

use aws_sdk_secretsmanager::Client;

use super::aws;

/// The text of the secret `arn` (its `SecretString`). The error says why not, never what.
pub async fn read_secret(arn: &str, endpoint: Option<&str>) -> Result<String, String> {
    let answer = Client::new(&aws::sdk_config(endpoint, aws::read_timeouts()))
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
