//! Accounts, and the settings their keys copy.
//!
//! A request learns its account's mode, API version and provider route from its one key lookup,
//! so each key item carries a copy of those settings. The account item is the source: it holds
//! a settings version, raised by every change, and the hash of every active key. A change is
//! one write of the account under the version it read; the keys it then brings up to date are
//! the ones that write returned, and a key is issued only in a transaction that checks the
//! version it copied (`api_keys.rs`). So a key issued during a change either is in that list or
//! copied the new settings, and two changes racing leave every key on the later one.

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{AccountItem, ApiKeyItem, Item, account_key, api_key_key, from_item, to_item};
use super::write::{Bind, ConditionalUpdate, MAX_DECIDE_ROUNDS, PRESENT, Transaction, Updated};
use super::{Store, StoreError, keys};
use crate::domain::account::{Account, ApiKey, ApiKeyHash, ProviderSettings};
use crate::domain::ids::AccountId;
use crate::domain::mail_cap::MailCap;
use crate::domain::page::Position;
use crate::domain::version::ApiVersion;

pub(super) fn account_from(item: Item) -> Result<Account, StoreError> {
    from_item::<AccountItem>(item)?.into_domain()
}

/// The settings version of a new account, and of its first key.
const FIRST_SETTINGS: u64 = 1;

impl Store {
    /// A new account and its first key, both or neither.
    pub async fn create_account(
        &self,
        account: &Account,
        first_key: &ApiKey,
    ) -> Result<(), StoreError> {
        let mut transaction = Transaction::new(self);
        transaction.put_if_absent(to_item(&AccountItem::new(
            account,
            &first_key.hash,
            FIRST_SETTINGS,
        ))?)?;
        transaction.put_if_absent(to_item(&ApiKeyItem::new(first_key, Some(FIRST_SETTINGS)))?)?;
        // Both ids are fresh: a refusal would be a collision, so it is an error.
        self.commit_unless(transaction, None).await.map(drop)
    }

    /// Writes an account with a fixed id and its one key, replacing earlier ones (fixtures only).
    pub async fn put_account_fixture(
        &self,
        account: &Account,
        key: &ApiKey,
    ) -> Result<(), StoreError> {
        self.put(to_item(&AccountItem::new(
            account,
            &key.hash,
            FIRST_SETTINGS,
        ))?)
        .await?;
        self.put(to_item(&ApiKeyItem::new(key, Some(FIRST_SETTINGS)))?)
            .await
    }

    pub async fn get_account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        let item = self.get_consistent(account_key(id)).await?;
        item.map(account_from).transpose()
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

    /// Pins the account, and every key of it, to `version`. `None` if there is no such account.
    pub async fn set_api_version(
        &self,
        account: &AccountId,
        version: ApiVersion,
    ) -> Result<Option<Account>, StoreError> {
        self.change_settings(account, |account| account.api_version = Some(version))
            .await
    }

    /// Sets where the account's new payments go, as `change` makes it of the settings found:
    /// payments already made keep their own route. `None` if there is no such account.
    pub async fn set_providers(
        &self,
        account: &AccountId,
        change: impl Fn(&ProviderSettings) -> ProviderSettings,
    ) -> Result<Option<Account>, StoreError> {
        self.change_settings(account, |account| {
            account.providers = change(&account.providers);
        })
        .await
    }

    /// Sets the account's own cap on mails per hour, or (`None`) leaves it to the deployment's:
    /// one conditional write, no read first. Not a setting its keys copy, so no settings
    /// version is raised. `None` if there is no such account.
    pub async fn set_mail_cap(
        &self,
        account: &AccountId,
        cap: Option<MailCap>,
    ) -> Result<Option<Account>, StoreError> {
        let change = match cap {
            Some(cap) => {
                ConditionalUpdate::new("SET mailCap = :cap", PRESENT).number(":cap", cap.get())
            }
            None => ConditionalUpdate::new("REMOVE mailCap", PRESENT),
        };
        match self
            .update_conditionally(account_key(account), change)
            .await?
        {
            Updated::Applied(item) => account_from(item).map(Some),
            Updated::Refused(_) => Ok(None),
        }
    }

