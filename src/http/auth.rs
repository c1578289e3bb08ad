//! API-key authentication with a short per-container cache.

use std::time::Duration;

use lambda_http::http::HeaderMap;

use super::error::ApiError;
use crate::cache::TtlCache;
use crate::domain::account::{ApiKeyHash, Principal};
use crate::store::Store;

pub const API_KEY_HEADER: &str = "x-api-key";

/// Keys are looked up once per container per TTL: a warm request then makes only its own
/// DynamoDB call. Only successful lookups are cached, so a new key works at once; a revoked key
/// keeps working in a warm container for at most the TTL.
pub struct KeyCache(TtlCache<ApiKeyHash, Principal>);

/// Bounds memory if a container sees many distinct keys.
const MAX_CACHED_KEYS: usize = 1024;

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self(TtlCache::new(ttl, MAX_CACHED_KEYS))
    }

    /// The principal of the request's `x-api-key`, or 401.
    pub async fn authenticate(
        &self,
        store: &Store,
        headers: &HeaderMap,
    ) -> Result<Principal, ApiError> {
        let presented = headers
            .get(API_KEY_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::trim)
            .filter(|key| plausible_key(key))
            .ok_or(ApiError::Unauthorized)?;
        let hash = ApiKeyHash::of(presented);
        if let Some(principal) = self.0.get(&hash) {
            return Ok(principal);
        }
        let principal = store
            .find_api_key(&hash)
            .await?
            .and_then(|key| key.principal())
            .ok_or(ApiError::Unauthorized)?;
        self.0.put(hash, principal.clone());
        Ok(principal)
    }
}

/// Anything that cannot be a key is refused without a DynamoDB call.
fn plausible_key(key: &str) -> bool {
    key.starts_with("ck_") && key.len() <= 128
}
