//! Settings read from the environment once per cold start.

use std::time::Duration;

use crate::domain::delivery::RetrySchedule;
use crate::domain::mail_cap::MailCap;
use crate::provider::stripe::SecretKey;
use crate::store::StoreSettings;

/// Settings read from the environment (see the README's Configuration section).
#[derive(Debug, Clone)]
pub struct Config {
    pub store: StoreSettings,
    /// Origin of the hosted payment pages (`https://pay.example.com`). Unset: the origin the
    /// request came in on.
    pub public_base_url: Option<String>,
    /// How long a warm container trusts an API key lookup (a revoked key stops working within
    /// it) and an account's tax table (a changed rate applies within it).
    pub api_key_cache_ttl: Duration,
    /// Where each error's `doc_url` points (the error code is appended as a fragment). Unset:
    /// `/docs/errors` on the origin the request came in on, which the API serves itself.
    pub error_docs_url: Option<String>,
    /// Whether webhook endpoints may point at loopback addresses: a local stack's receivers
    /// listen there. Never set it where the functions share a host with anything.
    pub webhooks_allow_loopback: bool,
    /// When failed webhook deliveries are tried again; `WEBHOOK_RETRY_MINUTE_SECONDS` sets how
    /// long its "minute" is (60 s; a local stack uses 1 s so that retries show within seconds).
    pub retry_schedule: RetrySchedule,
    /// The address receipts come from (`RECEIPT_SENDER`), an identity verified in SES. Unset:
    /// receipts stay `pending` (the receipts worker refuses to start without it).
    pub receipt_sender: Option<String>,
    /// SES's endpoint (`SES_ENDPOINT`): aws-ses-v2-local in a local stack; unset on AWS.
    pub ses_endpoint: Option<String>,
    /// How many mails (receipts and invoices sent) one account may send in a clock hour
    /// (`MAILS_PER_ACCOUNT_HOUR`, 1,000); the rest wait for the next hour.
    pub mail_cap: MailCap,
    /// Stripe with the live keys, for live accounts. Unset: live accounts answer
    /// `provider_unsupported`.
    pub stripe: Option<StripeConfig>,
    /// Stripe with test keys (`STRIPE_TEST_SECRET_KEY`/`_ARN`, `STRIPE_TEST_PUBLISHABLE_KEY`),
    /// for sandbox accounts an operator pointed at Stripe (`admin set-provider`). Unset: those
    /// accounts answer `provider_unsupported`.
    pub stripe_test: Option<StripeConfig>,
    /// The signing secret of the Stripe webhook endpoint (`whsec_...`) that `stripe_webhook`
    /// checks live events with, and (`STRIPE_TEST_WEBHOOK_SECRET`/`_ARN`) the test-mode
    /// endpoint's. Neither set: that function refuses every event (503).
    pub stripe_webhook_secret: Option<SecretSource>,
    pub stripe_test_webhook_secret: Option<SecretSource>,
    /// Secrets Manager's endpoint (`SECRETS_MANAGER_ENDPOINT`): an emulator; unset on AWS.
    pub secrets_endpoint: Option<String>,
}

/// Where Stripe is and how to get its key.
#[derive(Debug, Clone)]
pub struct StripeConfig {
    /// `STRIPE_API_BASE`, default `https://api.stripe.com` (localstripe in a local stack).
    pub api_base: String,
    pub key: SecretSource,
    /// `STRIPE_PUBLISHABLE_KEY`: Stripe.js's key on live hosted pages. Unset: live links
    /// answer that card payments are not available.
    pub publishable_key: Option<String>,
    /// `STRIPE_JS_URL`, default `https://js.stripe.com/v3/` (localstripe serves a stand-in).
    pub js_url: String,
}

/// Where a secret comes from.
#[derive(Debug, Clone)]
pub enum SecretSource {
    /// Given in the environment (`STRIPE_SECRET_KEY`, `STRIPE_WEBHOOK_SECRET`): local stacks
    /// and tests.
    Given(SecretKey),
    /// A Secrets Manager secret whose text it is (`STRIPE_SECRET_ARN`,
    /// `STRIPE_WEBHOOK_SECRET_ARN`), read once per cold start, on first use (AWS).
    InSecretsManager { arn: String },
}

/// Where Stripe's API is when none is configured.
pub const STRIPE_API: &str = "https://api.stripe.com";
/// Where Stripe.js is when none is configured.
pub const STRIPE_JS: &str = "https://js.stripe.com/v3/";

