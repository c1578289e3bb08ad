//! Payment providers behind one interface. Today only the built-in sandbox provider (`commet`)
//! exists; live accounts need a real provider, refused with `provider_unsupported` until one is
//! configured.

pub mod sandbox;

use std::future::Future;

use crate::domain::account::Mode;
use crate::domain::card::{CardDetails, PaymentMethod};
use crate::domain::money::Currency;
use crate::domain::payment::{Failure, Provider};

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

/// Outcome of an off-session charge of a vaulted method.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChargeOutcome {
    Succeeded,
    Declined(Failure),
}

#[derive(Debug, thiserror::Error)]
#[error("payment provider unavailable: {0}")]
pub struct ProviderError(pub String);

/// A provider. `idempotency_key` is passed to the provider with every call, so a request that is
/// executed again never moves money twice.
pub trait PaymentProvider: Send + Sync {
    fn provider(&self) -> Provider;

    fn pay_with_card(
        &self,
        card: &CardDetails,
        amount: Amount,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<CardOutcome, ProviderError>> + Send;

    fn charge_saved(
        &self,
        method: &PaymentMethod,
        amount: Amount,
        idempotency_key: &str,
    ) -> impl Future<Output = Result<ChargeOutcome, ProviderError>> + Send;
}

/// The provider that moved (or moves) a recorded payment's money, if this deployment has it.
pub fn for_provider(provider: Provider) -> Option<sandbox::Sandbox> {
    match provider {
        Provider::Commet => Some(sandbox::Sandbox),
        Provider::Stripe => None,
    }
}

/// The provider that serves an account's payments, if any can.
pub fn for_mode(mode: Mode) -> Option<sandbox::Sandbox> {
    match mode {
        Mode::Sandbox => Some(sandbox::Sandbox),
        Mode::Live => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sandbox_uses_the_built_in_provider_and_live_has_none_yet() {
        assert_eq!(
            for_mode(Mode::Sandbox).map(|p| p.provider()),
            Some(Provider::Commet)
        );
        assert!(for_mode(Mode::Live).is_none());
    }
}
