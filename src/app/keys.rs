//! API-key lookups with a short per-container cache.

use std::future::Future;
use std::time::Duration;

use super::cache::TtlCache;
use crate::domain::account::{ApiKey, ApiKeyHash, Principal};
use crate::store::{Store, StoreError};

/// Keys are looked up once per container per TTL: a warm request then makes only its own
/// DynamoDB call. Only successful lookups are cached, so a new key works at once; a revoked key
/// keeps working in a warm container for at most the TTL.
pub(super) struct KeyCache(TtlCache<ApiKeyHash, Principal>);

/// Bounds memory if a container sees many distinct keys.
const MAX_CACHED_KEYS: usize = 1024;

impl KeyCache {
    pub fn new(ttl: Duration) -> Self {
        Self(TtlCache::new(ttl, MAX_CACHED_KEYS))
    }

    /// The principal of a presented key if this container found it lately; no lookup.
    pub fn cached(&self, presented: &str) -> Option<Principal> {
        self.0.get(&ApiKeyHash::of(presented))
    }

    /// The principal of a presented key, or `None` if no active key has its hash.
    pub async fn principal(
        &self,
        store: &Store,
        presented: &str,
    ) -> Result<Option<Principal>, StoreError> {
        let hash = ApiKeyHash::of(presented);
        if let Some(principal) = self.0.get(&hash) {
            return Ok(Some(principal));
        }
        let found = store.find_api_key(&hash).await;
        self.remember(hash, found)
    }

    /// The same, looked up without the cache, beside `work` (in the round trip of its first
    /// read when it makes one): both results.
    pub async fn principal_beside<F: Future>(
        &self,
        store: &Store,
        presented: &str,
        work: F,
    ) -> (Result<Option<Principal>, StoreError>, F::Output) {
        let hash = ApiKeyHash::of(presented);
        let (found, output) = store.with_api_key(&hash, work).await;
        (self.remember(hash, found), output)
    }

    /// Keeps a key found active.
    fn remember(
        &self,
        hash: ApiKeyHash,
        found: Result<Option<ApiKey>, StoreError>,
    ) -> Result<Option<Principal>, StoreError> {
        let principal = found?.and_then(|key| key.principal());
        if let Some(principal) = &principal {
            self.0.put(hash, principal.clone());
        }
        Ok(principal)
    }
}
