use serde::{Deserialize, Serialize};

use super::{PaymentMethodItem, StoreError, check_due_key, keys, stored};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::pending_charge::PendingCharge;
use crate::domain::time::Timestamp;

/// A charge whose outcome is not recorded yet, beside its payment; in the due index (`gsi2`,
/// partition `PCHGDUE`) by when the reconciler may check it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct PendingChargeItem {
    pub pk: String,
    pub sk: String,
    pub gsi2pk: String,
    pub gsi2sk: String,
    pub account_id: String,
    pub payment_id: String,
    pub method: PaymentMethodItem,
    pub check_at: String,
}

impl PendingChargeItem {
    pub fn new(account: &AccountId, pending: &PendingCharge) -> Self {
        Self {
            pk: keys::payment(account, &pending.payment_id),
            sk: keys::PENDING_CHARGE_SK.to_owned(),
            gsi2pk: keys::DUE_PENDING_CHARGES.to_owned(),
            gsi2sk: check_due_key(&pending.check_at, &pending.payment_id),
            account_id: account.to_string(),
            payment_id: pending.payment_id.to_string(),
            method: PaymentMethodItem::from(&pending.method),
            check_at: pending.check_at.to_string(),
        }
    }

    pub fn into_domain(self) -> Result<(AccountId, PendingCharge), StoreError> {
        Ok((
            stored("accountId", AccountId::parse(&self.account_id))?,
            PendingCharge {
                payment_id: stored("paymentId", PaymentId::parse(&self.payment_id))?,
                method: self.method.into(),
                check_at: stored("checkAt", Timestamp::parse(&self.check_at))?,
            },
        ))
    }
}
