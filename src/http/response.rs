//! The envelope (docs/contract.md §1) and the final HTTP response.

use lambda_http::Body;
use lambda_http::http::{HeaderValue, Response};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use crate::domain::idempotency::StoredResponse;

/// A successful answer, already serialized into its envelope.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
}

#[derive(Serialize)]
struct Success<'a, T> {
    success: bool,
    data: &'a T,
}

#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ListSuccess<'a, T> {
    success: bool,
    data: &'a [T],
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
}

#[derive(Serialize)]
struct Failure<'a> {
    success: bool,
    error: ErrorBody<'a>,
}

#[derive(Serialize)]
struct ErrorBody<'a> {
    #[serde(rename = "type")]
    kind: &'a str,
    code: &'a str,
    message: &'a str,
    param: Option<&'a str>,
    details: Option<&'a Value>,
    doc_url: String,
}

impl ApiResponse {
    /// `{ "success": true, "data": … }` with status 200 (every success is 200, creates too).
    pub fn object<T: Serialize>(data: &T) -> Result<Self, ApiError> {
        let body = serde_json::to_string(&Success {
            success: true,
            data,
        })
        .map_err(ApiError::internal)?;
        Ok(Self { status: 200, body })
    }

    /// A list page; `nextCursor` is present exactly when `hasMore` is true.
    pub fn list<T: Serialize>(data: &[T], next_cursor: Option<&str>) -> Result<Self, ApiError> {
        let body = serde_json::to_string(&ListSuccess {
            success: true,
            data,
            has_more: next_cursor.is_some(),
            next_cursor,
        })
        .map_err(ApiError::internal)?;
        Ok(Self { status: 200, body })
    }
}

impl ApiResponse {
    /// The envelope of an error, as `render` writes it: what an idempotency record stores when a
    /// request ends in a refusal.
    pub fn from_error(
        error: &ApiError,
        error_docs_url: &str,
    ) -> (Self, Vec<(&'static str, String)>) {
        let reply = error.reply();
        let body = serde_json::to_string(&Failure {
            success: false,
            error: ErrorBody {
                kind: reply.kind,
                code: reply.code,
                message: &reply.message,
                param: reply.param.as_deref(),
                details: reply.details.as_ref(),
                doc_url: format!("{error_docs_url}#{}", reply.code),
            },
        })
        .unwrap_or_else(|_| FALLBACK_BODY.to_owned());
        (
            Self {
                status: reply.status,
                body,
            },
            reply.headers,
        )
    }

    pub fn stored(&self) -> StoredResponse {
        StoredResponse {
            status: self.status,
            body: self.body.clone(),
        }
    }
}

/// Renders the outcome of a request. Never fails: a response that cannot be built becomes a
/// plain 500 envelope written by hand.
pub fn render(
    outcome: &Result<ApiResponse, ApiError>,
    request_id: &str,
    error_docs_url: &str,
) -> Response<Body> {
    let (status, body, extra_headers) = match outcome {
        Ok(response) => (response.status, response.body.clone(), Vec::new()),
        Err(error) => {
            let (response, headers) = ApiResponse::from_error(error, error_docs_url);
            (response.status, response.body, headers)
        }
    };
    let mut response = Response::new(Body::Text(body));
    *response.status_mut() = lambda_http::http::StatusCode::from_u16(status).unwrap_or_default();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    if let Ok(value) = HeaderValue::from_str(request_id) {
        headers.insert("x-request-id", value);
    }
    for (name, value) in extra_headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            headers.insert(name, value);
        }
    }
    response
}

const FALLBACK_BODY: &str = r#"{"success":false,"error":{"type":"internal_error","code":"internal_error","message":"An unexpected error occurred.","param":null,"details":null,"doc_url":null}}"#;
