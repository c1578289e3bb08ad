//! Transactions: items that each know their `Slot`, committed all or none, and the refusal
//! that says which conditions failed.

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{ConditionCheck, TransactWriteItem, Update};

use super::expressions::{ABSENT, Condition, ConditionalUpdate, conditioned};
use crate::store::client::sent;
use crate::store::items::Item;
use crate::store::{Store, StoreError};

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
    pub fn check(&mut self, key: Item, condition: Condition) -> Result<Slot, StoreError> {
        let check = conditioned!(
            ConditionCheck::builder()
                .table_name(&self.table)
                .set_key(Some(key)),
            condition
        )
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

impl Store {
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
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refusal(reasons: &[Option<&str>]) -> Refusal {
        Refusal {
            reasons: reasons.iter().map(|r| r.map(str::to_owned)).collect(),
        }
    }

    #[test]
    fn a_refusal_names_the_slot_whose_condition_failed() {
        let refused = refusal(&[Some("None"), Some("ConditionalCheckFailed")]);
        assert!(!refused.failed(Slot(0)));
        assert!(refused.failed(Slot(1)));
        assert!(!refused.failed(Slot(2)));
        assert!(!refused.contended());
        assert!(matches!(refused.into_error(), StoreError::Internal(_)));
    }

    #[test]
    fn a_conflict_is_worth_a_retry() {
        let refused = refusal(&[None, Some("TransactionConflict")]);
        assert!(refused.contended());
        assert!(!refused.failed(Slot(1)));
        assert!(matches!(refused.into_error(), StoreError::Unavailable(_)));
    }
}
