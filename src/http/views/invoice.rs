//! The invoice object, whole or as a list shows it, the old create and status-change answers, and
//! the answers of a send and a download link.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use crate::domain::invoice::Invoice;
use crate::domain::version::ApiVersion;
use crate::http::version::is_enveloped;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InvoiceView<'a> {
    id: &'a str,
    customer_id: &'a str,
    /// This service's own field, in the enveloped family only (docs/contract.md §2).
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_id: Option<Option<&'a str>>,
    subscription_id: Option<&'a str>,
    invoice_number: String,
    status: &'static str,
    invoice_type: &'static str,
    currency: String,
    subtotal: i64,
    discount_amount: i64,
    tax_amount: i64,
    total: i64,
    period_start: String,
    period_end: String,
    issue_date: String,
    due_date: String,
    memo: Option<&'a str>,
    metadata: BTreeMap<String, Value>,
    created_at: String,
    updated_at: String,
    #[serde(flatten)]
    details: Option<InvoiceDetails<'a>>,
    object: &'static str,
    livemode: bool,
}

/// What a whole invoice shows and, from 2026-07-24, a listed one does not.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct InvoiceDetails<'a> {
    credit_applied: u64,
    plan_name: Option<&'a str>,
    po_number: Option<&'a str>,
    reference: Option<&'a str>,
    line_items: Vec<LineItemView<'a>>,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct LineItemView<'a> {
    line_type: &'static str,
    feature_name: Option<&'a str>,
    description: &'a str,
    quantity: u32,
    unit_amount: i64,
    amount: i64,
    included_amount: Option<u64>,
    used_amount: Option<u64>,
    overage_amount: Option<u64>,
    discount_type: Option<&'a str>,
    discount_value: Option<u64>,
    discount_name: Option<&'a str>,
    charge_type: &'static str,
}

impl<'a> InvoiceView<'a> {
    /// The whole invoice, as `GET /invoices/{id}` answers it.
    pub(super) fn whole(invoice: &'a Invoice, version: ApiVersion) -> Self {
        Self::new(invoice, version, true)
    }

    /// An invoice in a list: whole up to 2026-07-11, without its details after.
    pub(super) fn listed(invoice: &'a Invoice, version: ApiVersion) -> Self {
        Self::new(invoice, version, is_enveloped(version))
    }

    fn new(invoice: &'a Invoice, version: ApiVersion, whole: bool) -> Self {
        let issued = invoice.issued_at.to_string();
        Self {
            id: invoice.id.as_str(),
            customer_id: invoice.customer_id.as_str(),
            // An adjustment shows `paymentId: null`.
            payment_id: is_enveloped(version).then(|| invoice.payment_id().map(|id| id.as_str())),
            subscription_id: None,
            invoice_number: invoice.number.to_string(),
            status: invoice.status.as_str(),
            invoice_type: invoice.invoice_type().as_str(),
            currency: invoice.currency.code(),
            subtotal: invoice.subtotal,
            discount_amount: 0,
            tax_amount: invoice.tax,
            total: invoice.total(),
            period_start: issued.clone(),
            period_end: issued.clone(),
            issue_date: issued.clone(),
            // One-time payments are due on issue.
            due_date: issued,
            memo: None,
            metadata: metadata(invoice),
            created_at: invoice.created_at.to_string(),
            updated_at: invoice.updated_at.to_string(),
            details: whole.then(|| InvoiceDetails {
                credit_applied: 0,
                plan_name: None,
                po_number: None,
                reference: None,
                line_items: invoice
                    .line_items
                    .iter()
                    .map(|line| LineItemView {
                        line_type: line_type(invoice),
                        feature_name: None,
                        description: &line.description,
                        quantity: line.quantity,
                        unit_amount: line.unit_amount,
                        amount: line.amount(),
                        included_amount: None,
                        used_amount: None,
                        overage_amount: None,
                        discount_type: None,
                        discount_value: None,
                        discount_name: None,
                        charge_type: "standard",
                    })
                    .collect(),
            }),
            object: "invoice",
            livemode: invoice.livemode,
        }
    }
}

