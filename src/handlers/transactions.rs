//! Commet's transactions: a payment's paid attempt, named `txn_` with the payment's own ULID.
//! Only their refund is offered (`POST /transactions/{id}/refund`).

use crate::app::{App, RefundOutcome};
use crate::domain::ids::{PaymentId, TransactionId};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};

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
