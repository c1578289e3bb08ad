//! Every write the store sends to the table, in one place. The aggregates (payments, invoices,
//! customers, ...) say WHAT to write as items, conditions and transactions; this module is the
//! only one that turns them into requests and reads their refusals:
//!
//! - conditions and update expressions with their placeholders (`expressions.rs`);
//! - a report's writes that exclude each other, and the order to send them (`alternatives.rs`);
//! - single writes: `put`, `put_new`, `put_unless`, `update_conditionally`, `update_if`,
//!   `delete_if`, `put_batch`;
//! - transactions of items that each know their `Slot`, so that a refusal names the write whose
//!   condition failed instead of a position (`transaction.rs`);
//! - `update`, the conditional update of one item that may also have to complete an idempotency
//!   record in the same transaction (then a bounded read-decide-transact loop).

mod alternatives;
mod expressions;
mod transaction;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    PutRequest, ReturnValue, ReturnValuesOnConditionCheckFailure, WriteRequest,
};

use super::client::sent;
use super::items::Item;
use super::{Store, StoreError};
use expressions::conditioned;

pub(crate) use alternatives::Alternatives;
pub(crate) use expressions::{ABSENT, Bind, Condition, ConditionalUpdate, PRESENT};
pub(crate) use transaction::{Companion, OnCommit, Slot, Transaction};

/// A read-decide-transact loop gives up after this many lost races (then 503).
pub(crate) const MAX_DECIDE_ROUNDS: usize = 8;
/// BatchWriteItem takes at most 25 items a call.
const BATCH_SIZE: usize = 25;

/// What a conditional update did.
#[derive(Debug)]
pub(crate) enum Updated<T> {
    /// The condition held: the item as it is now.
    Applied(T),
    /// The condition failed and nothing changed: the item as it was (none if there is no such
    /// item).
    Refused(Option<T>),
}

impl<T> Updated<T> {
    pub fn map<U>(self, f: impl Fn(T) -> Result<U, StoreError>) -> Result<Updated<U>, StoreError> {
        Ok(match self {
            Updated::Applied(item) => Updated::Applied(f(item)?),
            Updated::Refused(old) => Updated::Refused(old.map(f).transpose()?),
        })
    }
}

/// What a conditional put did.
pub(crate) enum Put {
    Written,
    /// The condition failed: nothing was written.
    Refused,
}

/// Whether DynamoDB refused a single write because its condition failed (nothing was written).
fn is_condition_failure<E: ProvideErrorMetadata, R>(error: &SdkError<E, R>) -> bool {
    error.as_service_error().and_then(|e| e.code()) == Some("ConditionalCheckFailedException")
}

