//! Refunds the provider reports (Stripe's `charge.refunded`, a refund made in Stripe's
//! dashboard): what they change on a payment. Stripe reports the running total refunded on a
//! charge, never one refund alone, so a report is recorded only when its total is more than the
//! payment's; the same report again, or an older one arriving late, changes nothing.

use super::charge_report::{ReportDecision, ReportedCharge};
use super::payment::{Payment, Refunds};
use super::time::Timestamp;

/// What the provider says has been refunded of one of its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReport {
    pub charge: ReportedCharge,
    /// Refunded so far, all refunds together, in minor units of the charge's currency.
    pub total: u64,
}

impl Payment {
    pub fn refunded_total(&self) -> u64 {
        self.refunds.map_or(0, |refunds| refunds.total)
    }

    pub fn refund_decision(&self, report: &RefundReport) -> ReportDecision {
        match self.report_standing(&report.charge, report.total) {
            Some(decision) => decision,
            None if report.total <= self.refunded_total() => ReportDecision::AlreadyRecorded,
            None => ReportDecision::Record,
        }
    }

    /// The payment as recording `report` at `now` leaves it, if the rule lets it be recorded.
    pub fn with_refund(&self, report: &RefundReport, now: Timestamp) -> Option<Payment> {
        (self.refund_decision(report) == ReportDecision::Record).then(|| Payment {
            refunds: Some(Refunds {
                total: report.total,
                last: report.total - self.refunded_total(),
            }),
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
    use crate::domain::payment::tests::link;

    fn paid() -> Payment {
        Payment {
            status: PaymentStatus::Succeeded,
            provider_reference: Some("pi_1".into()),
            ..link()
        }
    }

    fn report(total: u64) -> RefundReport {
        RefundReport {
            charge: ReportedCharge {
                reference: "pi_1".into(),
                currency: Currency::parse("usd").unwrap(),
            },
            total,
        }
    }

    #[test]
    fn each_larger_total_is_recorded_with_what_it_added() {
        let now = Timestamp::parse("2030-01-01T00:00:00.000Z").unwrap();
        let partly = paid().with_refund(&report(1000), now).unwrap();
        assert_eq!(
            partly.refunds,
            Some(Refunds {
                total: 1000,
                last: 1000
            })
        );
        assert_eq!(partly.updated_at, now);
        let fully = partly.with_refund(&report(2500), now).unwrap();
        assert_eq!(
            fully.refunds,
            Some(Refunds {
                total: 2500,
                last: 1500
            })
        );
        assert_eq!(fully.status, PaymentStatus::Succeeded);
    }

    #[test]
    fn the_same_or_an_older_total_again_changes_nothing() {
        let now = Timestamp::now();
        let partly = paid().with_refund(&report(1000), now).unwrap();
        for total in [1000, 999, 0] {
            assert_eq!(
                partly.refund_decision(&report(total)),
                ReportDecision::AlreadyRecorded
            );
            assert!(partly.with_refund(&report(total), now).is_none());
        }
    }

    #[test]
    fn more_than_was_paid_is_not_this_payments_refund() {
        assert_eq!(
            paid().refund_decision(&report(2501)),
            ReportDecision::Unrelated
        );
    }
}
