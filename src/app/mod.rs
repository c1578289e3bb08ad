//! What every handler needs, built once per cold start from the environment: the store, the
//! configuration, and the per-container caches of API keys and tax tables.

mod cache;
mod charges;
mod config;
mod deliveries;
mod faults;
mod keys;
mod links;
mod receipts;

use tokio::sync::OnceCell;

use crate::domain::account::{Account, Mode, Principal};
use crate::domain::ids::AccountId;
use crate::domain::payment::Provider;
use crate::domain::tax::TaxRates;
use crate::outbound::read_secret;
use crate::provider::stripe::SecretKey;
use crate::provider::{
    LinkProvider, ProviderError, Sandbox, Selected, Stripe, StripeBrowser, StripeSettings,
};
use crate::store::{Store, StoreError};

pub use cache::TtlCache;
pub use charges::{ChargeError, ReconcileReport, Reported, Settled};
pub use config::{
    Config, ConfigError, DEFAULT_API_KEY_CACHE_TTL, STRIPE_API, STRIPE_JS, SecretSource,
    StripeConfig,
};
pub use deliveries::DeliveryReport;
pub use faults::{Fault, Faults};
use keys::KeyCache;
pub use links::{LinkCompleted, PaidAttempt};
pub use receipts::ReceiptReport;

pub struct App {
    pub store: Store,
    keys: KeyCache,
    tax_rates: TtlCache<AccountId, TaxRates>,
    accounts: TtlCache<AccountId, Account>,
    pub config: Config,
    /// Points where a test may inject a fault (no-ops without the `fault-injection` feature).
    pub faults: Faults,
    /// Built from the configuration on first use.
    stripe: OnceCell<Stripe>,
    stripe_webhook_secret: OnceCell<SecretKey>,
    stripe_browser: Option<StripeBrowser>,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        let stripe_browser = config.stripe.as_ref().and_then(|stripe| {
            Some(StripeBrowser {
                publishable_key: stripe.publishable_key.clone()?,
                js_url: stripe.js_url.clone(),
                origins: [stripe.js_url.as_str(), stripe.api_base.as_str()]
                    .iter()
                    .filter_map(|url| url::Url::parse(url).ok())
                    .map(|url| url.origin().ascii_serialization())
                    .collect(),
            })
        });
        Self {
            keys: KeyCache::new(config.api_key_cache_ttl),
            tax_rates: TtlCache::new(config.api_key_cache_ttl, 256),
            accounts: TtlCache::new(config.api_key_cache_ttl, 256),
            store,
            config,
            faults: Faults::default(),
            stripe: OnceCell::new(),
            stripe_webhook_secret: OnceCell::new(),
            stripe_browser,
        }
    }

    /// Stripe, if this deployment is configured for it; its key read on first use (a failed
    /// read is tried again by the next request).
    async fn stripe(&self) -> Result<Option<&Stripe>, ProviderError> {
        let Some(config) = &self.config.stripe else {
            return Ok(None);
        };
        self.stripe
            .get_or_try_init(|| async {
                Stripe::new(StripeSettings {
                    api_base: config.api_base.clone(),
                    secret_key: self.secret(&config.key).await?,
                })
            })
            .await
            .map(Some)
    }

    /// The signing secret Stripe's events are checked with, if this deployment has one; read
    /// on first use like the key.
    pub async fn stripe_webhook_secret(&self) -> Result<Option<&SecretKey>, ProviderError> {
        let Some(source) = &self.config.stripe_webhook_secret else {
            return Ok(None);
        };
        self.stripe_webhook_secret
            .get_or_try_init(|| self.secret(source))
            .await
            .map(Some)
    }

    async fn secret(&self, source: &SecretSource) -> Result<SecretKey, ProviderError> {
        Ok(match source {
            SecretSource::Given(secret) => secret.clone(),
            SecretSource::InSecretsManager { arn } => SecretKey::new(
                read_secret(arn, self.config.secrets_endpoint.as_deref())
                    .await
                    .map_err(ProviderError)?,
            ),
        })
    }

    /// The provider that takes an account's new off-session charges: the sandbox for sandbox
    /// accounts, Stripe for live ones (none if this deployment has no Stripe).
    pub async fn charge_provider(&self, mode: Mode) -> Result<Option<Selected<'_>>, ProviderError> {
        Ok(match mode {
            Mode::Sandbox => Some(Selected::Sandbox(Sandbox)),
            Mode::Live => self.stripe().await?.map(Selected::Stripe),
        })
    }

    /// Which provider an account's new links are paid through, if it has one here; without
    /// reading any secret.
    pub fn link_provider_of(&self, mode: Mode) -> Option<Provider> {
        match mode {
            Mode::Sandbox => Some(Provider::Commet),
            Mode::Live => self.stripe_browser.as_ref().map(|_| Provider::Stripe),
        }
    }

    /// The provider that takes cards on an account's hosted pages: the sandbox for sandbox
    /// accounts, Stripe with Stripe.js for live ones (none without Stripe or its publishable
    /// key).
    pub async fn link_provider(
        &self,
        mode: Mode,
    ) -> Result<Option<LinkProvider<'_>>, ProviderError> {
        if mode == Mode::Sandbox {
            return Ok(Some(LinkProvider::Sandbox(Sandbox)));
        }
        let Some(browser) = self.stripe_browser.as_ref() else {
            return Ok(None);
        };
        Ok(self
            .stripe()
            .await?
            .map(|stripe| LinkProvider::Stripe { stripe, browser }))
    }

    /// The provider a recorded payment's money moves through, if this deployment has it.
    pub async fn provider_of(
        &self,
        provider: Provider,
    ) -> Result<Option<Selected<'_>>, ProviderError> {
        Ok(match provider {
            Provider::Commet => Some(Selected::Sandbox(Sandbox)),
            Provider::Stripe => self.stripe().await?.map(Selected::Stripe),
        })
    }

    /// Who holds the API key `presented` (its account and mode), or `None` when no valid key
    /// matches; from this container's cache when fresh.
    pub async fn principal(&self, presented: &str) -> Result<Option<Principal>, StoreError> {
        self.keys.principal(&self.store, presented).await
    }

    /// An account (the merchant a hosted page names), from this container's cache when fresh.
    pub async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        if let Some(account) = self.accounts.get(id) {
            return Ok(Some(account));
        }
        let account = self.store.get_account(id).await?;
        if let Some(account) = &account {
            self.accounts.put(id.clone(), account.clone());
        }
        Ok(account)
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
