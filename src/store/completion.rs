//! Completing a payment attempt in ONE transaction: the payment's final state, its numbered
//! invoice, the customer's vaulted card (or the new customer), the receipt to send, and, for a
//! charge, the end of its pending charge.

use super::charges::pending_charge_key;
use super::customers::customer_key;
use super::idempotency::KeyCompletion;
use super::items::{CustomerItem, PaymentMethodItem, ReceiptItem, sort_key, to_item};
use super::payments::payment_key;
use super::rules::{self, CURRENT_ATTEMPT};
use super::write::{Bind, Condition, ConditionalUpdate, PRESENT};
use super::{Store, StoreError, keys};
use crate::domain::card::PaymentMethod;
use crate::domain::customer::Customer;
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::invoice::Invoice;
use crate::domain::payment::{Payment, PaymentKind, PaymentStatus};
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
    /// The version the payment has while this attempt is `processing` (see `Attempt`); a
    /// payment that moved on (a stale attempt taken over) is not completed twice.
    pub attempt_version: u64,
    pub customer: CustomerChange<'a>,
    /// The invoice; its number is assigned here.
    pub invoice: Invoice,
    /// Where to send the receipt, if one is due.
    pub receipt_to: Option<&'a str>,
    pub now: Timestamp,
    /// The request's idempotency record, completed by the same transaction.
    pub key_completion: Option<&'a KeyCompletion<'a, Payment>>,
}

#[derive(Debug)]
pub enum CompletionOutcome {
    /// Everything was written; the invoice carries its number.
    Completed(Box<Invoice>),
    /// The payment was no longer in this attempt: nothing was written.
    AttemptSuperseded,
}

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
            key_completion,
        } = completion;
        // Everything but the number is fixed before the loop, so a retried round with the same
        // number is the same transaction and its request token makes it idempotent.
        let receipt = match (receipt_to, &payment.customer_id) {
            (Some(email), Some(customer_id)) => Some(to_item(&ReceiptItem::new(
                account,
                &invoice,
                customer_id,
                email,
                now,
            ))?),
            _ => None,
        };

        let committed = self
            .commit_numbered(account, &mut invoice, |transaction, _| {
                // Refused: the payment moved on (a stale attempt taken over).
                let attempt = transaction.update(
                    payment_key(account, &payment.id),
                    final_payment_update(account, payment, attempt_version),
                )?;
                match &customer {
                    CustomerChange::Unchanged => {}
                    CustomerChange::Create(customer) => {
                        transaction
                            .put_if_absent(to_item(&CustomerItem::new(account, customer))?)?;
                    }
                    CustomerChange::Vault { id, method } => {
                        transaction.update(customer_key(account, id), vault(method, now)?)?;
                    }
                }
                if let Some(receipt) = &receipt {
                    transaction.put_if_absent(receipt.clone())?;
                }
                if payment.kind == PaymentKind::Charge {
                    transaction
                        .delete_if(pending_charge_key(account, &payment.id), Condition::new(""))?;
                }
                transaction.join(key_completion.map(|c| c as _), payment)?;
                Ok(Some(attempt))
            })
            .await?;
        Ok(if committed {
            CompletionOutcome::Completed(Box::new(invoice))
        } else {
            CompletionOutcome::AttemptSuperseded
        })
    }
}

/// The payment's move from this attempt's `processing` to its final state.
fn final_payment_update(
    account: &AccountId,
    payment: &Payment,
    attempt_version: u64,
) -> ConditionalUpdate {
    let mut set = vec!["#status = :status", "#updatedAt = :now"];
    let mut remove = rules::ATTEMPT_ATTRIBUTES.to_vec();
    let mut values: Vec<(&str, String)> = vec![
        (":status", payment.status.as_str().to_owned()),
        (":now", payment.updated_at.to_string()),
        (":processing", PaymentStatus::Processing.as_str().to_owned()),
    ];
    if let Some(invoice) = &payment.invoice_id {
        set.push("invoiceId = :invoice");
        values.push((":invoice", invoice.to_string()));
    }
    if let Some(customer) = &payment.customer_id {
        set.extend([
            "customerId = :customer",
            "gsi2pk = :gsi2pk",
            "gsi2sk = :gsi2sk",
        ]);
        values.push((":customer", customer.to_string()));
        values.push((":gsi2pk", keys::customer_payments(account, customer)));
        values.push((
            ":gsi2sk",
            sort_key(&payment.created_at, payment.id.as_str()),
        ));
    }
    match &payment.failure {
        Some(failure) => {
            set.extend(["failureCode = :code", "failureMessage = :message"]);
            values.push((":code", failure.code.clone()));
            values.push((":message", failure.message.clone()));
        }
        None => remove.extend(["failureCode", "failureMessage"]),
    }
    if let Some(reference) = &payment.provider_reference {
        set.push("providerReference = :reference");
        values.push((":reference", reference.clone()));
    }
    if let Some(paid_at) = &payment.paid_at {
        set.push("paidAt = :paidAt");
        values.push((":paidAt", paid_at.to_string()));
    }
    if let Some(card) = &payment.card {
        set.extend(["cardBrand = :brand", "cardLast4 = :last4"]);
        values.push((":brand", card.brand.clone()));
        values.push((":last4", card.last4.clone()));
    }
    let transaction = payment.transaction_status();
    if transaction.is_some() {
        set.push(rules::TO_TRANSACTION_STATUS);
    }
    // A dispute the payment carries from its completion (the sandbox's dispute test card).
    if let Some(dispute) = &payment.dispute {
        set.push(rules::dispute_set(dispute));
        remove.extend(rules::dispute_removed(dispute));
    }
    let mut change = ConditionalUpdate::new(
        format!(
            "SET {} REMOVE {} ADD #version :one",
            set.join(", "),
            remove.join(", ")
        ),
        CURRENT_ATTEMPT,
    )
    .name("#status", "status")
    .name("#version", "version")
    .name("#updatedAt", "updatedAt")
    .number(":version", attempt_version)
    .number(":one", 1);
    for (placeholder, value) in values {
        change = change.text(placeholder, value);
    }
    if let Some(status) = transaction {
        change = rules::to_transaction_status(change, account, status);
    }
    match &payment.dispute {
        Some(dispute) => rules::with_dispute(change, dispute),
        None => change,
    }
}

/// Vaults `method` on an existing customer, and records the provider's customer it is saved on
/// unless one is recorded already.
fn vault(method: &PaymentMethod, now: Timestamp) -> Result<ConditionalUpdate, StoreError> {
    let item = serde_dynamo::to_attribute_value(PaymentMethodItem::from(method))
        .map_err(|e| StoreError::Internal(format!("item mapping: {e}")))?;
    let set = "SET paymentMethod = :method, #updatedAt = :now";
    let update = match &method.provider_customer {
        Some(_) => format!(
            "{set}, providerCustomer = if_not_exists(providerCustomer, :provider) ADD #version :one"
        ),
        None => format!("{set} ADD #version :one"),
    };
    let update = ConditionalUpdate::new(update, PRESENT)
        .name("#version", "version")
        .name("#updatedAt", "updatedAt")
        .value(":method", item)
        .text(":now", now.to_string())
        .number(":one", 1);
    Ok(match &method.provider_customer {
        Some(provider) => update.text(":provider", provider.as_str()),
        None => update,
    })
}
