//! Commet's transactions: a payment's attempt, named `txn_` with the payment's own ULID
//! (`domain::transaction`). They are listed (`GET /transactions`), and one is read
//! (`GET /transactions/{id}`) or refunded (`POST /transactions/{id}/refund`).

use crate::app::{App, RefundOutcome};
use crate::domain::ids::{PaymentId, TransactionId};
use crate::domain::page::Listing;
use crate::domain::text::Email;
use crate::domain::transaction::{TransactionFilter, TransactionStatus};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};

use super::page_request;

/// `GET /transactions`: newest first, optionally of one status or of customers with one
/// e-mail address. One Query of the account's payments (more when a filter drops many), then
/// the page's customers and invoices in one BatchGetItem; a filter by address reads each
/// Query's customers after it.
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut query = request.query();
    let status = query.optional("status", TransactionStatus::parse);
    let customer_email = query.optional("customerEmail", Email::parse);
    let mut filter: Vec<(&str, &str)> = Vec::new();
    if let Some(status) = &status {
        filter.push(("status", status.as_str()));
    }
    if let Some(email) = &customer_email {
        filter.push(("customerEmail", email.as_str()));
    }
    // Positions are the payments' own, as the account's listing of payments holds them.
    let listing = Listing::new("transactions", PaymentId::PREFIX, &filter);
    let page = page_request(&mut query, &listing);
    query.finish()?;
    let filter = TransactionFilter {
        status,
        customer_email,
    };
    let found = app
        .store
        .list_transactions(&request.principal.account_id, &filter, &page)
        .await?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::transactions(request.version, &found.items, cursor.as_deref())
}

/// `GET /transactions/{id}`: the payment (one GetItem), then its invoice (when it paid) and its
/// customer, for when it was paid and who paid, in one BatchGetItem.
pub async fn get(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let not_found = || ApiError::not_found(Resource::Transaction);
    let id = payment_of(request.param("id")).ok_or_else(not_found)?;
    let account = &request.principal.account_id;
    let payment = app
        .store
        .get_payment(account, &id)
        .await?
        .ok_or_else(not_found)?;
    let transaction = (app.store.transaction_of(account, payment).await?).ok_or_else(not_found)?;
    views::transaction(request.version, &transaction)
}

/// `POST /transactions/{id}/refund`: what remains of a succeeded payment, in full (see
/// `App::refund_payment`). The id is the transaction's (`txn_`, as `payment.*` events name it)
/// or the payment's own (`pay_`).
pub async fn refund(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    // Commet's SDKs send an empty object; nothing else is taken.
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let not_found = || ApiError::not_found(Resource::Transaction);
    let id = payment_of(request.param("id")).ok_or_else(not_found)?;
    match app
        .refund_payment(&request.principal.account_id, &id)
        .await?
    {
        RefundOutcome::Refunded(refund) => views::refund(request.version, &refund),
        RefundOutcome::NotFound => Err(not_found()),
        RefundOutcome::NotRefundable(why) => Err(ApiError::TransactionNotRefundable(why)),
        RefundOutcome::Refused(failure) => Err(ApiError::RefundFailed {
            code: failure.code,
            message: failure.message,
        }),
    }
}

fn payment_of(id: &str) -> Option<PaymentId> {
    TransactionId::parse(id)
        .map(|transaction| transaction.payment())
        .or_else(|_| PaymentId::parse(id))
        .ok()
}
