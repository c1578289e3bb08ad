//! Completing a payment attempt in ONE transaction: the payment's final state, its numbered
//! invoice, the customer's vaulted card (or the new customer), and the receipt to send.

use std::collections::HashMap;
use std::time::Duration;

use aws_sdk_dynamodb::operation::transact_write_items::TransactWriteItemsError;
use aws_sdk_dynamodb::types::{AttributeValue, TransactWriteItem, Update};

use super::items::sort_key;
use super::items::{
    CustomerItem, InvoiceCounterItem, InvoiceItem, Item, ReceiptItem, from_item, string_key,
    to_item,
};
use super::payments::failed_condition;
use super::{Store, StoreError, keys};
use crate::domain::card::PaymentMethod;
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::invoice::{Invoice, InvoiceNumber};
use crate::domain::payment::{Payment, PaymentStatus};
use crate::domain::time::Timestamp;

/// What the completing transaction does to the customer.
pub enum CustomerChange<'a> {
    /// Nothing (an off-session charge).
    Unchanged,
    /// Creates the customer: a link paid without one, from the payer's e-mail.
    Create(&'a Customer),
    /// Vaults the card on the link's existing customer.
    Vault {
        id: &'a CustomerId,
        method: &'a PaymentMethod,
    },
}

pub struct Completion<'a> {
    /// The payment in its final state (`succeeded`, or `failed` for a declined charge), with its
    /// `invoice_id`, `customer_id`, card and failure set.
    pub payment: &'a Payment,
    /// The version the payment has while this attempt is `processing`; a payment that moved on
    /// (a stale attempt taken over) is not completed twice.
    pub attempt_version: u64,
    pub customer: CustomerChange<'a>,
    /// The invoice; its number is assigned here.
    pub invoice: Invoice,
    /// Where to send the receipt, if one is due.
    pub receipt_to: Option<&'a str>,
    pub now: Timestamp,
    /// Written in the same transaction (an idempotency completion).
    pub also: Option<TransactWriteItem>,
}

#[derive(Debug)]
pub enum CompletionOutcome {
    /// Everything was written; the invoice carries its number.
    Completed(Box<Invoice>),
    /// The payment was no longer in this attempt: nothing was written.
    AttemptSuperseded,
}

/// Concurrent completions in one account race for the next invoice number; the loser re-reads
/// the counter and tries again. Bounded so that a pathological storm ends in a 503, not a hang.
const MAX_NUMBERING_ROUNDS: u32 = 64;