impl Store {
    /// Writes `item`, replacing any item with its key (fixtures, operator commands).
    pub(crate) async fn put(&self, item: Item) -> Result<(), StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        sent(request.send()).await.map_err(StoreError::from_sdk)?;
        Ok(())
    }

    /// Puts `item` unless an item with its key fails `condition`.
    pub(crate) async fn put_unless(
        &self,
        item: Item,
        condition: Condition,
    ) -> Result<Put, StoreError> {
        let request = self
            .client
            .put_item()
            .table_name(&self.table)
            .set_item(Some(item));
        match sent(conditioned!(request, condition).send()).await {
            Ok(_) => Ok(Put::Written),
            Err(error) if is_condition_failure(&error) => Ok(Put::Refused),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }

    /// Puts an item under a freshly generated id. If an item already holds the key, it was this
    /// very write, retried by the SDK after a lost response (a fresh ULID cannot collide): the
    /// write has happened exactly once.
    pub(crate) async fn put_new(&self, item: Item) -> Result<(), StoreError> {
        match self.put_unless(item, Condition::new(ABSENT)).await? {
            Put::Written | Put::Refused => Ok(()),
        }
    }

    /// The request `update_conditionally` sends: it returns the item after the change, or, when
    /// the condition fails, the item before it.
    pub(crate) fn update_request(
        &self,
        key: Item,
        change: ConditionalUpdate,
    ) -> UpdateItemFluentBuilder {
        let request = self
            .client
            .update_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .update_expression(change.update);
        conditioned!(request, change.condition)
            .return_values(ReturnValue::AllNew)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::AllOld)
    }

    /// ONE conditional UpdateItem: enough to tell "not found" from "refused" without a second
    /// read.
    pub(crate) async fn update_conditionally(
        &self,
        key: Item,
        change: ConditionalUpdate,
    ) -> Result<Updated<Item>, StoreError> {
        match sent(self.update_request(key, change).send()).await {
            Ok(output) => output
                .attributes
                .map(Updated::Applied)
                .ok_or_else(|| StoreError::Internal("update returned no item".into())),
            Err(error) => match error.as_service_error() {
                Some(UpdateItemError::ConditionalCheckFailedException(failed)) => {
                    Ok(Updated::Refused(failed.item().cloned()))
                }
                _ => Err(StoreError::from_sdk(error)),
            },
        }
    }

    /// ONE conditional UpdateItem for a caller that needs only whether its condition held (a
    /// lease, an attempt recorded): nothing is read back.
    pub(crate) async fn update_if(
        &self,
        key: Item,
        change: ConditionalUpdate,
    ) -> Result<bool, StoreError> {
        let request = self
            .update_request(key, change)
            .return_values(ReturnValue::None)
            .return_values_on_condition_check_failure(ReturnValuesOnConditionCheckFailure::None);
        match sent(request.send()).await {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }

    /// ONE DeleteItem under `condition`: whether it held (then the item is gone).
    pub(crate) async fn delete_if(
        &self,
        key: Item,
        condition: Condition,
    ) -> Result<bool, StoreError> {
        let request = self
            .client
            .delete_item()
            .table_name(&self.table)
            .set_key(Some(key));
        match sent(conditioned!(request, condition).send()).await {
            Ok(_) => Ok(true),
            Err(error) if is_condition_failure(&error) => Ok(false),
            Err(error) => Err(StoreError::from_sdk(error)),
        }
    }

    /// Writes many items with BatchWriteItem, unconditionally (bulk imports).
    pub(crate) async fn put_batch(&self, items: Vec<Item>) -> Result<(), StoreError> {
        let mut items = items.into_iter().peekable();
        while items.peek().is_some() {
            let mut requests = items
                .by_ref()
                .take(BATCH_SIZE)
                .map(|item| {
                    let put = PutRequest::builder()
                        .set_item(Some(item))
                        .build()
                        .map_err(StoreError::build)?;
                    Ok(WriteRequest::builder().put_request(put).build())
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            // DynamoDB may hand back part of a batch under load; send it again until done.
            for _ in 0..20 {
                let output = self
                    .client
                    .batch_write_item()
                    .request_items(&self.table, requests)
                    .send()
                    .await
                    .map_err(StoreError::from_sdk)?;
                requests = output
                    .unprocessed_items
                    .and_then(|mut left| left.remove(&self.table))
                    .unwrap_or_default();
                if requests.is_empty() {
                    break;
                }
            }
            if !requests.is_empty() {
                return Err(StoreError::Unavailable(
                    "batch import kept being throttled".into(),
                ));
            }
        }
        Ok(())
    }

    /// A conditional update of the item at `key`, read back as a `T`. Without a companion it is
    /// ONE UpdateItem. With one (an idempotency completion), the companion must commit in the
    /// same transaction and depends on the item after the change, so: a consistent read,
    /// `decide` (the domain's rule: the object after the change, or `None` if it may not
    /// change), then one transaction of the update (still under its condition) and the
    /// companion; a lost race reads and decides again. Refusals write nothing.
    pub(crate) async fn update<'a, T>(
        &self,
        key: Item,
        change: ConditionalUpdate,
        read: impl Fn(Item) -> Result<T, StoreError>,
        decide: impl Fn(&T) -> Option<T>,
        companion: Option<&dyn Companion<'a, T>>,
    ) -> Result<Updated<T>, StoreError> {
        if companion.is_none() {
            return self.update_conditionally(key, change).await?.map(read);
        }
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(item) = self.get_consistent(key.clone()).await? else {
                return Ok(Updated::Refused(None));
            };
            let current = read(item)?;
            let Some(after) = decide(&current) else {
                return Ok(Updated::Refused(Some(current)));
            };
            let mut transaction = Transaction::new(self);
            let changed = transaction.update(key.clone(), change.clone())?;
            transaction.join(companion, &after)?;
            match self.commit(transaction).await? {
                Ok(()) => return Ok(Updated::Applied(after)),
                // The item moved on between the read and the write: decide again.
                Err(refusal) if refusal.failed(changed) => continue,
                Err(refusal) => return Err(refusal.into_error()),
            }
        }
        Err(StoreError::Unavailable(
            "the item kept changing while it was being updated".into(),
        ))
    }
}
