use serde::{Deserialize, Serialize};

use super::{keys, sort_key};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId, ReceiptId};
use crate::domain::invoice::Invoice;
use crate::domain::time::Timestamp;

/// A receipt to send: an outbox entry written with the payment it confirms. Sending is not
/// built yet; `status` stays `pending` until a sender marks it.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct ReceiptItem {
    pub pk: String,
    pub sk: String,
    pub gsi1pk: String,
    pub gsi1sk: String,
    pub id: String,
    pub payment_id: String,
    pub invoice_id: String,
    pub customer_id: String,
    pub email: String,
    pub amount_total: u64,
    pub currency: String,
    pub status: String,
    pub created_at: String,
}

impl ReceiptItem {
    pub fn new(
        account: &AccountId,
        payment: &PaymentId,
        invoice: &Invoice,
        customer: &CustomerId,
        email: &str,
        now: Timestamp,
    ) -> Self {
        let id = ReceiptId::generate();
        Self {
            pk: keys::receipt(account, &id),
            sk: keys::RECEIPT_SK.to_owned(),
            gsi1pk: keys::account_receipts(account),
            gsi1sk: sort_key(&now, id.as_str()),
            id: id.to_string(),
            payment_id: payment.to_string(),
            invoice_id: InvoiceId::to_string(&invoice.id),
            customer_id: customer.to_string(),
            email: email.to_owned(),
            amount_total: invoice.total(),
            currency: invoice.currency.code(),
            status: "pending".to_owned(),
            created_at: now.to_string(),
        }
    }
}
