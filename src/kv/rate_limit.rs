//! GCRA rate limiting. The same arithmetic runs in process and, as a Lua script, inside Redis, so one instance
//! and many behave alike. Time comes from the injected clock in both cases, which keeps tests free of sleeps.
//!
//! Why not `governor` for the in-process twin: it keeps its own clock and its own state layout; sharing one pure
//! function with the Redis script keeps both limiters provably identical and driven by the app clock.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;

use super::Kv;
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

    /// What a request learns before its real work, in one round trip where the store allows: a remembered answer
    /// (then nothing is charged), else the limits (all or nothing, as [`RateLimiter::check_all`]), else a cached
    /// value. Keys are the [`Kv`]'s (without the deployment prefix).
    async fn gate(&self, kv: &dyn Kv, gate: &Gate<'_>) -> Gated {
        gate_in_steps(self, kv, gate).await
    }
}

/// See [`RateLimiter::gate`].
pub struct Gate<'a> {
    /// Where an earlier answer to this very request would be (a nonce's).
    pub remembered: &'a str,
    /// A value to read when the request goes through (the cached answer), if any.
    pub cached: Option<&'a str>,
    pub checks: &'a [Check<'a>],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gated {
    /// This request was answered before: here is the answer; no limit was charged.
    Remembered(String),
    Limited {
        retry_after: Duration,
    },
    /// Allowed and charged; the cached value if there was one.
    Passed {
        cached: Option<String>,
    },
}

/// The gate as three calls (the in-process store, and Redis's fallback when the script fails).
async fn gate_in_steps<L: RateLimiter + ?Sized>(limiter: &L, kv: &dyn Kv, gate: &Gate<'_>) -> Gated {
    match kv.get(gate.remembered).await {
        Ok(Some(answer)) => return Gated::Remembered(answer),
        Ok(None) => {}
        Err(err) => crate::kv::log_degraded(&err, "remembered answers unavailable"),
    }
    if let Decision::Limited { retry_after } = limiter.check_all(gate.checks).await {
        return Gated::Limited { retry_after };
    }
    let cached = match gate.cached {
        Some(key) => kv.get(key).await.unwrap_or_else(|err| {
            crate::kv::log_degraded(&err, "cached answers unavailable");
            None
        }),
        None => None,
    };
    Gated::Passed { cached }
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

/// Mirrors [`gcra`] over several keys, all or nothing: `limit(now, first_key, first_arg)` reads KEYS from
/// `first_key` on and interval_ms, burst pairs from ARGV `first_arg` on; returns 0 when allowed (all charged), else
/// the longest wait in ms (none charged).
macro_rules! gcra_lua {
    () => {
        r#"
local function limit(now, first_key, first_arg)
  local new_tats = {}
  local wait = 0
  for i = first_key, #KEYS do
    local a = first_arg + 2 * (i - first_key)
    local interval = tonumber(ARGV[a])
    local burst = tonumber(ARGV[a + 1])
    local tat = tonumber(redis.call('GET', KEYS[i]) or now)
    if tat < now then tat = now end
    local new_tat = tat + interval
    local allow_at = new_tat - interval * burst
    if now < allow_at and allow_at - now > wait then wait = allow_at - now end
    new_tats[i] = new_tat
  end
  if wait > 0 then return wait end
  for i = first_key, #KEYS do
    redis.call('SET', KEYS[i], new_tats[i], 'PX', math.max(new_tats[i] - now, 1))
  end
  return 0
end
"#
    };
}

/// KEYS = the limit keys; ARGV = now_ms, then interval_ms and burst for each key. Returns -1 when allowed.
const GCRA_LUA: &str = concat!(
    gcra_lua!(),
    r#"
local wait = limit(tonumber(ARGV[1]), 1, 2)
if wait > 0 then return wait end
return -1
"#
);

/// [`RateLimiter::gate`] in one script. KEYS = the remembered key, the cached key (read only when ARGV[2] is 1),
/// then the limit keys; ARGV = now_ms, read-cached flag, then interval_ms and burst per limit key. Returns
/// {0, answer} when remembered, {1, wait_ms} when limited, {2, cached or ''} when passed.
const GATE_LUA: &str = concat!(
    gcra_lua!(),
    r#"
local remembered = redis.call('GET', KEYS[1])
if remembered then return {0, remembered} end
local wait = limit(tonumber(ARGV[1]), 3, 3)
if wait > 0 then return {1, tostring(wait)} end
local cached = false
if ARGV[2] == '1' then cached = redis.call('GET', KEYS[2]) end
return {2, cached or ''}
"#
);

pub struct RedisRateLimiter {
    handle: RedisHandle,
    clock: Arc<dyn Clock>,
    script: redis::Script,
    gate: redis::Script,
    fallback: MemoryRateLimiter,
}

impl RedisRateLimiter {
    pub fn new(handle: RedisHandle, clock: Arc<dyn Clock>) -> Self {
        Self {
            handle,
            script: redis::Script::new(GCRA_LUA),
            gate: redis::Script::new(GATE_LUA),
            fallback: MemoryRateLimiter::new(clock.clone()),
            clock,
        }
    }
}

#[async_trait::async_trait]
impl RateLimiter for RedisRateLimiter {
    async fn check_all(&self, checks: &[Check<'_>]) -> Decision {
        let mut invocation = self.script.prepare_invoke();
        invocation.arg(self.clock.now().timestamp_millis());
        self.add_checks(&mut invocation, checks);
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

    async fn gate(&self, kv: &dyn Kv, gate: &Gate<'_>) -> Gated {
        let mut invocation = self.gate.prepare_invoke();
        invocation.key(self.handle.key(gate.remembered));
        invocation.key(self.handle.key(gate.cached.unwrap_or(gate.remembered)));
        invocation.arg(self.clock.now().timestamp_millis()).arg(if gate.cached.is_some() { 1 } else { 0 });
        self.add_checks(&mut invocation, gate.checks);
        let invocation = &invocation;
        let result =
            self.handle.run(|mut c| async move { invocation.invoke_async::<(i64, String)>(&mut c).await }).await;
        match result {
            Ok((0, answer)) => Gated::Remembered(answer),
            Ok((1, wait)) => Gated::Limited { retry_after: Duration::from_millis(wait.parse().unwrap_or(0)) },
            Ok((_, cached)) => Gated::Passed { cached: Some(cached).filter(|c| !c.is_empty()) },
            Err(err) => {
                crate::kv::log_degraded(&err, "rate limiter cannot reach Redis; using in-process limits");
                gate_in_steps(&self.fallback, kv, gate).await
            }
        }
    }
}

impl RedisRateLimiter {
    fn add_checks(&self, invocation: &mut redis::ScriptInvocation<'_>, checks: &[Check<'_>]) {
        for c in checks {
            let interval = i64::try_from(c.quota.replenish.as_millis()).unwrap_or(i64::MAX / 4).max(1);
            invocation.key(self.handle.key(&format!("rl:{}:{}", c.bucket, c.key))).arg(interval).arg(c.quota.burst);
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
