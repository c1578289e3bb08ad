//! What a webhook delivery's body says: Commet's event envelope (docs/contract.md §5).

use serde::Serialize;
use serde_json::{Value, json};

use crate::domain::account::Mode;
use crate::domain::ids::{AccountId, EventId, WebhookId};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Envelope<'a> {
    id: &'a str,
    event: &'a str,
    timestamp: String,
    organization_id: &'a str,
    mode: &'static str,
    api_version: &'static str,
    data: Value,
}

/// The body of a test delivery: event `webhook.test` (ours: Commet does not document its test
/// event's type), whose data names the endpoint.
pub fn test_event(
    id: &EventId,
    account: &AccountId,
    mode: Mode,
    version: ApiVersion,
    webhook: &WebhookId,
    at: Timestamp,
) -> Vec<u8> {
    let envelope = Envelope {
        id: id.as_str(),
        event: "webhook.test",
        timestamp: at.to_string(),
        organization_id: account.as_str(),
        mode: mode.as_str(),
        api_version: version.as_str(),
        data: json!({
            "webhookId": webhook.as_str(),
            "message": "A test event: this endpoint receives and verifies deliveries.",
        }),
    };
    // A struct of strings and a JSON value always serializes.
    serde_json::to_vec(&envelope).unwrap_or_default()
}
