//! A payment's transaction (Commet's `Transaction`): from 2026-08-27 with its `paymentContext`,
//! `paymentMethod` and `subPaymentMethod`. Amounts in USD are `grossAmount`, `subtotal` and
//! `taxAmount`; in any other currency only `presentmentAmount` is known (Commet's USD figures
//! come from an exchange rate this service does not have).

use serde::Serialize;

use super::payment::PaymentContextView;
use crate::domain::transaction::Transaction;
use crate::domain::version::ApiVersion;
use crate::http::version::has_payment_context;

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct TransactionView<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    payment_context: Option<PaymentContextView<'a>>,
    id: String,
    invoice_id: Option<&'a str>,
    gross_amount: Option<u64>,
    subtotal: Option<u64>,
    tax_amount: Option<u64>,
    presentment_amount: Option<u64>,
    currency: String,
    provider: &'static str,
    #[serde(flatten)]
    method: Option<MethodView>,
    status: &'static str,
    customer_email: Option<&'a str>,
    customer_name: Option<&'a str>,
    paid_at: Option<String>,
    created_at: String,
    updated_at: String,
    /// When the money is available to pay out: the sandbox pays nothing out, and a Stripe
    /// balance is Stripe's to tell.
    available_at: Option<()>,
    object: &'static str,
    livemode: bool,
}

/// How it was paid, from 2026-08-27.
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct MethodView {
    payment_method: Option<&'static str>,
    sub_payment_method: Option<()>,
}

impl<'a> TransactionView<'a> {
    pub(super) fn new(transaction: &'a Transaction, version: ApiVersion) -> Self {
        let payment = &transaction.payment;
        let in_usd = payment.currency.code() == "usd";
        let usd = |amount: u64| in_usd.then_some(amount);
        let customer = transaction.customer.as_ref();
        let newest = has_payment_context(version);
        Self {
            payment_context: newest.then(|| PaymentContextView::of(payment)),
            id: payment.id.transaction().to_string(),
            invoice_id: payment.invoice_id.as_ref().map(|id| id.as_str()),
            gross_amount: usd(payment.amounts.total()),
            subtotal: usd(payment.amounts.subtotal),
            tax_amount: usd(payment.amounts.tax),
            presentment_amount: (!in_usd).then_some(payment.amounts.total()),
            currency: payment.currency.code(),
            provider: payment.provider.as_str(),
            method: newest.then(|| MethodView {
                payment_method: payment.card.as_ref().map(|_| "card"),
                sub_payment_method: None,
            }),
            status: transaction.status.as_str(),
            customer_email: customer.map(|customer| customer.email.as_str()),
            customer_name: customer
                .and_then(|customer| customer.full_name.as_ref())
                .map(|name| name.as_str()),
            paid_at: transaction.paid_at.map(|at| at.to_string()),
            created_at: payment.transaction_started_at().to_string(),
            updated_at: payment.updated_at.to_string(),
            available_at: None,
            object: "transaction",
            livemode: payment.livemode,
        }
    }
}
