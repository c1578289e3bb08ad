//! How many mails an account sent in a clock hour (`domain::mail_cap`): one small item per
//! account and hour, counted up by one conditional write just before each mail goes, so that
//! concurrent senders never count past the cap and never need to read it first.

use super::items::string_key;
use super::{Store, StoreError, keys, rules};
use crate::domain::ids::AccountId;
use crate::domain::mail_cap::{MailCap, MailHour};

impl Store {
    /// Counts one mail of `account` in `hour`, if fewer than `cap` were counted there: whether
    /// it may go.
    pub async fn count_mail(
        &self,
        account: &AccountId,
        hour: &MailHour,
        cap: MailCap,
    ) -> Result<bool, StoreError> {
        let key = string_key(keys::mail_count(account, &hour.label), keys::MAIL_COUNT_SK);
        self.update_if(key, rules::count_mail(cap, hour)).await
    }

    /// Takes back one mail counted in `hour` that surely did not go (SES refused it), so that
    /// it does not use up one of the hour's mails: one conditional write, never below zero.
    pub async fn uncount_mail(
        &self,
        account: &AccountId,
        hour: &MailHour,
    ) -> Result<(), StoreError> {
        let key = string_key(keys::mail_count(account, &hour.label), keys::MAIL_COUNT_SK);
        // Refused: nothing counted (the item expired with its hour's day): nothing to take back.
        self.update_if(key, rules::uncount_mail()).await.map(drop)
    }
}
