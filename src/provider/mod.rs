//! Payment providers behind one interface: the built-in sandbox provider (`commet`), and Stripe
//! for live money (and for sandbox accounts an operator points at Stripe's test mode), on the
//! deployment's own Stripe account or a connected one.

pub mod sandbox;
pub mod stripe;
pub mod stripe_cards;
pub mod stripe_customers;
pub mod stripe_events;
pub mod stripe_refunds;

use std::future::Future;

use crate::domain::card::PaymentMethod;
use crate::domain::money::Currency;
use crate::domain::payment::{Failure, Provider};

pub use sandbox::Sandbox;
pub use stripe::{Stripe, StripeClient, StripeSettings};

/// What a payment costs the payer, in minor units of `currency`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Amount {
    pub minor_units: u64,
    pub currency: Currency,
}

/// Outcome of a payer's card on the hosted page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CardOutcome {
    /// Paid; the card is vaulted and can be charged off-session.
    Succeeded(PaymentMethod),
    Declined(Failure),
    /// The issuer wants the payer to authenticate (3-D Secure).
    RequiresAction(Failure),
}

/// One off-session charge of a saved method.
#[derive(Debug, Clone, Copy)]
pub struct ChargeRequest<'a> {
    pub method: &'a PaymentMethod,
    pub amount: Amount,
    /// Our payment's id: the provider's idempotency key, and the tag the charge carries so that
    /// it can be found again.
    pub payment_id: &'a str,
    /// The account it is for: with the payment's id, what the provider's events about it name.
    pub account_id: &'a str,
    /// The charge may have been asked before (a retried request, the reconciler): the provider
    /// looks for it first, so that money never moves twice on the provider's idempotency alone.
    pub asked_before: bool,
}

/// Outcome of an off-session charge of a vaulted method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded,
    Declined(Failure),
}

/// A charge's outcome and the provider's id for it (Stripe's PaymentIntent), if it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Charged {
    pub outcome: ChargeOutcome,
    pub reference: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("payment provider unavailable: {0}")]
pub struct ProviderError(pub String);

/// A provider that charges saved methods. Executing the same request again never moves money
/// twice.
pub trait PaymentProvider: Send + Sync {
    fn provider(&self) -> Provider;

    fn charge_saved(
        &self,
        request: ChargeRequest<'_>,
    ) -> impl Future<Output = Result<Charged, ProviderError>> + Send;
}

/// One of the providers, chosen at run time.
#[derive(Clone)]
pub enum Selected<'a> {
    Sandbox(Sandbox),
    Stripe(Stripe<'a>),
}

impl PaymentProvider for Selected<'_> {
    fn provider(&self) -> Provider {
        match self {
            Selected::Sandbox(sandbox) => sandbox.provider(),
            Selected::Stripe(stripe) => stripe.provider(),
        }
    }

    async fn charge_saved(&self, request: ChargeRequest<'_>) -> Result<Charged, ProviderError> {
        match self {
            Selected::Sandbox(sandbox) => sandbox.charge_saved(request).await,
            Selected::Stripe(stripe) => stripe.charge_saved(request).await,
        }
    }
}

/// The provider of hosted pages: the sandbox for sandbox accounts, Stripe (with Stripe.js in
/// the payer's browser) for live ones.
#[derive(Clone)]
pub enum LinkProvider<'a> {
    Sandbox(Sandbox),
    Stripe {
        stripe: Stripe<'a>,
        browser: &'a StripeBrowser,
    },
}

/// What the payer's browser needs to load Stripe.js.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeBrowser {
    /// `pk_live_...` (`pk_test_...` with test keys).
    pub publishable_key: String,
    /// `https://js.stripe.com/v3/`, or an emulator's copy.
    pub js_url: String,
    /// The origins the page lets the browser reach for Stripe: Stripe.js's own, and the API's
    /// (where an emulator's Stripe.js sends the card).
    pub origins: Vec<String>,
}
