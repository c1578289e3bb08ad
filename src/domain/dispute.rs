//! Disputes (chargebacks) the provider reports of a payment's charge (Stripe's
//! `charge.dispute.*`): what they change on a payment. A dispute only moves forward, from open to
//! closed won or lost; a report that would move it back (the same one again, an older one
//! arriving late) changes nothing, and a closed dispute first heard of is recorded closed.

use super::money::Currency;
use super::payment::{Dispute, DisputeStatus, Payment, PaymentStatus};
use super::time::Timestamp;

/// What the provider says of a dispute of one of its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeReport {
    /// The provider's payment it is about (Stripe's PaymentIntent `pi_…`).
    pub reference: String,
    pub currency: Currency,
    pub dispute: Dispute,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DisputeDecision {
    /// The dispute is new here, or further along than recorded: record it.
    Record,
    /// Recorded as far along already.
    AlreadyRecorded,
    /// The payment's outcome is not recorded yet: the report is to be heard again later.
    NotSettledYet,
    /// Not about this payment's money as recorded (another provider payment, another currency,
    /// more than was paid, a payment that never succeeded, another dispute than the one
    /// recorded): nothing to record.
    Unrelated,
}

impl DisputeStatus {
    /// How far along: a dispute is recorded only further along than it was.
    pub fn stage(self) -> u8 {
        match self {
            DisputeStatus::Open => 1,
            DisputeStatus::Won | DisputeStatus::Lost => 2,
        }
    }
}

impl Payment {
    /// The one status a dispute is recorded in. The store's conditional write is built from it.
    pub const DISPUTABLE: PaymentStatus = PaymentStatus::Succeeded;

    pub fn dispute_decision(&self, report: &DisputeReport) -> DisputeDecision {
        if self.status == PaymentStatus::Processing {
            return DisputeDecision::NotSettledYet;
        }
        let reported = &report.dispute;
        let ours = self.status == Self::DISPUTABLE
            && self.provider_reference.as_deref() == Some(report.reference.as_str())
            && self.currency == report.currency
            && reported.amount <= self.amounts.total();
        match (ours, &self.dispute) {
            (false, _) => DisputeDecision::Unrelated,
            (true, None) => DisputeDecision::Record,
            (true, Some(recorded)) if recorded.id != reported.id => DisputeDecision::Unrelated,
            (true, Some(recorded)) if recorded.status.stage() < reported.status.stage() => {
                DisputeDecision::Record
            }
            (true, Some(_)) => DisputeDecision::AlreadyRecorded,
        }
    }

    /// The payment as recording `report` at `now` leaves it, if the rule lets it be recorded.
    pub fn with_dispute(&self, report: &DisputeReport, now: Timestamp) -> Option<Payment> {
        (self.dispute_decision(report) == DisputeDecision::Record).then(|| Payment {
            dispute: Some(report.dispute.clone()),
            updated_at: now,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::tests::link;

    fn paid() -> Payment {
        Payment {
            status: PaymentStatus::Succeeded,
            provider_reference: Some("pi_1".into()),
            ..link()
        }
    }

    fn report(id: &str, status: DisputeStatus) -> DisputeReport {
        DisputeReport {
            reference: "pi_1".into(),
            currency: Currency::parse("usd").unwrap(),
            dispute: Dispute {
                id: id.into(),
                amount: 2500,
                reason: Some("fraudulent".into()),
                status,
            },
        }
    }

    #[test]
    fn a_dispute_is_recorded_open_then_closed_and_never_back() {
        let now = Timestamp::parse("2030-01-01T00:00:00.000Z").unwrap();
        let opened = paid()
            .with_dispute(&report("dp_1", DisputeStatus::Open), now)
            .unwrap();
        assert_eq!(opened.dispute.as_ref().unwrap().status, DisputeStatus::Open);
        assert_eq!(opened.updated_at, now);
        let lost = opened
            .with_dispute(&report("dp_1", DisputeStatus::Lost), now)
            .unwrap();
        assert_eq!(lost.dispute.as_ref().unwrap().status, DisputeStatus::Lost);
        assert_eq!(lost.status, PaymentStatus::Succeeded);
        for late in [DisputeStatus::Open, DisputeStatus::Lost, DisputeStatus::Won] {
            assert_eq!(
                lost.dispute_decision(&report("dp_1", late)),
                DisputeDecision::AlreadyRecorded,
                "{late:?}"
            );
        }
        assert_eq!(
            opened.dispute_decision(&report("dp_1", DisputeStatus::Open)),
            DisputeDecision::AlreadyRecorded
        );
    }

    #[test]
    fn a_closed_dispute_first_heard_of_is_recorded_closed() {
        let won = paid()
            .with_dispute(&report("dp_1", DisputeStatus::Won), Timestamp::now())
            .unwrap();
        assert_eq!(won.dispute.unwrap().status, DisputeStatus::Won);
    }

    #[test]
    fn a_report_not_about_the_recorded_money_is_unrelated() {
        let payment = paid();
        let mut other_intent = report("dp_1", DisputeStatus::Open);
        other_intent.reference = "pi_2".into();
        let mut other_currency = report("dp_1", DisputeStatus::Open);
        other_currency.currency = Currency::parse("eur").unwrap();
        let mut more_than_paid = report("dp_1", DisputeStatus::Open);
        more_than_paid.dispute.amount = 2501;
        for unrelated in [other_intent, other_currency, more_than_paid] {
            assert_eq!(
                payment.dispute_decision(&unrelated),
                DisputeDecision::Unrelated,
                "{unrelated:?}"
            );
        }
        let disputed = payment
            .with_dispute(&report("dp_1", DisputeStatus::Open), Timestamp::now())
            .unwrap();
        assert_eq!(
            disputed.dispute_decision(&report("dp_2", DisputeStatus::Lost)),
            DisputeDecision::Unrelated
        );
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Failed,
            PaymentStatus::Canceled,
        ] {
            let payment = Payment { status, ..paid() };
            assert_eq!(
                payment.dispute_decision(&report("dp_1", DisputeStatus::Open)),
                DisputeDecision::Unrelated
            );
        }
        let processing = Payment {
            status: PaymentStatus::Processing,
            ..paid()
        };
        assert_eq!(
            processing.dispute_decision(&report("dp_1", DisputeStatus::Open)),
            DisputeDecision::NotSettledYet
        );
    }
}
