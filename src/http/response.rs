//! The envelope of each version family (docs/contract.md §1 and §6) and the final HTTP response.

use lambda_http::Body;
use lambda_http::http::{HeaderValue, Response};
use serde::Serialize;
use serde_json::Value;

use super::error::ApiError;
use super::version::{VERSION_HEADER, has_flat_errors, is_enveloped};
use crate::domain::idempotency::StoredResponse;
use crate::domain::version::ApiVersion;

/// An answer, already serialized in the shape of `version`.
#[derive(Debug, Clone, PartialEq)]
pub struct ApiResponse {
    pub status: u16,
    pub body: String,
    /// The version that shaped `body`, told in the `Commet-Version` response header.
    pub version: ApiVersion,
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
#[serde(rename_all = "camelCase")]
struct List<'a, T> {
    object: &'static str,
    data: &'a [T],
    has_more: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    next_cursor: Option<&'a str>,
}

#[derive(Serialize)]
struct Failure<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    success: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<ErrorBody<'a>>,
    #[serde(flatten)]
    flat: Option<ErrorBody<'a>>,
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
    /// One object with status 200 (every success is 200, creates too): `{success, data}` up to
    /// 2026-07-11, the object itself after.
    pub fn object<T: Serialize>(version: ApiVersion, data: &T) -> Result<Self, ApiError> {
        let body = if is_enveloped(version) {
            serde_json::to_string(&Success {
                success: true,
                data,
            })
        } else {
            serde_json::to_string(data)
        }
        .map_err(ApiError::internal)?;
        Ok(Self {
            status: 200,
            body,
            version,
        })
    }

    /// A list page; `nextCursor` is present exactly when `hasMore` is true.
    pub fn list<T: Serialize>(
        version: ApiVersion,
        data: &[T],
        next_cursor: Option<&str>,
    ) -> Result<Self, ApiError> {
        let has_more = next_cursor.is_some();
        let body = if is_enveloped(version) {
            serde_json::to_string(&ListSuccess {
                success: true,
                data,
                has_more,
                next_cursor,
            })
        } else {
            serde_json::to_string(&List {
                object: "list",
                data,
                has_more,
                next_cursor,
            })
        }
        .map_err(ApiError::internal)?;
        Ok(Self {
            status: 200,
            body,
            version,
        })
    }

    /// The answer of an error, as `render` writes it: what an idempotency record stores when a
    /// request ends in a refusal.
    pub fn from_error(
        error: &ApiError,
        error_docs_url: &str,
        version: ApiVersion,
    ) -> (Self, Vec<(&'static str, String)>) {
        let reply = error.reply();
        let error = ErrorBody {
            kind: reply.kind,
            code: reply.code,
            message: &reply.message,
            param: reply.param.as_deref(),
            details: reply.details.as_ref(),
            doc_url: format!("{error_docs_url}#{}", reply.code),
        };
        let (error, flat) = if has_flat_errors(version) {
            (None, Some(error))
        } else {
            (Some(error), None)
        };
        let body = serde_json::to_string(&Failure {
            success: is_enveloped(version).then_some(false),
            error,
            flat,
        })
        .unwrap_or_else(|_| FALLBACK_BODY.to_owned());
        (
            Self {
                status: reply.status,
                body,
                version,
            },
            reply.headers,
        )
    }

    pub fn stored(&self) -> StoredResponse {
        StoredResponse {
            status: self.status,
            body: self.body.clone(),
            version: self.version,
        }
    }

    /// A kept answer, as it was first sent.
    pub fn replay(stored: StoredResponse) -> Self {
        Self {
            status: stored.status,
            body: stored.body,
            version: stored.version,
        }
    }
}

/// Renders the outcome of a request; an error in the shape of `version`. Never fails: a
/// response that cannot be built becomes a plain 500 written by hand.
pub fn render(
    outcome: &Result<ApiResponse, ApiError>,
    request_id: &str,
    error_docs_url: &str,
    version: ApiVersion,
) -> Response<Body> {
    let (answer, extra_headers) = match outcome {
        Ok(response) => (response.clone(), Vec::new()),
        Err(error) => ApiResponse::from_error(error, error_docs_url, version),
    };
    let mut response = Response::new(Body::Text(answer.body));
    *response.status_mut() =
        lambda_http::http::StatusCode::from_u16(answer.status).unwrap_or_default();
    let headers = response.headers_mut();
    headers.insert("content-type", HeaderValue::from_static("application/json"));
    headers.insert("cache-control", HeaderValue::from_static("no-store"));
    headers.insert(
        VERSION_HEADER,
        HeaderValue::from_static(answer.version.as_str()),
    );
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

/// Only if serializing an error failed, which these types cannot. Clients of the bare family read
/// `error` and ignore `success`.
const FALLBACK_BODY: &str = r#"{"success":false,"error":{"type":"internal_error","code":"internal_error","message":"An unexpected error occurred.","param":null,"details":null,"doc_url":null}}"#;
