//! API-key authentication with a short per-container cache.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use lambda_http::http::HeaderMap;

use super::error::ApiError;
use crate::domain::account::{ApiKeyHash, Principal};
use crate::store::Store;

pub const API_KEY_HEADER: &str = "x-api-key";

/// Keys are looked up once per container per TTL: a warm request then makes only its own
/// DynamoDB call. Only successful lookups are cached, so a new key works at once; a revoked key
/// keeps working in a warm container for at most the TTL.
pub struct KeyCache {
    ttl: Duration,
    entries: Mutex<HashMap<ApiKeyHash, (Principal, Instant)>>,
}

/// Bounds memory if a container sees many distinct keys; on overflow the cache starts over.
const MAX_CACHED_KEYS: usize = 1024;

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self {
            ttl,
            entries: Mutex::new(HashMap::new()),
        }
    }

    fn get(&self, hash: &ApiKeyHash) -> Option<Principal> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(hash)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(principal, _)| principal.clone())
    }

    fn put(&self, hash: ApiKeyHash, principal: Principal) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= MAX_CACHED_KEYS {
                entries.clear();
            }
            entries.insert(hash, (principal, Instant::now()));
        }
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
        if let Some(principal) = self.get(&hash) {
            return Ok(principal);
        }
        let principal = store
            .find_api_key(&hash)
            .await?
            .and_then(|key| key.principal())
            .ok_or(ApiError::Unauthorized)?;
        self.put(hash, principal.clone());
        Ok(principal)
    }
}

/// Anything that cannot be a key is refused without a DynamoDB call.
fn plausible_key(key: &str) -> bool {
    key.starts_with("ck_") && key.len() <= 128
}
