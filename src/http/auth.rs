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
    /// (`serve`), and nothing it found is answered unless the key is found active.
    Unverified {
        presented: String,
        claim: ClaimedAccount,
    },
}

/// The request's caller. `may_defer`: the route is a read, which may run before its key is
/// checked; any other route gets its key checked first.
pub async fn identify(app: &App, headers: &HeaderMap, may_defer: bool) -> Result<Caller, ApiError> {
    let presented = presented_key(headers)?;
    let claim = may_defer.then(|| ClaimedAccount::of(presented)).flatten();
    let Some(claim) = claim else {
        // From the cache, else one lookup.
        return app
            .principal(presented)
            .await?
            .map(Caller::Known)
            .ok_or(ApiError::Unauthorized);
    };
    Ok(match app.cached_principal(presented) {
        Some(principal) => Caller::Known(principal),
        None => Caller::Unverified {
            presented: presented.to_owned(),
            claim,
        },
    })
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
