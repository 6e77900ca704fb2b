//! GCRA rate limiting. The same arithmetic runs in process and, as a Lua script, inside Redis, so one instance
//! and many behave alike. Time comes from the injected clock in both cases, which keeps tests free of sleeps.
//!
//! Why not `governor` for the in-process twin: it keeps its own clock and its own state layout; sharing one pure
//! function with the Redis script keeps both limiters provably identical and driven by the app clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::redis::RedisHandle;
use crate::clock::Clock;
use crate::config::QuotaSettings;

/// `burst` requests at once, then one more every `replenish`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quota {
    pub burst: u32,
    pub replenish: Duration,
}

impl From<QuotaSettings> for Quota {
    fn from(s: QuotaSettings) -> Self {
        Quota { burst: s.burst.max(1), replenish: Duration::from_millis(s.replenish_ms.max(1)) }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allowed,
    Limited { retry_after: Duration },
}

/// One limit to check: a bucket (what is limited), a key (whose), and the quota.
#[derive(Debug, Clone, Copy)]
pub struct Check<'a> {
    pub bucket: &'a str,
    pub key: &'a str,
    pub quota: Quota,
}

/// Checks never fail: a limiter that cannot reach its store falls back to in-process limits.
#[async_trait::async_trait]
pub trait RateLimiter: Send + Sync + 'static {
    /// Several limits at once, in one round trip: allowed only if every one allows, and then every one is charged;
    /// when limited, none is charged and the longest wait is returned.
    async fn check_all(&self, checks: &[Check<'_>]) -> Decision;

    async fn check(&self, bucket: &str, key: &str, quota: Quota) -> Decision {
        self.check_all(&[Check { bucket, key, quota }]).await
    }
}

/// One GCRA step. `tat` is the stored theoretical arrival time (ms), `None` when unknown. Returns the decision and,
/// when allowed, the new TAT to store.
pub fn gcra(now_ms: i64, tat: Option<i64>, quota: Quota) -> (Decision, Option<i64>) {
    let interval = i64::try_from(quota.replenish.as_millis()).unwrap_or(i64::MAX / 4).max(1);
    let tat = tat.unwrap_or(now_ms).max(now_ms);
    let new_tat = tat.saturating_add(interval);
    let allow_at = new_tat.saturating_sub(interval.saturating_mul(i64::from(quota.burst)));
    if now_ms < allow_at {
        let wait = u64::try_from(allow_at - now_ms).unwrap_or(0);
        (Decision::Limited { retry_after: Duration::from_millis(wait) }, None)
    } else {
        (Decision::Allowed, Some(new_tat))
    }
}

pub struct MemoryRateLimiter {
    clock: Arc<dyn Clock>,
    tats: Mutex<HashMap<String, i64>>,
}

impl MemoryRateLimiter {
    pub fn new(clock: Arc<dyn Clock>) -> Self {
        Self { clock, tats: Mutex::new(HashMap::new()) }
    }

    fn check_now(&self, checks: &[Check<'_>]) -> Decision {
        let now = self.clock.now().timestamp_millis();
        let mut tats = self.tats.lock();
        if tats.len() > 50_000 {
            tats.retain(|_, tat| *tat > now);
        }
        let mut updates = Vec::with_capacity(checks.len());
        let mut wait = Duration::ZERO;
        for c in checks {
            let full_key = format!("{}:{}", c.bucket, c.key);
            match gcra(now, tats.get(&full_key).copied(), c.quota) {
                (Decision::Limited { retry_after }, _) => wait = wait.max(retry_after),
                (Decision::Allowed, new_tat) => updates.push((full_key, new_tat.unwrap_or(now))),
            }
        }
        if !wait.is_zero() {
            return Decision::Limited { retry_after: wait };
        }
        tats.extend(updates);
        Decision::Allowed
    }
}

#[async_trait::async_trait]
impl RateLimiter for MemoryRateLimiter {
    async fn check_all(&self, checks: &[Check<'_>]) -> Decision {
        self.check_now(checks)
    }
}

/// Mirrors [`gcra`] over several keys, all or nothing. KEYS = the keys; ARGV = now_ms, then interval_ms and burst
/// for each key. Returns -1 when allowed (all charged), else the longest wait in ms (none charged).
const GCRA_LUA: &str = r#"
local now = tonumber(ARGV[1])
local new_tats = {}
local wait = 0
for i = 1, #KEYS do
  local interval = tonumber(ARGV[2 * i])
  local burst = tonumber(ARGV[2 * i + 1])
  local tat = tonumber(redis.call('GET', KEYS[i]) or now)
  if tat < now then tat = now end
  local new_tat = tat + interval
  local allow_at = new_tat - interval * burst
  if now < allow_at and allow_at - now > wait then wait = allow_at - now end
  new_tats[i] = new_tat
end
if wait > 0 then return wait end
for i = 1, #KEYS do
  redis.call('SET', KEYS[i], new_tats[i], 'PX', math.max(new_tats[i] - now, 1))
end
return -1
"#;

pub struct RedisRateLimiter {
    handle: RedisHandle,
    clock: Arc<dyn Clock>,
    script: redis::Script,
    fallback: MemoryRateLimiter,
}

impl RedisRateLimiter {
    pub fn new(handle: RedisHandle, clock: Arc<dyn Clock>) -> Self {
        Self { handle, script: redis::Script::new(GCRA_LUA), fallback: MemoryRateLimiter::new(clock.clone()), clock }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check_all(&self, checks: &[Check<'_>]) -> Decision {
        let now = self.clock.now().timestamp_millis();
        let mut invocation = self.script.prepare_invoke();
        invocation.arg(now);
        for c in checks {
            let interval = i64::try_from(c.quota.replenish.as_millis()).unwrap_or(i64::MAX / 4).max(1);
            invocation.key(self.handle.key(&format!("rl:{}:{}", c.bucket, c.key))).arg(interval).arg(c.quota.burst);
        }
        let invocation = &invocation;
        let result = self.handle.run(|mut c| async move { invocation.invoke_async::<i64>(&mut c).await }).await;
        match result {
            Ok(wait) if wait < 0 => Decision::Allowed,
            Ok(wait) => Decision::Limited { retry_after: Duration::from_millis(u64::try_from(wait).unwrap_or(0)) },
            Err(err) => {
                crate::kv::log_degraded(&err, "rate limiter cannot reach Redis; using in-process limits");
                self.fallback.check_all(checks).await
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const Q: Quota = Quota { burst: 3, replenish: Duration::from_secs(10) };

    fn run(times: &[i64]) -> Vec<Decision> {
        let mut tat = None;
        times
            .iter()
            .map(|&now| {
                let (decision, new_tat) = gcra(now, tat, Q);
                if new_tat.is_some() {
                    tat = new_tat;
                }
                decision
            })
            .collect()
    }

    #[test]
    fn a_burst_is_allowed_then_the_next_waits_one_interval() {
        let decisions = run(&[0, 0, 0, 0]);
        assert_eq!(&decisions[..3], &[Decision::Allowed; 3]);
        assert_eq!(decisions[3], Decision::Limited { retry_after: Duration::from_secs(10) });
    }

    #[test]
    fn one_request_is_replenished_per_interval() {
        let decisions = run(&[0, 0, 0, 10_000, 10_000, 20_000]);
        assert_eq!(
            decisions,
            vec![
                Decision::Allowed,
                Decision::Allowed,
                Decision::Allowed,
                Decision::Allowed,
                Decision::Limited { retry_after: Duration::from_secs(10) },
                Decision::Allowed
            ]
        );
    }

    #[test]
    fn a_long_pause_restores_the_full_burst_but_no_more() {
        let decisions = run(&[0, 0, 0, 1_000_000, 1_000_000, 1_000_000, 1_000_000]);
        assert_eq!(decisions[3..6], [Decision::Allowed; 3]);
        assert!(matches!(decisions[6], Decision::Limited { .. }));
    }
}
