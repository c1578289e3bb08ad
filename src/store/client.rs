use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_sdk_dynamodb::config::{
    Credentials, Region, SharedCredentialsProvider, StalledStreamProtectionConfig,
};
use aws_smithy_async::rt::sleep::TokioSleep;

use crate::aws_http;

/// Where the table lives. `endpoint` is set for DynamoDB Local; unset means real DynamoDB.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub table_name: String,
    pub endpoint: Option<String>,
}

/// Handle to the single table. Cheap to clone; build one per cold start.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
}

/// Bounded waits so that an unreachable or frozen datastore becomes a 503 well inside the
/// function timeout instead of a Lambda timeout (the connect timeout is the shared connector's,
/// `aws_http`). Retries are safe: every write is either
/// conditional or carries a transaction idempotency token.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

pub(crate) fn env_region() -> Region {
    let region = std::env::var("AWS_REGION")
        .or_else(|_| std::env::var("AWS_DEFAULT_REGION"))
        .unwrap_or_else(|_| "us-east-1".to_owned());
    Region::new(region)
}

impl Store {
    /// For the functions: credentials and region from the environment, as Lambda provides them
    /// (no profile files, no instance metadata: nothing to look up during a cold start). With an
    /// endpoint (DynamoDB Local), fixed local credentials.
    pub async fn connect(settings: &StoreSettings) -> Self {
        let credentials = match &settings.endpoint {
            Some(_) => SharedCredentialsProvider::new(local_credentials()),
            None => SharedCredentialsProvider::new(EnvironmentVariableCredentialsProvider::new()),
        };
        let region = env_region();
        // Its address is looked up from now on, beside the runtime's start (aws_http).
        let http_client = match endpoint_url(&region, settings.endpoint.as_deref()).await {
            Some(url) => aws_http::http_client_resolving(&url),
            None => aws_http::http_client(),
        };
        let mut config = aws_sdk_dynamodb::Config::builder()
            .behavior_version(BehaviorVersion::latest())
            .http_client(http_client)
            .timeout_config(timeouts())
            .retry_config(RetryConfig::standard().with_max_attempts(3))
            // Stalled-stream protection meters every body of every call; the attempt timeout
            // (2 s) already ends a call whose peer stalls, so here it is work without a purpose.
            .stalled_stream_protection(StalledStreamProtectionConfig::disabled())
            .sleep_impl(TokioSleep::new())
            .region(region)
            .credentials_provider(credentials);
        if let Some(endpoint) = &settings.endpoint {
            config = config.endpoint_url(endpoint);
        }
        Self::from_client(Client::from_conf(config.build()), &settings.table_name)
    }

    /// For operator tooling: the full default chain (profiles, SSO, credential_process,
    /// instance metadata), as the AWS CLI would resolve it.
    pub async fn connect_with_default_chain(settings: &StoreSettings) -> Self {
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .http_client(aws_http::http_client())
            .timeout_config(timeouts())
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(endpoint) = &settings.endpoint {
            loader = loader
                .endpoint_url(endpoint)
                .credentials_provider(local_credentials())
                .region(env_region());
        }
        Self::from_client(Client::new(&loader.load().await), &settings.table_name)
    }

    pub fn from_client(client: Client, table: &str) -> Self {
        Self {
            client,
            table: table.to_owned(),
        }
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// The URL the client's calls go to, as the SDK's own resolver finds it.
async fn endpoint_url(region: &Region, endpoint: Option<&str>) -> Option<String> {
    let params = Params::builder()
        .region(region.as_ref())
        .set_endpoint(endpoint.map(str::to_owned))
        .build()
        .ok()?;
    let resolved = DefaultResolver::new().resolve_endpoint(&params).await;
    resolved.ok().map(|endpoint| endpoint.url().to_owned())
}

/// DynamoDB Local accepts any credentials; fixed ones keep a developer's real AWS profile out
/// of local runs.
pub(crate) fn local_credentials() -> Credentials {
    Credentials::new("local", "local", None, None, "local")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn the_function_client_can_time_out_and_retry() {
        // Timeouts need a sleep implementation; without one the SDK would refuse every call.
        let store = Store::connect(&StoreSettings {
            table_name: "t".into(),
            endpoint: Some("http://127.0.0.1:9".into()),
        })
        .await;
        let config = store.client.config();
        assert!(config.sleep_impl().is_some());
        assert_eq!(
            config.timeout_config().and_then(|t| t.operation_timeout()),
            Some(Duration::from_secs(5))
        );
    }
}
