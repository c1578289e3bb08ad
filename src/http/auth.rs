//! The `x-api-key` header: read, checked for shape, and resolved to a principal, or 401.

use lambda_http::http::HeaderMap;

use super::error::ApiError;
use crate::app::App;
use crate::domain::account::{ClaimedAccount, Principal};

pub const API_KEY_HEADER: &str = "x-api-key";

/// Who a request comes from, as far as can be told before its own work starts.
pub enum Caller {
    /// A key found active: in this container's cache, or by a lookup.
    Known(Principal),
    /// A key not in the cache that names its account: a read may start beside the key's lookup
    /// (`serve`), and nothing it found is answered unless `verify` accepts the key.
    Unverified {
        presented: String,
        claim: ClaimedAccount,
    },
}

/// The request's caller. `may_defer`: the route is a read, which may run before its key is
/// checked; any other route gets its key checked first.
pub async fn identify(app: &App, headers: &HeaderMap, may_defer: bool) -> Result<Caller, ApiError> {
    let presented = presented_key(headers)?;
    if let Some(principal) = app.cached_principal(presented) {
        return Ok(Caller::Known(principal));
    }
    if may_defer && let Some(claim) = ClaimedAccount::of(presented) {
        return Ok(Caller::Unverified {
            presented: presented.to_owned(),
            claim,
        });
    }
    verify(app, presented).await.map(Caller::Known)
}

/// The principal of an active key with the hash of `presented` (one lookup on a cache miss),
/// or 401.
pub async fn verify(app: &App, presented: &str) -> Result<Principal, ApiError> {
    app.principal(presented)
        .await?
        .ok_or(ApiError::Unauthorized)
}

/// The trimmed `x-api-key`, or 401 when absent or not shaped like a key.
fn presented_key(headers: &HeaderMap) -> Result<&str, ApiError> {
    headers
        .get(API_KEY_HEADER)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .filter(|key| plausible_key(key))
        .ok_or(ApiError::Unauthorized)
}

/// Anything that cannot be a key is refused without a DynamoDB call.
fn plausible_key(key: &str) -> bool {
    key.starts_with("ck_") && key.len() <= 128
}
