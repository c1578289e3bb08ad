//! Logging for every function: Lambda's advanced logging controls (JSON when
//! `AWS_LAMBDA_LOG_FORMAT=JSON`, level from `AWS_LAMBDA_LOG_LEVEL` or `RUST_LOG`), with two rules
//! added that no setting can lift. The Lambda runtime never logs below INFO: at TRACE it would log
//! every raw event, and events carry API keys and, on the hosted page, card numbers. The AWS SDK's
//! orchestrator never logs below DEBUG: at TRACE it logs every DynamoDB response body, which holds
//! customers' personal data and vaulted payment-method tokens.
//!
//! The level is a list of `level` and `target=level` directives, as `RUST_LOG` takes them;
//! anything else in it is ignored. (A `Targets` filter rather than `EnvFilter`: span and field
//! directives are not needed here, and `EnvFilter` brings a regex engine into every binary.)
//!
//! A JSON line is one flat object: the event's fields and its span's (`request_id`, `function`,
//! `account_id` on a request) side by side, so a log query names them directly. It is written by
//! `json-subscriber`, which keeps each span's fields serialized once: tracing-subscriber's JSON
//! formatter parses and re-serializes them for every event and every `record`, and its line
//! cost a warm get 55,000 instructions against 18,000 (docs/benchmarks.md). Field names of an
//! event must not repeat its span's, or the line would name a key twice.

use tracing::Subscriber;
use tracing_subscriber::filter::{LevelFilter, Targets};
use tracing_subscriber::fmt::MakeWriter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::registry::LookupSpan;
use tracing_subscriber::util::SubscriberInitExt;

/// Targets whose verbose levels log payloads, and the most they may log.
const PAYLOAD_LOGGERS: [(&str, LevelFilter); 4] = [
    ("lambda_runtime", LevelFilter::INFO),
    ("lambda_runtime_api_client", LevelFilter::INFO),
    ("lambda_http", LevelFilter::INFO),
    ("aws_smithy_runtime", LevelFilter::DEBUG),
];

pub fn filter(level: Option<&str>) -> Targets {
    let mut default = LevelFilter::INFO;
    let mut targets = Vec::new();
    let directives = level.unwrap_or("info").split(',').map(str::trim);
    for directive in directives.filter(|d| !d.is_empty()) {
        match directive.split_once('=') {
            None => default = parse_level(directive).unwrap_or(default),
            Some((target, level)) => {
                let target = target.trim();
                let plain = !target.is_empty()
                    && target
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == ':');
                if let (true, Some(level)) = (plain, parse_level(level)) {
                    targets.push((target.to_owned(), level));
                }
            }
        }
    }
    let mut filter = Targets::new().with_default(default);
    for (target, level) in &targets {
        if !PAYLOAD_LOGGERS
            .iter()
            .any(|(loud, _)| target.starts_with(loud))
        {
            filter = filter.with_target(target.clone(), *level);
        }
    }
    // What applies to a payload logger without the cap: the longest directive that is a prefix of
    // its name, or the default; then never more than the cap, and never more than asked for.
    for (loud, cap) in PAYLOAD_LOGGERS {
        let asked = targets
            .iter()
            .filter(|(target, _)| loud.starts_with(target.as_str()) || target.starts_with(loud))
            .map(|(_, level)| *level)
            .min()
            .unwrap_or(default);
        filter = filter.with_target(loud, asked.min(cap));
    }
    filter
}

/// A level name in any case; Lambda's `FATAL` is `ERROR` here.
fn parse_level(text: &str) -> Option<LevelFilter> {
    match text.trim().to_ascii_lowercase().as_str() {
        "fatal" => Some(LevelFilter::ERROR),
        other => other.parse().ok(),
    }
}

/// The JSON lines' layer, writing to `writer`. No time: CloudWatch stamps each line.
pub fn json_layer<S, W>(writer: W) -> json_subscriber::fmt::Layer<S, W>
where
    S: Subscriber + for<'span> LookupSpan<'span>,
    W: for<'writer> MakeWriter<'writer> + 'static,
{
    json_subscriber::fmt::layer()
        .without_time()
        .with_target(false)
        .flatten_event(true)
        .with_span_list(false)
        .flatten_current_span_on_top_level(true)
        .with_writer(writer)
}

