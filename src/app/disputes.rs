//! Disputes (chargebacks) Stripe reports (`charge.dispute.*`): which of our payments the
//! disputed charge paid, and where its dispute stands, recorded by one conditional write that the
//! table's stream turns into `payment.disputed` and `payment.dispute_resolved`.

use super::{App, AppError, ReportRecorded};
use crate::domain::dispute::{DisputeDecision, DisputeReport};
use crate::domain::money::Currency;
use crate::domain::payment::Dispute;
use crate::domain::time::Timestamp;
use crate::provider::stripe::from_stripe_amount;
use crate::provider::stripe_events::DisputeEvent;
use crate::store::{ReportOutcome, StoreError};

impl App {
    /// Records the dispute `event` reports, if the disputed charge paid one of our payments
    /// (`payment_of_intent`): the write holds only if that payment was paid by that
    /// PaymentIntent, and only moves its dispute forward.
    pub async fn record_reported_dispute(
        &self,
        event: &DisputeEvent,
        livemode: bool,
    ) -> Result<ReportRecorded, AppError> {
        use ReportRecorded::Ignored;
        let Ok(currency) = Currency::parse(&event.currency) else {
            return Ok(Ignored("a currency this service does not take"));
        };
        let Some(amount) = from_stripe_amount(currency, event.amount) else {
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
        let report = DisputeReport {
            reference: event.payment_intent.clone(),
            currency,
            dispute: Dispute {
                id: event.dispute_id.clone(),
                amount,
                reason: event.reason.clone(),
                status: event.status,
            },
        };
        let recorded = self
            .store
            .record_dispute(&account, &payment, &report, Timestamp::now())
            .await?;
        Ok(match recorded {
            ReportOutcome::Recorded(payment) => ReportRecorded::Recorded(payment.id),
            ReportOutcome::NotFound => Ignored("no payment of ours by the id it names"),
            ReportOutcome::Refused(payment) => match payment.dispute_decision(&report) {
                DisputeDecision::AlreadyRecorded => ReportRecorded::AlreadyRecorded,
                DisputeDecision::NotSettledYet => ReportRecorded::NotSettledYet,
                DisputeDecision::Unrelated => Ignored("not the money its payment recorded"),
                DisputeDecision::Record => {
                    return Err(StoreError::Internal(format!(
                        "the dispute condition refused a dispute of {} to record",
                        payment.id
                    ))
                    .into());
                }
            },
        })
    }
}
