//! Accounts: created with their first key, listed, pinned to an API version, routed to a
//! payment provider, and given their own cap on mails.

use std::io::Write;

use super::{AdminResult, account_id, find_account, keys};
use crate::domain::account::{Account, ApiKey, ApiKeySecret, Mode, ProviderSettings};
use crate::domain::ids::StripeAccountId;
use crate::domain::mail_cap::MailCap;
use crate::domain::payment::Provider;
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::store::Store;

/// `create-account`'s arguments, as the operator typed them.
pub struct NewAccount<'a> {
    pub name: &'a str,
    /// `live` or `sandbox`.
    pub mode: &'a str,
    /// YYYY-MM-DD; the current version when not given.
    pub api_version: Option<&'a str>,
    /// Where the key is written (mode 600) besides being printed.
    pub key_file: Option<&'a std::path::Path>,
}

/// An account and its first API key, printed once (and written to `key_file`).
pub async fn create_account(
    store: &Store,
    new: &NewAccount<'_>,
    out: &mut dyn Write,
) -> AdminResult {
    let version = new
        .api_version
        .map(parse_version)
        .transpose()?
        .unwrap_or(ApiVersion::CURRENT);
    let mode = Mode::parse(new.mode).map_err(|e| format!("--mode {e}"))?;
    let now = Timestamp::now();
    let account = Account::create(new.name, mode, version, now)?;
    let secret = ApiKeySecret::generate(&account)?;
    store
        .create_account(&account, &ApiKey::issue(&account, &secret, now))
        .await?;
    if let Some(path) = new.key_file {
        keys::write_secret(path, secret.expose())?;
    }
    writeln!(
        out,
        "account {} ({}, {}, API version {version})",
        account.id,
        account.name,
        account.mode.as_str()
    )?;
    keys::show_once(&secret, out)
}

pub async fn list_accounts(store: &Store, out: &mut dyn Write) -> AdminResult {
    for account in store.list_accounts().await? {
        let pin = account.api_version.map_or("unpinned", ApiVersion::as_str);
        writeln!(
            out,
            "{}  {:<7}  {:<10}  {}  {}",
            account.id,
            account.mode.as_str(),
            pin,
            account.created_at,
            account.name
        )?;
    }
    Ok(())
}

/// Pins the account (and every one of its keys, which carry its settings) to `version`.
pub async fn set_api_version(
    store: &Store,
    account: &str,
    version: &str,
    out: &mut dyn Write,
) -> AdminResult {
    // The store reads the account itself: no lookup first.
    let id = account_id(account)?;
    let version = parse_version(version)?;
    store
        .set_api_version(&id, version)
        .await?
        .ok_or_else(|| format!("no account {id}"))?;
    writeln!(out, "account {id} pinned to API version {version}")?;
    Ok(())
}

/// Changes where the account's new payments go; what is not given is kept.
pub async fn set_provider(
    store: &Store,
    account: &str,
    provider: Option<&str>,
    stripe_account: Option<&str>,
    out: &mut dyn Write,
) -> AdminResult {
    let account = find_account(store, account).await?;
    let change = ProviderChange::parse(&account, provider, stripe_account)?;
    let account = store
        .set_providers(&account.id, |current| change.apply(current))
        .await?
        .ok_or_else(|| format!("no account {}", account.id))?;
    let route = account.providers.route(account.mode);
    let through = match (route.provider, &route.stripe_account) {
        (Provider::Commet, _) => "the built-in sandbox".to_owned(),
        (Provider::Stripe, None) => "stripe on the deployment's own account".to_owned(),
        (Provider::Stripe, Some(connected)) => format!("stripe on {connected}"),
    };
    writeln!(
        out,
        "account {} ({}) takes payments through {through}",
        account.id,
        account.mode.as_str()
    )?;
    Ok(())
}

/// Sets how many mails the account may send in an hour (`per_hour`), or `default` to leave it
/// to the deployment's cap (`MAILS_PER_ACCOUNT_HOUR`).
pub async fn set_mail_cap(
    store: &Store,
    account: &str,
    per_hour: &str,
    out: &mut dyn Write,
) -> AdminResult {
    let id = account_id(account)?;
    let cap = match per_hour {
        "default" => None,
        text => Some(MailCap::parse(text).map_err(|e| format!("--per-hour {e}, or `default`"))?),
    };
    // The store writes only an account that exists: no lookup first.
    store
        .set_mail_cap(&id, cap)
        .await?
        .ok_or_else(|| format!("no account {id}"))?;
    match cap {
        Some(cap) => writeln!(
            out,
            "account {id} sends at most {} mails an hour",
            cap.get()
        )?,
        None => writeln!(
            out,
            "account {id} sends at most the deployment's MAILS_PER_ACCOUNT_HOUR mails an hour"
        )?,
    }
    Ok(())
}