pub fn init() {
    let level = std::env::var("AWS_LAMBDA_LOG_LEVEL")
        .or_else(|_| std::env::var("RUST_LOG"))
        .ok();
    let json = std::env::var("AWS_LAMBDA_LOG_FORMAT").is_ok_and(|f| f.eq_ignore_ascii_case("json"));
    let filtered = tracing_subscriber::registry().with(filter(level.as_deref()));
    let installed = if json {
        filtered.with(json_layer(std::io::stdout)).try_init()
    } else {
        // No colours: CloudWatch shows escape codes as they are.
        let text = tracing_subscriber::fmt::layer()
            .with_target(false)
            .without_time()
            .with_ansi(false)
            .with_writer(std::io::stdout);
        filtered.with(text).try_init()
    };
    if let Err(error) = installed {
        // Only a second call can fail (a subscriber is already set); that one stays.
        eprintln!("logging was already initialised: {error}");
    }
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
        let subscriber = tracing_subscriber::registry()
            .with(filter(Some("trace")))
            .with(tracing_subscriber::fmt::layer().with_writer(captured.clone()));
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

    /// What `log` writes through the JSON layer at INFO.
    fn json_lines_of(log: impl FnOnce()) -> String {
        let captured = Captured::default();
        let subscriber = tracing_subscriber::registry()
            .with(filter(Some("info")))
            .with(json_layer(captured.clone()));
        tracing::subscriber::with_default(subscriber, log);
        String::from_utf8(captured.0.lock().unwrap().clone()).unwrap()
    }

    #[test]
    fn a_json_line_is_one_flat_object_with_its_spans_fields() {
        let text = json_lines_of(|| {
            let span = tracing::info_span!(
                "request",
                request_id = "req-1",
                function = "get_payment",
                account_id = tracing::field::Empty,
            );
            let _entered = span.enter();
            span.record("account_id", "acct_01");
            tracing::info!(status = 200_u16, elapsed_ms = 1.5, "request served");
            tracing::debug!("below the level");
        });
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 1, "{text}");
        let line: serde_json::Value = serde_json::from_str(lines[0]).unwrap();
        assert_eq!(
            line,
            serde_json::json!({
                "level": "INFO",
                "message": "request served",
                "status": 200,
                "elapsed_ms": 1.5,
                "name": "request",
                "request_id": "req-1",
                "function": "get_payment",
                "account_id": "acct_01",
            })
        );
        // Each key once: a repeated one would be lost to most readers of the line.
        assert_eq!(lines[0].matches("\"request_id\"").count(), 1);
    }

    #[test]
    fn a_record_of_the_log_crate_is_a_line_naming_where_it_came_from() {
        // Dependencies that log through the `log` crate (rustls) reach the layer as events
        // whose `log.*` fields say which crate and line wrote them; the line keeps them.
        let text = json_lines_of(|| {
            let record = log::Record::builder()
                .level(log::Level::Warn)
                .target("rustls::conn")
                .module_path(Some("rustls::conn"))
                .file(Some("src/conn.rs"))
                .line(Some(7))
                .args(format_args!("a peer misbehaved"))
                .build();
            tracing_log::format_trace(&record).unwrap();
        });
        let line: serde_json::Value = serde_json::from_str(text.trim()).unwrap();
        assert_eq!(
            line,
            serde_json::json!({
                "level": "WARN",
                "message": "a peer misbehaved",
                "log.target": "rustls::conn",
                "log.module_path": "rustls::conn",
                "log.file": "src/conn.rs",
                "log.line": 7,
            })
        );
    }

    #[test]
    fn the_caps_never_raise_a_quieter_setting() {
        use tracing::Level;
        let warn = filter(Some("warn"));
        assert!(!warn.would_enable("aws_smithy_runtime::client::orchestrator", &Level::DEBUG));
        assert!(!warn.would_enable("lambda_runtime::layers", &Level::INFO));
        assert!(!warn.would_enable("commet_payments::http", &Level::INFO));
        assert!(warn.would_enable("commet_payments::http", &Level::WARN));
    }

    #[test]
    fn no_directive_lifts_a_cap() {
        use tracing::Level;
        let asked = filter(Some(
            "trace,aws_smithy_runtime::client=trace,lambda_runtime::layers=trace,aws=trace",
        ));
        assert!(!asked.would_enable("aws_smithy_runtime::client::orchestrator", &Level::TRACE));
        assert!(asked.would_enable("aws_smithy_runtime::client::orchestrator", &Level::DEBUG));
        assert!(!asked.would_enable("lambda_runtime::layers::api_response", &Level::DEBUG));
        assert!(asked.would_enable("aws_sigv4::http_request", &Level::TRACE));
    }

    #[test]
    fn lambda_levels_in_any_case_and_junk_ignored() {
        use tracing::Level;
        let fatal = filter(Some("FATAL"));
        assert!(fatal.would_enable("commet_payments", &Level::ERROR));
        assert!(!fatal.would_enable("commet_payments", &Level::WARN));
        let junk = filter(Some("DEBUG,my_crate[span{a=1}]=nonsense,,=trace"));
        assert!(junk.would_enable("commet_payments", &Level::DEBUG));
        assert!(!junk.would_enable("commet_payments", &Level::TRACE));
        assert!(filter(None).would_enable("commet_payments", &Level::INFO));
        assert!(!filter(None).would_enable("commet_payments", &Level::DEBUG));
    }
}
