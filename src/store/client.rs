use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::{Credentials, Region};

/// Where the table lives. `endpoint` is set for DynamoDB Local; unset means real DynamoDB with
/// the default credential and region chain.
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

impl Store {
    pub async fn connect(settings: &StoreSettings) -> Self {
        // Bounded waits so that an unreachable or frozen datastore becomes a 503 well inside the
        // function timeout instead of a Lambda timeout. Retries are safe: every write is either
        // conditional on a fresh id or carries a transaction idempotency token.
        let timeouts = TimeoutConfig::builder()
            .connect_timeout(Duration::from_secs(1))
            .operation_attempt_timeout(Duration::from_secs(2))
            .operation_timeout(Duration::from_secs(5))
            .build();
        let mut loader = aws_config::defaults(BehaviorVersion::latest())
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(3));
        if let Some(endpoint) = &settings.endpoint {
            // DynamoDB Local accepts any credentials; fixed ones keep a developer's real AWS
            // profile out of local runs.
            loader = loader
                .endpoint_url(endpoint)
                .credentials_provider(Credentials::new("local", "local", None, None, "local"))
                .region(Region::new("us-east-1"));
        }
        let config = loader.load().await;
        Self::from_client(Client::new(&config), &settings.table_name)
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
