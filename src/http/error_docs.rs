//! `GET /docs/errors`: the error documentation (docs/errors.md, rendered to HTML at build time
//! by build.rs), served by the API itself, so that every error's `doc_url` leads to a page that
//! exists on the deployment's own origin.

use lambda_http::http::{HeaderValue, Response};
use lambda_http::{Body, Request};

use super::request;

/// docs/errors.md as HTML; each error code is an element id.
pub const PAGE: &str = include_str!(concat!(env!("OUT_DIR"), "/errors.html"));

/// Where an error's `doc_url` points for a request: `ERROR_DOCS_URL` when configured, else this
/// page on the origin the request came in on (`#<code>` is appended per error).
pub fn url_for(event: &Request, configured: Option<&str>) -> String {
    match configured {
        Some(url) => url.to_owned(),
        None => format!("{}/docs/errors", request::public_base_url(event, None)),
    }
}

/// The same for an answer whose request named no origin (an event that could not be read).
pub fn url_for_unknown_origin(configured: Option<&str>) -> String {
    configured.unwrap_or("/docs/errors").to_owned()
}

pub fn serve(event: &Request) -> Response<Body> {
    let mut response = Response::new(Body::Text(PAGE.to_owned()));
    let headers = response.headers_mut();
    for (name, value) in [
        ("content-type", "text/html; charset=utf-8"),
        ("cache-control", "public, max-age=3600"),
        ("x-content-type-options", "nosniff"),
        (
            "content-security-policy",
            "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
        ),
    ] {
        headers.insert(name, HeaderValue::from_static(value));
    }
    if let Ok(value) = HeaderValue::from_str(&request::request_id(event)) {
        headers.insert("x-request-id", value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::refund::NotRefundable;
    use crate::domain::send_pace::Paced;
    use crate::http::error::{ApiError, Resource};

    /// One error of every kind; the match has no wildcard, so a new variant must be added here.
    fn every_kind() -> Vec<ApiError> {
        let all = vec![
            ApiError::validation("amount", "is required"),
            ApiError::InvalidJson {
                message: String::new(),
                param: None,
            },
            ApiError::Unauthorized,
            ApiError::RouteNotFound,
            ApiError::not_found(Resource::Payment),
            ApiError::not_found(Resource::Customer),
            ApiError::not_found(Resource::Invoice),
            ApiError::not_found(Resource::Webhook),
            ApiError::not_found(Resource::WebhookDelivery),
            ApiError::not_found(Resource::Transaction),
            ApiError::TransactionNotRefundable(NotRefundable::AlreadyRefunded),
            ApiError::RefundFailed {
                code: String::new(),
                message: String::new(),
            },
            ApiError::WebhookLimitReached { limit: 1 },
            ApiError::MethodNotAllowed { allow: vec!["GET"] },
            ApiError::PaymentNotCancelable {
                kind: "charge",
                status: "succeeded",
            },
            ApiError::ProviderUnsupported,
            ApiError::NoPaymentMethod,
            ApiError::InvoiceNotOutstanding { status: "paid" },
            ApiError::InvoiceNotSendable { status: "void" },
            ApiError::InvoiceSendsPaced {
                paced: Paced::Invoice,
                retry_after_seconds: 1,
            },
            ApiError::PaymentFailed {
                payment_id: String::new(),
                invoice_id: String::new(),
                failure_code: String::new(),
                failure_message: String::new(),
            },
            ApiError::Duplicate {
                param: "externalId",
                message: String::new(),
            },
            ApiError::IdempotencyKeyMismatch,
            ApiError::IdempotencyInProgress,
            ApiError::PayloadTooLarge { limit_bytes: 1 },
            ApiError::Unavailable(String::new()),
            ApiError::Internal(String::new()),
        ];
        for error in &all {
            match error {
                ApiError::Validation(_)
                | ApiError::InvalidJson { .. }
                | ApiError::Unauthorized
                | ApiError::RouteNotFound
                | ApiError::NotFound { .. }
                | ApiError::MethodNotAllowed { .. }
                | ApiError::PaymentNotCancelable { .. }
                | ApiError::TransactionNotRefundable(_)
                | ApiError::RefundFailed { .. }
                | ApiError::ProviderUnsupported
                | ApiError::NoPaymentMethod
                | ApiError::InvoiceNotOutstanding { .. }
                | ApiError::InvoiceNotSendable { .. }
                | ApiError::InvoiceSendsPaced { .. }
                | ApiError::PaymentFailed { .. }
                | ApiError::Duplicate { .. }
                | ApiError::WebhookLimitReached { .. }
                | ApiError::IdempotencyKeyMismatch
                | ApiError::IdempotencyInProgress
                | ApiError::PayloadTooLarge { .. }
                | ApiError::Unavailable(_)
                | ApiError::Internal(_) => {}
            }
        }
        all
    }

    #[test]
    fn every_error_code_has_its_section_on_the_page() {
        for error in every_kind() {
            let code = error.reply().code;
            assert!(
                PAGE.contains(&format!("<h2 id=\"{code}\">")),
                "docs/errors.md has no `## {code}` section"
            );
        }
    }
}
