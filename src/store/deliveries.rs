//! Deliveries of events to webhook endpoints and their attempts. A delivery is opened once per
//! event and endpoint (its id is derived from both), each attempt is recorded with the delivery's
//! new state in one transaction conditioned on the attempt count it read, and a pending delivery
//! sits in the due index until its next attempt, so that concurrent deliverers (a redelivered
//! stream batch, the scheduler, a manual retry) never record one attempt twice.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{AttemptItem, DeliveryItem, Item, due_key, from_item, string_key, to_item};
use super::paging::IndexQuery;
use super::projection::Listed;
use super::webhooks::{webhook_from, webhook_key};
use super::write::{ABSENT, Bind, Condition, ConditionalUpdate, Put, Transaction};
use super::{Store, StoreError, keys, rules, schema};
use crate::domain::delivery::{Attempt, Delivery, DeliveryStatus};
use crate::domain::ids::{AccountId, DeliveryId, WebhookId};
use crate::domain::page::{Page, PageRequest, Position};
use crate::domain::time::Timestamp;
use crate::domain::webhook::WebhookEndpoint;

fn delivery_key(account: &AccountId, id: &DeliveryId) -> Item {
    string_key(keys::delivery(account, id), keys::DELIVERY_SK)
}

fn delivery_from(item: Item) -> Result<(AccountId, Delivery), StoreError> {
    from_item::<DeliveryItem>(item)?.into_domain()
}

/// The update that moves a delivery from `before` to `after`, conditioned on `before`'s attempt
/// count.
fn advance(before: &Delivery, after: &Delivery) -> ConditionalUpdate {
    let change = ConditionalUpdate::new(
        match after.next_attempt_at {
            Some(_) => "SET #st = :st, #n = :n, #next = :next, gsi2pk = :due, gsi2sk = :duesk",
            None => "SET #st = :st, #n = :n REMOVE #next, gsi2pk, gsi2sk",
        },
        "#n = :before",
    )
    .name("#st", "status")
    .name("#n", "attempts")
    .name("#next", "nextAttemptAt")
    .text(":st", after.status.as_str())
    .number(":n", after.attempts)
    .number(":before", before.attempts);
    match after.next_attempt_at {
        Some(next) => change
            .text(":next", next.to_string())
            .text(":due", keys::DUE_DELIVERIES)
            .text(":duesk", due_key(&next, &after.id)),
        None => change,
    }
}

impl Store {
    /// Opens `delivery` unless it is open already (the same event read again): true when this
    /// call opened it and so holds its first attempt.
    pub async fn open_delivery(
        &self,
        account: &AccountId,
        delivery: &Delivery,
    ) -> Result<bool, StoreError> {
        let item = to_item(&DeliveryItem::new(account, delivery))?;
        Ok(matches!(
            self.put_unless(item, Condition::new(ABSENT)).await?,
            Put::Written
        ))
    }

    /// Records `attempt` and the delivery as it leaves it (`after`), in one transaction, if the
    /// delivery still has `before`'s attempt count: false when another attempt got there first.
    pub async fn record_attempt(
        &self,
        account: &AccountId,
        before: &Delivery,
        after: &Delivery,
        attempt: &Attempt,
    ) -> Result<bool, StoreError> {
        let mut transaction = Transaction::new(self);
        let moved =
            transaction.update(delivery_key(account, &before.id), advance(before, after))?;
        transaction.put_if_absent(to_item(&AttemptItem::new(account, attempt))?)?;
        self.commit_unless(transaction, Some(moved)).await
    }

    /// Takes a due delivery for one attempt by moving its due time to `until` (when another may
    /// take it over if this attempt dies), if it is still as `seen`: false when someone else
    /// took it.
    pub async fn lease_delivery(
        &self,
        account: &AccountId,
        seen: &Delivery,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(due) = seen.next_attempt_at else {
            return Ok(false);
        };
        let until_sort_key = due_key(&until, &seen.id);
        let change = rules::lease_attempt(
            DeliveryStatus::Pending.as_str(),
            seen.attempts,
            due,
            until,
            until_sort_key,
        );
        self.update_if(delivery_key(account, &seen.id), change)
            .await
    }

