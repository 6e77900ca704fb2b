//! Publish/subscribe for live events. With Redis, each instance subscribes once (a pattern over the deployment's
//! event channels) and fans messages out to its local subscribers through bounded tokio broadcast channels;
//! without Redis, the same fan-out serves one instance.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use parking_lot::Mutex;
use tokio::sync::broadcast;

use super::KvResult;
use super::redis::RedisHandle;
use crate::config::RedisSettings;

/// Messages buffered per topic for a slow subscriber before it starts missing some (it then sees `Lagged`).
const TOPIC_BUFFER: usize = 256;

#[async_trait::async_trait]
pub trait EventBus: Send + Sync + 'static {
    /// Sends to every subscriber of `topic` on every instance. On failure the local subscribers still get it.
    async fn publish(&self, topic: &str, payload: &str) -> KvResult<()> {
        self.publish_to(&[topic], payload).await
    }

    /// The same payload to several topics, in one round trip.
    async fn publish_to(&self, topics: &[&str], payload: &str) -> KvResult<()>;

    /// Stores the `remember` entries (key, value, time to live), takes the next number from the shared counter
    /// `seq_key` (expiring `ttl` after its last use) and publishes `before` + number + `after` to the topics; returns
    /// the number. One round trip on Redis (a script); here, the sets, the counter and then the publish.
    async fn publish_numbered(
        &self,
        kv: &dyn crate::kv::Kv,
        (seq_key, ttl): (&str, Duration),
        topics: &[&str],
        (before, after): (&str, &str),
        remember: &[super::Entry],
    ) -> KvResult<u64> {
        if !remember.is_empty() {
            kv.set_many(remember).await?;
        }
        let id = kv.incr(seq_key, ttl).await?;
        self.publish_to(topics, &format!("{before}{id}{after}")).await?;
        Ok(id)
    }
    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<str>>;
}

/// Local subscribers by topic.
#[derive(Default)]
pub struct Fanout {
    topics: Mutex<HashMap<String, broadcast::Sender<Arc<str>>>>,
}

impl Fanout {
    pub fn deliver(&self, topic: &str, payload: Arc<str>) {
        let mut topics = self.topics.lock();
        if let Some(sender) = topics.get(topic)
            && sender.send(payload).is_err()
        {
            // Nobody listens any more: forget the topic so the map does not grow without bound.
            topics.remove(topic);
        }
    }

    pub fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<str>> {
        self.topics.lock().entry(topic.to_owned()).or_insert_with(|| broadcast::channel(TOPIC_BUFFER).0).subscribe()
    }
}

#[derive(Default)]
pub struct MemoryEventBus {
    fanout: Fanout,
}

#[async_trait::async_trait]
impl EventBus for MemoryEventBus {
    async fn publish_to(&self, topics: &[&str], payload: &str) -> KvResult<()> {
        let payload: Arc<str> = Arc::from(payload);
        for topic in topics {
            self.fanout.deliver(topic, payload.clone());
        }
        Ok(())
    }

    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<str>> {
        self.fanout.subscribe(topic)
    }
}

pub struct RedisEventBus {
    handle: RedisHandle,
    fanout: Arc<Fanout>,
    numbered: redis::Script,
}

/// `publish_numbered` on Redis: the sets, the counter, its expiry and the publishes in one round trip.
/// KEYS[1] the counter, KEYS[2..] the keys to set; ARGV: time to live (ms), the payload before and after the
/// number, the number of channels, the channels, then a value and a time to live (ms) per key to set.
const PUBLISH_NUMBERED_LUA: &str = r#"
local channels = tonumber(ARGV[4])
local values = 4 + channels
for k = 2, #KEYS do
  local at = values + 2 * (k - 2)
  redis.call('SET', KEYS[k], ARGV[at + 1], 'PX', ARGV[at + 2])
end
local id = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
local payload = ARGV[2] .. id .. ARGV[3]
for i = 5, 4 + channels do
  redis.call('PUBLISH', ARGV[i], payload)
end
return id
"#;

