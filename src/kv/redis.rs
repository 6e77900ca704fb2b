//! Redis connection shared by the key-value store, the limiter and the event bus. Every call has a short timeout,
//! and a circuit breaker stops a sick Redis from costing every request that timeout again: after a call fails to
//! reach Redis, calls are refused at once (callers take their in-process paths) until the cool-down ends; then one
//! call probes, and its success closes the breaker.

use std::cell::RefCell;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use anyhow::Context;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Kv, KvError, KvResult};
use crate::config::RedisSettings;

#[derive(Clone)]
pub struct RedisHandle {
    pub(crate) client: redis::Client,
    /// The connection of calls made on threads without their own (or while theirs is being opened).
    pub(crate) conn: ConnectionManager,
    config: ConnectionManagerConfig,
    /// Tells this handle's per-thread connections from other handles' (tests run many in one process); 0 when
    /// every call uses `conn`.
    id: u64,
    pub(crate) prefix: String,
    pub(crate) timeout: Duration,
    breaker: Arc<Breaker>,
    /// Calls sent to Redis by this instance (each one round trip), for tests and diagnostics.
    pub(crate) round_trips: Arc<AtomicU64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum BreakerState {
    Closed,
    Open {
        until: Instant,
    },
    /// One call is trying Redis again; the others keep skipping it until that call ends.
    Probing,
}

/// Numbers the handles of this process for their per-thread connections.
static NEXT_HANDLE: AtomicU64 = AtomicU64::new(1);

/// A thread's own connection for one handle: filled by the task that opens it.
#[derive(Default)]
struct OwnConn {
    conn: OnceLock<ConnectionManager>,
    failed: AtomicBool,
}

thread_local! {
    /// This thread's own connections, by handle. A call through the shared connection hands its command to the
    /// task driving that connection, which runs on the thread that opened it, and waits to be woken with the
    /// answer: two thread switches per call, on every check-in's two Redis calls. A connection opened on an HTTP
    /// worker is driven by that worker's runtime, so its calls stay on the worker.
    static OWN: RefCell<Vec<(u64, Arc<OwnConn>)>> = const { RefCell::new(Vec::new()) };
}

/// Shared by every clone of the handle (one per instance).
struct Breaker {
    state: parking_lot::Mutex<BreakerState>,
    cooldown: Duration,
}

impl Breaker {
    fn new(cooldown: Duration) -> Self {
        Self { state: parking_lot::Mutex::new(BreakerState::Closed), cooldown }
    }

    /// Whether this call may go to Redis.
    fn allow(&self, now: Instant) -> bool {
        let mut state = self.state.lock();
        match *state {
            BreakerState::Closed => true,
            BreakerState::Open { until } if now >= until => {
                *state = BreakerState::Probing;
                true
            }
            BreakerState::Open { .. } | BreakerState::Probing => false,
        }
    }

    fn reached(&self) {
        let mut state = self.state.lock();
        if *state != BreakerState::Closed {
            tracing::info!("Redis answers again; using it");
        }
        *state = BreakerState::Closed;
    }