/// What `set-provider` changes, applied to the settings as the store finds them.
struct ProviderChange {
    sandbox_on_stripe: Option<bool>,
    stripe_account: Option<Option<StripeAccountId>>,
}

impl ProviderChange {
    fn parse(
        account: &Account,
        provider: Option<&str>,
        stripe_account: Option<&str>,
    ) -> Result<Self, String> {
        let sandbox_on_stripe = provider
            .map(|provider| {
                let provider = Provider::parse(provider).map_err(|e| format!("--provider {e}"))?;
                if account.mode.is_live() && provider != Provider::Stripe {
                    return Err(
                        "--provider: live accounts always take payments through stripe".to_owned(),
                    );
                }
                Ok(provider == Provider::Stripe)
            })
            .transpose()?;
        let stripe_account = stripe_account
            .map(|text| match text {
                "none" => Ok(None),
                id => StripeAccountId::parse(id)
                    .map(Some)
                    .map_err(|e| format!("--stripe-account {e}")),
            })
            .transpose()?;
        Ok(Self {
            sandbox_on_stripe,
            stripe_account,
        })
    }

    /// The settings with the changes asked for; what was not given is kept.
    fn apply(&self, current: &ProviderSettings) -> ProviderSettings {
        ProviderSettings {
            sandbox_on_stripe: self.sandbox_on_stripe.unwrap_or(current.sandbox_on_stripe),
            stripe_account: self
                .stripe_account
                .clone()
                .unwrap_or_else(|| current.stripe_account.clone()),
        }
    }
}

fn parse_version(text: &str) -> Result<ApiVersion, String> {
    ApiVersion::parse(text).map_err(|invalid| format!("--api-version {text}: {invalid}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn account(mode: Mode) -> Account {
        Account::create("Acme", mode, ApiVersion::CURRENT, Timestamp::now()).unwrap()
    }

    fn provider_settings(
        account: &Account,
        provider: Option<&str>,
        stripe_account: Option<&str>,
    ) -> Result<ProviderSettings, String> {
        ProviderChange::parse(account, provider, stripe_account)
            .map(|change| change.apply(&account.providers))
    }

    #[test]
    fn a_change_applies_to_the_settings_found_when_it_is_written() {
        let sandbox = account(Mode::Sandbox);
        let to_stripe = ProviderChange::parse(&sandbox, Some("stripe"), None).unwrap();
        // Another operator set a connected account after this command read the account.
        let meanwhile = ProviderSettings {
            sandbox_on_stripe: false,
            stripe_account: Some(StripeAccountId::parse("acct_1Abc").unwrap()),
        };
        let written = to_stripe.apply(&meanwhile);
        assert!(written.sandbox_on_stripe);
        assert_eq!(written.stripe_account.unwrap().as_str(), "acct_1Abc");
    }

    #[test]
    fn a_sandbox_account_moves_to_stripe_and_back() {
        let sandbox = account(Mode::Sandbox);
        let on_stripe = provider_settings(&sandbox, Some("stripe"), None).unwrap();
        assert!(on_stripe.sandbox_on_stripe);
        let mut moved = sandbox.clone();
        moved.providers = on_stripe;
        assert!(
            !provider_settings(&moved, Some("commet"), None)
                .unwrap()
                .sandbox_on_stripe
        );
    }

    #[test]
    fn a_live_account_cannot_leave_stripe() {
        let error = provider_settings(&account(Mode::Live), Some("commet"), None).unwrap_err();
        assert!(error.starts_with("--provider"), "{error}");
        assert!(provider_settings(&account(Mode::Live), Some("stripe"), None).is_ok());
    }

    #[test]
    fn what_is_not_given_is_kept() {
        let mut sandbox = account(Mode::Sandbox);
        sandbox.providers = provider_settings(&sandbox, Some("stripe"), Some("acct_1Abc")).unwrap();
        let kept = provider_settings(&sandbox, None, None).unwrap();
        assert!(kept.sandbox_on_stripe);
        assert_eq!(kept.stripe_account.unwrap().as_str(), "acct_1Abc");
        let unset = provider_settings(&sandbox, None, Some("none")).unwrap();
        assert!(unset.stripe_account.is_none());
        assert!(unset.sandbox_on_stripe);
    }

    #[test]
    fn bad_arguments_name_their_flag() {
        let sandbox = account(Mode::Sandbox);
        let provider = provider_settings(&sandbox, Some("paypal"), None).unwrap_err();
        assert!(provider.starts_with("--provider"), "{provider}");
        let connected = provider_settings(&sandbox, None, Some("cus_123")).unwrap_err();
        assert!(connected.starts_with("--stripe-account"), "{connected}");
        let version = parse_version("2026-13-40").unwrap_err();
        assert!(version.starts_with("--api-version 2026-13-40"), "{version}");
    }
}