impl RedisEventBus {
    /// Starts the instance's one subscription; it reconnects by itself when Redis goes away and comes back.
    pub async fn start(handle: RedisHandle, _settings: &RedisSettings) -> anyhow::Result<Self> {
        let fanout = Arc::new(Fanout::default());
        let channel_prefix = handle.key("ev:");
        let (ready_tx, ready_rx) = tokio::sync::oneshot::channel();
        tokio::spawn(listen(handle.client.clone(), channel_prefix, fanout.clone(), ready_tx));
        // Wait for the first subscription so an event published right after start-up is not missed.
        let _ = tokio::time::timeout(handle.timeout * 8, ready_rx).await;
        Ok(Self { handle, fanout, numbered: redis::Script::new(PUBLISH_NUMBERED_LUA) })
    }
}

async fn listen(
    client: redis::Client,
    channel_prefix: String,
    fanout: Arc<Fanout>,
    ready: tokio::sync::oneshot::Sender<()>,
) {
    let mut ready = Some(ready);
    let mut backoff = Duration::from_millis(100);
    loop {
        match client.get_async_pubsub().await {
            Ok(mut pubsub) => match pubsub.psubscribe(format!("{channel_prefix}*")).await {
                Ok(()) => {
                    backoff = Duration::from_millis(100);
                    if let Some(ready) = ready.take() {
                        let _ = ready.send(());
                    }
                    tracing::info!("subscribed to live events on Redis");
                    let mut messages = pubsub.on_message();
                    while let Some(msg) = messages.next().await {
                        let channel = msg.get_channel_name();
                        let Some(topic) = channel.strip_prefix(channel_prefix.as_str()) else {
                            continue;
                        };
                        match msg.get_payload::<String>() {
                            Ok(payload) => fanout.deliver(topic, Arc::from(payload)),
                            Err(err) => tracing::warn!(error = %err, "unreadable event payload"),
                        }
                    }
                    tracing::warn!("Redis event subscription ended; reconnecting");
                }
                Err(err) => tracing::warn!(error = %err, "cannot subscribe to Redis events"),
            },
            Err(err) => tracing::warn!(error = %err, "cannot connect to Redis for events"),
        }
        tokio::time::sleep(backoff).await;
        backoff = (backoff * 2).min(Duration::from_secs(5));
    }
}

#[async_trait::async_trait]
impl EventBus for RedisEventBus {
    async fn publish_to(&self, topics: &[&str], payload: &str) -> KvResult<()> {
        let mut pipe = redis::pipe();
        for topic in topics {
            pipe.publish(self.handle.key(&format!("ev:{topic}")), payload).ignore();
        }
        let pipe = &pipe;
        let result = self.handle.run(|mut c| async move { pipe.query_async::<()>(&mut c).await }).await;
        if let Err(err) = &result {
            crate::kv::log_degraded(err, "cannot publish event to Redis; delivering locally only");
            let payload: Arc<str> = Arc::from(payload);
            for topic in topics {
                self.fanout.deliver(topic, payload.clone());
            }
        }
        result
    }

    async fn publish_numbered(
        &self,
        _kv: &dyn crate::kv::Kv,
        (seq_key, ttl): (&str, Duration),
        topics: &[&str],
        (before, after): (&str, &str),
        remember: &[super::Entry],
    ) -> KvResult<u64> {
        let mut call = self.numbered.prepare_invoke();
        call.key(self.handle.key(seq_key)).arg(super::redis::ttl_ms(ttl)).arg(before).arg(after).arg(topics.len());
        for topic in topics {
            call.arg(self.handle.key(&format!("ev:{topic}")));
        }
        for (key, value, ttl) in remember {
            call.key(self.handle.key(key)).arg(value).arg(super::redis::ttl_ms(*ttl));
        }
        let call = &call;
        self.handle.run(|mut c| async move { call.invoke_async::<u64>(&mut c).await }).await
    }

    fn subscribe(&self, topic: &str) -> broadcast::Receiver<Arc<str>> {
        self.fanout.subscribe(topic)
    }
}
