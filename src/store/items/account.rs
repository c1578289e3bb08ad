use serde::{Deserialize, Serialize};

use super::{Item, StoreError, keys, sort_key, stored, stored_opt, string_key};
use crate::domain::account::{Account, ApiKey, ApiKeyHash, Mode, ProviderSettings};
use crate::domain::ids::{AccountId, ApiKeyId, StripeAccountId};
use crate::domain::mail_cap::MailCap;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct AccountItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    pub name: String,
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `true` when a sandbox account takes payments through Stripe's test mode.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox_on_stripe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account: Option<String>,
    /// The account's own cap on mails per hour; absent: the deployment's. Not a setting its
    /// keys copy, so changed without a settings version.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mail_cap: Option<u32>,
    pub created_at: String,
    /// Raised by every change of the settings its keys copy; each key records the version it
    /// holds. Absent on accounts from before versions, until their first change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_version: Option<u64>,
    /// The hash of every active key, so that a settings change reaches each one from this item,
    /// read in the same write that changes it, not from the eventually consistent index.
    #[serde(
        default,
        skip_serializing_if = "Vec::is_empty",
        with = "serde_dynamo::string_set"
    )]
    pub key_hashes: Vec<String>,
}

impl AccountItem {
    /// A new account item holding its first key.
    pub fn new(account: &Account, first_key: &ApiKeyHash, settings_version: u64) -> Self {
        Self {
            pk: keys::account(&account.id),
            sk: keys::ACCOUNT_SK.to_owned(),
            gsi1pk: keys::ALL_ACCOUNTS.to_owned(),
            gsi1sk: sort_key(&account.created_at, account.id.as_str()),
            id: account.id.to_string(),
            name: account.name.clone(),
            mode: account.mode.as_str().to_owned(),
            api_version: account
                .api_version
                .map(|version| version.as_str().to_owned()),
            sandbox_on_stripe: account.providers.sandbox_on_stripe,
            stripe_account: stored_account(&account.providers),
            mail_cap: account.mail_cap.map(MailCap::get),
            created_at: account.created_at.to_string(),
            settings_version: Some(settings_version),
            key_hashes: vec![first_key.as_str().to_owned()],
        }
    }

    pub fn into_domain(self) -> Result<Account, StoreError> {
        Ok(Account {
            id: stored("id", AccountId::parse(&self.id))?,
            name: self.name,
            mode: stored("mode", Mode::parse(&self.mode))?,
            api_version: stored_opt("apiVersion", self.api_version.as_deref(), ApiVersion::parse)?,
            providers: providers(self.sandbox_on_stripe, self.stripe_account.as_deref())?,
            mail_cap: self
                .mail_cap
                .map(|cap| stored("mailCap", MailCap::new(cap)))
                .transpose()?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
        })
    }
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ApiKeyItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    pub account_id: String,
    pub mode: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub api_version: Option<String>,
    /// `true` when a sandbox account takes payments through Stripe's test mode.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub sandbox_on_stripe: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stripe_account: Option<String>,
    pub key_hash: String,
    pub display_prefix: String,
    pub created_at: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_at: Option<String>,
    /// The account's settings version this key's copy was taken at (see `AccountItem`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings_version: Option<u64>,
}

impl ApiKeyItem {
    pub fn new(key: &ApiKey, settings_version: Option<u64>) -> Self {
        Self {
            pk: keys::api_key(&key.hash),
            sk: keys::API_KEY_SK.to_owned(),
            gsi1pk: keys::account_api_keys(&key.account_id),
            gsi1sk: sort_key(&key.created_at, key.id.as_str()),
            id: key.id.to_string(),
            account_id: key.account_id.to_string(),
            mode: key.mode.as_str().to_owned(),
            api_version: key.api_version.map(|version| version.as_str().to_owned()),
            sandbox_on_stripe: key.providers.sandbox_on_stripe,
            stripe_account: stored_account(&key.providers),
            key_hash: key.hash.as_str().to_owned(),
            display_prefix: key.display_prefix.clone(),
            created_at: key.created_at.to_string(),
            revoked_at: key.revoked_at.as_ref().map(ToString::to_string),
            settings_version,
        }
    }

    pub fn into_domain(self) -> Result<ApiKey, StoreError> {
        Ok(ApiKey {
            id: stored("id", ApiKeyId::parse(&self.id))?,
            account_id: stored("accountId", AccountId::parse(&self.account_id))?,
            mode: stored("mode", Mode::parse(&self.mode))?,
            api_version: stored_opt("apiVersion", self.api_version.as_deref(), ApiVersion::parse)?,
            providers: providers(self.sandbox_on_stripe, self.stripe_account.as_deref())?,
            hash: ApiKeyHash::from_stored(self.key_hash),
            display_prefix: self.display_prefix,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            revoked_at: stored_opt("revokedAt", self.revoked_at.as_deref(), Timestamp::parse)?,
        })
    }
}

fn stored_account(providers: &ProviderSettings) -> Option<String> {
    providers.stripe_account.as_ref().map(ToString::to_string)
}

fn providers(
    sandbox_on_stripe: bool,
    stripe_account: Option<&str>,
) -> Result<ProviderSettings, StoreError> {
    Ok(ProviderSettings {
        sandbox_on_stripe,
        stripe_account: stored_opt("stripeAccount", stripe_account, StripeAccountId::parse)?,
    })
}

pub(crate) fn account_key(id: &AccountId) -> Item {
    string_key(keys::account(id), keys::ACCOUNT_SK)
}

pub(crate) fn api_key_key(hash: &ApiKeyHash) -> Item {
    string_key(keys::api_key(hash), keys::API_KEY_SK)
}
