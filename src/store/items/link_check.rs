use serde::{Deserialize, Serialize};

use super::{StoreError, check_due_key, keys, stored};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::link_check::LinkCheck;
use crate::domain::time::Timestamp;

/// A live link's attempt to look at, beside its payment; in the due index (`gsi2`, partition
/// `LCHKDUE`) by when the reconciler may take it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LinkCheckItem {
    pub pk: String,
    pub sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    pub account_id: String,
    pub payment_id: String,
    pub check_at: String,
}

impl LinkCheckItem {
    pub fn new(account: &AccountId, check: &LinkCheck) -> Self {
        Self {
            pk: keys::payment(account, &check.payment_id),
            sk: keys::LINK_CHECK_SK.to_owned(),
            gsi2pk: keys::DUE_LINK_CHECKS.to_owned(),
            gsi2sk: check_due_key(&check.check_at, &check.payment_id),
            account_id: account.to_string(),
            payment_id: check.payment_id.to_string(),
            check_at: check.check_at.to_string(),
        }
    }

    pub fn into_domain(self) -> Result<(AccountId, LinkCheck), StoreError> {
        Ok((
            stored("accountId", AccountId::parse(&self.account_id))?,
            LinkCheck {
                payment_id: stored("paymentId", PaymentId::parse(&self.payment_id))?,
                check_at: stored("checkAt", Timestamp::parse(&self.check_at))?,
            },
        ))
    }
}
