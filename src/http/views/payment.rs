//! The payment object.

use std::collections::BTreeMap;

use serde::Serialize;

use super::metadata;
use crate::domain::payment::{Payment, PaymentKind};
use crate::domain::version::ApiVersion;
use crate::http::version::{has_payment_context, is_enveloped};

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_context: Option<PaymentContextView<'a>>,
    id: &'a str,
    customer_id: Option<&'a str>,
    kind: &'static str,
    status: &'static str,
    provider: &'static str,
    amount_subtotal: u64,
    tax_amount: u64,
    amount_total: u64,
    currency: String,
    description: &'a str,
    metadata: Option<&'a BTreeMap<String, String>>,
    url: Option<&'a str>,
    #[serde(flatten)]
    additions: Option<PaymentAdditions<'a>>,
    expires_at: Option<&'a str>,
    created_at: String,
    updated_at: String,
    object: &'static str,
    livemode: bool,
}

/// This service's own fields, in the enveloped family only (docs/contract.md §2).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct PaymentAdditions<'a> {
    success_url: Option<&'a str>,
    invoice_id: Option<&'a str>,
    failure_code: Option<&'a str>,
    failure_message: Option<&'a str>,
}

/// Why the payment was taken. Links and charges are both one-time payments; nothing here is a
/// dunning retry, so `recovery` is always null.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PaymentContextView<'a> {
    reason: &'static str,
    payment_link_id: Option<&'a str>,
    recovery: Option<()>,
}

impl<'a> PaymentContextView<'a> {
    pub(super) fn of(payment: &'a Payment) -> Self {
        Self {
            reason: "one_time_payment",
            payment_link_id: (payment.kind == PaymentKind::Link).then_some(payment.id.as_str()),
            recovery: None,
        }
    }
}

impl<'a> PaymentView<'a> {
    pub(super) fn new(payment: &'a Payment, version: ApiVersion) -> Self {
        Self {
            payment_context: has_payment_context(version).then(|| PaymentContextView::of(payment)),
            id: payment.id.as_str(),
            customer_id: payment.customer_id.as_ref().map(|id| id.as_str()),
            kind: payment.kind.as_str(),
            status: payment.status.as_str(),
            provider: payment.provider.as_str(),
            amount_subtotal: payment.amounts.subtotal,
            tax_amount: payment.amounts.tax,
            amount_total: payment.amounts.total(),
            currency: payment.currency.code(),
            description: payment.description.as_str(),
            metadata: metadata(&payment.metadata),
            url: payment.url.as_deref(),
            additions: is_enveloped(version).then(|| PaymentAdditions {
                success_url: payment.success_url.as_ref().map(|url| url.as_str()),
                invoice_id: payment.invoice_id.as_ref().map(|id| id.as_str()),
                failure_code: payment.failure.as_ref().map(|f| f.code.as_str()),
                failure_message: payment.failure.as_ref().map(|f| f.message.as_str()),
            }),
            // Links do not expire by themselves (docs/contract.md §2).
            expires_at: None,
            created_at: payment.created_at.to_string(),
            updated_at: payment.updated_at.to_string(),
            object: "payment",
            livemode: payment.livemode,
        }
    }
}
