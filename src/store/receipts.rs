//! Receipts on their way: taken for one attempt by moving their due time on (a lease), then
//! marked by one conditional update on the attempt count they had, as deliveries are.

use sha2::{Digest, Sha256};

use super::accounts::account_from;
use super::idempotency::KeyCompletion;
use super::invoices::{invoice_from, invoice_key};
use super::items::{
    Item, ReceiptItem, account_key, from_item, receipt_due_key, string_key, to_item,
};
use super::mail_paces::{customer_mail_pace_key, invoice_mail_pace_key};
use super::payments::{payment_from, payment_key};
use super::write::{Bind, ConditionalUpdate, Transaction};
use super::{Store, StoreError, keys, rules};
use crate::domain::account::Account;
use crate::domain::ids::{AccountId, ReceiptId};
use crate::domain::invoice::Invoice;
use crate::domain::payment::Payment;
use crate::domain::receipt::{Receipt, ReceiptStatus};
use crate::domain::send_pace::{MailPaces, SendPace};
use crate::domain::time::Timestamp;

fn receipt_key(account: &AccountId, id: &ReceiptId) -> Item {
    string_key(keys::receipt(account, id), keys::RECEIPT_SK)
}

fn receipt_from(item: Item) -> Result<(AccountId, Receipt), StoreError> {
    from_item::<ReceiptItem>(item)?.into_domain()
}

/// What a receipt's mail is made of, as stored now.
#[derive(Debug)]
pub struct ReceiptSources {
    pub invoice: Option<Invoice>,
    /// The payment the receipt names (`Some(None)`: named and gone); `None` when it names
    /// none (an adjustment's mail).
    pub payment: Option<Option<Payment>>,
}

/// A mail of an invoice its merchant asked for: its receipt id, to whom, and when asked.
pub struct InvoiceMail<'a> {
    pub id: ReceiptId,
    pub to: &'a str,
    pub at: Timestamp,
}

/// The request token of a mail's write. It names the receipt with what the write depends on
/// (both paces and the address as read): the SDK's retry of one write is the same token and
/// DynamoDB accepts it as done, while the same Idempotency-Key run again after a refusal (a send
/// raced it, the address changed) writes anew and is never taken for a changed repeat of the
/// first (DynamoDB's `IdempotentParameterMismatch`). 32 hex digits: tokens are at most 36.
fn mail_token(id: &ReceiptId, seen: MailPaces<SendPace>, to: &str) -> String {
    let [invoice, customer] = [seen.invoice, seen.customer].map(|pace| {
        pace.busy_until()
            .map(|at| at.to_string())
            .unwrap_or_default()
    });
    let named = format!("{id}\n{invoice}\n{customer}\n{to}");
    hex::encode(&Sha256::digest(named.as_bytes())[..16])
}

impl Store {
    /// Records invoice `invoice` (as read) to be mailed as `mail` (the stream sends it), if the
    /// invoice is still one to send and both its mail pace and its customer's are still as
    /// `seen`, moving them to `next` (`rules::sendable_invoice`, `rules::pace_mail`): one
    /// transaction with the request's idempotency record, if any. Nothing of the invoice or the
    /// customer is written. False when the invoice is gone, no longer sendable (voided
    /// meanwhile), or it or its customer was mailed meanwhile; nothing was written.
    pub async fn queue_invoice_mail(
        &self,
        account: &AccountId,
        invoice: &Invoice,
        seen: MailPaces<SendPace>,
        next: MailPaces<Timestamp>,
        InvoiceMail { id, to, at }: InvoiceMail<'_>,
        completion: Option<&KeyCompletion<'_, ()>>,
    ) -> Result<bool, StoreError> {
        let token = mail_token(&id, seen, to);
        let mut transaction = Transaction::new(self).token(token);
        let sendable =
            transaction.check(invoice_key(account, &invoice.id), rules::sendable_invoice())?;
        let invoice_paced = transaction.update(
            invoice_mail_pace_key(account, &invoice.id),
            rules::pace_mail(seen.invoice, next.invoice),
        )?;
        let customer_paced = transaction.update(
            customer_mail_pace_key(account, &invoice.customer_id),
            rules::pace_mail(seen.customer, next.customer),
        )?;
        let item = ReceiptItem::with_id(id, account, invoice, &invoice.customer_id, to, at);
        transaction.put_if_absent(to_item(&item)?)?;
        transaction.join(completion.map(|c| c as _), &())?;
        match self.commit(transaction).await? {
            Ok(()) => Ok(true),
            Err(refusal)
                if [sendable, invoice_paced, customer_paced]
                    .into_iter()
                    .any(|slot| refusal.failed(slot)) =>
            {
                Ok(false)
            }
            Err(refusal) => Err(refusal.into_error()),
        }
    }

    pub async fn get_receipt(
        &self,
        account: &AccountId,
        id: &ReceiptId,
    ) -> Result<Option<Receipt>, StoreError> {
        Ok(self
            .get_consistent(receipt_key(account, id))
            .await?
            .map(receipt_from)
            .transpose()?
            .map(|(_, receipt)| receipt))
    }

    /// Takes a pending receipt for one attempt, if it is still as `seen`: its due time moves to
    /// `until`, when another may take it over if this attempt dies. False when someone else
    /// took it, or it is no longer pending.
    pub async fn lease_receipt(
        &self,
        account: &AccountId,
        seen: &Receipt,
        until: Timestamp,
    ) -> Result<bool, StoreError> {
        let Some(due) = seen.next_attempt_at else {
            return Ok(false);
        };
        let until_sort_key = receipt_due_key(&until, &seen.id);
        let change = rules::lease_attempt(
            ReceiptStatus::Pending.as_str(),
            seen.attempts,
            due,
            until,
            until_sort_key,
        );
        self.update_if(receipt_key(account, &seen.id), change).await
    }

