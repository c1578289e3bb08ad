//! One module per resource, one function per endpoint: parse the request into domain values,
//! call the store (and provider), answer. Each is a plain async function of the app and the
//! request, so tests call them directly.

pub mod charge;
pub mod customer_batch;
pub mod customers;
pub mod deliveries;
pub mod invoices;
pub mod pay_page;
pub mod payments;
pub mod stripe_webhook;
pub mod transactions;
pub mod webhooks;

use crate::app::App;
use crate::domain::customer::CustomerRef;
use crate::domain::idempotency::StoredResponse;
use crate::domain::ids::{AccountId, CustomerId};
use crate::domain::page::{Listing, PageLimit, PageRequest};
use crate::http::fields::{QueryFields, query_integer};
use crate::http::{ApiError, ApiRequest, ApiResponse};
use crate::store::{AnswerError, KeyCompletion, RenderAnswer};

/// When the request carries an Idempotency-Key: "also complete it with `response`", for the
/// store write that makes the response true, so that both commit in one transaction.
pub(crate) fn completing<'a, T>(
    request: &'a ApiRequest,
    response: &ApiResponse,
) -> Option<KeyCompletion<'a, T>> {
    request
        .claim
        .as_deref()
        .map(|claim| KeyCompletion::with_answer(claim, response.stored()))
}

/// The same, when the response shows the object as the write leaves it: `render` renders it
/// (with `answer`).
pub(crate) fn completing_with<'a, T>(
    request: &'a ApiRequest,
    render: &'a RenderAnswer<T>,
) -> Option<KeyCompletion<'a, T>> {
    request
        .claim
        .as_deref()
        .map(|claim| KeyCompletion::rendering(claim, render))
}

/// A rendered success as an idempotency record keeps it.
pub(crate) fn answer(
    rendered: Result<ApiResponse, ApiError>,
) -> Result<StoredResponse, AnswerError> {
    rendered
        .map(|response| response.stored())
        .map_err(|error| error.to_string())
}

/// Reads `limit` and `cursor` for `listing`; problems are collected with the others.
pub(crate) fn page_request(query: &mut QueryFields, listing: &Listing) -> PageRequest {
    let limit = query
        .optional("limit", |text| query_integer(text).and_then(PageLimit::new))
        .unwrap_or_default();
    let after = query.optional("cursor", |text| listing.parse_cursor(text));
    PageRequest { limit, after }
}

/// A listing's `customerId` filter as the store takes it.
pub(crate) enum CustomerFilter {
    /// No filter: every customer's objects.
    All,
    Customer(CustomerId),
    /// An externalId no customer of the account has: it owns nothing, so the list is empty.
    NoSuchCustomer,
}

impl CustomerFilter {
    /// Resolves an externalId to its customer; a `cus_` id is taken as it is (a made-up one
    /// simply matches nothing).
    pub(crate) async fn resolve(
        app: &App,
        account: &AccountId,
        reference: Option<CustomerRef>,
    ) -> Result<Self, ApiError> {
        Ok(match reference {
            None => Self::All,
            Some(CustomerRef::Id(id)) => Self::Customer(id),
            Some(CustomerRef::External(external)) => {
                match app.store.resolve_external_id(account, &external).await? {
                    Some(id) => Self::Customer(id),
                    None => Self::NoSuchCustomer,
                }
            }
        })
    }
}
