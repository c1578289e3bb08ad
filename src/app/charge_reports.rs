//! What Stripe reports about a payment's charge once it is paid: refunds (`charge.refunded`,
//! such as one made in Stripe's dashboard) and disputes (`charge.dispute.*`). Each is recorded on
//! the payment by one conditional write that the table's stream turns into the merchant's event
//! (`payment.refunded`, `payment.disputed`, `payment.dispute_resolved`).

use super::{App, AppError};
use crate::domain::charge_report::{ReportDecision, ReportedCharge};
use crate::domain::dispute::DisputeReport;
use crate::domain::ids::{AccountId, PaymentId, StripeAccountId};
use crate::domain::money::Currency;
use crate::domain::payment::{Dispute, Payment, Provider, Route};
use crate::domain::refund::RefundReport;
use crate::domain::time::Timestamp;
use crate::provider::stripe::{ACCOUNT_ID_METADATA, PAYMENT_ID_METADATA, from_stripe_amount};
use crate::provider::stripe_events::{ChargeEvent, DisputeEvent};
use crate::store::{ReportOutcome, StoreError};

/// What a report about a payment's charge changed.
#[derive(Debug)]
pub enum ReportRecorded {
    /// Recorded now, on this payment.
    Recorded(PaymentId),
    /// Recorded as far along already (the same event again, or an older one late).
    AlreadyRecorded,
    /// The payment's outcome is not recorded yet: the report must come again later.
    NotSettledYet,
    /// Nothing of ours to record, and why.
    Ignored(&'static str),
}

/// The payment of ours a report is about, the charge as reported, and the report's amount in
/// the currency's minor units.
struct Reported {
    account: AccountId,
    payment: PaymentId,
    charge: ReportedCharge,
    amount: u64,
}

impl App {
    /// Records the refunded total `event` reports, if the refunded charge paid one of our
    /// payments: only a total more than recorded.
    pub async fn record_reported_refund(
        &self,
        event: &ChargeEvent,
        livemode: bool,
    ) -> Result<ReportRecorded, AppError> {
        let found = match self.reported(event, livemode).await? {
            Ok(found) => found,
            Err(why) => return Ok(ReportRecorded::Ignored(why)),
        };
        let report = RefundReport {
            charge: found.charge,
            total: found.amount,
        };
        let outcome = self
            .store
            .record_refund(&found.account, &found.payment, &report, Timestamp::now())
            .await?;
        recorded(outcome, |payment| payment.refund_decision(&report))
    }

    /// Records the dispute `event` reports, if the disputed charge paid one of our payments:
    /// only a dispute further along than recorded.
    pub async fn record_reported_dispute(
        &self,
        event: &DisputeEvent,
        livemode: bool,
    ) -> Result<ReportRecorded, AppError> {
        let found = match self.reported(&event.charge, livemode).await? {
            Ok(found) => found,
            Err(why) => return Ok(ReportRecorded::Ignored(why)),
        };
        let report = DisputeReport {
            charge: found.charge,
            dispute: Dispute {
                id: event.dispute_id.clone(),
                amount: found.amount,
                reason: event.reason.clone(),
                status: event.status,
            },
        };
        let outcome = self
            .store
            .record_dispute(&found.account, &found.payment, &report, Timestamp::now())
            .await?;
        recorded(outcome, |payment| payment.dispute_decision(&report))
    }

    /// Which of our payments `report` is about, else why none: the PaymentIntent that made the
    /// charge is read from Stripe (a charge or a dispute does not carry its metadata), in the
    /// mode whose endpoint secret signed the event and on the connected account the event
    /// names. What the metadata claims is only a lead: the write that follows holds only for a
    /// payment recorded as paid by this very PaymentIntent.
    async fn reported(
        &self,
        report: &ChargeEvent,
        livemode: bool,
    ) -> Result<Result<Reported, &'static str>, AppError> {
        let Ok(currency) = Currency::parse(&report.currency) else {
            return Ok(Err("a currency this service does not take"));
        };
        let Some(amount) = from_stripe_amount(currency, report.amount) else {
            return Ok(Err("an amount of no whole minor unit"));
        };
        let stripe_account = match report.stripe_account.as_deref().map(StripeAccountId::parse) {
            None => None,
            Some(Ok(account)) => Some(account),
            Some(Err(_)) => return Ok(Err("not a Stripe account id")),
        };
        let route = Route {
            provider: Provider::Stripe,
            stripe_account,
            livemode,
        };
        let Some(stripe) = self.stripe_on(&route).await? else {
            return Ok(Err("no Stripe keys for its mode here"));
        };
        let Some(intent) = stripe.intent(&report.payment_intent).await? else {
            return Ok(Err("no such PaymentIntent"));
        };
        let metadata = &intent["metadata"];
        let account = metadata[ACCOUNT_ID_METADATA]
            .as_str()
            .and_then(|id| AccountId::parse(id).ok());
        let payment = metadata[PAYMENT_ID_METADATA]
            .as_str()
            .and_then(|id| PaymentId::parse(id).ok());
        let (Some(account), Some(payment)) = (account, payment) else {
            return Ok(Err("a PaymentIntent none of our payments made"));
        };
        Ok(Ok(Reported {
            account,
            payment,
            charge: ReportedCharge {
                reference: report.payment_intent.clone(),
                currency,
            },
            amount,
        }))
    }
}

/// What the write did, said by the domain's decision when it was refused.
fn recorded(
    outcome: ReportOutcome,
    decide: impl Fn(&Payment) -> ReportDecision,
) -> Result<ReportRecorded, AppError> {
    Ok(match outcome {
        ReportOutcome::Recorded(payment) => ReportRecorded::Recorded(payment.id),
        ReportOutcome::NotFound => ReportRecorded::Ignored("no payment of ours by the id it names"),
        ReportOutcome::Refused(payment) => match decide(&payment) {
            ReportDecision::AlreadyRecorded => ReportRecorded::AlreadyRecorded,
            ReportDecision::NotSettledYet => ReportRecorded::NotSettledYet,
            ReportDecision::Unrelated => {
                ReportRecorded::Ignored("not the money its payment recorded")
            }
            ReportDecision::Record => {
                return Err(StoreError::Internal(format!(
                    "the condition refused a report on {} to record",
                    payment.id
                ))
                .into());
            }
        },
    })
}
