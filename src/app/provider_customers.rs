//! Our customers' e-mail, name and address carried to their customers at Stripe, from the
//! table's stream (`workers::SYNC_STRIPE_CUSTOMERS`): an update never waits on Stripe, and one
//! Stripe cannot take now is told again.

use super::{App, AppError};
use crate::domain::customer::ProviderProfile;
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::payment::Provider;
use crate::provider::stripe_customers::ProfileSync;

/// What telling one change came to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Synced {
    /// Stripe's customer names the payer as we do.
    Told(ProfileSync),
    /// Nothing to tell it through: the account is gone, or takes cards through the sandbox
    /// now, or this deployment has no Stripe keys for its mode.
    NoStripe,
}

impl App {
    /// Tells the Stripe customer of `customer` (of `account`) the profile its write number
    /// `version` left, once per write: the write names the Stripe update's idempotency key.
    pub async fn sync_provider_customer(
        &self,
        account: &AccountId,
        customer: &CustomerId,
        version: u64,
        profile: &ProviderProfile<'_>,
    ) -> Result<Synced, AppError> {
        let Some(account) = self.account(account).await? else {
            return Ok(Synced::NoStripe);
        };
        // The customer's Stripe customer is on the account's Stripe account (and mode) as
        // the account's cards are taken now; one saved elsewhere is `Missing` there.
        let route = account.providers.route(account.mode);
        if route.provider != Provider::Stripe {
            return Ok(Synced::NoStripe);
        }
        let Some(stripe) = self.stripe_on(&route).await? else {
            return Ok(Synced::NoStripe);
        };
        let key = format!("{customer}-profile-{version}");
        Ok(Synced::Told(stripe.update_customer(profile, &key).await?))
    }
}
