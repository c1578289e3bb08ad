//! Invoice numbers: sequential per account with no gaps and no repeats. The counter item is
//! advanced, conditional on its previous value, inside the very transaction that writes the
//! numbered invoice; concurrent writers race for a number and the loser takes the next one.

use std::time::Duration;

use super::items::{InvoiceCounterItem, InvoiceItem, Item, from_item, string_key, to_item};
use super::write::{Bind, ConditionalUpdate, Slot, Transaction};
use super::{Store, StoreError, keys};
use crate::domain::ids::AccountId;
use crate::domain::invoice::{Invoice, InvoiceNumber};

/// Bounded so that a pathological storm of writers ends in a 503, not a hang.
const MAX_NUMBERING_ROUNDS: u32 = 64;

impl Store {
    /// Writes `invoice` with the account's next number in ONE transaction with what `add`
    /// adds to it (the writes it goes with), which returns the slot of the one condition of its
    /// own whose failure is an answer rather than a race. True when committed (`invoice` then
    /// carries its number), false when refused on that condition (nothing was written).
    ///
    /// Everything but the number is fixed before the first round, so a retried round with the
    /// same number is the same transaction and its request token makes it idempotent.
    pub(crate) async fn commit_numbered<'a>(
        &self,
        account: &AccountId,
        invoice: &mut Invoice,
        mut add: impl FnMut(&mut Transaction<'a>, &Invoice) -> Result<Option<Slot>, StoreError>,
    ) -> Result<bool, StoreError> {
        // Two writes of one invoice (a charge's retry racing the reconciler) are different
        // transactions: the token names this call, not the invoice.
        let call = ulid::Ulid::generate();
        for round in 0..MAX_NUMBERING_ROUNDS {
            let last = self.last_invoice_number(account).await?;
            invoice.number = InvoiceNumber::after(last);
            let token = format!("{call}-{}", invoice.number.get());
            let mut transaction = Transaction::new(self).token(token);
            let numbering =
                transaction.update(counter_key(account), advance_counter(last, invoice.number))?;
            transaction.put_if_absent(to_item(&InvoiceItem::new(account, invoice))?)?;
            let answer = add(&mut transaction, invoice)?;
            let refusal = match self.commit(transaction).await? {
                Ok(()) => return Ok(true),
                Err(refusal) => refusal,
            };
            if answer.is_some_and(|slot| refusal.failed(slot)) {
                return Ok(false);
            }
            if !(refusal.failed(numbering) || refusal.contended()) {
                return Err(refusal.into_error());
            }
            // Spread the retries of concurrent writers apart.
            let jitter = u64::from(ulid::Ulid::generate().random() as u8 % 8);
            tokio::time::sleep(Duration::from_millis(u64::from(round.min(10)) * 2 + jitter)).await;
        }
        Err(StoreError::Unavailable(
            "too much contention for the next invoice number".into(),
        ))
    }

    async fn last_invoice_number(
        &self,
        account: &AccountId,
    ) -> Result<Option<InvoiceNumber>, StoreError> {
        match self.get_consistent(counter_key(account)).await? {
            None => Ok(None),
            Some(item) => {
                let counter: InvoiceCounterItem = from_item(item)?;
                InvoiceNumber::new(counter.last)
                    .map(Some)
                    .map_err(StoreError::corrupt)
            }
        }
    }
}

/// Moves the counter from `last` to `next`, only if it still says `last`.
fn advance_counter(last: Option<InvoiceNumber>, next: InvoiceNumber) -> ConditionalUpdate {
    let change = |condition| {
        ConditionalUpdate::new("SET #last = :next", condition)
            .name("#last", "last")
            .number(":next", next.get())
    };
    match last {
        None => change("attribute_not_exists(pk)"),
        Some(last) => change("#last = :last").number(":last", last.get()),
    }
}

pub(crate) fn counter_key(account: &AccountId) -> Item {
    string_key(keys::invoice_counter(account), keys::INVOICE_COUNTER_SK)
}