    /// Changes the account's settings under the version read, then copies them to every key
    /// the write returned, each key only if it holds an older version. An interrupted run
    /// leaves some keys on the old settings, and running it again finishes the job. Warm
    /// containers see the change when their key cache expires.
    async fn change_settings(
        &self,
        id: &AccountId,
        change: impl Fn(&mut Account),
    ) -> Result<Option<Account>, StoreError> {
        for _ in 0..MAX_DECIDE_ROUNDS {
            let Some(item) = self.get_consistent(account_key(id)).await? else {
                return Ok(None);
            };
            let stored = from_item::<AccountItem>(item)?;
            let seen = stored.settings_version;
            let mut account = stored.into_domain()?;
            change(&mut account);
            let version = seen.unwrap_or(0) + 1;
            let update = match seen {
                Some(seen) => settings_update(&account, version)
                    .on_condition("settingsVersion = :seen")
                    .number(":seen", seen),
                None => self.first_versioned_update(&account, version).await?,
            };
            match self.update_conditionally(account_key(id), update).await? {
                Updated::Applied(item) => {
                    let hashes = from_item::<AccountItem>(item)?.key_hashes;
                    self.copy_settings_to_keys(&account, version, hashes)
                        .await?;
                    return Ok(Some(account));
                }
                // Another change got in first, or the account is gone: read again.
                Updated::Refused(_) => continue,
            }
        }
        Err(StoreError::Unavailable(
            "the account's settings kept changing while they were being set".into(),
        ))
    }

    /// The first change of an account from before settings versions: its keys are found once
    /// through the index (issued long ago, so listed there) and recorded on the account.
    async fn first_versioned_update(
        &self,
        account: &Account,
        version: u64,
    ) -> Result<ConditionalUpdate, StoreError> {
        let listed: Vec<String> = self
            .list_api_keys(&account.id)
            .await?
            .into_iter()
            .filter(|key| key.revoked_at.is_none())
            .map(|key| key.hash.as_str().to_owned())
            .collect();
        let update = settings_update(account, version)
            .on_condition("attribute_exists(pk) AND attribute_not_exists(settingsVersion)");
        if listed.is_empty() {
            return Ok(update);
        }
        Ok(update
            .and("ADD keyHashes :listed")
            .value(":listed", AttributeValue::Ss(listed)))
    }

    async fn copy_settings_to_keys(
        &self,
        account: &Account,
        version: u64,
        hashes: Vec<String>,
    ) -> Result<(), StoreError> {
        for hash in hashes {
            let copy = settings_update(account, version)
                .on_condition(
                    "accountId = :account \
                     AND (attribute_not_exists(settingsVersion) OR settingsVersion < :version)",
                )
                .text(":account", account.id.to_string());
            // Refused: a later change got to this key first, or the key is gone.
            self.update_if(api_key_key(&ApiKeyHash::from_stored(hash)), copy)
                .await?;
        }
        Ok(())
    }
}

/// Sets every setting a key copies, and the version, on an account or key item: whole, so that
/// the latest change leaves complete settings whatever order the copies land in.
fn settings_update(account: &Account, version: u64) -> ConditionalUpdate {
    let mut set = vec!["sandboxOnStripe = :sandbox", "settingsVersion = :version"];
    let mut remove = Vec::new();
    match account.api_version {
        Some(_) => set.push("apiVersion = :api"),
        None => remove.push("apiVersion"),
    }
    match account.providers.stripe_account {
        Some(_) => set.push("stripeAccount = :stripe"),
        None => remove.push("stripeAccount"),
    }
    let mut expression = format!("SET {}", set.join(", "));
    if !remove.is_empty() {
        expression = format!("{expression} REMOVE {}", remove.join(", "));
    }
    let mut update = ConditionalUpdate::new(expression, "")
        .value(
            ":sandbox",
            AttributeValue::Bool(account.providers.sandbox_on_stripe),
        )
        .number(":version", version);
    if let Some(api) = account.api_version {
        update = update.text(":api", api.as_str());
    }
    if let Some(stripe) = &account.providers.stripe_account {
        update = update.text(":stripe", stripe.as_str());
    }
    update
}
