//! Refunds Stripe reports (`charge.refunded`, such as a refund made in Stripe's dashboard): which
//! of our payments the refunded charge paid, and its new refunded total, recorded by one
//! conditional write that the table's stream turns into `payment.refunded`.

use super::{App, AppError, ReportRecorded};
use crate::domain::money::Currency;
use crate::domain::refund::{RefundDecision, RefundReport};
use crate::domain::time::Timestamp;
use crate::provider::stripe::from_stripe_amount;
use crate::provider::stripe_events::RefundEvent;
use crate::store::{ReportOutcome, StoreError};

impl App {
    /// Records the refunded total `event` reports, if the refunded charge paid one of our
    /// payments (`payment_of_intent`): the write holds only if that payment was paid by that
    /// PaymentIntent.
    pub async fn record_reported_refund(
        &self,
        event: &RefundEvent,
        livemode: bool,
    ) -> Result<ReportRecorded, AppError> {
        use ReportRecorded::Ignored;
        let Ok(currency) = Currency::parse(&event.currency) else {
            return Ok(Ignored("a currency this service does not take"));
        };
        let Some(total) = from_stripe_amount(currency, event.amount_refunded) else {
            return Ok(Ignored("an amount of no whole minor unit"));
        };
        let payment = self
            .payment_of_intent(
                livemode,
                event.stripe_account.as_deref(),
                &event.payment_intent,
            )
            .await?;
        let (account, payment) = match payment {
            Ok(found) => found,
            Err(why) => return Ok(Ignored(why)),
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
            ReportOutcome::Recorded(payment) => ReportRecorded::Recorded(payment.id),
            ReportOutcome::NotFound => Ignored("no payment of ours by the id it names"),
            ReportOutcome::Refused(payment) => match payment.refund_decision(&report) {
                RefundDecision::AlreadyRecorded => ReportRecorded::AlreadyRecorded,
                RefundDecision::NotSettledYet => ReportRecorded::NotSettledYet,
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
