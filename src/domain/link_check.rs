//! A hosted-page attempt at a link paid through Stripe that nobody may be left to finish. A
//! check is written before each such attempt; once it is due, the reconciler reads the link,
//! and an attempt still `processing` by then was left: the payer closed the page in the middle
//! of authenticating (Stripe sends nothing about a PaymentIntent left waiting), or the
//! invocation died after Stripe charged and no webhook of Stripe's recorded it. Stripe then
//! decides how it ends, so that no link shows `processing` for good.

use std::time::Duration;

use super::delivery::later;
use super::ids::PaymentId;
use super::payment::{Failure, Payment, PaymentKind, PaymentStatus};
use super::time::Timestamp;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LinkCheck {
    pub payment_id: PaymentId,
    /// When the reconciler may take it.
    pub check_at: Timestamp,
}

/// Well past the 120 s after which another attempt may take the link over (a payer who comes
/// back is served by that), and past how long a bank's authentication window stays open: a
/// payer still authenticating is not cut off.
pub const LINK_CHECK_AFTER: Duration = Duration::from_secs(15 * 60);

/// How long one reconciler run holds a check before another may take it over.
pub const LINK_CHECK_LEASE: Duration = Duration::from_secs(120);

/// The code and message a left attempt ends with, when Stripe charged nothing for it.
pub const ABANDONED_CODE: &str = "attempt_abandoned";

impl LinkCheck {
    /// The check of an attempt beginning at `attempt_at`.
    pub fn new(payment_id: PaymentId, attempt_at: Timestamp) -> Self {
        Self {
            payment_id,
            check_at: later(attempt_at, LINK_CHECK_AFTER),
        }
    }
}

/// Whether `payment` is a link whose attempt was left at `now`: still `processing`, begun at
/// least `LINK_CHECK_AFTER` before.
pub fn attempt_left(payment: &Payment, now: Timestamp) -> bool {
    let Some(started) = payment.attempt_started_at else {
        return false;
    };
    payment.kind == PaymentKind::Link
        && payment.status == PaymentStatus::Processing
        && later(started, LINK_CHECK_AFTER) <= now
}

/// Why a left attempt that Stripe charged nothing for ended.
pub fn abandoned() -> Failure {
    Failure {
        code: ABANDONED_CODE.to_owned(),
        message: "The payer left before the payment finished; the link can be paid again."
            .to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_attempt_is_left_only_once_the_check_is_due_and_only_while_processing() {
        let start = Timestamp::parse("2026-01-01T00:00:00.000Z").unwrap();
        let check = LinkCheck::new(PaymentId::generate(), start);
        assert_eq!(check.check_at.to_string(), "2026-01-01T00:15:00.000Z");
        let mut link = crate::domain::payment::tests::link();
        link.status = PaymentStatus::Processing;
        link.attempt_started_at = Some(start);
        let just_before = Timestamp::parse("2026-01-01T00:14:59.999Z").unwrap();
        assert!(!attempt_left(&link, just_before));
        assert!(attempt_left(&link, check.check_at));
        for status in [
            PaymentStatus::Succeeded,
            PaymentStatus::Failed,
            PaymentStatus::Pending,
        ] {
            link.status = status;
            assert!(!attempt_left(&link, check.check_at), "{status:?}");
        }
        link.status = PaymentStatus::Processing;
        link.attempt_started_at = None;
        assert!(!attempt_left(&link, check.check_at));
    }
}
