use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored, stored_opt};
use crate::domain::ids::{AccountId, WebhookId};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::{EventSelection, WebhookEndpoint, WebhookSecret, WebhookUrl};
use crate::store::projection::{Listed, Projection};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct WebhookItem {
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
    pub url: String,
    pub events: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    pub is_active: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    pub secret: String,
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
}

impl Listed for WebhookItem {
    /// The keys, which no listing shows.
    const UNLISTED: &'static [&'static str] = &["pk", "sk", "gsi1pk", "gsi1sk"];

    fn projection() -> &'static Projection {
        static LISTED: LazyLock<Projection> = LazyLock::new(Projection::of::<WebhookItem>);
        &LISTED
    }
}

impl WebhookItem {
    pub fn new(account: &AccountId, webhook: &WebhookEndpoint) -> Self {
        Self {
            pk: keys::webhook(account, &webhook.id),
            sk: keys::WEBHOOK_SK.to_owned(),
            gsi1pk: keys::account_webhooks(account),
            gsi1sk: sort_key(&webhook.created_at, webhook.id.as_str()),
            id: webhook.id.to_string(),
            url: webhook.url.as_str().to_owned(),
            events: webhook
                .events
                .events()
                .iter()
                .map(|event| event.as_str().to_owned())
                .collect(),
            description: webhook.description.clone(),
            is_active: webhook.is_active,
            api_version: webhook.api_version.map(|v| v.as_str().to_owned()),
            secret: webhook.secret.expose().to_owned(),
            created_at: webhook.created_at.to_string(),
            updated_at: webhook.updated_at.to_string(),
            livemode: webhook.livemode,
        }
    }

    pub fn into_domain(self) -> Result<WebhookEndpoint, StoreError> {
        Ok(WebhookEndpoint {
            id: stored("id", WebhookId::parse(&self.id))?,
            // As saved: a local stack's live endpoints may be plain http on loopback.
            url: stored("url", WebhookUrl::parse_for(&self.url, self.livemode, true))?,
            events: stored(
                "events",
                EventSelection::parse(self.events.iter().map(String::as_str)),
            )?,
            description: self.description,
            is_active: self.is_active,
            api_version: stored_opt("apiVersion", self.api_version.as_deref(), ApiVersion::parse)?,
            secret: WebhookSecret::from_stored(self.secret),
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
    }
}