    fn unreachable(&self, now: Instant) {
        let mut state = self.state.lock();
        if *state == BreakerState::Closed {
            tracing::warn!(cooldown_ms = self.cooldown.as_millis() as u64, "Redis unreachable; using in-process paths");
        }
        *state = BreakerState::Open { until: now + self.cooldown };
    }
}

/// Whether an error says Redis could not be reached (as opposed to Redis answering with an error).
fn unreachable(err: &redis::RedisError) -> bool {
    err.is_io_error() || err.is_timeout() || err.is_connection_dropped() || err.is_connection_refusal()
}

/// The client for `url`, with TCP_NODELAY: redis-rs leaves Nagle's algorithm on, and a command written in two
/// pieces would then wait for Redis's delayed ACK (up to 40 ms) before its second piece leaves.
fn client(url: &str) -> anyhow::Result<redis::Client> {
    let info = redis::IntoConnectionInfo::into_connection_info(url).context("invalid REDIS_URL")?;
    let nodelay = info.tcp_settings().clone().set_nodelay(true);
    redis::Client::open(info.set_tcp_settings(nodelay)).context("invalid REDIS_URL")
}

impl RedisHandle {
    pub async fn connect(settings: &RedisSettings) -> anyhow::Result<Self> {
        let client = client(&settings.url)?;
        let timeout = Duration::from_millis(settings.timeout_ms.max(1));
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout * 4))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let conn =
            tokio::time::timeout(timeout * 8, ConnectionManager::new_with_config(client.clone(), config.clone()))
                .await
                .context("timed out connecting to Redis")?
                .context("cannot connect to Redis")?;
        let breaker = Arc::new(Breaker::new(Duration::from_millis(settings.breaker_ms)));
        let round_trips = Arc::new(AtomicU64::new(0));
        let id = if settings.connection_per_thread { NEXT_HANDLE.fetch_add(1, Ordering::Relaxed) } else { 0 };
        Ok(Self { client, conn, config, id, prefix: settings.key_prefix.clone(), timeout, breaker, round_trips })
    }

    /// The connection for a call made on this thread: its own once open, else the shared one (and the first call
    /// without one starts opening it, in a task on this thread's runtime).
    fn connection(&self) -> ConnectionManager {
        if self.id == 0 {
            return self.conn.clone();
        }
        let own = OWN.with_borrow_mut(|own| {
            if let Some(at) = own.iter().position(|(id, _)| *id == self.id) {
                if !own[at].1.failed.load(Ordering::Relaxed) {
                    return own[at].1.conn.get().cloned();
                }
                // Opening it failed (Redis was away): try again from this call on.
                own.swap_remove(at);
            }
            let Ok(runtime) = tokio::runtime::Handle::try_current() else { return None };
            let slot = Arc::new(OwnConn::default());
            own.push((self.id, slot.clone()));
            let (client, config, timeout) = (self.client.clone(), self.config.clone(), self.timeout);
            runtime.spawn(async move {
                match tokio::time::timeout(timeout * 8, ConnectionManager::new_with_config(client, config)).await {
                    Ok(Ok(conn)) => {
                        let _ = slot.conn.set(conn);
                    }
                    Ok(Err(err)) => {
                        tracing::debug!(error = %err, "could not open this thread's Redis connection");
                        slot.failed.store(true, Ordering::Relaxed);
                    }
                    Err(_) => slot.failed.store(true, Ordering::Relaxed),
                }
            });
            None
        });
        own.unwrap_or_else(|| self.conn.clone())
    }

    pub fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// Runs one Redis call under the configured timeout, unless the breaker is open.
    pub async fn run<T, F, Fut>(&self, call: F) -> KvResult<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        if !self.breaker.allow(Instant::now()) {
            return Err(KvError::Skipped);
        }
        self.round_trips.fetch_add(1, Ordering::Relaxed);
        match tokio::time::timeout(self.timeout, call(self.connection())).await {
            Ok(Ok(value)) => {
                self.breaker.reached();
                Ok(value)
            }
            Ok(Err(err)) => {
                if unreachable(&err) {
                    self.breaker.unreachable(Instant::now());
                } else {
                    self.breaker.reached();
                }
                Err(err.into())
            }
            Err(_) => {
                self.breaker.unreachable(Instant::now());
                Err(KvError::Timeout)
            }
        }
    }
}

pub struct RedisKv {
    handle: RedisHandle,
}

impl RedisKv {
    pub fn new(handle: RedisHandle) -> Self {
        Self { handle }
    }
}

pub(crate) fn ttl_ms(ttl: Duration) -> u64 {
    u64::try_from(ttl.as_millis()).unwrap_or(u64::MAX).max(1)
}

#[async_trait::async_trait]
impl Kv for RedisKv {
    async fn get(&self, key: &str) -> KvResult<Option<String>> {
        let key = self.handle.key(key);
        self.handle.run(|mut c| async move { c.get(key).await }).await
    }

    async fn set(&self, key: &str, value: &str, ttl: Duration) -> KvResult<()> {
        let key = self.handle.key(key);
        let value = value.to_owned();
        self.handle.run(|mut c| async move { c.pset_ex(key, value, ttl_ms(ttl)).await }).await
    }

    async fn set_many(&self, entries: &[super::Entry]) -> KvResult<()> {
        let mut pipe = redis::pipe();
        for (key, value, ttl) in entries {
            pipe.pset_ex(self.handle.key(key), value, ttl_ms(*ttl)).ignore();
        }
        let pipe = &pipe;
        self.handle.run(|mut c| async move { pipe.query_async::<()>(&mut c).await }).await
    }

    async fn set_nx(&self, key: &str, value: &str, ttl: Duration) -> KvResult<bool> {
        let key = self.handle.key(key);
        let value = value.to_owned();
        self.handle
            .run(|mut c| async move {
                let set: Option<String> = redis::cmd("SET")
                    .arg(key)
                    .arg(value)
                    .arg("NX")
                    .arg("PX")
                    .arg(ttl_ms(ttl))
                    .query_async(&mut c)
                    .await?;
                Ok(set.is_some())
            })
            .await
    }

    async fn del(&self, key: &str) -> KvResult<()> {
        let key = self.handle.key(key);
        self.handle.run(|mut c| async move { c.del(key).await }).await
    }

    async fn incr(&self, key: &str, ttl: Duration) -> KvResult<u64> {
        let key = self.handle.key(key);
        self.handle
            .run(|mut c| async move {
                let (next, _): (u64, i64) = redis::pipe()
                    .atomic()
                    .incr(&key, 1u64)
                    .pexpire(&key, ttl_ms(ttl) as i64)
                    .query_async(&mut c)
                    .await?;
                Ok(next)
            })
            .await
    }

