//! Redis, behind small traits with in-process twins. Redis is optional at run time and never the truth: without it
//! the twins serve one instance; when it fails, callers degrade (the limiter falls back to in-process limits).

pub mod events;
pub mod memory;
pub mod rate_limit;
pub mod redis;

use std::sync::Arc;
use std::time::Duration;

use crate::clock::Clock;
use crate::config::RedisSettings;

pub use events::EventBus;
pub use rate_limit::{Check, Decision, Gate, Gated, Quota, RateLimiter};

#[derive(Debug, thiserror::Error)]
pub enum KvError {
    #[error("redis: {0}")]
    Redis(#[from] ::redis::RedisError),
    #[error("redis call timed out")]
    Timeout,
    #[error("redis skipped: it failed moments ago (circuit open)")]
    Skipped,
}

pub type KvResult<T> = Result<T, KvError>;

/// A key, its value and its time to live, for [`Kv::set_many`] and what travels with a live event.
pub type Entry = (String, String, Duration);

/// Logs a Redis call that a caller worked around. While the breaker is open every call is skipped; the breaker
/// itself logs the outage once, so the skips go to debug instead of flooding the log.
pub fn log_degraded(err: &KvError, what: &'static str) {
    match err {
        KvError::Skipped => tracing::debug!(error = %err, "{what}"),
        _ => tracing::warn!(error = %err, "{what}"),
    }
}

/// Key-value with expiry. Keys are given without the deployment prefix; implementations add it.
#[async_trait::async_trait]
pub trait Kv: Send + Sync + 'static {
    async fn get(&self, key: &str) -> KvResult<Option<String>>;
    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()>;
    /// Several `set`s in one round trip (key, value, time to live).
    async fn set_many(&self, entries: &[Entry]) -> KvResult<()> {
        for (key, value, ttl) in entries {
            self.set(key, value, *ttl).await?;
        }
        Ok(())
    }
    /// Sets only when absent; true when this call set it.
    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> KvResult<bool>;
    async fn del(&self, key: &str) -> KvResult<()>;
    /// Adds one and returns the new value (starting from 1); the key expires `ttl` after the last increment.
    async fn incr(&self, key: &str, ttl: Duration) -> KvResult<u64>;
    async fn ping(&self) -> KvResult<()>;
    /// `redis` or `memory`, for the readiness report.
    fn backend(&self) -> &'static str;
}

/// The three Redis-backed services, wired to Redis or to their in-process twins.
#[derive(Clone)]
pub struct Infra {
    pub kv: Arc<dyn Kv>,
    pub limiter: Arc<dyn RateLimiter>,
    pub events: Arc<dyn EventBus>,
    /// Calls this instance sent to Redis (each one round trip); stays 0 with the in-process twins.
    pub redis_round_trips: Arc<std::sync::atomic::AtomicU64>,
}

impl Infra {
    pub fn in_process(clock: Arc<dyn Clock>) -> Self {
        Self {
            kv: Arc::new(memory::MemoryKv::new(clock.clone())),
            limiter: Arc::new(rate_limit::MemoryRateLimiter::new(clock)),
            events: Arc::new(events::MemoryEventBus::default()),
            redis_round_trips: Arc::default(),
        }
    }

    pub async fn connect(settings: &RedisSettings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        if settings.url.is_empty() {
            return Ok(Self::in_process(clock));
        }
        let handle = redis::RedisHandle::connect(settings).await?;
        let events = events::RedisEventBus::start(handle.clone(), settings).await?;
        Ok(Self {
            redis_round_trips: handle.round_trips.clone(),
            kv: Arc::new(redis::RedisKv::new(handle.clone())),
            limiter: Arc::new(rate_limit::RedisRateLimiter::new(handle, clock)),
            events: Arc::new(events),
        })
    }
}
