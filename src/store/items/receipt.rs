use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored, stored_opt};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId, ReceiptId};
use crate::domain::invoice::Invoice;
use crate::domain::receipt::{Receipt, ReceiptStatus};
use crate::domain::time::Timestamp;

/// A receipt to send: an outbox entry written with the payment it confirms (or,
/// sent on request, with nothing else). While `pending` it
/// sits in the due index (`gsi2`, partition `RCPTDUE`) by when its next attempt is due.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReceiptItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2pk: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gsi2sk: Option<String>,
    pub id: String,
    #[serde(default)]
    pub account_id: String,
    /// Absent for an adjustment invoice's mail: no payment.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    pub invoice_id: String,
    pub customer_id: String,
    pub email: String,
    pub amount_total: i64,
    pub currency: String,
    pub status: String,
    #[serde(default)]
    pub attempts: u32,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_attempt_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub message_id: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<String>,
    pub created_at: String,
}

/// The due-index sort key of a pending receipt.
pub(crate) fn receipt_due_key(next_attempt_at: &Timestamp, id: &ReceiptId) -> String {
    sort_key(next_attempt_at, id.as_str())
}

impl ReceiptItem {
    pub fn new(
        account: &AccountId,
        invoice: &Invoice,
        customer: &CustomerId,
        email: &str,
        now: Timestamp,
    ) -> Self {
        Self::with_id(
            ReceiptId::generate(),
            account,
            invoice,
            customer,
            email,
            now,
        )
    }

    pub fn with_id(
        id: ReceiptId,
        account: &AccountId,
        invoice: &Invoice,
        customer: &CustomerId,
        email: &str,
        now: Timestamp,
    ) -> Self {
        let due = Receipt::first_due(now);
        Self {
            pk: keys::receipt(account, &id),
            sk: keys::RECEIPT_SK.to_owned(),
            gsi1pk: keys::account_receipts(account),
            gsi1sk: sort_key(&now, id.as_str()),
            gsi2pk: Some(keys::DUE_RECEIPTS.to_owned()),
            gsi2sk: Some(receipt_due_key(&due, &id)),
            id: id.to_string(),
            account_id: account.to_string(),
            payment_id: invoice.payment_id().map(ToString::to_string),
            invoice_id: InvoiceId::to_string(&invoice.id),
            customer_id: customer.to_string(),
            email: email.to_owned(),
            amount_total: invoice.total(),
            currency: invoice.currency.code(),
            status: ReceiptStatus::Pending.as_str().to_owned(),
            attempts: 0,
            next_attempt_at: Some(due.to_string()),
            message_id: None,
            error: None,
            created_at: now.to_string(),
        }
    }

    pub fn into_domain(self) -> Result<(AccountId, Receipt), StoreError> {
        let account = keys::account_of(&self.pk)
            .ok_or_else(|| StoreError::corrupt(format!("{} names no account", self.pk)))?;
        let account = stored("pk", AccountId::parse(account))?;
        let receipt = Receipt {
            id: stored("id", ReceiptId::parse(&self.id))?,
            payment_id: stored_opt("paymentId", self.payment_id.as_deref(), PaymentId::parse)?,
            invoice_id: stored("invoiceId", InvoiceId::parse(&self.invoice_id))?,
            customer_id: stored("customerId", CustomerId::parse(&self.customer_id))?,
            email: self.email,
            status: stored("status", ReceiptStatus::parse(&self.status))?,
            attempts: self.attempts,
            next_attempt_at: stored_opt(
                "nextAttemptAt",
                self.next_attempt_at.as_deref(),
                Timestamp::parse,
            )?,
            message_id: self.message_id,
            error: self.error,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
        };
        Ok((account, receipt))
    }
}
