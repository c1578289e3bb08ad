//! Refunds the provider reports (Stripe's `charge.refunded`, a refund made in Stripe's
//! dashboard): what they change on a payment. Stripe reports the running total refunded on a
//! charge, never one refund alone, so a report is recorded only when its total is more than the
//! payment's; the same report again, or an older one arriving late, changes nothing.

use super::money::Currency;
use super::payment::{Payment, PaymentStatus, Refunds};
use super::time::Timestamp;

/// What the provider says has been refunded of one of its payments.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RefundReport {
    /// The provider's payment it is about (Stripe's PaymentIntent `pi_…`).
    pub reference: String,
    pub currency: Currency,
    /// Refunded so far, all refunds together, in minor units of `currency`.
    pub total: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RefundDecision {
    /// More has been refunded than recorded: record it.
    Record,
    /// This total (or more) is recorded already.
    AlreadyRecorded,
    /// The payment's outcome is not recorded yet (a charge or an attempt still `processing`):
    /// the report is to be heard again later, once it is.
    NotSettledYet,
    /// Not about this payment's money as recorded (another provider payment, another currency,
    /// more than was paid, a payment that never succeeded): nothing to record.
    Unrelated,
}

impl Payment {
    /// The one status a refund is recorded in. The store's conditional write is built from it.
    pub const REFUNDABLE: PaymentStatus = PaymentStatus::Succeeded;

    pub fn refunded_total(&self) -> u64 {
        self.refunds.map_or(0, |refunds| refunds.total)
    }

    pub fn refund_decision(&self, report: &RefundReport) -> RefundDecision {
        if self.status == PaymentStatus::Processing {
            return RefundDecision::NotSettledYet;
        }
        let ours = self.status == Self::REFUNDABLE
            && self.provider_reference.as_deref() == Some(report.reference.as_str())
            && self.currency == report.currency
            && report.total <= self.amounts.total();
        match ours {
            false => RefundDecision::Unrelated,
            true if report.total <= self.refunded_total() => RefundDecision::AlreadyRecorded,
            true => RefundDecision::Record,
        }
    }

    /// The payment as recording `report` at `now` leaves it, if the rule lets it be recorded.
    pub fn with_refund(&self, report: &RefundReport, now: Timestamp) -> Option<Payment> {
        (self.refund_decision(report) == RefundDecision::Record).then(|| Payment {
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
            reference: "pi_1".into(),
            currency: Currency::parse("usd").unwrap(),
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
                RefundDecision::AlreadyRecorded
            );
            assert!(partly.with_refund(&report(total), now).is_none());
        }
    }

    #[test]
    fn a_report_not_about_the_recorded_money_is_unrelated() {
        let payment = paid();
        let other_intent = RefundReport {
            reference: "pi_2".into(),
            ..report(100)
        };
        let other_currency = RefundReport {
            currency: Currency::parse("eur").unwrap(),
            ..report(100)
        };
        for unrelated in [other_intent, other_currency, report(2501)] {
            assert_eq!(
                payment.refund_decision(&unrelated),
                RefundDecision::Unrelated,
                "{unrelated:?}"
            );
        }
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Failed,
            PaymentStatus::RequiresAction,
            PaymentStatus::Canceled,
        ] {
            let payment = Payment { status, ..paid() };
            assert_eq!(
                payment.refund_decision(&report(100)),
                RefundDecision::Unrelated
            );
        }
    }

    #[test]
    fn a_payment_still_processing_hears_the_report_later() {
        let payment = Payment {
            status: PaymentStatus::Processing,
            ..paid()
        };
        assert_eq!(
            payment.refund_decision(&report(100)),
            RefundDecision::NotSettledYet
        );
    }
}
