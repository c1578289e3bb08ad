//! An API key's lookup that rides along with a read: one BatchGetItem fetches the key's item
//! and the items the read asked for, so a read with a key this container has not cached costs
//! one round trip on one connection, not two in a row (nor two connections at once).
//!
//! `Store::with_api_key` runs the caller's work with the lookup offered to it: the work's first
//! read by key (`get_consistent`, `get_consistent_all`) takes the key's item along. Whether the work took the
//! offer is known after its first poll, when it waits for the first time: a read by key takes it
//! before it sends anything. If it did not (its first call is a Query, or it needs no read),
//! the key is looked up on its own, beside the work. Nothing here decides whether the key is
//! good; the caller answers only once it has the key.

use std::future::Future;
use std::pin::pin;
use std::sync::{Arc, Mutex};
use std::task::Poll;

use aws_sdk_dynamodb::types::KeysAndAttributes;
use tokio::sync::oneshot;

use super::client::sent;
use super::items::Item;
use super::{Store, StoreError};
use crate::domain::account::{ApiKey, ApiKeyHash};

tokio::task_local! {
    static OFFER: Arc<Offer>;
}

/// Where the key's item goes once read.
type KeyItemSender = oneshot::Sender<Result<Option<Item>, StoreError>>;

/// The key's item to fetch with the next read by key, and where its answer goes.
struct Offer {
    key: Item,
    answer: Mutex<Option<KeyItemSender>>,
}

impl Offer {
    fn take(&self) -> Option<KeyItemSender> {
        self.answer
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .take()
    }
}

impl Store {
    /// Runs `work` and looks up the key with hash `hash` in the same round trip as the work's
    /// first read by key, or beside the work when it makes none first. Both results come
    /// back; `work` is never cut short by the key's result.
    pub async fn with_api_key<F: Future>(
        &self,
        hash: &ApiKeyHash,
        work: F,
    ) -> (Result<Option<ApiKey>, StoreError>, F::Output) {
        let (sender, receiver) = oneshot::channel();
        let offer = Arc::new(Offer {
            key: super::items::api_key_key(hash),
            answer: Mutex::new(Some(sender)),
        });
        let mut work = pin!(OFFER.scope(offer.clone(), work));
        let first = std::future::poll_fn(|cx| Poll::Ready(work.as_mut().poll(cx))).await;
        // An offer still here after the first poll was not taken: withdrawn.
        drop(offer.take());
        let key = async {
            match receiver.await {
                Ok(answer) => answer?.map(super::api_keys::api_key_from).transpose(),
                // Not taken (its sender is dropped above), or the read that took it was
                // dropped unsent: on its own.
                Err(_) => self.find_api_key(hash).await,
            }
        };
        match first {
            Poll::Ready(output) => (key.await, output),
            Poll::Pending => futures_util::future::join(key, work).await,
        }
    }

    /// One consistent GetItem, carrying the offered key lookup if there is one (then a
    /// BatchGetItem of the two).
    pub(crate) async fn get_consistent(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let mut found = self.get_consistent_all(vec![key]).await?;
        Ok(found.pop().flatten())
    }

    /// Items by key, read consistently in one round trip (a GetItem for one alone, else a
    /// BatchGetItem, which also carries the offered key lookup if there is one), in the order
    /// of `keys`. At most 99 keys, each once.
    pub(crate) async fn get_consistent_all(
        &self,
        mut keys: Vec<Item>,
    ) -> Result<Vec<Option<Item>>, StoreError> {
        let offered = OFFER
            .try_with(|offer| offer.take().map(|answer| (offer.key.clone(), answer)))
            .ok()
            .flatten();
        match offered {
            None if keys.len() == 1 => Ok(vec![self.get_one(keys.remove(0)).await?]),
            None => self.get_batch(keys).await,
            Some((api_key, answer)) => {
                keys.push(api_key);
                let found = self.get_batch(keys).await;
                let (found_key, found) = match found {
                    Ok(mut found) => (Ok(found.pop().flatten()), Ok(found)),
                    Err(error) => (Err(error.clone()), Err(error)),
                };
                // The lookup's side may be gone (its caller failed); the read stands alone.
                let _ = answer.send(found_key);
                found
            }
        }
    }

    async fn get_one(&self, key: Item) -> Result<Option<Item>, StoreError> {
        let request = self
            .client
            .get_item()
            .table_name(&self.table)
            .set_key(Some(key))
            .consistent_read(true);
        let output = sent(request.send()).await.map_err(StoreError::from_sdk)?;
        Ok(output.item)
    }

    /// Items by key, read consistently in one BatchGetItem (at most 100 keys, each once), in
    /// the order of `keys`. A key DynamoDB leaves unprocessed (throttling) is read again on
    /// its own.
    async fn get_batch(&self, keys: Vec<Item>) -> Result<Vec<Option<Item>>, StoreError> {
        let wanted = KeysAndAttributes::builder()
            .set_keys(Some(keys.clone()))
            .consistent_read(true)
            .build()
            .map_err(|error| StoreError::Internal(error.to_string()))?;
        let request = self
            .client
            .batch_get_item()
            .request_items(&self.table, wanted);
        let mut output = sent(request.send()).await.map_err(StoreError::from_sdk)?;
        let found = output
            .responses
            .as_mut()
            .and_then(|tables| tables.remove(&self.table))
            .unwrap_or_default();
        let unprocessed = output
            .unprocessed_keys
            .as_mut()
            .and_then(|tables| tables.remove(&self.table))
            .map(|keys| keys.keys)
            .unwrap_or_default();
        let reads = keys.into_iter().map(|key| {
            let left = unprocessed.iter().any(|left| same_key(left, &key));
            let item = found.iter().find(|item| same_key(item, &key)).cloned();
            async move {
                match left {
                    true => self.get_one(key).await,
                    false => Ok(item),
                }
            }
        });
        futures_util::future::try_join_all(reads).await
    }
}

/// Whether `item` has the key attributes of `key`.
fn same_key(item: &Item, key: &Item) -> bool {
    key.iter()
        .all(|(name, value)| item.get(name) == Some(value))
}
