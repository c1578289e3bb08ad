use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use aws_config::BehaviorVersion;
use aws_config::environment::EnvironmentVariableCredentialsProvider;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_runtime::user_agent::UserAgentInterceptor;
use aws_sdk_dynamodb::Client;
use aws_sdk_dynamodb::config::endpoint::{DefaultResolver, Params, ResolveEndpoint};
use aws_sdk_dynamodb::config::{ConfigBag, Intercept};
use aws_sdk_dynamodb::config::{
    Credentials, Region, SharedCredentialsProvider, StalledStreamProtectionConfig,
};
use aws_smithy_async::rt::sleep::TokioSleep;
use aws_smithy_runtime_api::box_error::BoxError;
use aws_smithy_runtime_api::client::interceptors::context::BeforeSerializationInterceptorContextRef;
use aws_smithy_runtime_api::client::interceptors::disable_interceptor;

use crate::aws_http;

/// Where the table lives. `endpoint` is set for DynamoDB Local; unset means real DynamoDB.
#[derive(Debug, Clone)]
pub struct StoreSettings {
    pub table_name: String,
    pub endpoint: Option<String>,
}

/// How many items one page reads at most when a filter may drop some. A list narrowed to few
/// items of a large partition would otherwise read the whole partition in one request; bounded,
/// it answers a short page (even an empty one) with a cursor to go on from.
pub(crate) const READS_PER_PAGE: usize = 1_000;

/// Handle to the single table. Cheap to clone; build one per cold start.
#[derive(Debug, Clone)]
pub struct Store {
    pub(crate) client: Client,
    pub(crate) table: String,
    /// `READS_PER_PAGE`, lower in the tests that see a page run out of reads.
    pub(crate) reads_per_page: usize,
}

/// Bounded waits so that an unreachable or frozen datastore becomes a 503 well inside the
/// function timeout instead of a Lambda timeout (the connect timeout is `aws_http`'s). Retries
/// are safe: every write is either conditional or carries a transaction idempotency token.
fn timeouts() -> TimeoutConfig {
    TimeoutConfig::builder()
        .connect_timeout(aws_http::CONNECT_TIMEOUT)
        .operation_attempt_timeout(Duration::from_secs(2))
        .operation_timeout(Duration::from_secs(5))
        .build()
}

/// An SDK call's future, on the heap. The SDK's futures are large (the orchestrator's state
/// for one call is kilobytes), and every future that awaits one holds it inline: each move of
/// such a future (a wrapper, a `Box::pin`, an `.await` of an unpolled future) is a copy of all
/// of it. Boxed where it is made, the futures above the store stay small.
pub(super) fn sent<F: Future>(call: F) -> Pin<Box<F>> {
    Box::pin(call)
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
            .interceptor(WithoutUserAgent)
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
            reads_per_page: READS_PER_PAGE,
        }
    }

    /// The same table, a page of a filtered list reading at most `reads` items: for the tests
    /// to see a page run out of reads without a thousand items.
    pub fn reading_at_most(mut self, reads: usize) -> Self {
        self.reads_per_page = reads.max(1);
        self
    }

    pub fn table_name(&self) -> &str {
        &self.table
    }

    pub fn client(&self) -> &Client {
        &self.client
    }
}

/// Turns the SDK's user-agent interceptor off for every call: it builds and formats two headers
/// per request (about 3 % of a warm get's instructions) that DynamoDB neither needs nor checks.
/// The SDK's own switch for that is a `DisableInterceptor` in the call's configuration, which
/// only an interceptor can put there; this one runs first, before the user agent's hooks.
#[derive(Debug)]
struct WithoutUserAgent;

impl Intercept for WithoutUserAgent {
    fn name(&self) -> &'static str {
        "WithoutUserAgent"
    }

    fn read_before_execution(
        &self,
        _context: &BeforeSerializationInterceptorContextRef<'_>,
        cfg: &mut ConfigBag,
    ) -> Result<(), BoxError> {
        cfg.interceptor_state()
            .store_put(disable_interceptor::<UserAgentInterceptor>(
                "DynamoDB does not need it",
            ));
        Ok(())
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
        assert_eq!(
            config.timeout_config().and_then(|t| t.connect_timeout()),
            Some(aws_http::CONNECT_TIMEOUT),
            "the SDK's default connect timeout (3.1 s) took its place"
        );
    }

    /// The headers of one request the client sends, answered as DynamoDB answers a GetItem
    /// that finds nothing.
    async fn headers_of_a_get_item() -> String {
        let answer = "HTTP/1.1 200 OK\r\ncontent-type: application/x-amz-json-1.0\r\n\
                      content-length: 2\r\nconnection: close\r\n\r\n{}";
        let (address, server) = aws_http::test_server::answering(1, answer);
        let endpoint = format!("http://{address}");
        let store = Store::connect(&StoreSettings {
            table_name: "t".into(),
            endpoint: Some(endpoint),
        })
        .await;
        let key = aws_sdk_dynamodb::types::AttributeValue::S("k".into());
        let sent = store
            .client
            .get_item()
            .table_name("t")
            .key("pk", key)
            .send()
            .await;
        assert!(sent.unwrap().item.is_none());
        server.join().unwrap().remove(0)
    }

    #[tokio::test]
    async fn the_function_client_signs_its_calls_and_sends_no_user_agent() {
        let headers = headers_of_a_get_item().await;
        assert!(
            headers.contains("\nauthorization: aws4-hmac-sha256 "),
            "{headers}"
        );
        assert!(
            headers.contains("\nx-amz-target: dynamodb_20120810.getitem"),
            "{headers}"
        );
        assert!(!headers.contains("user-agent:"), "{headers}");
    }
}
