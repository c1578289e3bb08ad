use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{AccountItem, ApiKeyItem, Item, from_item, string_key, to_item};
use super::paging::Partition;
use super::write::{Bind, ConditionalUpdate, Updated};
use super::{Store, StoreError, keys, schema};
use crate::domain::account::{Account, ApiKey, ApiKeyHash, ProviderSettings};
use crate::domain::ids::{AccountId, ApiKeyId};
use crate::domain::page::{PageLimit, PageRequest, Position};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;

impl Store {
    pub async fn insert_account(&self, account: &Account) -> Result<(), StoreError> {
        self.put_new(to_item(&AccountItem::new(account))?).await
    }

    /// Writes an account item with a fixed id, replacing any earlier one (fixtures only).
    pub async fn put_account(&self, account: &Account) -> Result<(), StoreError> {
        self.put(to_item(&AccountItem::new(account))?).await
    }

    pub async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let item = self
            .get_consistent(string_key(keys::account(id), keys::ACCOUNT_SK))
            .await?;
        item.map(|item| from_item::<AccountItem>(item)?.into_domain())
            .transpose()
    }

    /// Every account, newest first (admin tooling).
    pub async fn list_accounts(&self) -> Result<Vec<Account>, StoreError> {
        self.every_of_partition(
            keys::ALL_ACCOUNTS.to_owned(),
            |account: &Account| Position {
                created_at: account.created_at,
                id: account.id.to_string(),
            },
            |item| from_item::<AccountItem>(item)?.into_domain(),
        )
        .await
    }

    /// Stores a key (its hash, never the key). Overwrites a key with the same hash, which only
    /// a fixture with a fixed key can produce.
    pub async fn put_api_key(&self, key: &ApiKey) -> Result<(), StoreError> {
        self.put(to_item(&ApiKeyItem::new(key))?).await
    }

    /// The key with this hash, revoked or not: one consistent GetItem, so a key works the
    /// moment it was issued.
    pub async fn find_api_key(&self, hash: &ApiKeyHash) -> Result<Option<ApiKey>, StoreError> {
        let item = self.get_consistent(api_key_key(hash)).await?;
        item.map(api_key_from).transpose()
    }

    /// An account's keys, newest first.
    pub async fn list_api_keys(&self, account: &AccountId) -> Result<Vec<ApiKey>, StoreError> {
        self.every_of_partition(
            keys::account_api_keys(account),
            |key: &ApiKey| Position {
                created_at: key.created_at,
                id: key.id.to_string(),
            },
            |item| from_item::<ApiKeyItem>(item)?.into_domain(),
        )
        .await
    }

    /// Every item of one partition of the by-account index, newest first, page after page.
    async fn every_of_partition<T>(
        &self,
        partition: String,
        position_of: impl Fn(&T) -> Position,
        map: impl Fn(Item) -> Result<T, StoreError>,
    ) -> Result<Vec<T>, StoreError> {
        let mut all = Vec::new();
        let mut after = None;
        loop {
            let page = self
                .query_page(
                    Partition::of(&schema::BY_ACCOUNT, partition.clone()),
                    None,
                    None,
                    &PageRequest {
                        limit: PageLimit::new(100).unwrap_or_default(),
                        after,
                    },
                    &position_of,
                    &map,
                )
                .await?;
            all.extend(page.items);
            match page.next {
                Some(next) => after = Some(next),
                None => return Ok(all),
            }
        }
    }

    /// Marks a key revoked (once; a second revoke keeps the first time). Returns the key, or
    /// `None` if the account has no key with this id.
    pub async fn revoke_api_key(
        &self,
        account: &AccountId,
        key_id: &ApiKeyId,
        now: Timestamp,
    ) -> Result<Option<ApiKey>, StoreError> {
        let keys = self.list_api_keys(account).await?;
        let Some(key) = keys.into_iter().find(|key| &key.id == key_id) else {
            return Ok(None);
        };
        let revoke = ConditionalUpdate::new(
            "SET revokedAt = if_not_exists(revokedAt, :now)",
            "accountId = :account",
        )
        .text(":now", now.to_string())
        .text(":account", account.to_string());
        match self
            .update_conditionally(
                string_key(keys::api_key(&key.hash), keys::API_KEY_SK),
                revoke,
            )
            .await?
        {
            Updated::Applied(item) => from_item::<ApiKeyItem>(item)?.into_domain().map(Some),
            Updated::Refused(_) => Ok(None),
        }
    }

    /// Pins the account to `version` (see `update_account_and_keys`).
    pub async fn set_api_version(
        &self,
        account: &AccountId,
        version: ApiVersion,
    ) -> Result<Option<Account>, StoreError> {
        self.update_account_and_keys(account, || {
            ConditionalUpdate::new("SET apiVersion = :version", "")
                .text(":version", version.as_str())
        })
        .await
    }

    /// Sets where the account's new payments go (see `update_account_and_keys`). Payments
    /// already made keep their own route.
    pub async fn set_providers(
        &self,
        account: &AccountId,
        providers: &ProviderSettings,
    ) -> Result<Option<Account>, StoreError> {
        self.update_account_and_keys(account, || {
            let set = "SET sandboxOnStripe = :sandbox";
            let update = match &providers.stripe_account {
                Some(_) => format!("{set}, stripeAccount = :stripe"),
                None => format!("{set} REMOVE stripeAccount"),
            };
            let update = ConditionalUpdate::new(update, "").value(
                ":sandbox",
                AttributeValue::Bool(providers.sandbox_on_stripe),
            );
            match &providers.stripe_account {
                Some(stripe) => update.text(":stripe", stripe.as_str()),
                None => update,
            }
        })
        .await
    }

    /// Applies `change` to the account item, then to every key of it (each key carries a copy
    /// of the account's settings so that a request learns them from its one key lookup). Not one
    /// transaction: an interrupted run leaves some keys on the old settings, and running it again
    /// finishes the job. Warm containers see the change when their key cache expires.
    async fn update_account_and_keys(
        &self,
        account: &AccountId,
        change: impl Fn() -> ConditionalUpdate,
    ) -> Result<Option<Account>, StoreError> {
        let updated = self
            .update_conditionally(
                string_key(keys::account(account), keys::ACCOUNT_SK),
                change().on_condition("attribute_exists(pk)"),
            )
            .await?;
        let Updated::Applied(item) = updated else {
            return Ok(None);
        };
        for key in self.list_api_keys(account).await? {
            self.update_conditionally(
                string_key(keys::api_key(&key.hash), keys::API_KEY_SK),
                change()
                    .on_condition("accountId = :account")
                    .text(":account", account.to_string()),
            )
            .await?;
        }
        from_item::<AccountItem>(item)?.into_domain().map(Some)
    }
}

pub(super) fn api_key_key(hash: &ApiKeyHash) -> Item {
    string_key(keys::api_key(hash), keys::API_KEY_SK)
}

pub(super) fn api_key_from(item: Item) -> Result<ApiKey, StoreError> {
    from_item::<ApiKeyItem>(item)?.into_domain()
}