    /// Records an attempt: the receipt as it leaves it (`after`), if it still has `before`'s
    /// attempt count. False when another attempt was recorded first.
    pub async fn record_receipt_attempt(
        &self,
        account: &AccountId,
        before: &Receipt,
        after: &Receipt,
    ) -> Result<bool, StoreError> {
        let mut set = vec!["#st = :st", "#n = :n"];
        let mut remove = Vec::new();
        let mut change_values: Vec<(&str, String)> = vec![(":st", after.status.as_str().into())];
        match after.next_attempt_at {
            Some(next) => {
                set.extend(["#next = :next", "gsi2sk = :duesk"]);
                change_values.push((":next", next.to_string()));
                change_values.push((":duesk", receipt_due_key(&next, &after.id)));
            }
            None => remove.extend(["#next", "gsi2pk", "gsi2sk"]),
        }
        if let Some(message) = &after.message_id {
            set.push("messageId = :message");
            change_values.push((":message", message.clone()));
        }
        match &after.error {
            Some(error) => {
                set.push("#error = :error");
                change_values.push((":error", error.clone()));
            }
            None => remove.push("#error"),
        }
        let mut expression = format!("SET {}", set.join(", "));
        if !remove.is_empty() {
            expression.push_str(&format!(" REMOVE {}", remove.join(", ")));
        }
        let mut change = ConditionalUpdate::new(expression, "#n = :before")
            .name("#st", "status")
            .name("#n", "attempts")
            .name("#next", "nextAttemptAt")
            .name("#error", "error")
            .number(":n", after.attempts)
            .number(":before", before.attempts);
        for (placeholder, value) in change_values {
            change = change.text(placeholder, value);
        }
        self.update_if(receipt_key(account, &before.id), change)
            .await
    }

    /// What `receipt` is made of: its invoice and the payment it names, in one read.
    pub async fn receipt_sources(
        &self,
        account: &AccountId,
        receipt: &Receipt,
    ) -> Result<ReceiptSources, StoreError> {
        let (sources, _) = self.read_receipt_sources(account, receipt, false).await?;
        Ok(sources)
    }

    /// `receipt_sources` and the account (the merchant the mail names), in one read.
    pub async fn receipt_sources_with_account(
        &self,
        account: &AccountId,
        receipt: &Receipt,
    ) -> Result<(ReceiptSources, Option<Account>), StoreError> {
        self.read_receipt_sources(account, receipt, true).await
    }

    async fn read_receipt_sources(
        &self,
        account: &AccountId,
        receipt: &Receipt,
        with_account: bool,
    ) -> Result<(ReceiptSources, Option<Account>), StoreError> {
        let mut keys = vec![invoice_key(account, &receipt.invoice_id)];
        keys.extend(receipt.payment_id.iter().map(|id| payment_key(account, id)));
        if with_account {
            keys.push(account_key(account));
        }
        let mut found = self.get_consistent_all(keys).await?.into_iter();
        let invoice = found.next().flatten().map(invoice_from).transpose()?;
        let payment = match receipt.payment_id {
            Some(_) => Some(found.next().flatten().map(payment_from).transpose()?),
            None => None,
        };
        let merchant = match with_account {
            true => found.next().flatten().map(account_from).transpose()?,
            false => None,
        };
        Ok((ReceiptSources { invoice, payment }, merchant))
    }

    /// Pending receipts whose next attempt is due at `now`, the most overdue first: one Query
    /// of the due index.
    pub async fn due_receipts(
        &self,
        now: Timestamp,
        limit: usize,
    ) -> Result<Vec<(AccountId, Receipt)>, StoreError> {
        self.due(keys::DUE_RECEIPTS, now, limit)
            .await?
            .into_iter()
            .map(receipt_from)
            .collect()
    }

    /// Writes a pending receipt with a fixed id (the sample events' fixture).
    pub async fn put_receipt_fixture(
        &self,
        account: &AccountId,
        id: &ReceiptId,
        invoice: &Invoice,
        email: &str,
        at: Timestamp,
    ) -> Result<(), StoreError> {
        let item = ReceiptItem::with_id(
            id.clone(),
            account,
            invoice,
            &invoice.customer_id,
            email,
            at,
        );
        self.put(to_item(&item)?).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::delivery::later;

    #[test]
    fn a_mails_token_changes_with_what_its_write_depends_on_and_fits_dynamodb() {
        let never = SendPace::default();
        let sent = SendPace::new(Some(later(
            Timestamp::now(),
            std::time::Duration::from_secs(3600),
        )));
        let paces = |invoice, customer| MailPaces { invoice, customer };
        let id = ReceiptId::generate();
        let token = mail_token(&id, paces(never, never), "a@example.com");
        assert_eq!(token.len(), 32);
        assert_eq!(token, mail_token(&id, paces(never, never), "a@example.com"));
        assert_ne!(token, mail_token(&id, paces(never, never), "b@example.com"));
        assert_ne!(
            token,
            mail_token(&ReceiptId::generate(), paces(never, never), "a@example.com")
        );
        assert_ne!(token, mail_token(&id, paces(sent, never), "a@example.com"));
        assert_ne!(token, mail_token(&id, paces(never, sent), "a@example.com"));
        assert_ne!(
            mail_token(&id, paces(sent, never), "a@example.com"),
            mail_token(&id, paces(never, sent), "a@example.com")
        );
    }
}
