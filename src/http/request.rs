//! What a handler receives: an authenticated, parsed request.

use lambda_http::http::HeaderMap;
use lambda_http::{Body, Request, RequestExt};
use serde_json::Value;

use super::error::ApiError;
use super::fields::{Fields, QueryFields};
use super::routes::PathParams;
use std::sync::Arc;

use crate::domain::account::Principal;
use crate::domain::idempotency::IdempotencyKey;
use crate::domain::version::ApiVersion;
use crate::store::Claim;

/// Largest accepted request body (contract: 413 above 64 KiB).
pub const MAX_BODY_BYTES: usize = 64 * 1024;

#[derive(Clone)]
pub struct ApiRequest {
    pub principal: Principal,
    /// The request's `Idempotency-Key`, when a write carries one.
    pub idempotency_key: Option<IdempotencyKey>,
    /// The claim on that key this request holds.
    pub claim: Option<Arc<Claim>>,
    pub params: PathParams,
    pub raw_query: Option<String>,
    pub body: Option<Value>,
    /// Origin for hosted-page URLs, such as `https://abc.execute-api.eu-west-1.amazonaws.com`.
    pub public_base_url: String,
    pub request_id: String,
    /// Where this request's errors point their `doc_url` (see `error_docs::url_for`).
    pub error_docs_url: String,
    /// The version that shapes this request's answer (header, else pin, else current).
    pub version: ApiVersion,
}

impl ApiRequest {
    /// A path parameter of the route. Routes guarantee their parameters, so a missing one can
    /// only be an empty string, which no lookup matches.
    pub fn param(&self, name: &str) -> &str {
        self.params.get(name).unwrap_or_default()
    }

    pub fn body_fields(&self) -> Result<Fields<'_>, ApiError> {
        Fields::of_body(self.body.as_ref())
    }

    pub fn query(&self) -> QueryFields {
        QueryFields::parse(self.raw_query.as_deref())
    }
}

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";

/// The `Idempotency-Key` header, if sent; 400 naming it if malformed.
pub fn idempotency_key(event: &Request) -> Result<Option<IdempotencyKey>, ApiError> {
    let Some(value) = event.headers().get(IDEMPOTENCY_HEADER) else {
        return Ok(None);
    };
    value
        .to_str()
        .map_err(|_| crate::domain::Invalid::new("must be visible ASCII"))
        .and_then(IdempotencyKey::parse)
        .map(Some)
        .map_err(|invalid| ApiError::validation("Idempotency-Key", invalid.0))
}

/// The raw body bytes (for the idempotency fingerprint).
pub fn body_bytes(event: &Request) -> &[u8] {
    match event.body() {
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => &[],
    }
}

/// The id to tag the response and logs with: Lambda's request id, else API Gateway's, else a
/// fresh one (a handler called directly by a test).
pub fn request_id(event: &Request) -> String {
    if let Some(context) = event.lambda_context_ref()
        && !context.request_id.is_empty()
    {
        return context.request_id.clone();
    }
    if let Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) =
        event.request_context_ref()
        && let Some(id) = &context.request_id
    {
        return id.clone();
    }
    ulid::Ulid::generate().to_string()
}

/// The path as the client sent it (API Gateway's `rawPath`).
pub fn raw_path(event: &Request) -> String {
    let raw = event.raw_http_path();
    if raw.is_empty() {
        event.uri().path().to_owned()
    } else {
        raw.to_owned()
    }
}

/// The body as JSON: absent when empty; 413 when too large; `invalid_json` when not
/// `application/json` or not parseable.
pub fn json_body(event: &Request) -> Result<Option<Value>, ApiError> {
    let bytes: &[u8] = match event.body() {
        Body::Empty => return Ok(None),
        Body::Text(text) => text.as_bytes(),
        Body::Binary(bytes) => bytes,
        _ => return Ok(None),
    };
    if bytes.len() > MAX_BODY_BYTES {
        return Err(ApiError::PayloadTooLarge {
            limit_bytes: MAX_BODY_BYTES,
        });
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    if !is_json_content_type(event.headers()) {
        return Err(ApiError::InvalidJson {
            message: "Requests with a body must have `Content-Type: application/json`.".into(),
            param: Some("Content-Type"),
        });
    }
    super::strict_json::from_slice(bytes)
        .map(Some)
        .map_err(|error| ApiError::InvalidJson {
            message: format!("The request body is not valid JSON: {error}."),
            param: None,
        })
}

fn is_json_content_type(headers: &HeaderMap) -> bool {
    headers
        .get("content-type")
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .is_some_and(|mime| mime.trim().eq_ignore_ascii_case("application/json"))
}

/// The origin hosted pages are served from: the configured one, else the request's own host
/// (`https`, or `http` for a loopback host).
pub fn public_base_url(event: &Request, configured: Option<&str>) -> String {
    if let Some(url) = configured {
        return url.to_owned();
    }
    let host = event
        .headers()
        .get("host")
        .and_then(|value| value.to_str().ok())
        .filter(|host| is_plausible_host(host))
        .map(str::to_owned)
        .or_else(|| match event.request_context_ref() {
            Some(lambda_http::request::RequestContext::ApiGatewayV2(context)) => {
                context.domain_name.clone()
            }
            _ => None,
        })
        .unwrap_or_else(|| "localhost".to_owned());
    let loopback = host.starts_with("127.0.0.1") || host.starts_with("localhost");
    let scheme = if loopback { "http" } else { "https" };
    format!("{scheme}://{host}")
}

/// A `Host` header fit to put in a URL we hand out: letters, digits, dots, dashes, a port.
fn is_plausible_host(host: &str) -> bool {
    !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':'))
}
