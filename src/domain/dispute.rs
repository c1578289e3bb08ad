//! Disputes (chargebacks) the provider reports of a payment's charge (Stripe's
//! `charge.dispute.*`): what they change on a payment. A dispute only moves forward, from open to
//! closed won or lost; a report that would move it back (the same one again, an older one
//! arriving late) changes nothing, and a closed dispute first heard of is recorded closed.

use super::charge_report::{ReportDecision, ReportedCharge};
use super::payment::{Dispute, DisputeStatus, Payment};
use super::time::Timestamp;

/// What the provider says of a dispute of one of its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisputeReport {
    pub charge: ReportedCharge,
    pub dispute: Dispute,
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
    /// Another dispute than the one recorded is not recorded (a charge is disputed once).
    pub fn dispute_decision(&self, report: &DisputeReport) -> ReportDecision {
        let reported = &report.dispute;
        if let Some(decision) = self.report_standing(&report.charge, reported.amount) {
            return decision;
        }
        match &self.dispute {
            None => ReportDecision::Record,
            Some(recorded) if recorded.id != reported.id => ReportDecision::Unrelated,
            Some(recorded) if recorded.status.stage() < reported.status.stage() => {
                ReportDecision::Record
            }
            Some(_) => ReportDecision::AlreadyRecorded,
        }
    }

    /// The payment as recording `report` at `now` leaves it, if the rule lets it be recorded.
    pub fn with_dispute(&self, report: &DisputeReport, now: Timestamp) -> Option<Payment> {
        (self.dispute_decision(report) == ReportDecision::Record).then(|| Payment {
            dispute: Some(report.dispute.clone()),
            updated_at: now,
            ..self.clone()
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::money::Currency;
    use crate::domain::payment::PaymentStatus;
    use crate::domain::payment::tests::paid;

    fn report(id: &str, status: DisputeStatus) -> DisputeReport {
        DisputeReport {
            charge: ReportedCharge {
                reference: "pi_1".into(),
                currency: Currency::parse("usd").unwrap(),
            },
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
                ReportDecision::AlreadyRecorded,
                "{late:?}"
            );
        }
        assert_eq!(
            opened.dispute_decision(&report("dp_1", DisputeStatus::Open)),
            ReportDecision::AlreadyRecorded
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
    fn another_dispute_than_the_one_recorded_is_not_recorded() {
        let disputed = paid()
            .with_dispute(&report("dp_1", DisputeStatus::Open), Timestamp::now())
            .unwrap();
        assert_eq!(
            disputed.dispute_decision(&report("dp_2", DisputeStatus::Lost)),
            ReportDecision::Unrelated
        );
        let mut more_than_paid = report("dp_1", DisputeStatus::Open);
        more_than_paid.dispute.amount = 2501;
        assert_eq!(
            paid().dispute_decision(&more_than_paid),
            ReportDecision::Unrelated
        );
    }
}
