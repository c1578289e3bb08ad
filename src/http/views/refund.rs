//! A refund asked of the API: up to 2026-07-11 the transaction it refunded (`@commet/node` 7.x's
//! `TransactionRefund`), from 2026-07-24 the refund itself (`commet-sdk` 8.0.0's `Refund`).

use serde::Serialize;

use crate::app::IssuedRefund;
use crate::domain::version::ApiVersion;
use crate::http::version::is_enveloped;

#[derive(Serialize)]
#[serde(untagged)]
pub(super) enum RefundView<'a> {
    Transaction(RefundedTransactionView),
    Refund(ProviderNeutralRefundView<'a>),
}

#[derive(Serialize)]
pub(super) struct RefundedTransactionView {
    id: String,
    status: &'static str,
    object: &'static str,
    livemode: bool,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProviderNeutralRefundView<'a> {
    id: String,
    transaction_id: String,
    amount: u64,
    currency: String,
    charge_id: Option<&'a str>,
    status: &'static str,
    /// Refunds asked of this API give no reason.
    reason: Option<&'static str>,
    object: &'static str,
    livemode: bool,
}

impl<'a> RefundView<'a> {
    pub(super) fn new(refund: &'a IssuedRefund, version: ApiVersion) -> Self {
        let payment = &refund.payment;
        if is_enveloped(version) {
            return RefundView::Transaction(RefundedTransactionView {
                id: payment.id.transaction().to_string(),
                status: "refunded",
                object: "transaction",
                livemode: payment.livemode,
            });
        }
        RefundView::Refund(ProviderNeutralRefundView {
            id: payment.id.refund().to_string(),
            transaction_id: payment.id.transaction().to_string(),
            amount: refund.amount,
            currency: payment.currency.code(),
            charge_id: refund.charge.as_deref(),
            status: refund.status.as_str(),
            reason: None,
            object: "refund",
            livemode: payment.livemode,
        })
    }
}
