//! Logging for every function: Lambda's advanced logging controls (JSON when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`), with two rules
//! added that no setting can lift. The Lambda runtime never logs below INFO: at TRACE it would log
//! every raw event, and events carry API keys and, on the hosted page, card numbers. The AWS SDK's
//! orchestrator never logs below DEBUG: at TRACE it logs every DynamoDB response body, which holds
//! customers' personal data and vaulted payment-method tokens.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt::MakeWriter;

/// Directives appended after the configured level: the last directive for a target wins.
const NEVER_TRACE_PAYLOADS: &str =
    "lambda_runtime=info,lambda_runtime_api_client=info,lambda_http=info,aws_smithy_runtime=debug";

pub fn filter(level: Option<&str>) -> EnvFilter {
    let configured = level.unwrap_or("info");
    EnvFilter::builder().parse_lossy(format!("{configured},{NEVER_TRACE_PAYLOADS}"))
}

pub fn init() {
    init_with_writer(std::io::stdout);
}

pub fn init_with_writer<W>(writer: W)
where
    W: for<'writer> MakeWriter<'writer> + Send + Sync + 'static,
{
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let builder = tracing_subscriber::fmt()
        .with_target(false)
        .without_time()
        .with_env_filter(filter(level.as_deref()))
        .with_writer(writer);
    let _ = if json {
        builder.json().try_init()
    } else {
        builder.try_init()
    };
}

#[cfg(test)]
mod tests {
    use std::io::Write;
    use std::sync::{Arc, Mutex};

    use tracing_subscriber::fmt::MakeWriter;

    use super::*;

    #[derive(Clone, Default)]
    struct Captured(Arc<Mutex<Vec<u8>>>);

    impl Write for Captured {
        fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
            self.0.lock().unwrap().extend_from_slice(bytes);
            Ok(bytes.len())
        }
        fn flush(&mut self) -> std::io::Result<()> {
            Ok(())
        }
    }

    impl<'a> MakeWriter<'a> for Captured {
        type Writer = Captured;
        fn make_writer(&'a self) -> Self::Writer {
            self.clone()
        }
    }

    #[test]
    fn even_at_trace_neither_events_nor_dynamodb_bodies_are_logged() {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::fmt()
            .with_env_filter(filter(Some("trace")))
            .with_writer(captured.clone())
            .finish();
        tracing::subscriber::with_default(subscriber, || {
            tracing::trace!(
                target: "lambda_runtime::layers::api_response",
                body = "card_number=4242424242424242&x-api-key=ck_test_secret",
                "raw JSON event received from Lambda"
            );
            tracing::trace!(
                target: "aws_smithy_runtime::client::orchestrator",
                response = r#"{"paymentMethod":"pm_sbx_ok_01J","email":"ada@example.com"}"#,
                "read HTTP response body"
            );
            tracing::debug!(
                target: "aws_smithy_runtime::client::orchestrator",
                "the SDK's debug still shows"
            );
            tracing::trace!(target: "commet_payments::store", "our own trace still shows");
        });
        let text = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
        assert!(!text.contains("4242424242424242") && !text.contains("ck_test_secret"));
        assert!(!text.contains("pm_sbx_ok_01J") && !text.contains("ada@example.com"));
        assert!(text.contains("the SDK's debug still shows"));
        assert!(text.contains("our own trace still shows"));
    }
}
