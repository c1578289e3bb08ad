//! Refunds: those the provider reports (Stripe's `charge.refunded`, a refund made in Stripe's
//! dashboard) and those asked of the API (`POST /transactions/{id}/refund`), and what they
//! change on a payment. Stripe reports the running total refunded on a charge, never one refund
//! alone, so a report is recorded only when its total is more than the payment's; the same
//! report again, or an older one arriving late, changes nothing. A refund asked of the API is
//! always of what remains, so its total is what was paid, and the two kinds agree.

use super::Invalid;
use super::charge_report::{ReportDecision, ReportedCharge};
use super::payment::wire_enum;
use super::payment::{DisputeStatus, Payment, PaymentStatus, Refunds};
use super::time::Timestamp;

wire_enum!(
    /// Where a refund stands at the provider (Stripe's refund statuses; the sandbox's are
    /// `succeeded` at once).
    RefundStatus {
        Pending => "pending",
        RequiresAction => "requires_action",
        Succeeded => "succeeded",
        Failed => "failed",
        Canceled => "canceled",
    }
);

impl RefundStatus {
    /// Whether the money is on its way back: recorded as refunded (Stripe counts a pending
    /// refund in the charge's refunded total too).
    pub fn returns_money(self) -> bool {
        matches!(self, RefundStatus::Succeeded | RefundStatus::Pending)
    }
}

/// Why a payment cannot be refunded through the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NotRefundable {
    /// Only a succeeded payment has money to give back.
    NotPaid(PaymentStatus),
    /// All of it was refunded already.
    AlreadyRefunded,
    /// A cardholder's dispute is open or was lost: the money is the card network's to move.
    Disputed(DisputeStatus),
}

/// A refund the API is asked for: of what remains of a succeeded payment, in full.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RefundAsked {
    /// What it gives back, in minor units: what was paid less what was refunded before.
    pub amount: u64,
}

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

    /// Whether the API may refund this payment now, and how much: what remains of a succeeded
    /// payment without an open or lost dispute.
    pub fn refund_asked(&self) -> Result<RefundAsked, NotRefundable> {
        if self.status != PaymentStatus::Succeeded {
            return Err(NotRefundable::NotPaid(self.status));
        }
        if let Some(dispute) = &self.dispute
            && dispute.status != DisputeStatus::Won
        {
            return Err(NotRefundable::Disputed(dispute.status));
        }
        match self.amounts.total().checked_sub(self.refunded_total()) {
            Some(amount) if amount > 0 => Ok(RefundAsked { amount }),
            _ => Err(NotRefundable::AlreadyRefunded),
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
    use crate::domain::payment::tests::{disputed, paid};

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
    fn the_api_refunds_what_remains_of_a_succeeded_undisputed_payment() {
        let now = Timestamp::now();
        assert_eq!(paid().refund_asked(), Ok(RefundAsked { amount: 2500 }));
        let partly = paid().with_refund(&report(1000), now).unwrap();
        assert_eq!(partly.refund_asked(), Ok(RefundAsked { amount: 1500 }));
        let fully = partly.with_refund(&report(2500), now).unwrap();
        assert_eq!(fully.refund_asked(), Err(NotRefundable::AlreadyRefunded));
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Processing,
            PaymentStatus::Failed,
            PaymentStatus::RequiresAction,
            PaymentStatus::Canceled,
        ] {
            let unpaid = Payment { status, ..paid() };
            assert_eq!(unpaid.refund_asked(), Err(NotRefundable::NotPaid(status)));
        }
        for status in [DisputeStatus::Open, DisputeStatus::Lost] {
            assert_eq!(
                disputed(status).refund_asked(),
                Err(NotRefundable::Disputed(status))
            );
        }
        assert_eq!(
            disputed(DisputeStatus::Won).refund_asked(),
            Ok(RefundAsked { amount: 2500 })
        );
    }

    #[test]
    fn only_succeeded_and_pending_refunds_return_money() {
        let returning: Vec<_> = RefundStatus::ALL
            .iter()
            .filter(|status| status.returns_money())
            .map(|status| status.as_str())
            .collect();
        assert_eq!(returning, ["pending", "succeeded"]);
    }

    #[test]
    fn more_than_was_paid_is_not_this_payments_refund() {
        assert_eq!(
            paid().refund_decision(&report(2501)),
            ReportDecision::Unrelated
        );
    }
}
