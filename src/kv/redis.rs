//! Redis connection shared by the key-value store, the limiter and the event bus. Every call has a short timeout
//! so a sick Redis slows nothing down for long.

use std::future::Future;
use std::time::Duration;

use anyhow::Context;
use redis::AsyncCommands;
use redis::aio::{ConnectionManager, ConnectionManagerConfig};

use super::{Kv, KvError, KvResult};
use crate::config::RedisSettings;

#[derive(Clone)]
pub struct RedisHandle {
    pub(crate) client: redis::Client,
    pub(crate) conn: ConnectionManager,
    pub(crate) prefix: String,
    pub(crate) timeout: Duration,
}

impl RedisHandle {
    pub async fn connect(settings: &RedisSettings) -> anyhow::Result<Self> {
        let client = redis::Client::open(settings.url.as_str()).context("invalid REDIS_URL")?;
        let timeout = Duration::from_millis(settings.timeout_ms.max(1));
        let config = ConnectionManagerConfig::new()
            .set_connection_timeout(Some(timeout * 4))
            .set_response_timeout(Some(timeout))
            .set_number_of_retries(1);
        let conn = tokio::time::timeout(timeout * 8, ConnectionManager::new_with_config(client.clone(), config))
            .await
            .context("timed out connecting to Redis")?
            .context("cannot connect to Redis")?;
        Ok(Self { client, conn, prefix: settings.key_prefix.clone(), timeout })
    }

    pub fn key(&self, key: &str) -> String {
        format!("{}{}", self.prefix, key)
    }

    /// Runs one Redis call under the configured timeout.
    pub async fn run<T, F, Fut>(&self, call: F) -> KvResult<T>
    where
        F: FnOnce(ConnectionManager) -> Fut,
        Fut: Future<Output = redis::RedisResult<T>>,
    {
        match tokio::time::timeout(self.timeout, call(self.conn.clone())).await {
            Ok(result) => Ok(result?),
            Err(_) => Err(KvError::Timeout),
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

fn ttl_ms(ttl: Duration) -> u64 {
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
