//! Charges asked of the provider whose outcome is not recorded yet. One is written with its
//! `processing` payment and removed by the transaction that records the outcome, so one still
//! there `CHECK_AFTER` later belongs to an invocation that died between the provider's answer and
//! that write. The reconciler then asks the provider again, the same request under the same
//! idempotency key, and records the answer through the same completion.

use std::time::Duration;

use super::card::PaymentMethod;
use super::delivery::later;
use super::ids::PaymentId;
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PendingCharge {
    pub payment_id: PaymentId,
    /// The saved method the charge was asked with: asked again, it must be the same request,
    /// whatever the customer's card is by then.
    pub method: PaymentMethod,
    /// When the reconciler may take it.
    pub check_at: Timestamp,
}

/// Longer than any invocation lives (the function timeout is 10 s, the provider's own 10 s
/// inside it): a charge still `processing` then has nobody left to finish it.
pub const CHECK_AFTER: Duration = Duration::from_secs(60);

/// How long one reconciler run holds a pending charge before another may take it over.
pub const CHECK_LEASE: Duration = Duration::from_secs(120);

impl PendingCharge {
    pub fn new(payment_id: PaymentId, method: PaymentMethod, asked_at: Timestamp) -> Self {
        Self {
            payment_id,
            method,
            check_at: later(asked_at, CHECK_AFTER),
        }
    }

    /// The provider key the charge is asked under, every time: its payment's id, which a
    /// retried request derives again from its Idempotency-Key.
    pub fn provider_key(&self) -> &str {
        self.payment_id.as_str()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_pending_charge_is_checked_only_after_any_invocation_could_still_finish_it() {
        let asked = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
        let method = PaymentMethod {
            token: "pm_sbx_ok_1".into(),
            brand: "visa".into(),
            last4: "4242".into(),
            exp_month: 12,
            exp_year: 2034,
            provider_customer: None,
        };
        let id = PaymentId::generate();
        let pending = PendingCharge::new(id.clone(), method, asked);
        assert_eq!(pending.check_at.to_string(), "2026-01-01T00:01:00.000Z");
        assert_eq!(pending.provider_key(), id.as_str());
    }
}
