//! `POST /payments/charge`: charge a customer's vaulted card off-session.

use crate::app::App;
use crate::domain::customer::CustomerRef;
use crate::domain::invoice::{Invoice, InvoiceStatus};
use crate::domain::money::{Currency, PaymentAmount};
use crate::domain::payment::{CardSummary, NewCharge, Payment, PaymentStatus};
use crate::domain::tax::tax_on;
use crate::domain::text::{Description, Metadata};
use crate::domain::time::Timestamp;
use crate::http::fields::{integer, string, string_map};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::provider::{self, Amount, ChargeOutcome, PaymentProvider};
use crate::store::{Completion, CompletionOutcome, CustomerChange, InsertPaymentOutcome};

use sha2::{Digest, Sha256};

use super::completing;
use super::payments::customer_not_found;

/// Reads the customer (its card and address) and the tax table (cached), records the payment as
/// `processing`, asks the provider, then ONE transaction records the outcome, the invoice
/// (`paid`, or `outstanding` when declined) and, on success, the receipt to send.
pub async fn charge(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let new_charge = parse_new_charge(&request)?;
    let principal = &request.principal;
    let provider = provider::for_mode(principal.mode).ok_or(ApiError::ProviderUnsupported)?;
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

    let mut payment = Payment::new_charge(
        new_charge,
        customer.id.clone(),
        tax,
        provider.provider(),
        Timestamp::now(),
        principal.livemode(),
    );
    match app.store.insert_payment(account, &payment, None).await? {
        InsertPaymentOutcome::Inserted => {}
        InsertPaymentOutcome::CustomerMissing => return Err(customer_not_found()),
    }

    let amount = Amount {
        minor_units: payment.amounts.total(),
        currency: payment.currency,
    };
    let outcome = provider
        .charge_saved(&method, amount, &provider_key(&request, &payment))
        .await
        .map_err(|e| ApiError::Unavailable(e.to_string()))?;

    let now = Timestamp::now();
    let (status, invoice_status) = match &outcome {
        ChargeOutcome::Succeeded => (PaymentStatus::Succeeded, InvoiceStatus::Paid),
        ChargeOutcome::Declined(failure) => {
            payment.failure = Some(failure.clone());
            (PaymentStatus::Failed, InvoiceStatus::Outstanding)
        }
    };
    payment.status = status;
    payment.updated_at = now;
    payment.card = Some(CardSummary {
        brand: method.brand.clone(),
        last4: method.last4.clone(),
    });
    let invoice = Invoice::for_payment(&payment, customer.id.clone(), invoice_status, now);
    payment.invoice_id = Some(invoice.id.clone());

    // The answer is known before the write, so an Idempotency-Key can store it in the same
    // transaction that records the charge.
    let answer = match outcome {
        ChargeOutcome::Succeeded => Ok(views::payment(request.version, &payment)?),
        ChargeOutcome::Declined(failure) => Err(ApiError::PaymentFailed {
            payment_id: payment.id.to_string(),
            invoice_id: invoice.id.to_string(),
            failure_code: failure.code,
            failure_message: failure.message,
        }),
    };
    let stored = match &answer {
        Ok(response) => response.clone(),
        Err(error) => ApiResponse::from_error(error, &request.error_docs_url, request.version).0,
    };
    let key_completion = completing(&request, &stored);
    let completion = Completion {
        payment: &payment,
        attempt_version: 1,
        customer: CustomerChange::Unchanged,
        invoice,
        receipt_to: (status == PaymentStatus::Succeeded).then_some(customer.email.as_str()),
        now,
        key_completion: key_completion.as_ref(),
    };
    match app.store.complete_payment(account, completion).await? {
        CompletionOutcome::Completed(_) => {}
        CompletionOutcome::AttemptSuperseded => {
            return Err(ApiError::internal(format!(
                "charge {} changed while it was being completed",
                payment.id
            )));
        }
    }
    answer
}

/// The key the provider deduplicates this charge by. With an Idempotency-Key it is derived from
/// it (and the account), so a charge executed again for the same key never moves money twice;
/// without one, the payment's own id.
fn provider_key(request: &ApiRequest, payment: &Payment) -> String {
    match &request.idempotency_key {
        Some(key) => {
            let scoped = format!("{}\n{}", request.principal.account_id, key.as_str());
            format!(
                "idem_{}",
                hex::encode(&Sha256::digest(scoped.as_bytes())[..16])
            )
        }
        None => payment.id.to_string(),
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