    /// Pending deliveries whose next attempt is due at `now`, the most overdue first: one Query
    /// of the due index.
    pub async fn due_deliveries(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(AccountId, Delivery)>, StoreError> {
        self.due(keys::DUE_DELIVERIES, now, limit)
            .await?
            .into_iter()
            .map(delivery_from)
            .collect()
    }

    pub async fn get_delivery(
        &self,
        account: &AccountId,
        id: &DeliveryId,
    ) -> Result<Option<Delivery>, StoreError> {
        Ok(self
            .get_consistent(delivery_key(account, id))
            .await?
            .map(delivery_from)
            .transpose()?
            .map(|(_, delivery)| delivery))
    }

    /// Webhook endpoint `webhook` and delivery `delivery`, read consistently in one
    /// BatchGetItem; the delivery whoever's endpoint it is (the caller checks).
    pub async fn webhook_and_delivery(
        &self,
        account: &AccountId,
        webhook: &WebhookId,
        delivery: &DeliveryId,
    ) -> Result<(Option<WebhookEndpoint>, Option<Delivery>), StoreError> {
        let keys = [
            webhook_key(account, webhook),
            delivery_key(account, delivery),
        ];
        let [endpoint, found] = self.get_exactly(keys).await?;
        let endpoint = endpoint.map(webhook_from).transpose()?;
        let found = found.map(delivery_from).transpose()?;
        Ok((endpoint, found.map(|(_, delivery)| delivery)))
    }

    /// An endpoint's delivery attempts, newest first.
    pub async fn list_attempts(
        &self,
        account: &AccountId,
        webhook: &WebhookId,
        page: &PageRequest,
    ) -> Result<Page<Attempt>, StoreError> {
        self.query_page(
            IndexQuery::of(
                &schema::BY_ACCOUNT,
                keys::webhook_attempts(account, webhook),
            )
            .projected(AttemptItem::projection()),
            page,
            |attempt: &Attempt| Position {
                created_at: attempt.attempted_at,
                id: attempt.id.to_string(),
            },
            |item| from_item::<AttemptItem>(item)?.into_domain(),
        )
        .await
    }

    /// Writes a delivery and one attempt of it as they are (the sample events' fixtures).
    pub async fn put_delivery_fixture(
        &self,
        account: &AccountId,
        delivery: &Delivery,
        attempt: &Attempt,
    ) -> Result<(), StoreError> {
        self.put(to_item(&DeliveryItem::new(account, delivery))?)
            .await?;
        self.put(to_item(&AttemptItem::new(account, attempt))?)
            .await
    }

    /// The items of one due-index partition (`WHDUE`, `RCPTDUE`) due at `now`, the most overdue
    /// first: one Query.
    pub(crate) async fn due(
        &self,
        partition: &str,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<Item>, StoreError> {
        let output = self
            .client
            .query()
            .table_name(&self.table)
            .index_name(schema::BY_CUSTOMER.name)
            .key_condition_expression("#pk = :due AND #sk <= :now")
            .expression_attribute_names("#pk", schema::BY_CUSTOMER.partition_key)
            .expression_attribute_names("#sk", schema::BY_CUSTOMER.sort_key)
            .expression_attribute_values(":due", AttributeValue::S(partition.into()))
            // `~` sorts after every id character: everything due up to and at `now`.
            .expression_attribute_values(":now", AttributeValue::S(format!("{now}#~")))
            .limit(i32::try_from(limit).unwrap_or(i32::MAX))
            .send()
            .await
            .map_err(StoreError::from_sdk)?;
        Ok(output.items.unwrap_or_default())
    }
}
