//! Live links' attempts that were left (`domain::link_check`): once a link's check is due, an
//! attempt still `processing` is settled as Stripe has it. A PaymentIntent of the link that
//! succeeded pays it (the page died after Stripe charged, and no webhook of Stripe's recorded
//! it); else the link's open PaymentIntents are canceled, so that the client secret a browser
//! still holds pays nothing later, and the attempt ends `failed` (`attempt_abandoned`), the
//! link payable again.

use tokio::task::JoinSet;

use super::charges::{Reported, leased_outcomes};
use super::{App, AppError};
use crate::domain::delivery::later;
use crate::domain::ids::AccountId;
use crate::domain::link_check::{LINK_CHECK_LEASE, LinkCheck, abandoned, attempt_left};
use crate::domain::payment::{PaymentStatus, Route};
use crate::domain::time::Timestamp;
use crate::provider::ProviderError;
use crate::store::{Attempt, StoreError, Unpaid};

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct LinkCheckReport {
    /// Due checks this run took.
    pub checked: usize,
    /// Left attempts it recorded paid, from a PaymentIntent that succeeded.
    pub paid: usize,
    /// Left attempts it ended unpaid.
    pub abandoned: usize,
    /// Checks it could not settle (Stripe or the table failed): leased, they wait for a run
    /// after the lease.
    pub unsettled: usize,
}

/// What one check came to.
enum Checked {
    /// The link was settled already (by its page, Stripe's webhook, another attempt), or is
    /// gone: nothing to do.
    AlreadySettled,
    Paid,
    Abandoned,
    /// A newer attempt runs: its own check is due later.
    NotYet,
}

impl App {
    /// Settles the left attempts of the link checks due at `now` (at most `limit`, all at once):
    /// each is leased, its link read, and an attempt still `processing` settled at Stripe.
    pub async fn settle_left_links(
        &'static self,
        now: Timestamp,
        limit: usize,
    ) -> Result<LinkCheckReport, StoreError> {
        let due = self.store.due_link_checks(now, limit).await?;
        let mut checks = JoinSet::new();
        for (account, check) in due {
            checks.spawn(async move {
                let until = later(now, LINK_CHECK_LEASE);
                if !self.store.lease_link_check(&account, &check, until).await? {
                    return Ok::<_, StoreError>(None);
                }
                Ok(Some(
                    self.settle_left_link(&account, &check, until, now).await,
                ))
            });
        }
        let mut report = LinkCheckReport::default();
        for settled in leased_outcomes(checks).await? {
            report.checked += 1;
            match settled {
                Ok(Checked::Paid) => report.paid += 1,
                Ok(Checked::Abandoned) => report.abandoned += 1,
                Ok(Checked::AlreadySettled | Checked::NotYet) => {}
                // Left leased: the next run after the lease looks again.
                Err(error) => {
                    report.unsettled += 1;
                    tracing::warn!(%error, "a left link attempt not settled");
                }
            }
        }
        Ok(report)
    }

    /// One leased check (`leased`: its time now): the link settled, then the check removed.
    async fn settle_left_link(
        &self,
        account: &AccountId,
        check: &LinkCheck,
        leased: Timestamp,
        now: Timestamp,
    ) -> Result<Checked, AppError> {
        let link = &check.payment_id;
        let settled = match self.store.get_link_attempt(account, link).await? {
            Some(attempt) if attempt.payment.status == PaymentStatus::Processing => {
                if !attempt_left(&attempt.payment, now) {
                    return Ok(Checked::NotYet);
                }
                self.settle_at_stripe(account, attempt, now).await?
            }
            _ => Checked::AlreadySettled,
        };
        tracing::info!(
            account = %account,
            payment = %link,
            paid = matches!(settled, Checked::Paid),
            abandoned = matches!(settled, Checked::Abandoned),
            "link check settled"
        );
        self.store.remove_link_check(account, link, leased).await?;
        Ok(settled)
    }

    /// A left attempt, as Stripe has it: paid by the link's PaymentIntent that succeeded, else
    /// ended unpaid (its open ones canceled first).
    async fn settle_at_stripe(
        &self,
        account: &AccountId,
        attempt: Attempt,
        now: Timestamp,
    ) -> Result<Checked, AppError> {
        let stripe = self
            .stripe_on(&Route::of(&attempt.payment))
            .await?
            .ok_or_else(|| ProviderError("no Stripe here to settle a live link".into()))?;
        // Back to the earliest attempt this one took over, if it took over any.
        let began = attempt
            .payment
            .open_attempts_since()
            .map_or(0, |at| at.datetime().unix_timestamp());
        let link = attempt.payment.id.as_str();
        let references = &attempt.payment.open_references;
        if let Some(paid) = stripe.settle_open_attempts(link, references, began).await? {
            return Ok(
                match self
                    .record_paid_link(&stripe, account, attempt, &paid)
                    .await?
                {
                    Reported::Recorded(_) => Checked::Paid,
                    _ => Checked::AlreadySettled,
                },
            );
        }
        let failure = abandoned();
        let unpaid = Unpaid {
            status: PaymentStatus::Failed,
            failure: &failure,
            card: None,
        };
        Ok(
            match self
                .store
                .end_attempt_unpaid(account, &attempt, unpaid, now)
                .await?
            {
                Some(_) => Checked::Abandoned,
                None => Checked::AlreadySettled,
            },
        )
    }
}
