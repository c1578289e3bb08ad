//! Checks of live links' attempts (`domain::link_check`): written before an attempt, found by
//! the reconciler through the due index once the attempt may have been left, and removed when
//! the link is seen settled.

use super::items::{Item, LinkCheckItem, from_item, string_key, to_item};
use super::write::{Bind, Condition};
use super::{Store, StoreError, keys, rules};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::link_check::LinkCheck;
use crate::domain::time::Timestamp;

fn link_check_key(account: &AccountId, id: &PaymentId) -> Item {
    string_key(keys::payment(account, id), keys::LINK_CHECK_SK)
}

impl Store {
    /// Writes the check of the link's next attempt (one PutItem), replacing the one of an
    /// earlier attempt: a link has one check, due after its latest attempt.
    pub async fn schedule_link_check(
        &self,
        account: &AccountId,
        check: &LinkCheck,
    ) -> Result<(), StoreError> {
        self.put(to_item(&LinkCheckItem::new(account, check))?)
            .await
    }

    /// Link checks the reconciler may take at `now`, the most overdue first: one Query of the
    /// due index.
    pub async fn due_link_checks(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(AccountId, LinkCheck)>, StoreError> {
        self.due(keys::DUE_LINK_CHECKS, now, limit)
            .await?
            .into_iter()
            .map(|item| from_item::<LinkCheckItem>(item)?.into_domain())
            .collect()
    }

    /// Takes a due check by moving its time to `until` (when another run may take it over), if
    /// it is still as `seen`: false when another run took it, or a new attempt replaced it.
    pub async fn lease_link_check(
        &self,
        account: &AccountId,
        seen: &LinkCheck,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let change = rules::lease_check(seen.check_at, until, &seen.payment_id);
        self.update_if(link_check_key(account, &seen.payment_id), change)
            .await
    }

    /// Removes the check as leased (`leased`: its time then), unless a new attempt replaced it.
    pub async fn remove_link_check(
        &self,
        account: &AccountId,
        id: &PaymentId,
        leased: Timestamp,
    ) -> Result<bool, StoreError> {
        let condition = Condition::new("checkAt = :leased").text(":leased", leased.to_string());
        self.delete_if(link_check_key(account, id), condition).await
    }
}
