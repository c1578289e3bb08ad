//! A small time-bounded cache for what a warm container may reuse across requests (API-key
//! lookups, tax tables). Lambda runs one request per container at a time, so a mutex is cheap.

use std::collections::HashMap;
use std::future::Future;
use std::hash::Hash;
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub struct TtlCache<K, V> {
    ttl: Duration,
    capacity: usize,
    entries: Mutex<HashMap<K, (V, Instant)>>,
}

impl<K: Eq + Hash, V: Clone> TtlCache<K, V> {
    /// A zero `ttl` disables the cache. On reaching `capacity` it starts over, which bounds
    /// memory without the bookkeeping of an LRU.
    pub fn new(ttl: Duration, capacity: usize) -> Self {
        Self {
            ttl,
            capacity,
            entries: Mutex::new(HashMap::new()),
        }
    }

    pub fn get(&self, key: &K) -> Option<V> {
        let entries = self.entries.lock().ok()?;
        entries
            .get(key)
            .filter(|(_, at)| at.elapsed() < self.ttl)
            .map(|(value, _)| value.clone())
    }

    /// What `key` maps to: the cached value when fresh, else what `find` finds, kept when it
    /// finds something (an absence is not kept: what is created next is found at once). `find`
    /// runs only on a miss.
    pub async fn get_or_find<E>(
        &self,
        key: &K,
        find: impl Future<Output = Result<Option<V>, E>>,
    ) -> Result<Option<V>, E>
    where
        K: Clone,
    {
        if let Some(value) = self.get(key) {
            return Ok(Some(value));
        }
        let found = find.await?;
        if let Some(value) = &found {
            self.put(key.clone(), value.clone());
        }
        Ok(found)
    }

    pub fn put(&self, key: K, value: V) {
        if self.ttl.is_zero() {
            return;
        }
        if let Ok(mut entries) = self.entries.lock() {
            if entries.len() >= self.capacity {
                entries.clear();
            }
            entries.insert(key, (value, Instant::now()));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_expire_after_the_ttl() {
        let cache = TtlCache::new(Duration::from_millis(30), 10);
        cache.put("a", 1);
        assert_eq!(cache.get(&"a"), Some(1));
        std::thread::sleep(Duration::from_millis(40));
        assert_eq!(cache.get(&"a"), None);
    }

    #[tokio::test]
    async fn a_find_runs_only_on_a_miss_and_only_what_it_found_is_kept() {
        let cache = TtlCache::new(Duration::from_secs(60), 10);
        let absent: Result<Option<u32>, ()> = cache.get_or_find(&"a", async { Ok(None) }).await;
        assert_eq!(absent, Ok(None));
        assert_eq!(cache.get(&"a"), None, "an absence is not kept");
        assert_eq!(
            cache
                .get_or_find(&"a", async { Ok::<_, ()>(Some(1)) })
                .await,
            Ok(Some(1))
        );
        let kept = cache
            .get_or_find(&"a", async { unreachable!("found in the cache") })
            .await;
        assert_eq!(kept, Ok::<_, ()>(Some(1)));
        let failed = cache.get_or_find(&"b", async { Err("down") }).await;
        assert_eq!(failed, Err("down"));
        assert_eq!(cache.get(&"b"), None);
    }

    #[test]
    fn zero_ttl_caches_nothing_and_capacity_bounds_size() {
        let off = TtlCache::new(Duration::ZERO, 10);
        off.put("a", 1);
        assert_eq!(off.get(&"a"), None);

        let small = TtlCache::new(Duration::from_secs(60), 2);
        small.put(1, 1);
        small.put(2, 2);
        small.put(3, 3);
        assert_eq!(small.get(&3), Some(3));
        assert_eq!(small.get(&1), None, "cleared when full");
    }
}
