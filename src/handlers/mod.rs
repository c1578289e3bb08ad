//! One module per resource, one function per endpoint: parse the request into domain values,
//! call the store (and provider), answer. Each is a plain async function of the app and the
//! request, so tests call them directly.

pub mod charge;
pub mod customers;
pub mod invoices;
pub mod pay_page;
pub mod payments;

use crate::domain::page::{Listing, PageLimit, PageRequest};
use crate::http::fields::{QueryFields, query_integer};

/// Reads `limit` and `cursor` for `listing`; problems are collected with the others.
pub(crate) fn page_request(query: &mut QueryFields, listing: &Listing) -> PageRequest {
    let limit = query
        .optional("limit", |text| query_integer(text).and_then(PageLimit::new))
        .unwrap_or_default();
    let after = query.optional("cursor", |text| listing.parse_cursor(text));
    PageRequest { limit, after }
}
