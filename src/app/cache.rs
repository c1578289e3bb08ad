//! A small time-bounded cache for what a warm container may reuse across requests (API-key
//! lookups, tax tables). Lambda runs one request per container at a time, so a mutex is cheap.

use std::collections::HashMap;
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
