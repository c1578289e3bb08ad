//! Every answer's shape, per API version (docs/contract.md §2 and §6): the one place that knows
//! what a version changes in answers. Handlers call the function for what they answer and never
//! look at the version for it; what a version changes in requests (the name of a customer's
//! e-mail) is asked of `http::version`.

mod customer;
mod invoice;
mod payment;
mod refund;
mod transaction;
mod webhook;

use std::collections::BTreeMap;

use crate::app::IssuedRefund;
use crate::domain::customer::Customer;
use crate::domain::delivery::Attempt;
use crate::domain::ids::AccountId;
use crate::domain::invoice::Invoice;
use crate::domain::payment::Payment;
use crate::domain::text::Metadata;
use crate::domain::time::Timestamp;
use crate::domain::transaction::Transaction;
use crate::domain::version::ApiVersion;
use crate::domain::webhook::WebhookEndpoint;

use super::error::ApiError;
use super::response::ApiResponse;
use super::version::is_enveloped;
pub use customer::BatchFailure;
use customer::{CustomerBatchView, customer_view};
use invoice::{
    CreatedInvoiceView, InvoiceDeliveryView, InvoiceDownloadView, InvoiceStatusView, InvoiceView,
};
use payment::PaymentView;
use refund::RefundView;
use transaction::TransactionView;
use webhook::{AttemptView, DeletedView, WebhookTestView, WebhookView};

type Answer = Result<ApiResponse, ApiError>;

/// A page of `items`, each shown by `view`.
fn list<'a, T, V: serde::Serialize>(
    version: ApiVersion,
    items: &'a [T],
    next_cursor: Option<&str>,
    view: impl Fn(&'a T) -> V,
) -> Answer {
    let views: Vec<V> = items.iter().map(view).collect();
    ApiResponse::list(version, &views, next_cursor)
}

fn metadata(metadata: &Option<Metadata>) -> Option<&BTreeMap<String, String>> {
    metadata.as_ref().map(Metadata::entries)
}

pub fn payment(version: ApiVersion, payment: &Payment) -> Answer {
    ApiResponse::object(version, &PaymentView::new(payment, version))
}

/// A payment's transaction.
pub fn transaction(version: ApiVersion, transaction: &Transaction) -> Answer {
    ApiResponse::object(version, &TransactionView::new(transaction, version))
}

/// A page of transactions.
pub fn transactions(
    version: ApiVersion,
    transactions: &[Transaction],
    next_cursor: Option<&str>,
) -> Answer {
    list(version, transactions, next_cursor, |transaction| {
        TransactionView::new(transaction, version)
    })
}

/// A refund asked of the API, as the version shows it.
pub fn refund(version: ApiVersion, refund: &IssuedRefund) -> Answer {
    ApiResponse::object(version, &RefundView::new(refund, version))
}

pub fn payments(version: ApiVersion, payments: &[Payment], next_cursor: Option<&str>) -> Answer {
    list(version, payments, next_cursor, |payment| {
        PaymentView::new(payment, version)
    })
}

/// A customer of `account` (which versions up to 2026-05-25 show as its `organizationId`).
pub fn customer(version: ApiVersion, account: &AccountId, customer: &Customer) -> Answer {
    ApiResponse::object(version, &customer_view(customer, account, version))
}

/// A batch of customers: those created and those refused.
pub fn customer_batch(
    version: ApiVersion,
    account: &AccountId,
    created: &[Customer],
    failed: &[BatchFailure<'_>],
    livemode: bool,
) -> Answer {
    ApiResponse::object(
        version,
        &CustomerBatchView::new(created, failed, livemode, account, version),
    )
}

pub fn customers(
    version: ApiVersion,
    account: &AccountId,
    customers: &[Customer],
    next_cursor: Option<&str>,
) -> Answer {
    list(version, customers, next_cursor, |customer| {
        customer_view(customer, account, version)
    })
}

pub fn invoice(version: ApiVersion, invoice: &Invoice) -> Answer {
    ApiResponse::object(version, &InvoiceView::whole(invoice, version))
}

pub fn invoices(version: ApiVersion, invoices: &[Invoice], next_cursor: Option<&str>) -> Answer {
    list(version, invoices, next_cursor, |invoice| {
        InvoiceView::listed(invoice, version)
    })
}

/// The answer of an adjustment's create: the fields of 2026-07-11's `CreatedInvoice` up to
/// then, the whole invoice after.
pub fn created_invoice(version: ApiVersion, invoice: &Invoice) -> Answer {
    if is_enveloped(version) {
        ApiResponse::object(version, &CreatedInvoiceView::new(invoice, version))
    } else {
        self::invoice(version, invoice)
    }
}

/// The answer of a status change: `{id, status, updatedAt, …}` up to 2026-07-11, the whole
/// invoice after.
pub fn invoice_status_changed(version: ApiVersion, invoice: &Invoice) -> Answer {
    if is_enveloped(version) {
        ApiResponse::object(version, &InvoiceStatusView::from(invoice))
    } else {
        self::invoice(version, invoice)
    }
}

/// The answer of a send: the invoice's mail recorded for sending at `sent_at`.
pub fn invoice_sent(version: ApiVersion, sent_at: Timestamp, livemode: bool) -> Answer {
    ApiResponse::object(
        version,
        &InvoiceDeliveryView::new(sent_at.to_string(), livemode, version),
    )
}

/// The answer of a download link: the PDF's URL and when it stops serving.
pub fn invoice_download(
    version: ApiVersion,
    url: &str,
    expires_at: Timestamp,
    livemode: bool,
) -> Answer {
    ApiResponse::object(
        version,
        &InvoiceDownloadView::new(url, expires_at.to_string(), livemode, version),
    )
}

pub fn webhook(version: ApiVersion, webhook: &WebhookEndpoint) -> Answer {
    ApiResponse::object(version, &WebhookView::new(webhook))
}

/// The answer of the create, the one place the endpoint's secret is shown.
pub fn created_webhook(version: ApiVersion, webhook: &WebhookEndpoint) -> Answer {
    ApiResponse::object(version, &WebhookView::created(webhook))
}

pub fn webhooks(
    version: ApiVersion,
    webhooks: &[WebhookEndpoint],
    next_cursor: Option<&str>,
) -> Answer {
    list(version, webhooks, next_cursor, WebhookView::new)
}

pub fn deleted_webhook(version: ApiVersion, id: &str, livemode: bool) -> Answer {
    ApiResponse::object(version, &DeletedView::webhook(id, livemode))
}

/// An endpoint's delivery attempts (ours).
pub fn delivery_attempts(
    version: ApiVersion,
    attempts: &[Attempt],
    next_cursor: Option<&str>,
) -> Answer {
    list(version, attempts, next_cursor, AttemptView::new)
}

/// The answer of a test delivery, and of a delivery retried by hand.
pub fn webhook_test(
    version: ApiVersion,
    delivered: bool,
    delivery_id: &str,
    delivered_at: &str,
    livemode: bool,
) -> Answer {
    ApiResponse::object(
        version,
        &WebhookTestView {
            success: delivered,
            delivery_id,
            delivered_at,
            object: "webhook_delivery",
            livemode,
        },
    )
}
