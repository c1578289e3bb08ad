//! The hosted page's view of a link: finding it by its public id, and the conditional steps of
//! an attempt (`pending`/`failed`/`requires_action` → `processing` → outcome).

use std::collections::HashMap;

use aws_sdk_dynamodb::types::AttributeValue;

use super::items::{LinkItem, from_item, string_key};
use super::payments::{payment_from, payment_key};
use super::write::Updated;
use super::{Store, StoreError, keys, rules};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::payment::{CardSummary, Failure, Payment, PaymentStatus};
use crate::domain::text::Email;
use crate::domain::time::Timestamp;

pub use crate::domain::payment::STALE_ATTEMPT_SECONDS;

/// One attempt to pay a link: the link as the attempt found it (now `processing`) and the version
/// that identifies the attempt, which every later write of the attempt is conditional on.
#[derive(Debug)]
pub struct Attempt {
    pub payment: Payment,
    pub version: u64,
    /// The e-mail the payer gave on the page for this attempt (a link without a customer asks
    /// for one; attempts begun before it was kept have none).
    pub payer_email: Option<Email>,
}

/// How an attempt ended without paying.
#[derive(Debug)]
pub struct Unpaid<'a> {
    /// `failed` or `requires_action`.
    pub status: PaymentStatus,
    pub failure: &'a Failure,
    /// The card the attempt was made with (none when the payer left before any was tried:
    /// the link keeps the card it showed).
    pub card: Option<&'a CardSummary>,
}

#[derive(Debug)]
pub enum BeginAttempt {
    /// The link is now `processing` for this attempt.
    Started(Attempt),
    /// The link cannot be paid now (paid, canceled, or another attempt is running).
    Refused(Payment),
    NotFound,
}

impl Store {
    /// The account a public page id belongs to (one consistent GetItem): the page item that was
    /// written with the link.
    pub async fn link_account(&self, id: &PaymentId) -> Result<Option<AccountId>, StoreError> {
        let item = self
            .get_consistent(string_key(keys::link(id), keys::LINK_SK))
            .await?;
        let Some(item) = item else {
            return Ok(None);
        };
        let link: LinkItem = from_item(item)?;
        AccountId::parse(&link.account_id)
            .map(Some)
            .map_err(StoreError::corrupt)
    }

    /// Moves a link to `processing` in one conditional UpdateItem (`rules::begin_attempt`). A
    /// cancel racing with this write conditions on `pending`, so exactly one of the two wins.
    pub async fn begin_attempt(
        &self,
        account: &AccountId,
        id: &PaymentId,
        payer_email: Option<&Email>,
        taken_over_since: Option<Timestamp>,
        now: Timestamp,
    ) -> Result<BeginAttempt, StoreError> {
        let stale = Timestamp::from_unix_millis(
            (now.datetime().unix_timestamp() - STALE_ATTEMPT_SECONDS) * 1000,
        )
        .map_err(StoreError::corrupt)?;
        match self
            .update_conditionally(
                payment_key(account, id),
                rules::begin_attempt(account, id, now, stale, payer_email, taken_over_since),
            )
            .await?
        {
            Updated::Applied(item) => Ok(BeginAttempt::Started(attempt_from(item)?)),
            Updated::Refused(Some(old)) => Ok(BeginAttempt::Refused(payment_from(old)?)),
            Updated::Refused(None) => Ok(BeginAttempt::NotFound),
        }
    }

    /// The payment `id` and its version: for a link, that of its current attempt (which a report
    /// of the attempt's outcome from elsewhere, the provider's webhook, must name). One
    /// consistent GetItem.
    pub async fn get_link_attempt(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<Option<Attempt>, StoreError> {
        let Some(item) = self.get_consistent(payment_key(account, id)).await? else {
            return Ok(None);
        };
        attempt_from(item).map(Some)
    }

    /// Ends an attempt that did not pay, conditional on it still being the current one; `None`
    /// when it no longer was (nothing written).
    pub async fn end_attempt_unpaid(
        &self,
        account: &AccountId,
        attempt: &Attempt,
        unpaid: Unpaid<'_>,
        now: Timestamp,
    ) -> Result<Option<Payment>, StoreError> {
        let change = rules::end_attempt_unpaid(
            account,
            attempt.version,
            unpaid.status,
            unpaid.failure,
            unpaid.card,
            now,
        );
        match self
            .update_conditionally(payment_key(account, &attempt.payment.id), change)
            .await?
        {
            Updated::Applied(item) => payment_from(item).map(Some),
            Updated::Refused(_) => Ok(None),
        }
    }

    /// Records on the link the provider payment `reference` its current attempt made, before
    /// it may be paid; `false` (nothing written) when the attempt is no longer the current
    /// one: taken over, or ended. Nothing may then be paid through it.
    pub async fn record_open_reference(
        &self,
        account: &AccountId,
        attempt: &Attempt,
        reference: &str,
    ) -> Result<bool, StoreError> {
        let change = rules::record_open_reference(attempt.version, reference);
        Ok(matches!(
            self.update_conditionally(payment_key(account, &attempt.payment.id), change)
                .await?,
            Updated::Applied(_)
        ))
    }
}

/// A link's payment item as its current attempt: the payment, its version and the payer's
/// e-mail kept with the attempt.
pub(super) fn attempt_from(item: HashMap<String, AttributeValue>) -> Result<Attempt, StoreError> {
    let version = match item.get("version") {
        Some(AttributeValue::N(n)) => n.parse().map_err(StoreError::corrupt)?,
        _ => return Err(StoreError::corrupt("payment without version")),
    };
    let payer_email = match item.get("attemptEmail") {
        Some(AttributeValue::S(email)) => Some(Email::parse(email).map_err(StoreError::corrupt)?),
        _ => None,
    };
    Ok(Attempt {
        payment: payment_from(item)?,
        version,
        payer_email,
    })
}
