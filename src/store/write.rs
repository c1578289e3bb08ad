//! Every write the store sends to the table, in one place. The aggregates (payments, invoices,
//! customers, ...) say WHAT to write as items, conditions and transactions; this module is the
//! only one that turns them into requests and reads their refusals:
//!
//! - single writes: `put`, `put_new`, `put_unless`, `update_conditionally`, `delete_if`,
//!   `put_batch`;
//! - transactions of items that each know their `Slot`, so that a refusal names the write whose
//!   condition failed instead of a position;
//! - `update`, the conditional update of one item that may also have to complete an idempotency
//!   record in the same transaction (then a bounded read-decide-transact loop).

use std::collections::HashMap;

use aws_sdk_dynamodb::error::{ProvideErrorMetadata, SdkError};
use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::operation::update_item::UpdateItemError;
use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;
use aws_sdk_dynamodb::types::{
    AttributeValue, ConditionCheck, PutRequest, ReturnValue, ReturnValuesOnConditionCheckFailure,
    TransactWriteItem, Update, WriteRequest,
};

use super::client::sent;
use super::items::Item;
use super::{Store, StoreError};

/// The item does not exist yet. Every key attribute is present on every item, so `pk` stands for
/// the whole item.
pub(crate) const ABSENT: &str = "attribute_not_exists(pk)";
/// The item exists.
pub(crate) const PRESENT: &str = "attribute_exists(pk)";

/// A read-decide-transact loop gives up after this many lost races (then 503).
const MAX_DECIDE_ROUNDS: usize = 8;
/// BatchWriteItem takes at most 25 items a call.
const BATCH_SIZE: usize = 25;

/// The `#name` and `:value` placeholders of one request's expressions.
#[derive(Debug, Clone, Default)]
pub(crate) struct Placeholders {
    names: HashMap<String, String>,
    values: HashMap<String, AttributeValue>,
}

/// Binds placeholders, builder style, on anything that carries them.
pub(crate) trait Bind: Sized {
    fn placeholders(&mut self) -> &mut Placeholders;

    fn name(mut self, placeholder: &str, attribute: &str) -> Self {
        self.placeholders()
            .names
            .insert(placeholder.to_owned(), attribute.to_owned());
        self
    }

    fn value(mut self, placeholder: &str, value: AttributeValue) -> Self {
        self.placeholders()
            .values
            .insert(placeholder.to_owned(), value);
        self
    }

    fn text(self, placeholder: &str, value: impl Into<String>) -> Self {
        self.value(placeholder, AttributeValue::S(value.into()))
    }

    /// Integers only: no float ever reaches an expression (amounts are minor units).
    fn number(self, placeholder: &str, value: impl Into<i128>) -> Self {
        self.value(placeholder, AttributeValue::N(value.into().to_string()))
    }
}

/// A condition for a put or a delete.
#[derive(Debug, Clone)]
pub(crate) struct Condition {
    expression: String,
    placeholders: Placeholders,
}

impl Condition {
    pub fn new(expression: impl Into<String>) -> Self {
        Self {
            expression: expression.into(),
            placeholders: Placeholders::default(),
        }
    }
}

impl Bind for Condition {
    fn placeholders(&mut self) -> &mut Placeholders {
        &mut self.placeholders
    }
}

/// An update expression and the condition it applies under.
#[derive(Debug, Clone)]
pub(crate) struct ConditionalUpdate {
    update: String,
    condition: Condition,
}

impl ConditionalUpdate {
    pub fn new(update: impl Into<String>, condition: impl Into<String>) -> Self {
        Self {
            update: update.into(),
            condition: Condition::new(condition),
        }
    }

    /// The same update under another condition (its placeholders kept).
    pub fn on_condition(mut self, condition: impl Into<String>) -> Self {
        self.condition.expression = condition.into();
        self
    }
}

impl Bind for ConditionalUpdate {
    fn placeholders(&mut self) -> &mut Placeholders {
        &mut self.condition.placeholders
    }
}

/// Empty maps must be left out of a request: DynamoDB refuses an empty attribute map.
fn non_empty<K, V>(map: HashMap<K, V>) -> Option<HashMap<K, V>> {
    (!map.is_empty()).then_some(map)
}

/// Sets a `Condition` on any request builder of the SDK (each is its own type, with the same
/// three setters). An empty expression is no condition (an unconditional update).
macro_rules! conditioned {
    ($builder:expr, $condition:expr) => {{
        let Condition {
            expression,
            placeholders,
        } = $condition;
        $builder
            .set_condition_expression((!expression.is_empty()).then_some(expression))
            .set_expression_attribute_names(non_empty(placeholders.names))
            .set_expression_attribute_values(non_empty(placeholders.values))
    }};
}

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

/// Where an item sits in a transaction; a refusal is asked about slots, never positions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Slot(usize);

/// Something to record once a transaction has committed (an idempotency claim it completed).
pub(crate) trait OnCommit: Sync {
    fn committed(&self);
}

/// A write that joins an update's transaction and depends on the object as the update leaves
/// it: an idempotency completion, whose stored answer shows that object.
pub(crate) trait Companion<'a, T>: Sync {
    fn add_to(&self, transaction: &mut Transaction<'a>, object: &T) -> Result<(), StoreError>;
}

/// A transaction being assembled.
pub(crate) struct Transaction<'a> {
    table: String,
    items: Vec<TransactWriteItem>,
    token: Option<String>,
    on_commit: Vec<&'a dyn OnCommit>,
}