pub const DEFAULT_API_KEY_CACHE_TTL: Duration = Duration::from_secs(60);

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("environment variable {0} must be set")]
    Missing(&'static str),
    #[error("environment variable {name} is invalid: {reason}")]
    Invalid { name: &'static str, reason: String },
}

impl Config {
    pub fn from_env() -> Result<Self, ConfigError> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let table_name = var("TABLE_NAME").ok_or(ConfigError::Missing("TABLE_NAME"))?;
        Self::for_store(StoreSettings {
            table_name,
            endpoint: var("DYNAMODB_ENDPOINT"),
        })
    }

    /// The table given, everything else from the environment (the admin command names its
    /// table on its command line).
    pub fn for_store(store: StoreSettings) -> Result<Self, ConfigError> {
        let var = |name: &'static str| std::env::var(name).ok().filter(|v| !v.trim().is_empty());
        let api_key_cache_ttl = match var("API_KEY_CACHE_TTL_SECONDS") {
            None => DEFAULT_API_KEY_CACHE_TTL,
            Some(text) => Duration::from_secs(text.parse().map_err(|_| ConfigError::Invalid {
                name: "API_KEY_CACHE_TTL_SECONDS",
                reason: "must be a whole number of seconds".into(),
            })?),
        };
        let public_base_url = match var("PUBLIC_BASE_URL") {
            None => None,
            Some(text) => {
                let url = url::Url::parse(&text).map_err(|e| ConfigError::Invalid {
                    name: "PUBLIC_BASE_URL",
                    reason: e.to_string(),
                })?;
                Some(url.as_str().trim_end_matches('/').to_owned())
            }
        };
        let retry_schedule = match var("WEBHOOK_RETRY_MINUTE_SECONDS") {
            None => RetrySchedule::default(),
            Some(text) => match text.parse::<u64>() {
                Ok(seconds @ 1..=60) => RetrySchedule {
                    minute: Duration::from_secs(seconds),
                },
                _ => {
                    return Err(ConfigError::Invalid {
                        name: "WEBHOOK_RETRY_MINUTE_SECONDS",
                        reason: "must be a whole number of seconds from 1 to 60".into(),
                    });
                }
            },
        };
        let stripe_with = |key: SecretSource, publishable_key: &'static str| StripeConfig {
            api_base: var("STRIPE_API_BASE").unwrap_or_else(|| STRIPE_API.to_owned()),
            key,
            publishable_key: var(publishable_key),
            js_url: var("STRIPE_JS_URL").unwrap_or_else(|| STRIPE_JS.to_owned()),
        };
        let stripe = secret_source(&var, "STRIPE_SECRET_KEY", "STRIPE_SECRET_ARN")?
            .map(|key| stripe_with(key, "STRIPE_PUBLISHABLE_KEY"));
        let stripe_test = secret_source(&var, "STRIPE_TEST_SECRET_KEY", "STRIPE_TEST_SECRET_ARN")?
            .map(|key| stripe_with(key, "STRIPE_TEST_PUBLISHABLE_KEY"));
        Ok(Self {
            stripe,
            stripe_test,
            stripe_webhook_secret: secret_source(
                &var,
                "STRIPE_WEBHOOK_SECRET",
                "STRIPE_WEBHOOK_SECRET_ARN",
            )?,
            stripe_test_webhook_secret: secret_source(
                &var,
                "STRIPE_TEST_WEBHOOK_SECRET",
                "STRIPE_TEST_WEBHOOK_SECRET_ARN",
            )?,
            secrets_endpoint: var("SECRETS_MANAGER_ENDPOINT"),
            retry_schedule,
            receipt_sender: var("RECEIPT_SENDER"),
            ses_endpoint: var("SES_ENDPOINT"),
            mail_cap: match var("MAILS_PER_ACCOUNT_HOUR") {
                None => MailCap::default(),
                Some(text) => MailCap::parse(&text).map_err(|invalid| ConfigError::Invalid {
                    name: "MAILS_PER_ACCOUNT_HOUR",
                    reason: invalid.to_string(),
                })?,
            },
            store,
            public_base_url,
            api_key_cache_ttl,
            error_docs_url: var("ERROR_DOCS_URL"),
            webhooks_allow_loopback: match var("WEBHOOKS_ALLOW_LOOPBACK").as_deref() {
                None | Some("false") => false,
                Some("true") => true,
                Some(_) => {
                    return Err(ConfigError::Invalid {
                        name: "WEBHOOKS_ALLOW_LOOPBACK",
                        reason: "must be true or false".into(),
                    });
                }
            },
        })
    }
}

/// A secret given as itself (variable `name`) or as the ARN of a Secrets Manager secret
/// (variable `arn_name`), not both.
fn secret_source(
    var: &impl Fn(&'static str) -> Option<String>,
    name: &'static str,
    arn_name: &'static str,
) -> Result<Option<SecretSource>, ConfigError> {
    match (var(name), var(arn_name)) {
        (None, None) => Ok(None),
        (Some(text), None) => Ok(Some(SecretSource::Given(SecretKey::new(text)))),
        (None, Some(arn)) => Ok(Some(SecretSource::InSecretsManager { arn })),
        (Some(_), Some(_)) => Err(ConfigError::Invalid {
            name,
            reason: format!("give it or {arn_name}, not both"),
        }),
    }
}
