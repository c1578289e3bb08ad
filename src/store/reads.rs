//! Reads by key, consistent: one item in a GetItem, a few in one BatchGetItem, either
//! carrying an API key's lookup when one is offered (`key_lookup.rs`).

use aws_sdk_dynamodb::types::KeysAndAttributes;

use super::client::sent;
use super::items::Item;
use super::key_lookup::TakenOffer;
use super::{Store, StoreError};

/// Keys in one BatchGetItem: DynamoDB takes 100, one is kept for an API key's lookup.
const BATCH_KEYS: usize = 99;

impl Store {
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
        match TakenOffer::take() {
            None if keys.len() == 1 => Ok(vec![self.get_one(keys.remove(0)).await?]),
            None => self.get_batch(keys).await,
            Some(offer) => {
                keys.push(offer.key.clone());
                let found = self.get_batch(keys).await;
                let (found_key, found) = match found {
                    Ok(mut found) => (Ok(found.pop().flatten()), Ok(found)),
                    Err(error) => (Err(error.clone()), Err(error)),
                };
                offer.answer(found_key);
                found
            }
        }
    }

    /// `get_consistent_all` of any number of keys (each once): BatchGetItems of 99 sent at
    /// once.
    pub(crate) async fn get_consistent_many(
        &self,
        keys: Vec<Item>,
    ) -> Result<Vec<Option<Item>>, StoreError> {
        let batches = keys
            .chunks(BATCH_KEYS)
            .map(|batch| self.get_consistent_all(batch.to_vec()));
        let found = futures_util::future::try_join_all(batches).await?;
        Ok(found.into_iter().flatten().collect())
    }

    /// `get_consistent_all` of N keys, as an array of N.
    pub(super) async fn get_exactly<const N: usize>(
        &self,
        keys: [Item; N],
    ) -> Result<[Option<Item>; N], StoreError> {
        self.get_consistent_all(keys.into())
            .await?
            .try_into()
            .map_err(|_| {
                StoreError::Internal("a batch read answered another number of items".into())
            })
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
