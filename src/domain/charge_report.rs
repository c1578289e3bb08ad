//! What a provider reports about a payment's charge once it is paid (a refund, a dispute): the
//! part both share, whether a report is about this payment's money at all.

use super::money::Currency;
use super::payment::{Payment, PaymentStatus};

/// The provider payment a report is about, and its currency.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReportedCharge {
    /// The provider's payment (Stripe's PaymentIntent `pi_…`).
    pub reference: String,
    pub currency: Currency,
}

/// What recording a report does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportDecision {
    /// It says more than recorded: record it.
    Record,
    /// Recorded as far along already (the same report again, an older one late).
    AlreadyRecorded,
    /// The payment's outcome is not recorded yet (a charge or an attempt still `processing`):
    /// the report is to be heard again later, once it is.
    NotSettledYet,
    /// Not about this payment's money as recorded (another provider payment, another currency,
    /// more than was paid, a payment that never succeeded): nothing to record.
    Unrelated,
}

impl Payment {
    /// The one status a report about the charge is recorded in. The store's conditional writes
    /// are built from it.
    pub const REPORTABLE: PaymentStatus = PaymentStatus::Succeeded;

    /// `None` when a report of `amount` about `charge` is about this payment's paid money:
    /// recorded as succeeded, paid by that provider payment, in its currency, `amount` no more
    /// than was paid. Else the decision such a report gets whatever it says.
    pub fn report_standing(&self, charge: &ReportedCharge, amount: u64) -> Option<ReportDecision> {
        if self.status == PaymentStatus::Processing {
            return Some(ReportDecision::NotSettledYet);
        }
        let ours = self.status == Self::REPORTABLE
            && self.provider_reference.as_deref() == Some(charge.reference.as_str())
            && self.currency == charge.currency
            && amount <= self.amounts.total();
        (!ours).then_some(ReportDecision::Unrelated)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::payment::tests::link;

    #[test]
    fn only_a_paid_payments_own_money_stands() {
        let paid = Payment {
            status: PaymentStatus::Succeeded,
            provider_reference: Some("pi_1".into()),
            ..link()
        };
        let charge = |reference: &str, currency: &str| ReportedCharge {
            reference: reference.into(),
            currency: Currency::parse(currency).unwrap(),
        };
        assert_eq!(paid.report_standing(&charge("pi_1", "usd"), 2500), None);
        for (reference, currency, amount) in [
            ("pi_2", "usd", 100),
            ("pi_1", "eur", 100),
            ("pi_1", "usd", 2501),
        ] {
            assert_eq!(
                paid.report_standing(&charge(reference, currency), amount),
                Some(ReportDecision::Unrelated),
                "{reference} {currency} {amount}"
            );
        }
        for status in [
            PaymentStatus::Pending,
            PaymentStatus::Failed,
            PaymentStatus::RequiresAction,
            PaymentStatus::Canceled,
        ] {
            let payment = Payment {
                status,
                ..paid.clone()
            };
            assert_eq!(
                payment.report_standing(&charge("pi_1", "usd"), 100),
                Some(ReportDecision::Unrelated)
            );
        }
        let processing = Payment {
            status: PaymentStatus::Processing,
            ..paid
        };
        assert_eq!(
            processing.report_standing(&charge("pi_1", "usd"), 100),
            Some(ReportDecision::NotSettledYet)
        );
    }
}
