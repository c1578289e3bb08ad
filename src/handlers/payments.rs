use crate::app::App;
use crate::domain::customer::CustomerRef;
use crate::domain::ids::PaymentId;
use crate::domain::money::{Currency, PaymentAmount};
use crate::domain::page::{Listing, Page};
use crate::domain::payment::{NewLink, Payment};
use crate::domain::tax::tax_on;
use crate::domain::text::{Description, Metadata, SuccessUrl};
use crate::domain::time::Timestamp;
use crate::http::fields::{Fields, integer, string, string_map};
use crate::http::views;
use crate::http::{ApiError, ApiRequest, ApiResponse, Resource};
use crate::store::{CancelOutcome, InsertPaymentOutcome};

use super::{CustomerFilter, answer, completing, completing_with, page_request};

/// `POST /payments`: a hosted payment link, `pending`, taxed at the rate of the customer's
/// address (or the account default). One transaction writes the link, the item its public page
/// is found by, and checks the customer. A customer named by externalId costs one GetItem more;
/// so does reading the customer's address, needed only when the account has regional rates.
pub async fn create(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let new_link = parse_new_link(&request)?;
    let principal = &request.principal;
    let route = app
        .link_route(principal)
        .ok_or(ApiError::ProviderUnsupported)?;
    let account = &principal.account_id;
    let rates = app.tax_rates(account).await?;
    let (customer_id, address) = match &new_link.customer {
        None => (None, None),
        Some(reference) if !rates.by_region.is_empty() => {
            let customer = app
                .store
                .get_customer(account, reference)
                .await?
                .ok_or_else(customer_not_found)?;
            (Some(customer.id), customer.address)
        }
        Some(CustomerRef::Id(id)) => (Some(id.clone()), None),
        Some(CustomerRef::External(external)) => (
            Some(
                app.store
                    .resolve_external_id(account, external)
                    .await?
                    .ok_or_else(customer_not_found)?,
            ),
            None,
        ),
    };
    let tax = tax_on(
        new_link.amount.minor_units(),
        rates.rate_for(address.as_ref()),
    );
    let payment = Payment::new_link(
        new_link,
        customer_id,
        tax,
        route,
        &request.public_base_url,
        Timestamp::now(),
    );
    let response = views::payment(request.version, &payment)?;
    let completion = completing(&request, &response);
    match app
        .store
        .insert_payment(account, &payment, completion.as_ref())
        .await?
    {
        InsertPaymentOutcome::Inserted => Ok(response),
        InsertPaymentOutcome::CustomerMissing => Err(customer_not_found()),
    }
}

pub(crate) fn customer_not_found() -> ApiError {
    ApiError::NotFound {
        resource: Resource::Customer,
        param: Some("customerId"),
    }
}

fn parse_new_link(request: &ApiRequest) -> Result<NewLink, ApiError> {
    let mut fields: Fields<'_> = request.body_fields()?;
    let amount = fields.required("amount", |v| integer(v).and_then(PaymentAmount::new));
    let currency = fields.required("currency", |v| string(v).and_then(Currency::parse));
    let description = fields.required("description", |v| string(v).and_then(Description::parse));
    let customer = fields.optional("customerId", |v| string(v).and_then(CustomerRef::parse));
    let success_url = fields.optional("successUrl", |v| string(v).and_then(SuccessUrl::parse));
    let metadata = fields.optional("metadata", |v| string_map(v).and_then(Metadata::new));
    let (amount, currency, description) = fields.finish((amount, currency, description))?;
    Ok(NewLink {
        amount,
        currency,
        description,
        customer,
        success_url,
        metadata,
    })
}

/// `GET /payments/{id}`: one GetItem.
pub async fn get(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let not_found = || ApiError::not_found(Resource::Payment);
    let id = PaymentId::parse(request.param("id")).map_err(|_| not_found())?;
    let payment = app
        .store
        .get_payment(&request.principal.account_id, &id)
        .await?
        .ok_or_else(not_found)?;
    views::payment(request.version, &payment)
}

/// `GET /payments`: newest first, optionally one customer's. One Query (one more GetItem when
/// the customer is named by externalId).
pub async fn list(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    let mut query = request.query();
    let customer = query.optional("customerId", |text| {
        CustomerRef::parse(text).map(|reference| (reference, text.to_owned()))
    });
    let filter: Vec<(&str, &str)> = customer
        .iter()
        .map(|(_, text)| ("customerId", text.as_str()))
        .collect();
    let listing = Listing::new("payments", PaymentId::PREFIX, &filter);
    let page = page_request(&mut query, &listing);
    query.finish()?;

    let account = &request.principal.account_id;
    let reference = customer.map(|(reference, _)| reference);
    let customer_id = match CustomerFilter::resolve(app, account, reference).await? {
        CustomerFilter::All => None,
        CustomerFilter::Customer(id) => Some(id),
        CustomerFilter::NoSuchCustomer => return views::payments(request.version, &[], None),
    };
    let found: Page<Payment> = app
        .store
        .list_payments(account, customer_id.as_ref(), &page)
        .await?;
    let cursor = found.next.as_ref().map(|next| listing.cursor(next));
    views::payments(request.version, &found.items, cursor.as_deref())
}

/// `POST /payments/{id}/cancel`: ONE conditional UpdateItem (see `Store::cancel_link`).
pub async fn cancel(app: &'static App, request: ApiRequest) -> Result<ApiResponse, ApiError> {
    // The body is optional; if sent it must be an empty object.
    if request.body.is_some() {
        request.body_fields()?.finish(())?;
    }
    let not_found = || ApiError::not_found(Resource::Payment);
    let id = PaymentId::parse(request.param("id")).map_err(|_| not_found())?;
    let account = &request.principal.account_id;
    let now = Timestamp::now();
    // With an Idempotency-Key, the answer is stored by the cancel's own transaction.
    let version = request.version;
    let render = move |payment: &Payment| answer(views::payment(version, payment));
    let completion = completing_with(&request, &render);
    let outcome = app
        .store
        .cancel_link(account, &id, now, completion.as_ref())
        .await?;
    match outcome {
        CancelOutcome::Canceled(payment) | CancelOutcome::AlreadyCanceled(payment) => {
            views::payment(request.version, &payment)
        }
        CancelOutcome::NotCancelable(payment) => Err(ApiError::PaymentNotCancelable {
            kind: payment.kind.as_str(),
            status: payment.status.as_str(),
        }),
        CancelOutcome::NotFound => Err(not_found()),
    }
}
