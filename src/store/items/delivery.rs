use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored, stored_opt};
use crate::domain::delivery::{Attempt, AttemptResult, Delivery, DeliveryStatus, RETENTION};
use crate::domain::ids::{AccountId, AttemptId, DeliveryId, EventId, WebhookId};
use crate::domain::time::Timestamp;
use crate::store::projection::{Listed, Projection};

fn expires(at: &Timestamp) -> i64 {
    at.datetime().unix_timestamp() + i64::try_from(RETENTION.as_secs()).unwrap_or(i64::MAX)
}

/// The due-index sort key of a pending delivery.
pub(crate) fn due_key(next_attempt_at: &Timestamp, id: &DeliveryId) -> String {
    sort_key(next_attempt_at, id.as_str())
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct DeliveryItem {
    pub pk: String,
    pub sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: String,
    pub account_id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event: String,
    pub body: String,
    pub status: String,
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    pub created_at: String,
    pub livemode: bool,
    pub ttl: i64,
}

impl DeliveryItem {
    pub fn new(account: &AccountId, delivery: &Delivery) -> Self {
        let due = delivery
            .next_attempt_at
            .filter(|_| delivery.status == DeliveryStatus::Pending);
        Self {
            pk: keys::delivery(account, &delivery.id),
            sk: keys::DELIVERY_SK.to_owned(),
            gsi2pk: due.map(|_| keys::DUE_DELIVERIES.to_owned()),
            gsi2sk: due.map(|at| due_key(&at, &delivery.id)),
            id: delivery.id.to_string(),
            account_id: account.to_string(),
            webhook_id: delivery.webhook_id.to_string(),
            event_id: delivery.event_id.to_string(),
            event: delivery.event.clone(),
            body: delivery.body.clone(),
            status: delivery.status.as_str().to_owned(),
            attempts: delivery.attempts,
            next_attempt_at: due.map(|at| at.to_string()),
            created_at: delivery.created_at.to_string(),
            livemode: delivery.livemode,
            ttl: expires(&delivery.created_at),
        }
    }

    pub fn into_domain(self) -> Result<(AccountId, Delivery), StoreError> {
        let account = stored("accountId", AccountId::parse(&self.account_id))?;
        let delivery = Delivery {
            id: stored("id", DeliveryId::parse(&self.id))?,
            webhook_id: stored("webhookId", WebhookId::parse(&self.webhook_id))?,
            event_id: stored("eventId", EventId::parse(&self.event_id))?,
            event: self.event,
            body: self.body,
            status: stored("status", DeliveryStatus::parse(&self.status))?,
            attempts: self.attempts,
            next_attempt_at: stored_opt(
                "nextAttemptAt",
                self.next_attempt_at.as_deref(),
                Timestamp::parse,
            )?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            livemode: self.livemode,
        };
        Ok((account, delivery))
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AttemptItem {
    // Stored always; absent only from a listing's projection (`Listed::UNLISTED`).
    #[serde(default)]
    pub pk: String,
    #[serde(default)]
    pub sk: String,
    #[serde(default)]
    pub gsi1pk: String,
    #[serde(default)]
    pub gsi1sk: String,
    pub id: String,
    pub delivery_id: String,
    pub webhook_id: String,
    pub event_id: String,
    pub event: String,
    pub attempt: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status_code: Option<u16>,
    pub duration_ms: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    pub attempted_at: String,
    pub livemode: bool,
    #[serde(default)]
    pub ttl: i64,
}

impl Listed for AttemptItem {
    /// The keys and the expiry, which no listing shows.
    const UNLISTED: &'static [&'static str] = &["pk", "sk", "gsi1pk", "gsi1sk", "ttl"];

    fn projection() -> &'static Projection {
        static LISTED: LazyLock<Projection> = LazyLock::new(Projection::of::<AttemptItem>);
        &LISTED
    }
}

impl AttemptItem {
    pub fn new(account: &AccountId, attempt: &Attempt) -> Self {
        Self {
            pk: keys::delivery(account, &attempt.delivery_id),
            sk: keys::attempt_sk(attempt.number),
            gsi1pk: keys::webhook_attempts(account, &attempt.webhook_id),
            gsi1sk: sort_key(&attempt.attempted_at, attempt.id.as_str()),
            id: attempt.id.to_string(),
            delivery_id: attempt.delivery_id.to_string(),
            webhook_id: attempt.webhook_id.to_string(),
            event_id: attempt.event_id.to_string(),
            event: attempt.event.clone(),
            attempt: attempt.number,
            status_code: attempt.result.status_code,
            duration_ms: u64::try_from(attempt.result.duration.as_millis()).unwrap_or(u64::MAX),
            error: attempt.result.error.clone(),
            next_attempt_at: attempt.next_attempt_at.map(|at| at.to_string()),
            attempted_at: attempt.attempted_at.to_string(),
            livemode: attempt.livemode,
            ttl: expires(&attempt.attempted_at),
        }
    }

    pub fn into_domain(self) -> Result<Attempt, StoreError> {
        Ok(Attempt {
            id: stored("id", AttemptId::parse(&self.id))?,
            delivery_id: stored("deliveryId", DeliveryId::parse(&self.delivery_id))?,
            webhook_id: stored("webhookId", WebhookId::parse(&self.webhook_id))?,
            event_id: stored("eventId", EventId::parse(&self.event_id))?,
            event: self.event,
            number: self.attempt,
            result: AttemptResult {
                status_code: self.status_code,
                duration: std::time::Duration::from_millis(self.duration_ms),
                error: self.error,
            },
            next_attempt_at: stored_opt(
                "nextAttemptAt",
                self.next_attempt_at.as_deref(),
                Timestamp::parse,
            )?,
            attempted_at: stored("attemptedAt", Timestamp::parse(&self.attempted_at))?,
            livemode: self.livemode,
        })
    }
}
