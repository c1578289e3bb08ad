//! One module per resource, one function per endpoint: parse the request into domain values,
//! call the store (and provider), answer. Each is a plain async function of the app and the
//! request, so tests call them directly.

pub mod charge;
pub mod customers;
pub mod deliveries;
pub mod invoices;
pub mod pay_page;
pub mod payments;
pub mod stripe_webhook;
pub mod webhooks;

use crate::domain::idempotency::StoredResponse;
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
