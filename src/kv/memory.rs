//! In-process key-value store: the embedded default when no Redis is configured.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use parking_lot::Mutex;

use super::{Kv, KvResult};
use crate::clock::Clock;

pub struct MemoryKv {
    clock: Arc<dyn Clock>,
    entries: Mutex<HashMap<String, (String, DateTime<Utc>)>>,
}

impl MemoryKv {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, entries: Mutex::new(HashMap::new()) }
    }

    fn expiry(&self, ttl: Duration) -> DateTime<Utc> {
        self.clock.now() + chrono::Duration::from_std(ttl).unwrap_or(chrono::Duration::MAX)
    }

    /// Drops expired entries once the map has grown, so memory stays bounded by what is live.
    fn sweep(entries: &mut HashMap<String, (String, DateTime<Utc>)>, now: DateTime<Utc>) {
        if entries.len() > 10_000 {
            entries.retain(|_, (_, until)| *until > now);
        }
    }
}

#[async_trait::async_trait]
impl Kv for MemoryKv {
    async fn get(&self, key: &str) -> KvResult<Option<String>> {
        let now = self.clock.now();
        let entries = self.entries.lock();
        Ok(entries.get(key).filter(|(_, until)| *until > now).map(|(value, _)| value.clone()))
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()> {
        let until = self.expiry(ttl);
        let mut entries = self.entries.lock();
        Self::sweep(&mut entries, self.clock.now());
        entries.insert(key.to_owned(), (value.to_owned(), until));
        Ok(())
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> KvResult<bool> {
        let now = self.clock.now();
        let until = self.expiry(ttl);
        let mut entries = self.entries.lock();
        Self::sweep(&mut entries, now);
        if entries.get(key).is_some_and(|(_, existing)| *existing > now) {
            return Ok(false);
        }
        entries.insert(key.to_owned(), (value.to_owned(), until));
        Ok(true)
    }

    async fn del(&self, key: &str) -> KvResult<()> {
        self.entries.lock().remove(key);
        Ok(())
    }

    async fn incr(&self, key: &str, ttl: Duration) -> KvResult<u64> {
        let now = self.clock.now();
        let until = self.expiry(ttl);
        let mut entries = self.entries.lock();
        let current = entries.get(key).filter(|(_, t)| *t > now).and_then(|(v, _)| v.parse::<u64>().ok()).unwrap_or(0);
        let next = current + 1;
        entries.insert(key.to_owned(), (next.to_string(), until));
        Ok(next)
    }

    async fn ping(&self) -> KvResult<()> {
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "memory"
    }
}
