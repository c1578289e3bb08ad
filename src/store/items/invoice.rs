use std::collections::BTreeMap;
use std::sync::LazyLock;

use serde::{Deserialize, Serialize};

use super::{StoreError, keys, sort_key, stored};
use crate::domain::ids::{AccountId, CustomerId, InvoiceId, PaymentId};
use crate::domain::invoice::{Invoice, InvoiceNumber, InvoiceOrigin, InvoiceStatus, LineItem};
use crate::domain::money::Currency;
use crate::domain::text::ScalarMetadata;
use crate::domain::time::Timestamp;
use crate::store::projection::{Listed, Projection};

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct LineItemItem {
    pub description: String,
    pub quantity: u32,
    pub unit_amount: i64,
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceItem {
    // Stored always; absent only from a listing's projection (`Listed::UNLISTED`).
    #[serde(default)]
    pub pk: String,
    #[serde(default)]
    pub sk: String,
    #[serde(default)]
    pub gsi1pk: String,
    #[serde(default)]
    pub gsi1sk: String,
    #[serde(default)]
    pub gsi2pk: String,
    #[serde(default)]
    pub gsi2sk: String,
    // Absent from invoices written before the by-status index, until `admin index`.
    #[serde(default)]
    pub gsi3pk: String,
    #[serde(default)]
    pub gsi3sk: String,
    pub id: String,
    pub customer_id: String,
    /// Absent for an adjustment (`invoiceType` says which, from this).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub payment_id: Option<String>,
    pub invoice_number: u64,
    pub status: String,
    pub currency: String,
    pub subtotal: i64,
    pub tax_amount: i64,
    pub total: i64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<BTreeMap<String, serde_json::Value>>,
    pub line_items: Vec<LineItemItem>,
    pub issued_at: String,
    pub created_at: String,
    pub updated_at: String,
    pub livemode: bool,
    #[serde(default)]
    pub version: u64,
}

impl Listed for InvoiceItem {
    /// The keys and the write counter, which no listing shows.
    const UNLISTED: &'static [&'static str] = &[
        "pk", "sk", "gsi1pk", "gsi1sk", "gsi2pk", "gsi2sk", "gsi3pk", "gsi3sk", "version",
    ];

    fn projection() -> &'static Projection {
        static LISTED: LazyLock<Projection> = LazyLock::new(Projection::of::<InvoiceItem>);
        &LISTED
    }
}

impl InvoiceItem {
    pub fn new(account: &AccountId, invoice: &Invoice) -> Self {
        let sort = sort_key(&invoice.created_at, invoice.id.as_str());
        Self {
            pk: keys::invoice(account, &invoice.id),
            sk: keys::INVOICE_SK.to_owned(),
            gsi1pk: keys::account_invoices(account),
            gsi1sk: sort.clone(),
            gsi2pk: keys::customer_invoices(account, &invoice.customer_id),
            gsi2sk: sort.clone(),
            gsi3pk: keys::account_invoices_of_status(account, invoice.status),
            gsi3sk: sort,
            id: invoice.id.to_string(),
            customer_id: invoice.customer_id.to_string(),
            payment_id: invoice.payment_id().map(ToString::to_string),
            invoice_number: invoice.number.get(),
            status: invoice.status.as_str().to_owned(),
            currency: invoice.currency.code(),
            subtotal: invoice.subtotal,
            tax_amount: invoice.tax,
            total: invoice.total(),
            metadata: invoice.metadata.clone().map(ScalarMetadata::into_entries),
            line_items: invoice
                .line_items
                .iter()
                .map(|line| LineItemItem {
                    description: line.description.clone(),
                    quantity: line.quantity,
                    unit_amount: line.unit_amount,
                })
                .collect(),
            issued_at: invoice.issued_at.to_string(),
            created_at: invoice.created_at.to_string(),
            updated_at: invoice.updated_at.to_string(),
            livemode: invoice.livemode,
            version: 1,
        }
    }

    pub fn into_domain(self) -> Result<Invoice, StoreError> {
        if self.subtotal.saturating_add(self.tax_amount) != self.total {
            return Err(StoreError::corrupt(format!(
                "invoice {} total does not add up",
                self.id
            )));
        }
        Ok(Invoice {
            id: stored("id", InvoiceId::parse(&self.id))?,
            customer_id: stored("customerId", CustomerId::parse(&self.customer_id))?,
            origin: match self.payment_id {
                Some(payment) => {
                    InvoiceOrigin::Payment(stored("paymentId", PaymentId::parse(&payment))?)
                }
                None => InvoiceOrigin::Adjustment,
            },
            number: stored("invoiceNumber", InvoiceNumber::new(self.invoice_number))?,
            status: stored("status", InvoiceStatus::parse(&self.status))?,
            currency: stored("currency", Currency::parse(&self.currency))?,
            subtotal: self.subtotal,
            tax: self.tax_amount,
            metadata: self
                .metadata
                .map(|entries| stored("metadata", ScalarMetadata::new(entries)))
                .transpose()?,
            line_items: self
                .line_items
                .into_iter()
                .map(|line| LineItem {
                    description: line.description,
                    quantity: line.quantity,
                    unit_amount: line.unit_amount,
                })
                .collect(),
            issued_at: stored("issuedAt", Timestamp::parse(&self.issued_at))?,
            created_at: stored("createdAt", Timestamp::parse(&self.created_at))?,
            updated_at: stored("updatedAt", Timestamp::parse(&self.updated_at))?,
            livemode: self.livemode,
        })
    }
}

/// The last invoice number issued in an account. Advanced only inside the transaction that
/// writes the invoice, conditional on its previous value: numbers have no gaps and no repeats.
#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct InvoiceCounterItem {
    pub pk: String,
    pub sk: String,
    pub last: u64,
}
