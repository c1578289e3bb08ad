//! The `x-api-key` header: read, checked for shape, and resolved to a principal, or 401.

use lambda_http::http::HeaderMap;

use super::error::ApiError;
use crate::app::App;
use crate::domain::account::Principal;

pub const API_KEY_HEADER: &str = "x-api-key";

/// The principal of the request's `x-api-key`, or 401.
pub async fn authenticate(app: &App, headers: &HeaderMap) -> Result<Principal, ApiError> {
    let presented = headers
        .get(API_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| plausible_key(key))
        .ok_or(ApiError::Unauthorized)?;
    app.principal(presented)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// Anything that cannot be a key is refused without a DynamoDB call.
fn plausible_key(key: &str) -> bool {
    key.starts_with("ck_") && key.len() <= 128
}
