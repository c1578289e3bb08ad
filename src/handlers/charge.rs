//! `POST /payments/charge`: charge a customer's vaulted card off-session.

use crate::app::App;
use crate::domain::customer::CustomerRef;
use crate::domain::ids::PaymentId;
use crate::domain::money::{Currency, PaymentAmount};
use crate::domain::payment::{NewCharge, Payment, PaymentStatus};
use crate::domain::pending_charge::PendingCharge;
use crate::domain::tax::tax_on;
use crate::domain::text::{Description, Metadata};
use crate::domain::time::Timestamp;
use crate::domain::version::ApiVersion;
use crate::http::fields::{integer, string, string_map};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::store::InsertChargeOutcome;

use super::completing_with;
use super::payments::customer_not_found;

/// Reads the customer (its card and address) and the tax table (cached), writes the payment
/// (`processing`) with its pending charge, asks the provider, then ONE transaction records the
/// outcome, the invoice (`paid`, or `outstanding` when declined), the receipt to send on success,
/// and the request's answer under its Idempotency-Key.
///
/// With an Idempotency-Key the payment's id is derived from it, so the same request run again
/// (after a 503, or after the invocation died) lands on the same payment: still `processing`, it
/// is asked of the provider again under the same provider key and recorded (racing the
/// reconciler, one wins); recorded already, its outcome is the answer.
pub async fn charge(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let new_charge = parse_new_charge(&request)?;
    let principal = &request.principal;
    let route = principal.route();
    app.provider_for(&route)
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?
        .ok_or(ApiError::ProviderUnsupported)?;
    let account = &principal.account_id;

    let customer = app
        .store
        .get_customer(account, &new_charge.customer)
        .await?
        .ok_or_else(customer_not_found)?;
    let method = customer
        .payment_method
        .clone()
        .ok_or(ApiError::NoPaymentMethod)?;
    let rates = app.tax_rates(account).await?;
    let tax = tax_on(
        new_charge.amount.minor_units(),
        rates.rate_for(customer.address.as_ref()),
    );

    let id = match &request.claim {
        Some(claim) => claim.derive_id(PaymentId::derive),
        None => PaymentId::generate(),
    };
    let now = Timestamp::now();
    let payment = Payment::new_charge(id, new_charge, customer.id.clone(), tax, route, now);
    let mut pending = PendingCharge::new(payment.id.clone(), method, now);
    let (payment, asked_before) = match app.store.insert_charge(account, &payment, &pending).await?
    {
        InsertChargeOutcome::Inserted => (payment, false),
        InsertChargeOutcome::CustomerMissing => return Err(customer_not_found()),
        InsertChargeOutcome::Exists => {
            let existing = app
                .store
                .get_payment(account, &payment.id)
                .await?
                .ok_or_else(|| ApiError::internal("a charge that exists could not be read"))?;
            if existing.status != PaymentStatus::Processing {
                return answer_for(request.version, &existing);
            }
            // Asked again as it was first asked: the same method, whatever the card is now.
            match app.store.get_pending_charge(account, &existing.id).await? {
                Some(first) => pending = first,
                // Recorded between the two reads (by the reconciler): its outcome is the answer.
                None => return answer_recorded(app, &request, &existing.id).await,
            }
            (existing, true)
        }
    };

    let (version, docs_url) = (request.version, request.error_docs_url.clone());
    let render = move |payment: &Payment| match answer_for(version, payment) {
        Ok(response) => Ok(response.stored()),
        // A decline is an answer too, and is kept as one.
        Err(error @ ApiError::PaymentFailed { .. }) => {
            Ok(ApiResponse::from_error(&error, &docs_url, version)
                .0
                .stored())
        }
        Err(error) => Err(error.to_string()),
    };
    let key = completing_with(&request, &render);
    let settled = app
        .settle_charge(
            account,
            payment,
            &pending,
            customer.email.as_str(),
            key.as_ref(),
            asked_before,
        )
        .await?;
    answer_for(request.version, &settled.payment)
}

async fn answer_recorded(
    app: &App,
    request: &ApiRequest,
    id: &PaymentId,
) -> Result<ApiResponse, ApiError> {
    let account = &request.principal.account_id;
    match app.store.get_payment(account, id).await? {
        Some(payment) => answer_for(request.version, &payment),
        None => Err(ApiError::internal("a charge that exists could not be read")),
    }
}

/// The answer to a charge request for the payment as recorded: the payment, or 402 with the
/// decline and its invoice.
fn answer_for(version: ApiVersion, payment: &Payment) -> Result<ApiResponse, ApiError> {
    match (&payment.status, &payment.failure, &payment.invoice_id) {
        (PaymentStatus::Failed, Some(failure), Some(invoice)) => Err(ApiError::PaymentFailed {
            payment_id: payment.id.to_string(),
            invoice_id: invoice.to_string(),
            failure_code: failure.code.clone(),
            failure_message: failure.message.clone(),
        }),
        (PaymentStatus::Succeeded, _, _) => Ok(views::payment(version, payment)?),
        _ => Err(ApiError::internal(format!(
            "charge {} answered while {}",
            payment.id,
            payment.status.as_str()
        ))),
    }
}

fn parse_new_charge(request: &ApiRequest) -> Result<NewCharge, ApiError> {
    let mut fields = request.body_fields()?;
    let customer = fields.required("customerId", |v| string(v).and_then(CustomerRef::parse));
    let amount = fields.required("amount", |v| integer(v).and_then(PaymentAmount::new));
    let currency = fields.required("currency", |v| string(v).and_then(Currency::parse));
    let description = fields.required("description", |v| string(v).and_then(Description::parse));
    let metadata = fields.optional("metadata", |v| string_map(v).and_then(Metadata::new));
    let (customer, amount, currency, description) =
        fields.finish((customer, amount, currency, description))?;
    Ok(NewCharge {
        customer,
        amount,
        currency,
        description,
        metadata,
    })
}