    async fn ping(&self) -> KvResult<()> {
        self.handle.run(|mut c| async move { redis::cmd("PING").query_async::<String>(&mut c).await }).await?;
        Ok(())
    }

    fn backend(&self) -> &'static str {
        "redis"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_client_turns_nagles_algorithm_off() {
        let made = client("redis://127.0.0.1:6379/0").unwrap();
        assert!(made.get_connection_info().tcp_settings().nodelay());
        assert!(client("not a url").is_err());
    }

    /// The test Redis (`scripts/test` sets `ROLLCALL_TEST_REDIS_URL`), or None to skip.
    fn test_settings(per_thread: bool) -> Option<RedisSettings> {
        let Ok(url) = std::env::var("ROLLCALL_TEST_REDIS_URL") else {
            assert!(std::env::var("ROLLCALL_TEST_REQUIRE_ALL").is_err(), "ROLLCALL_TEST_REDIS_URL is required");
            eprintln!("SKIPPED: ROLLCALL_TEST_REDIS_URL is not set");
            return None;
        };
        let mut settings = crate::config::Settings::defaults().unwrap().redis;
        settings.url = url;
        settings.key_prefix = format!("t:{}:", uuid::Uuid::new_v4().simple());
        settings.connection_per_thread = per_thread;
        Some(settings)
    }

    /// The id Redis gives the connection this call went over.
    async fn connection_id(handle: &RedisHandle) -> i64 {
        handle
            .run(|mut c| async move { redis::cmd("CLIENT").arg("ID").query_async::<i64>(&mut c).await })
            .await
            .unwrap()
    }

    /// Calls on the current thread until one goes over a connection other than `shared`; that connection's id.
    async fn own_connection(handle: &RedisHandle, shared: i64) -> i64 {
        let started = Instant::now();
        loop {
            let id = connection_id(handle).await;
            if id != shared {
                return id;
            }
            assert!(started.elapsed() < Duration::from_secs(5), "this thread's connection never opened");
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }

    fn runtime() -> tokio::runtime::Runtime {
        tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap()
    }

    #[test]
    fn each_thread_calls_redis_over_its_own_connection_once_it_is_open() {
        let Some(settings) = test_settings(true) else { return };
        // The shared connection is driven by the runtime that opened it, which must keep running (as the server's
        // main runtime does) while the other thread below uses it.
        let rt = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build().unwrap();
        let handle = rt.block_on(RedisHandle::connect(&settings)).unwrap();
        let shared = rt.block_on(async {
            let mut c = handle.conn.clone();
            redis::cmd("CLIENT").arg("ID").query_async::<i64>(&mut c).await.unwrap()
        });
        let mine = rt.block_on(async {
            let mine = own_connection(&handle, shared).await;
            for _ in 0..20 {
                assert_eq!(connection_id(&handle).await, mine, "once open, every call of this thread uses it");
            }
            mine
        });
        let other = std::thread::scope(|s| {
            s.spawn(|| {
                let rt = runtime();
                rt.block_on(async {
                    let other = own_connection(&handle, shared).await;
                    assert_eq!(connection_id(&handle).await, other);
                    other
                })
            })
            .join()
            .unwrap()
        });
        assert_ne!(other, mine, "another thread opens its own");
        assert!(handle.round_trips.load(Ordering::Relaxed) >= 23, "calls over own connections are counted too");
    }

    #[test]
    fn with_connection_per_thread_off_every_call_uses_the_shared_connection() {
        let Some(settings) = test_settings(false) else { return };
        let rt = runtime();
        let handle = rt.block_on(RedisHandle::connect(&settings)).unwrap();
        rt.block_on(async {
            let first = connection_id(&handle).await;
            for _ in 0..20 {
                tokio::time::sleep(Duration::from_millis(2)).await;
                assert_eq!(connection_id(&handle).await, first);
            }
        });
    }

    #[test]
    fn after_a_failure_calls_skip_redis_until_one_probe_succeeds() {
        let breaker = Breaker::new(Duration::from_secs(5));
        let t0 = Instant::now();
        assert!(breaker.allow(t0));
        breaker.unreachable(t0);
        assert!(!breaker.allow(t0 + Duration::from_secs(4)), "open during the cool-down");
        assert!(breaker.allow(t0 + Duration::from_secs(5)), "one probe after it");
        assert!(!breaker.allow(t0 + Duration::from_secs(5)), "and only one");
        breaker.unreachable(t0 + Duration::from_secs(5));
        assert!(!breaker.allow(t0 + Duration::from_secs(9)), "a failed probe opens it again");
        assert!(breaker.allow(t0 + Duration::from_secs(10)));
        breaker.reached();
        assert!(breaker.allow(t0 + Duration::from_secs(10)) && breaker.allow(t0 + Duration::from_secs(10)), "closed");
    }
}
