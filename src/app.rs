//! What every handler needs, built once per cold start from the environment.

use std::time::Duration;

use crate::cache::TtlCache;
use crate::domain::ids::AccountId;
use crate::domain::tax::TaxRates;
use crate::http::auth::KeyCache;
use crate::store::{Store, StoreError, StoreSettings};

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
    /// Where each error's `doc_url` points; the error code is appended as a fragment.
    pub error_docs_url: String,
}

pub const DEFAULT_API_KEY_CACHE_TTL: Duration = Duration::from_secs(60);
pub const DEFAULT_ERROR_DOCS_URL: &str =
    "https://github.com/commet-payments/commet-payments/blob/main/docs/errors.md";

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
        Ok(Self {
            store: StoreSettings {
                table_name,
                endpoint: var("DYNAMODB_ENDPOINT"),
            },
            public_base_url,
            api_key_cache_ttl,
            error_docs_url: var("ERROR_DOCS_URL").unwrap_or_else(|| DEFAULT_ERROR_DOCS_URL.into()),
        })
    }
}

pub struct App {
    pub store: Store,
    pub keys: KeyCache,
    tax_rates: TtlCache<AccountId, TaxRates>,
    pub config: Config,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        Self {
            keys: KeyCache::new(config.api_key_cache_ttl),
            tax_rates: TtlCache::new(config.api_key_cache_ttl, 256),
            store,
            config,
        }
    }

    /// The account's tax table, from this container's cache when fresh.
    pub async fn tax_rates(&self, account: &AccountId) -> Result<TaxRates, StoreError> {
        if let Some(rates) = self.tax_rates.get(account) {
            return Ok(rates);
        }
        let rates = self.store.get_tax_rates(account).await?;
        self.tax_rates.put(account.clone(), rates.clone());
        Ok(rates)
    }

    pub async fn from_env() -> Result<Self, ConfigError> {
        let config = Config::from_env()?;
        let store = Store::connect(&config.store).await;
        Ok(Self::new(store, config))
    }

    /// Lives as long as the process, as a Lambda container's state does; handlers borrow it
    /// for `'static` and need no reference counting.
    pub fn leak(self) -> &'static App {
        Box::leak(Box::new(self))
    }
}
