//! API keys: issued under the account's settings version (see `accounts.rs`), looked up by
//! hash, listed and revoked. Only a key's hash is stored.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{AccountItem, ApiKeyItem, Item, account_key, api_key_key, from_item, to_item};
use super::write::{Bind, ConditionalUpdate, MAX_DECIDE_ROUNDS, PRESENT, Transaction};
use super::{Store, StoreError, keys};
use crate::domain::account::{Account, ApiKey, ApiKeyHash, MAX_ACTIVE_KEYS};
use crate::domain::ids::{AccountId, ApiKeyId};
use crate::domain::page::Position;
use crate::domain::time::Timestamp;

#[derive(Debug)]
pub enum IssueKeyOutcome {
    Issued(ApiKey),
    NoSuchAccount,
    /// The account has `MAX_ACTIVE_KEYS` active keys; nothing was written.
    AtKeyLimit,
}

impl Store {
    /// Stores the key `issue` makes from the account as it is now, in one transaction with its
    /// hash recorded on the account under the settings version the key copied: a settings
    /// change that got in first makes it read the account again.
    pub async fn issue_api_key(
        &self,
        account: &AccountId,
        issue: impl Fn(&Account) -> ApiKey,
    ) -> Result<IssueKeyOutcome, StoreError> {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(item) = self.get_consistent(account_key(account)).await? else {
                return Ok(IssueKeyOutcome::NoSuchAccount);
            };
            let stored = from_item::<AccountItem>(item)?;
            if stored.key_hashes.len() >= MAX_ACTIVE_KEYS as usize {
                return Ok(IssueKeyOutcome::AtKeyLimit);
            }
            let seen = stored.settings_version;
            let key = issue(&stored.into_domain()?);
            let held = match seen {
                Some(_) => "settingsVersion = :seen",
                None => "attribute_exists(pk) AND attribute_not_exists(settingsVersion)",
            };
            let mut record = ConditionalUpdate::new(
                "ADD keyHashes :hash",
                format!("{held} AND (attribute_not_exists(keyHashes) OR size(keyHashes) < :most)"),
            )
            .value(
                ":hash",
                AttributeValue::Ss(vec![key.hash.as_str().to_owned()]),
            )
            .number(":most", MAX_ACTIVE_KEYS);
            if let Some(seen) = seen {
                record = record.number(":seen", seen);
            }
            let mut transaction = Transaction::new(self);
            let recorded = transaction.update(account_key(account), record)?;
            transaction.put_if_absent(to_item(&ApiKeyItem::new(&key, seen))?)?;
            match self.commit(transaction).await? {
                Ok(()) => return Ok(IssueKeyOutcome::Issued(key)),
                // A settings change got in first, or another transaction held the account.
                Err(refusal) if refusal.failed(recorded) || refusal.contended() => continue,
                Err(refusal) => return Err(refusal.into_error()),
            }
        }
        Err(StoreError::Unavailable(
            "the account's settings kept changing while a key was being issued".into(),
        ))
    }

    /// The key with this hash, revoked or not: one consistent GetItem, so a key works the
    /// moment it was issued.
    pub async fn find_api_key(&self, hash: &ApiKeyHash) -> Result<Option<ApiKey>, StoreError> {
        let item = self.get_consistent(api_key_key(hash)).await?;
        item.map(api_key_from).transpose()
    }

    /// An account's keys, newest first (through the index: a key issued a moment ago may be
    /// missing).
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

    /// Marks a key revoked (once; a second revoke keeps the first time) and takes it off the
    /// account's active keys. Returns the key, or `None` if the account has no key with this id.
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
        let mut transaction = Transaction::new(self);
        let revoked = transaction.update(
            api_key_key(&key.hash),
            ConditionalUpdate::new(
                "SET revokedAt = if_not_exists(revokedAt, :now)",
                "accountId = :account",
            )
            .text(":now", now.to_string())
            .text(":account", account.to_string()),
        )?;
        transaction.update(
            account_key(account),
            ConditionalUpdate::new("DELETE keyHashes :hash", PRESENT).value(
                ":hash",
                AttributeValue::Ss(vec![key.hash.as_str().to_owned()]),
            ),
        )?;
        if !self.commit_unless(transaction, Some(revoked)).await? {
            return Ok(None);
        }
        // Read back for the time of the first revocation.
        self.find_api_key(&key.hash).await
    }
}

pub(super) fn api_key_from(item: Item) -> Result<ApiKey, StoreError> {
    from_item::<ApiKeyItem>(item)?.into_domain()
}
