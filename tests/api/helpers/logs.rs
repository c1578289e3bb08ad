//! What the functions log, as deployed: the JSON lines of `logging::json_layer`, captured from
//! work the test runs on its own thread, and the template's log metric filters that count them.

use std::future::Future;

use serde_json::Value;
use serde_norway::Value as Yaml;
use tracing_subscriber::layer::SubscriberExt;

/// The lines `work` logs on this thread (a `#[tokio::test]`'s runtime runs spawned tasks here
/// too), each a JSON object, with what it returned.
pub async fn logged<F: Future>(work: F) -> (F::Output, Vec<Value>) {
    let path = std::env::temp_dir().join(format!("logged-{}.log", ulid::Ulid::generate()));
    let file = std::fs::File::create(&path).unwrap();
    let subscriber =
        tracing_subscriber::registry().with(commet_payments::logging::json_layer(file));
    let output = {
        let _logging = tracing::subscriber::set_default(subscriber);
        work.await
    };
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::remove_file(&path).unwrap();
    let lines = text
        .lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|_| panic!("JSON: {line}")))
        .collect();
    (output, lines)
}

/// A log metric filter of `template.yaml`: the one field its pattern tests
/// (`{ $.field = "value" }`) and the value that field must have.
pub struct MetricFilter {
    pub field: String,
    pub value: String,
}

impl MetricFilter {
    /// The filter that resource `name` of `template` defines.
    pub fn of(template: &Yaml, name: &str) -> Self {
        let properties = &template["Resources"][name]["Properties"];
        let pattern = properties["FilterPattern"]
            .as_str()
            .unwrap_or_else(|| panic!("{name} has a FilterPattern"));
        let (field, value) = pattern
            .trim_start_matches("{ $.")
            .trim_end_matches(" }")
            .split_once(" = ")
            .unwrap_or_else(|| panic!("{pattern}: one `$.field = \"value\"` test"));
        Self {
            field: field.to_owned(),
            value: value.trim_matches('"').to_owned(),
        }
    }

    /// Whether CloudWatch would count `line`.
    pub fn counts(&self, line: &Value) -> bool {
        line[&self.field] == self.value.as_str()
    }
}
