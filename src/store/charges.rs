//! Off-session charges: the payment and its pending charge written together, and the pending
//! charges the reconciler finds through the due index.

use super::items::{Item, PaymentItem, PendingChargeItem, from_item, string_key, to_item};
use super::write::{Condition, PRESENT, Transaction};
use super::{Store, StoreError, keys, rules};
use crate::domain::ids::{AccountId, PaymentId};
use crate::domain::payment::Payment;
use crate::domain::pending_charge::PendingCharge;
use crate::domain::time::Timestamp;

#[derive(Debug, PartialEq, Eq)]
pub enum InsertChargeOutcome {
    Inserted,
    /// The charge names a customer that the account does not have; nothing was written.
    CustomerMissing,
    /// A payment with this id is there already: the same request, run again under its
    /// Idempotency-Key. Nothing was written.
    Exists,
}

pub(crate) fn pending_charge_key(account: &AccountId, id: &PaymentId) -> Item {
    string_key(keys::payment(account, id), keys::PENDING_CHARGE_SK)
}

fn pending_from(item: Item) -> Result<(AccountId, PendingCharge), StoreError> {
    from_item::<PendingChargeItem>(item)?.into_domain()
}

impl Store {
    /// ONE transaction: the payment (`processing`), its pending charge, and a check that the
    /// customer exists.
    pub async fn insert_charge(
        &self,
        account: &AccountId,
        payment: &Payment,
        pending: &PendingCharge,
    ) -> Result<InsertChargeOutcome, StoreError> {
        let Some(customer) = &payment.customer_id else {
            return Err(StoreError::Internal("a charge without a customer".into()));
        };
        // A fresh token: the id may be derived, and a second request with it is not a retry of
        // this write by the SDK.
        let mut transaction = Transaction::new(self).token(ulid::Ulid::generate().to_string());
        let customer_check = transaction.check(
            string_key(keys::customer(account, customer), keys::CUSTOMER_SK),
            Condition::new(PRESENT),
        )?;
        let inserted = transaction.put_if_absent(to_item(&PaymentItem::new(account, payment))?)?;
        transaction.put_if_absent(to_item(&PendingChargeItem::new(account, pending))?)?;
        match self.commit(transaction).await? {
            Ok(()) => Ok(InsertChargeOutcome::Inserted),
            Err(refusal) if refusal.failed(inserted) => Ok(InsertChargeOutcome::Exists),
            Err(refusal) if refusal.failed(customer_check) => {
                Ok(InsertChargeOutcome::CustomerMissing)
            }
            Err(refusal) => Err(refusal.into_error()),
        }
    }

    /// Pending charges the reconciler may check at `now`, the most overdue first: one Query of
    /// the due index.
    pub async fn due_pending_charges(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(AccountId, PendingCharge)>, StoreError> {
        self.due(keys::DUE_PENDING_CHARGES, now, limit)
            .await?
            .into_iter()
            .map(pending_from)
            .collect()
    }

    pub async fn get_pending_charge(
        &self,
        account: &AccountId,
        id: &PaymentId,
    ) -> Result<Option<PendingCharge>, StoreError> {
        Ok(self
            .get_consistent(pending_charge_key(account, id))
            .await?
            .map(pending_from)
            .transpose()?
            .map(|(_, pending)| pending))
    }

    /// Takes a due pending charge for one check by moving its check time to `until` (when
    /// another run may take it over), if it is still as `seen`: false when someone else took it
    /// or its outcome was recorded meanwhile.
    pub async fn lease_pending_charge(
        &self,
        account: &AccountId,
        seen: &PendingCharge,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let change = rules::lease_check(seen.check_at, until, &seen.payment_id);
        self.update_if(pending_charge_key(account, &seen.payment_id), change)
            .await
    }
}