impl<'a> Transaction<'a> {
    pub fn new(store: &Store) -> Self {
        Self {
            table: store.table.clone(),
            items: Vec::new(),
            token: None,
            on_commit: Vec::new(),
        }
    }

    /// Makes a retry of an already committed transaction (the SDK's, after a lost response) a
    /// no-op success. DynamoDB takes tokens of up to 36 characters; a longer one is left out.
    pub fn token(mut self, token: String) -> Self {
        self.token = (token.len() <= 36).then_some(token);
        self
    }

    fn push(&mut self, item: TransactWriteItem) -> Slot {
        self.items.push(item);
        Slot(self.items.len() - 1)
    }

    /// Puts `item` only if no item has its key.
    pub fn put_if_absent(&mut self, item: Item) -> Result<Slot, StoreError> {
        let put = aws_sdk_dynamodb::types::Put::builder()
            .table_name(&self.table)
            .set_item(Some(item))
            .condition_expression(ABSENT)
            .build()
            .map_err(StoreError::build)?;
        Ok(self.push(TransactWriteItem::builder().put(put).build()))
    }

    /// Checks `condition` on the item at `key` without writing it.
    pub fn check(&mut self, key: Item, condition: &str) -> Result<Slot, StoreError> {
        let check = ConditionCheck::builder()
            .table_name(&self.table)
            .set_key(Some(key))
            .condition_expression(condition)
            .build()
            .map_err(StoreError::build)?;
        Ok(self.push(TransactWriteItem::builder().condition_check(check).build()))
    }

    /// Deletes the item at `key` if `condition` holds.
    pub fn delete_if(&mut self, key: Item, condition: Condition) -> Result<Slot, StoreError> {
        let delete = conditioned!(
            aws_sdk_dynamodb::types::Delete::builder()
                .table_name(&self.table)
                .set_key(Some(key)),
            condition
        )
        .build()
        .map_err(StoreError::build)?;
        Ok(self.push(TransactWriteItem::builder().delete(delete).build()))
    }

    pub fn update(&mut self, key: Item, change: ConditionalUpdate) -> Result<Slot, StoreError> {
        let update = conditioned!(
            Update::builder()
                .table_name(&self.table)
                .set_key(Some(key))
                .update_expression(change.update),
            change.condition
        )
        .build()
        .map_err(StoreError::build)?;
        Ok(self.push(TransactWriteItem::builder().update(update).build()))
    }

    /// Adds the companion write, if there is one, for `object` as this transaction leaves it.
    pub fn join<T>(
        &mut self,
        companion: Option<&dyn Companion<'a, T>>,
        object: &T,
    ) -> Result<(), StoreError> {
        match companion {
            Some(companion) => companion.add_to(self, object),
            None => Ok(()),
        }
    }

    /// Records `done` as happened if, and once, this transaction commits.
    pub fn on_commit(&mut self, done: &'a dyn OnCommit) {
        self.on_commit.push(done);
    }
}

/// Why a transaction was canceled: one reason per item, in slot order.
#[derive(Debug)]
pub(crate) struct Refusal {
    reasons: Vec<Option<String>>,
}

impl Refusal {
    /// Whether the condition of the item in `slot` failed.
    pub fn failed(&self, slot: Slot) -> bool {
        self.reasons
            .get(slot.0)
            .is_some_and(|code| code.as_deref() == Some("ConditionalCheckFailed"))
    }

    /// Whether another transaction on the same items got in the way.
    pub fn contended(&self) -> bool {
        self.reasons
            .iter()
            .any(|code| code.as_deref() == Some("TransactionConflict"))
    }

    /// A refusal the caller did not expect: a conflict may pass on retry, anything else is a bug.
    pub fn into_error(self) -> StoreError {
        let detail = format!("transaction canceled: {:?}", self.reasons);
        if self.contended() {
            StoreError::Unavailable(detail)
        } else {
            StoreError::Internal(detail)
        }
    }
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

    /// Commits a transaction: every item or none. `Err(Refusal)` says which conditions failed.
    pub(crate) async fn commit(
        &self,
        transaction: Transaction<'_>,
    ) -> Result<Result<(), Refusal>, StoreError> {
        let Transaction {
            items,
            token,
            on_commit,
            ..
        } = transaction;
        let request = self
            .client
            .transact_write_items()
            .set_transact_items(Some(items))
            .set_client_request_token(token);
        let result = sent(request.send()).await;
        match result {
            Ok(_) => {
                for done in on_commit {
                    done.committed();
                }
                Ok(Ok(()))
            }
            Err(error) => match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled)) => {
                    Ok(Err(Refusal {
                        reasons: canceled
                            .cancellation_reasons()
                            .iter()
                            .map(|reason| reason.code().map(str::to_owned))
                            .collect(),
                    }))
                }
                _ => Err(StoreError::from_sdk(error)),
            },
        }
    }

    /// Commits a transaction whose one expected refusal is the condition of `slot` (a claim
    /// that someone else holds, a reference that is missing): true when committed, false when
    /// refused there; any other refusal is an error.
    pub(crate) async fn commit_unless(
        &self,
        transaction: Transaction<'_>,
        slot: Option<Slot>,
    ) -> Result<bool, StoreError> {
        match self.commit(transaction).await? {
            Ok(()) => Ok(true),
            Err(refusal) if slot.is_some_and(|slot| refusal.failed(slot)) => Ok(false),
            Err(refusal) => Err(refusal.into_error()),
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
