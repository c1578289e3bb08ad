//! Webhook endpoints: at most `WebhookEndpoint::MAX_PER_ACCOUNT` per account, held by a counter
//! item that every create and delete moves in the same transaction.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{Item, WebhookItem, from_item, string_key, to_item};
use super::paging::IndexQuery;
use super::projection::Listed;
use super::write::{Bind, Condition, ConditionalUpdate, PRESENT, Transaction, Updated};
use super::{Store, StoreError, keys, schema};
use crate::domain::ids::{AccountId, WebhookId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::time::Timestamp;
use crate::domain::webhook::{WebhookChanges, WebhookEndpoint};

#[derive(Debug)]
pub enum InsertWebhookOutcome {
    Inserted,
    /// The account has as many endpoints as it may; nothing was written.
    LimitReached,
}

pub(super) fn webhook_key(account: &AccountId, id: &WebhookId) -> Item {
    string_key(keys::webhook(account, id), keys::WEBHOOK_SK)
}

fn count_key(account: &AccountId) -> Item {
    string_key(keys::webhook_count(account), keys::WEBHOOK_COUNT_SK)
}

pub(super) fn webhook_from(item: Item) -> Result<WebhookEndpoint, StoreError> {
    from_item::<WebhookItem>(item)?.into_domain()
}

impl Store {
    /// One transaction: the endpoint, and the account's endpoint count moved up if it is below
    /// the limit, so that concurrent creates can never pass it.
    pub async fn insert_webhook(
        &self,
        account: &AccountId,
        webhook: &WebhookEndpoint,
    ) -> Result<InsertWebhookOutcome, StoreError> {
        let mut transaction = Transaction::new(self).token(webhook.id.to_string());
        transaction.put_if_absent(to_item(&WebhookItem::new(account, webhook))?)?;
        let count = transaction.update(
            count_key(account),
            ConditionalUpdate::new(
                "SET #n = if_not_exists(#n, :zero) + :one",
                "attribute_not_exists(#n) OR #n < :max",
            )
            .name("#n", "count")
            .number(":zero", 0)
            .number(":one", 1)
            .number(":max", WebhookEndpoint::MAX_PER_ACCOUNT),
        )?;
        Ok(if self.commit_unless(transaction, Some(count)).await? {
            InsertWebhookOutcome::Inserted
        } else {
            InsertWebhookOutcome::LimitReached
        })
    }

    pub async fn get_webhook(
        &self,
        account: &AccountId,
        id: &WebhookId,
    ) -> Result<Option<WebhookEndpoint>, StoreError> {
        self.get_consistent(webhook_key(account, id))
            .await?
            .map(webhook_from)
            .transpose()
    }

    /// Newest first, from the account's index partition.
    pub async fn list_webhooks(
        &self,
        account: &AccountId,
        page: &PageRequest,
    ) -> Result<Page<WebhookEndpoint>, StoreError> {
        self.query_page(
            IndexQuery::of(&schema::BY_ACCOUNT, keys::account_webhooks(account))
                .projected(WebhookItem::projection()),
            page,
            |webhook: &WebhookEndpoint| Position {
                created_at: webhook.created_at,
                id: webhook.id.to_string(),
            },
            webhook_from,
        )
        .await
    }

    /// ONE conditional UpdateItem of the fields given; `None` if the account has no such
    /// endpoint.
    pub async fn update_webhook(
        &self,
        account: &AccountId,
        id: &WebhookId,
        changes: &WebhookChanges,
        now: Timestamp,
    ) -> Result<Option<WebhookEndpoint>, StoreError> {
        let mut set = vec!["updatedAt = :now"];
        let mut remove = Vec::new();
        let mut values = vec![(":now", AttributeValue::S(now.to_string()))];
        if let Some(url) = &changes.url {
            set.push("#url = :url");
            values.push((":url", AttributeValue::S(url.as_str().to_owned())));
        }
        if let Some(events) = &changes.events {
            set.push("events = :events");
            let list = events
                .events()
                .iter()
                .map(|event| AttributeValue::S(event.as_str().to_owned()))
                .collect();
            values.push((":events", AttributeValue::L(list)));
        }
        match &changes.description {
            Some(Some(description)) => {
                set.push("description = :description");
                values.push((":description", AttributeValue::S(description.clone())));
            }
            Some(None) => remove.push("description"),
            None => {}
        }
        if let Some(active) = changes.is_active {
            set.push("isActive = :active");
            values.push((":active", AttributeValue::Bool(active)));
        }
        if let Some(version) = changes.api_version {
            set.push("apiVersion = :version");
            values.push((":version", AttributeValue::S(version.as_str().to_owned())));
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let mut change = ConditionalUpdate::new(expression, PRESENT);
        if changes.url.is_some() {
            change = change.name("#url", "url");
        }
        for (placeholder, value) in values {
            change = change.value(placeholder, value);
        }
        match self
            .update_conditionally(webhook_key(account, id), change)
            .await?
        {
            Updated::Applied(item) => webhook_from(item).map(Some),
            Updated::Refused(_) => Ok(None),
        }
    }

    /// Writes an endpoint with a fixed id, replacing any earlier one (fixtures only).
    pub async fn put_webhook_fixture(
        &self,
        account: &AccountId,
        webhook: &WebhookEndpoint,
    ) -> Result<(), StoreError> {
        self.put(to_item(&WebhookItem::new(account, webhook))?)
            .await
    }

    /// One transaction: the endpoint, if it exists, and the count moved down. False when the
    /// account has no such endpoint (nothing changed).
    pub async fn delete_webhook(
        &self,
        account: &AccountId,
        id: &WebhookId,
    ) -> Result<bool, StoreError> {
        let mut transaction = Transaction::new(self);
        let endpoint = transaction.delete_if(webhook_key(account, id), Condition::new(PRESENT))?;
        transaction.update(
            count_key(account),
            // Our own bookkeeping, so no condition of its own: a missing count (endpoints
            // written by fixtures) reads as one.
            ConditionalUpdate::new("SET #n = if_not_exists(#n, :one) - :one", "")
                .name("#n", "count")
                .number(":one", 1),
        )?;
        self.commit_unless(transaction, Some(endpoint)).await
    }
}
