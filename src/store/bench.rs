//! The benchmark's bare mirrors send the store's own requests (`scripts/bench/` compares each
//! endpoint with the DynamoDB calls it makes). Compiled only with the `bench` feature.

use aws_sdk_dynamodb::operation::update_item::builders::UpdateItemFluentBuilder;

use super::invoices::invoice_key;
use super::payments::payment_key;
use super::{Store, rules};
use crate::domain::ids::{AccountId, InvoiceId, PaymentId};
use crate::domain::invoice::InvoiceSettlement;
use crate::domain::time::Timestamp;

/// The UpdateItem `Store::cancel_link` sends (without an Idempotency-Key).
pub fn cancel_link_request(
    store: &Store,
    account: &AccountId,
    id: &PaymentId,
    now: Timestamp,
) -> UpdateItemFluentBuilder {
    store.update_request(payment_key(account, id), rules::cancel_link(now))
}

/// The UpdateItem `Store::set_invoice_status` sends (without an Idempotency-Key).
pub fn settle_invoice_request(
    store: &Store,
    account: &AccountId,
    id: &InvoiceId,
    settlement: InvoiceSettlement,
    now: Timestamp,
) -> UpdateItemFluentBuilder {
    store.update_request(
        invoice_key(account, id),
        rules::settle_invoice(account, settlement, now),
    )
}