/// Commet's line types: what a payment or an adjustment charges is `one_time`, what an
/// adjustment credits is `credit`.
fn line_type(invoice: &Invoice) -> &'static str {
    if invoice.is_credit() {
        "credit"
    } else {
        "one_time"
    }
}

/// The answer of an adjustment's create up to 2026-07-11 (`CreatedInvoice` in those SDKs; later
/// versions answer the whole invoice).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct CreatedInvoiceView<'a> {
    id: &'a str,
    customer_id: &'a str,
    /// This service's own field, as on every invoice of the enveloped family (null here).
    payment_id: Option<&'a str>,
    invoice_number: String,
    status: &'static str,
    invoice_type: &'static str,
    currency: String,
    subtotal: i64,
    tax_amount: i64,
    total: i64,
    issue_date: String,
    due_date: String,
    memo: Option<&'a str>,
    metadata: BTreeMap<String, Value>,
    created_at: String,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> CreatedInvoiceView<'a> {
    /// The fields of the invoice object this answer has, as that object shows them.
    pub(super) fn new(invoice: &'a Invoice, version: ApiVersion) -> Self {
        let InvoiceView {
            id,
            customer_id,
            payment_id,
            invoice_number,
            status,
            invoice_type,
            currency,
            subtotal,
            tax_amount,
            total,
            issue_date,
            due_date,
            memo,
            metadata,
            created_at,
            updated_at,
            object,
            livemode,
            ..
        } = InvoiceView::new(invoice, version, false);
        Self {
            id,
            customer_id,
            payment_id: payment_id.flatten(),
            invoice_number,
            status,
            invoice_type,
            currency,
            subtotal,
            tax_amount,
            total,
            issue_date,
            due_date,
            memo,
            metadata,
            created_at,
            updated_at,
            object,
            livemode,
        }
    }
}

fn metadata(invoice: &Invoice) -> BTreeMap<String, Value> {
    invoice
        .metadata
        .as_ref()
        .map(|m| m.entries().clone())
        .unwrap_or_default()
}

/// The answer of a status change up to 2026-07-11 (later versions answer the whole invoice).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InvoiceStatusView<'a> {
    id: &'a str,
    status: &'static str,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> From<&'a Invoice> for InvoiceStatusView<'a> {
    fn from(invoice: &'a Invoice) -> Self {
        Self {
            id: invoice.id.as_str(),
            status: invoice.status.as_str(),
            updated_at: invoice.updated_at.to_string(),
            object: "invoice",
            livemode: invoice.livemode,
        }
    }
}

/// The answer of `POST /invoices/{id}/send`: the mail is recorded for sending (`sent_at`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InvoiceDeliveryView {
    sent: bool,
    sent_at: String,
    object: &'static str,
    livemode: bool,
}

impl InvoiceDeliveryView {
    pub(super) fn new(sent_at: String, livemode: bool, version: ApiVersion) -> Self {
        Self {
            sent: true,
            sent_at,
            // Commet named this answer an invoice up to 2026-07-11.
            object: if is_enveloped(version) {
                "invoice"
            } else {
                "invoice_delivery"
            },
            livemode,
        }
    }
}

/// The answer of a download link: where the PDF is, and until when.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct InvoiceDownloadView<'a> {
    url: &'a str,
    expires_at: String,
    object: &'static str,
    livemode: bool,
}

impl<'a> InvoiceDownloadView<'a> {
    pub(super) fn new(
        url: &'a str,
        expires_at: String,
        livemode: bool,
        version: ApiVersion,
    ) -> Self {
        Self {
            url,
            expires_at,
            // Commet named this answer an invoice up to 2026-07-11.
            object: if is_enveloped(version) {
                "invoice"
            } else {
                "invoice_download_link"
            },
            livemode,
        }
    }
}
