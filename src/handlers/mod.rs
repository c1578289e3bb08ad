//! One module per resource, one function per endpoint: parse the request into domain values,
//! call the store (and provider), answer. Each is a plain async function of the app and the
//! request, so tests call them directly.

pub mod charge;
pub mod customers;
pub mod invoices;
pub mod pay_page;
pub mod payments;

use aws_sdk_dynamodb::types::TransactWriteItem;

use crate::app::App;
use crate::domain::page::{Listing, PageLimit, PageRequest};
use crate::http::fields::{QueryFields, query_integer};
use crate::http::{ApiError, ApiRequest, ApiResponse};

/// When the request carries an Idempotency-Key: the write that stores `response` for it, to
/// commit in the same transaction as the handler's own write.
pub(crate) fn key_completion(
    app: &App,
    request: &ApiRequest,
    response: &ApiResponse,
) -> Result<Option<TransactWriteItem>, ApiError> {
    request
        .claim
        .as_ref()
        .map(|claim| app.store.idempotency_completion(claim, &response.stored()))
        .transpose()
        .map_err(ApiError::from)
}

/// Records that a transaction carrying the key's completion committed.
pub(crate) fn key_completed(request: &ApiRequest) {
    if let Some(claim) = &request.claim {
        claim.mark_completed();
    }
}

/// Reads `limit` and `cursor` for `listing`; problems are collected with the others.
pub(crate) fn page_request(query: &mut QueryFields, listing: &Listing) -> PageRequest {
    let limit = query
        .optional("limit", |text| query_integer(text).and_then(PageLimit::new))
        .unwrap_or_default();
    let after = query.optional("cursor", |text| listing.parse_cursor(text));
    PageRequest { limit, after }
}