impl Store {
    pub async fn complete_payment(
        &self,
        account: &AccountId,
        completion: Completion<'_>,
    ) -> Result<CompletionOutcome, StoreError> {
        let Completion {
            payment,
            attempt_version,
            customer,
            mut invoice,
            receipt_to,
            now,
            also,
        } = completion;
        // Everything but the number is fixed before the loop, so a retried round with the same
        // number is the same transaction and its request token makes it idempotent.
        let payment_update = self.final_payment_update(account, payment, attempt_version)?;
        let customer_write = self.customer_write(account, &customer, now)?;
        let receipt = match (receipt_to, &payment.customer_id) {
            (Some(email), Some(customer_id)) => Some(to_item(&ReceiptItem::new(
                account,
                &payment.id,
                &invoice,
                customer_id,
                email,
                now,
            ))?),
            _ => None,
        };

        for round in 0..MAX_NUMBERING_ROUNDS {
            let last = self.last_invoice_number(account).await?;
            invoice.number = InvoiceNumber::after(last);
            let mut writes = vec![
                TransactWriteItem::builder()
                    .update(payment_update.clone())
                    .build(),
                self.advance_counter(account, last, invoice.number)?,
                self.put_if_absent(to_item(&InvoiceItem::new(account, &invoice))?)?,
            ];
            if let Some(write) = &customer_write {
                writes.push(write.clone());
            }
            if let Some(receipt) = &receipt {
                writes.push(self.put_if_absent(receipt.clone())?);
            }
            writes.extend(also.clone());
            let token = format!("{}-{}", &payment.id.as_str()[4..], invoice.number.get());
            let result = self
                .client
                .transact_write_items()
                .set_transact_items(Some(writes))
                .set_client_request_token((token.len() <= 36).then_some(token))
                .send()
                .await;
            let error = match result {
                Ok(_) => return Ok(CompletionOutcome::Completed(Box::new(invoice))),
                Err(error) => error,
            };
            let reasons = match error.as_service_error() {
                Some(TransactWriteItemsError::TransactionCanceledException(canceled)) => {
                    canceled.cancellation_reasons().to_vec()
                }
                _ => return Err(StoreError::from_sdk(error)),
            };
            if failed_condition(&reasons, 0) {
                return Ok(CompletionOutcome::AttemptSuperseded);
            }
            let contended = failed_condition(&reasons, 1)
                || reasons
                    .iter()
                    .any(|r| r.code() == Some("TransactionConflict"));
            if !contended {
                return Err(StoreError::Internal(format!(
                    "completion transaction canceled: {:?}",
                    reasons.iter().map(|r| r.code()).collect::<Vec<_>>()
                )));
            }
            // Spread the retries of concurrent completions apart.
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

    /// Moves the counter from `last` to `next`, only if it still says `last`.
    fn advance_counter(
        &self,
        account: &AccountId,
        last: Option<InvoiceNumber>,
        next: InvoiceNumber,
    ) -> Result<TransactWriteItem, StoreError> {
        let update = Update::builder()
            .table_name(&self.table)
            .set_key(Some(counter_key(account)))
            .update_expression("SET #last = :next")
            .expression_attribute_names("#last", "last")
            .expression_attribute_values(":next", AttributeValue::N(next.get().to_string()));
        let update = match last {
            None => update.condition_expression("attribute_not_exists(pk)"),
            Some(last) => update
                .condition_expression("#last = :last")
                .expression_attribute_values(":last", AttributeValue::N(last.get().to_string())),
        };
        let update = update.build().map_err(StoreError::build)?;
        Ok(TransactWriteItem::builder().update(update).build())
    }

    /// The payment's move from this attempt's `processing` to its final state.
    fn final_payment_update(
        &self,
        account: &AccountId,
        payment: &Payment,
        attempt_version: u64,
    ) -> Result<Update, StoreError> {
        let mut set = vec!["#status = :status", "updatedAt = :now"];
        let mut remove = vec!["attemptStartedAt"];
        let mut values: HashMap<String, AttributeValue> = HashMap::from([
            (":status".into(), s(payment.status.as_str())),
            (":now".into(), s(&payment.updated_at.to_string())),
            (":processing".into(), s(PaymentStatus::Processing.as_str())),
            (
                ":version".into(),
                AttributeValue::N(attempt_version.to_string()),
            ),
            (":one".into(), AttributeValue::N("1".into())),
        ]);
        if let Some(invoice) = &payment.invoice_id {
            set.push("invoiceId = :invoice");
            values.insert(":invoice".into(), s(invoice.as_str()));
        }
        if let Some(customer) = &payment.customer_id {
            set.extend([
                "customerId = :customer",
                "gsi2pk = :gsi2pk",
                "gsi2sk = :gsi2sk",
            ]);
            values.insert(":customer".into(), s(customer.as_str()));
            values.insert(
                ":gsi2pk".into(),
                s(&keys::customer_payments(account, customer)),
            );
            values.insert(
                ":gsi2sk".into(),
                s(&sort_key(&payment.created_at, payment.id.as_str())),
            );
        }
        match &payment.failure {
            Some(failure) => {
                set.extend(["failureCode = :code", "failureMessage = :message"]);
                values.insert(":code".into(), s(&failure.code));
                values.insert(":message".into(), s(&failure.message));
            }
            None => remove.extend(["failureCode", "failureMessage"]),
        }
        if let Some(card) = &payment.card {
            set.extend(["cardBrand = :brand", "cardLast4 = :last4"]);
            values.insert(":brand".into(), s(&card.brand));
            values.insert(":last4".into(), s(&card.last4));
        }
        Update::builder()
            .table_name(&self.table)
            .set_key(Some(string_key(
                keys::payment(account, &payment.id),
                keys::PAYMENT_SK,
            )))
            .update_expression(format!(
                "SET {} REMOVE {} ADD #version :one",
                set.join(", "),
                remove.join(", ")
            ))
            .condition_expression("#status = :processing AND #version = :version")
            .expression_attribute_names("#status", "status")
            .expression_attribute_names("#version", "version")
            .set_expression_attribute_values(Some(values))
            .build()
            .map_err(StoreError::build)
    }

    fn customer_write(
        &self,
        account: &AccountId,
        change: &CustomerChange<'_>,
        now: Timestamp,
    ) -> Result<Option<TransactWriteItem>, StoreError> {
        match change {
            CustomerChange::Unchanged => Ok(None),
            CustomerChange::Create(customer) => self
                .put_if_absent(to_item(&CustomerItem::new(account, customer))?)
                .map(Some),
            CustomerChange::Vault { id, method } => {
                let method = serde_dynamo::to_attribute_value(
                    super::items::PaymentMethodItem::from(*method),
                )
                .map_err(|e| StoreError::Internal(format!("item mapping: {e}")))?;
                let update = Update::builder()
                    .table_name(&self.table)
                    .set_key(Some(string_key(
                        keys::customer(account, id),
                        keys::CUSTOMER_SK,
                    )))
                    .update_expression(
                        "SET paymentMethod = :method, updatedAt = :now ADD #version :one",
                    )
                    .condition_expression("attribute_exists(pk)")
                    .expression_attribute_names("#version", "version")
                    .expression_attribute_values(":method", method)
                    .expression_attribute_values(":now", s(&now.to_string()))
                    .expression_attribute_values(":one", AttributeValue::N("1".into()))
                    .build()
                    .map_err(StoreError::build)?;
                Ok(Some(TransactWriteItem::builder().update(update).build()))
            }
        }
    }
}

fn counter_key(account: &AccountId) -> Item {
    string_key(keys::invoice_counter(account), keys::INVOICE_COUNTER_SK)
}

fn s(text: &str) -> AttributeValue {
    AttributeValue::S(text.to_owned())
}
