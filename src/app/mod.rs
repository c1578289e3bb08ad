//! What every handler needs, built once per cold start from the environment: the store, the
//! configuration, and the per-container caches (API keys, tax tables, accounts, and which
//! account a link belongs to).

mod cache;
mod charge_reports;
mod charges;
mod config;
mod deliveries;
mod faults;
mod keys;
mod link_checks;
mod links;
mod provider_customers;
mod receipts;
mod refunds;
mod stripe;

use std::future::Future;
use std::time::Duration;

use crate::domain::account::{Account, Principal};
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId};
use crate::domain::invoice::Invoice;
use crate::domain::payment::Payment;
use crate::domain::tax::TaxRates;
use crate::store::{Store, StoreError};

pub use cache::TtlCache;
pub use charge_reports::ReportRecorded;
pub use charges::{ReconcileReport, Reported, Settled, StripeOrigin};
pub use config::{
    Config, ConfigError, DEFAULT_API_KEY_CACHE_TTL, STRIPE_API, STRIPE_JS, SecretSource,
    StripeConfig,
};
pub use deliveries::DeliveryReport;
pub use faults::{Fault, Faults};
use keys::KeyCache;
pub use link_checks::LinkCheckReport;
pub use links::{LinkCompleted, PaidAttempt, payer_email};
pub use provider_customers::Synced;
pub use receipts::ReceiptReport;
pub use refunds::{IssuedRefund, RefundOutcome};
use stripe::StripeMode;

/// How long a container keeps a link's account: the pair never changes, so this bounds only
/// how long an entry outlives its use (a payer's visit, their card typed, their submit).
const LINK_ACCOUNT_TTL: Duration = Duration::from_secs(3600);

/// What stops a step of ours that both keeps records and asks a provider (a charge, a link's
/// reported payment, a customer told to Stripe): either side's failure, kept apart so that each
/// caller answers it as it should (an API error, a stream record read again).
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Provider(#[from] crate::provider::ProviderError),
}

pub struct App {
    pub store: Store,
    keys: KeyCache,
    tax_rates: TtlCache<AccountId, TaxRates>,
    accounts: TtlCache<AccountId, Account>,
    /// Which account a hosted page's link belongs to: written once with the link and never
    /// changed, so a container keeps what it found and a payer's submit after their visit
    /// reads the link alone.
    link_accounts: TtlCache<PaymentId, AccountId>,
    pub config: Config,
    /// Points where a test may inject a fault (no-ops without the `fault-injection` feature).
    pub faults: Faults,
    /// Stripe with the live keys, and with the test keys.
    stripe_live: StripeMode,
    stripe_test: StripeMode,
}

impl App {
    pub fn new(store: Store, config: Config) -> Self {
        let stripe_live =
            StripeMode::new(config.stripe.clone(), config.stripe_webhook_secret.clone());
        let stripe_test = StripeMode::new(
            config.stripe_test.clone(),
            config.stripe_test_webhook_secret.clone(),
        );
        Self {
            keys: KeyCache::new(config.api_key_cache_ttl),
            tax_rates: TtlCache::new(config.api_key_cache_ttl, 256),
            accounts: TtlCache::new(config.api_key_cache_ttl, 256),
            link_accounts: TtlCache::new(LINK_ACCOUNT_TTL, 1024),
            store,
            config,
            faults: Faults::default(),
            stripe_live,
            stripe_test,
        }
    }

    /// Who holds the API key `presented` (its account and mode), or `None` when no valid key
    /// matches; from this container's cache when fresh.
    pub async fn principal(&self, presented: &str) -> Result<Option<Principal>, StoreError> {
        self.keys.principal(&self.store, presented).await
    }

    /// Who holds the API key `presented`, looked up beside `work`: in the same round trip as
    /// `work`'s first read by key when it makes one first (`Store::with_api_key`).
    pub async fn principal_beside<F: std::future::Future>(
        &self,
        presented: &str,
        work: F,
    ) -> (Result<Option<Principal>, StoreError>, F::Output) {
        self.keys
            .principal_beside(&self.store, presented, work)
            .await
    }

    /// Who holds the API key `presented`, if this container found it lately: no lookup.
    pub fn cached_principal(&self, presented: &str) -> Option<Principal> {
        self.keys.cached(presented)
    }

    /// An account (the merchant a hosted page names), from this container's cache when fresh.
    pub async fn account(&self, id: &AccountId) -> Result<Option<Account>, StoreError> {
        self.accounts
            .get_or_find(id, self.store.get_account(id))
            .await
    }

    /// The account link `id` belongs to (what its page item says), from this container's
    /// cache when it found it before: nothing can move a link to another account.
    pub async fn link_account(&self, id: &PaymentId) -> Result<Option<AccountId>, StoreError> {
        self.link_accounts
            .get_or_find(id, self.store.link_account(id))
            .await
    }

    /// Payment `id` of `account` and the account (the merchant a hosted page names): the
    /// account from this container's cache when fresh, else read with the payment in one
    /// BatchGetItem.
    pub async fn payment_and_merchant(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<(Option<Payment>, Option<Account>), StoreError> {
        self.with_merchant(
            account,
            self.store.get_payment(account, id),
            self.store.payment_with_account(account, id),
        )
        .await
    }

    /// Invoice `id` of `account` and the account, as `payment_and_merchant`.
    pub async fn invoice_and_merchant(
        &self,
        account: &AccountId,
        id: &InvoiceId,
    ) -> Result<(Option<Invoice>, Option<Account>), StoreError> {
        self.with_merchant(
            account,
            self.store.get_invoice(account, id),
            self.store.invoice_with_account(account, id),
        )
        .await
    }

    /// Invoice `id` of `account`, `customer` (the invoice's) and the account, in one round trip,
    /// as `payment_and_merchant`.
    pub async fn invoice_customer_and_merchant(
        &self,
        account: &AccountId,
        id: &InvoiceId,
        customer: &CustomerId,
    ) -> Result<((Option<Invoice>, Option<Customer>), Option<Account>), StoreError> {
        self.with_merchant(
            account,
            self.store.invoice_and_customer(account, id, customer),
            self.store
                .invoice_and_customer_with_account(account, id, customer),
        )
        .await
    }

    /// What `alone` reads, with the account from the cache; else what `with_account` reads,
    /// the account it found kept. Only one of the two runs.
    async fn with_merchant<T>(
        &self,
        account: &AccountId,
        alone: impl Future<Output = Result<T, StoreError>>,
        with_account: impl Future<Output = Result<(T, Option<Account>), StoreError>>,
    ) -> Result<(T, Option<Account>), StoreError> {
        if let Some(merchant) = self.accounts.get(account) {
            return Ok((alone.await?, Some(merchant)));
        }
        let (found, merchant) = with_account.await?;
        if let Some(merchant) = &merchant {
            self.accounts.put(account.clone(), merchant.clone());
        }
        Ok((found, merchant))
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
