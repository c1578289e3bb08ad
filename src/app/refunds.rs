//! Refunds Stripe reports (`charge.refunded`, such as a refund made in Stripe's dashboard): which
//! of our payments the refunded charge paid, and its new refunded total, recorded by one
//! conditional write that the table's stream turns into `payment.refunded`.

use super::{App, AppError};
use crate::domain::ids::{AccountId, PaymentId, StripeAccountId};
use crate::domain::money::Currency;
use crate::domain::payment::{Provider, Route};
use crate::domain::refund::{RefundDecision, RefundReport};
use crate::domain::time::Timestamp;
use crate::provider::stripe::{ACCOUNT_ID_METADATA, PAYMENT_ID_METADATA, from_stripe_amount};
use crate::provider::stripe_events::RefundEvent;
use crate::store::{RefundOutcome, StoreError};

/// What a reported refund changed.
#[derive(Debug)]
pub enum RefundReported {
    /// Recorded now: the payment, and its new refunded total.
    Recorded { payment: PaymentId, refunded: u64 },
    /// This total is recorded already (the same event again, or an older one late).
    AlreadyRecorded,
    /// The payment's outcome is not recorded yet: the report must come again later.
    NotSettledYet,
    /// Nothing of ours to record, and why.
    Ignored(&'static str),
}

impl App {
    /// Records the refunded total `event` reports, if the refunded charge paid one of our
    /// payments: the PaymentIntent that made the charge is read from Stripe (in the mode whose
    /// secret signed the event, on the connected account it happened on) for the payment its
    /// metadata names, and the write holds only if that payment was paid by that PaymentIntent.
    pub async fn record_reported_refund(
        &self,
        event: &RefundEvent,
        livemode: bool,
    ) -> Result<RefundReported, AppError> {
        use RefundReported::Ignored;
        let Ok(currency) = Currency::parse(&event.currency) else {
            return Ok(Ignored("a currency this service does not take"));
        };
        let Some(total) = from_stripe_amount(currency, event.amount_refunded) else {
            return Ok(Ignored("an amount of no whole minor unit"));
        };
        let stripe_account = match event.stripe_account.as_deref().map(StripeAccountId::parse) {
            None => None,
            Some(Ok(account)) => Some(account),
            Some(Err(_)) => return Ok(Ignored("not a Stripe account id")),
        };
        let route = Route {
            provider: Provider::Stripe,
            stripe_account,
            livemode,
        };
        let Some(stripe) = self.stripe_on(&route).await? else {
            return Ok(Ignored("no Stripe keys for its mode here"));
        };
        let Some(intent) = stripe.intent(&event.payment_intent).await? else {
            return Ok(Ignored("no such PaymentIntent"));
        };
        let metadata = &intent["metadata"];
        let account = metadata[ACCOUNT_ID_METADATA]
            .as_str()
            .and_then(|id| AccountId::parse(id).ok());
        let payment = metadata[PAYMENT_ID_METADATA]
            .as_str()
            .and_then(|id| PaymentId::parse(id).ok());
        let (Some(account), Some(payment)) = (account, payment) else {
            return Ok(Ignored("a PaymentIntent none of our payments made"));
        };
        let report = RefundReport {
            reference: event.payment_intent.clone(),
            currency,
            total,
        };
        let recorded = self
            .store
            .record_refund(&account, &payment, &report, Timestamp::now())
            .await?;
        Ok(match recorded {
            RefundOutcome::Recorded(payment) => RefundReported::Recorded {
                refunded: payment.refunded_total(),
                payment: payment.id,
            },
            RefundOutcome::NotFound => Ignored("no payment of ours by the id it names"),
            RefundOutcome::Refused(payment) => match payment.refund_decision(&report) {
                RefundDecision::AlreadyRecorded => RefundReported::AlreadyRecorded,
                RefundDecision::NotSettledYet => RefundReported::NotSettledYet,
                RefundDecision::Unrelated => Ignored("not the money its payment recorded"),
                RefundDecision::Record => {
                    return Err(StoreError::Internal(format!(
                        "the refund condition refused a refund of {} to record",
                        payment.id
                    ))
                    .into());
                }
            },
        })
    }
}
