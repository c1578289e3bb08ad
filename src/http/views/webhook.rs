//! The webhook endpoint object; its secret only in the answer that created it.

use serde::Serialize;

use crate::domain::delivery::Attempt;
use crate::domain::webhook::WebhookEndpoint;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WebhookView<'a> {
    id: &'a str,
    url: &'a str,
    events: Vec<&'static str>,
    description: Option<&'a str>,
    is_active: bool,
    api_version: Option<&'static str>,
    created_at: String,
    /// Shown once: in the answer of the create, never again.
    #[serde(skip_serializing_if = "Option::is_none")]
    secret_key: Option<&'a str>,
    object: &'static str,
    livemode: bool,
}

impl<'a> WebhookView<'a> {
    pub(super) fn new(webhook: &'a WebhookEndpoint) -> Self {
        Self {
            id: webhook.id.as_str(),
            url: webhook.url.as_str(),
            events: webhook.events.events().iter().map(|e| e.as_str()).collect(),
            description: webhook.description.as_deref(),
            is_active: webhook.is_active,
            api_version: webhook.api_version.map(|version| version.as_str()),
            created_at: webhook.created_at.to_string(),
            secret_key: None,
            object: "webhook",
            livemode: webhook.livemode,
        }
    }

    pub(super) fn created(webhook: &'a WebhookEndpoint) -> Self {
        Self {
            secret_key: Some(webhook.secret.expose()),
            ..Self::new(webhook)
        }
    }
}

/// What a delete answers: the id, and that it is gone.
#[derive(Serialize)]
pub(super) struct DeletedView<'a> {
    id: &'a str,
    deleted: bool,
    object: &'static str,
    livemode: bool,
}

impl<'a> DeletedView<'a> {
    pub(super) fn webhook(id: &'a str, livemode: bool) -> Self {
        Self {
            id,
            deleted: true,
            object: "webhook",
            livemode,
        }
    }
}

/// What a test delivery answers (`success`: the receiver answered 2xx).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct WebhookTestView<'a> {
    pub success: bool,
    pub delivery_id: &'a str,
    pub delivered_at: &'a str,
    pub object: &'static str,
    pub livemode: bool,
}

/// One delivery attempt, as `GET /webhooks/{id}/deliveries` lists it (ours).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct AttemptView<'a> {
    id: &'a str,
    delivery_id: &'a str,
    event_id: &'a str,
    event: &'a str,
    attempt: u32,
    status_code: Option<u16>,
    duration_ms: u128,
    error: Option<&'a str>,
    next_attempt_at: Option<String>,
    attempted_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> AttemptView<'a> {
    pub(super) fn new(attempt: &'a Attempt) -> Self {
        Self {
            id: attempt.id.as_str(),
            delivery_id: attempt.delivery_id.as_str(),
            event_id: attempt.event_id.as_str(),
            event: &attempt.event,
            attempt: attempt.number,
            status_code: attempt.result.status_code,
            duration_ms: attempt.result.duration.as_millis(),
            error: attempt.result.error.as_deref(),
            next_attempt_at: attempt.next_attempt_at.map(|at| at.to_string()),
            attempted_at: attempt.attempted_at.to_string(),
            object: "webhook_delivery_attempt",
            livemode: attempt.livemode,
        }
    }
}
