//! The Redis-backed services and their in-process twins behave alike.

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use rollcall::clock::TestClock;
use rollcall::kv::{Decision, Infra, Quota};

use crate::helpers::{Backend, backend, redis_url};

async fn infra(prefix: &str, clock: Arc<TestClock>) -> Infra {
    let mut settings = rollcall::config::Settings::defaults().unwrap().redis;
    if backend() == Backend::Postgres {
        settings.url = redis_url();
        settings.key_prefix = prefix.to_owned();
    }
    Infra::connect(&settings, clock).await.unwrap()
}

fn clock() -> Arc<TestClock> {
    Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 8, 0, 0).unwrap()))
}

fn prefix() -> String {
    format!("t:{}:", uuid::Uuid::new_v4().simple())
}

#[tokio::test]
async fn values_expire_after_their_ttl() {
    let clock = clock();
    let kv = infra(&prefix(), clock.clone()).await.kv;
    kv.set("a", "1", Duration::from_secs(60)).await.unwrap();
    assert_eq!(kv.get("a").await.unwrap().as_deref(), Some("1"));
    assert!(!kv.set_nx("a", "2", Duration::from_secs(60)).await.unwrap(), "set_nx keeps the first value");
    assert!(kv.set_nx("b", "2", Duration::from_secs(60)).await.unwrap());
    kv.del("a").await.unwrap();
    assert_eq!(kv.get("a").await.unwrap(), None);
    if backend() == Backend::Embedded {
        // Redis expires on its own clock; the twin follows the injected one.
        clock.advance(chrono::Duration::seconds(61));
        assert_eq!(kv.get("b").await.unwrap(), None);
    }
}

#[tokio::test]
async fn the_limiter_allows_a_burst_then_asks_to_wait() {
    let clock = clock();
    let limiter = infra(&prefix(), clock.clone()).await.limiter;
    let quota = Quota { burst: 2, replenish: Duration::from_secs(30) };
    assert_eq!(limiter.check("b", "k", quota).await, Decision::Allowed);
    assert_eq!(limiter.check("b", "k", quota).await, Decision::Allowed);
    assert_eq!(limiter.check("b", "k", quota).await, Decision::Limited { retry_after: Duration::from_secs(30) });
    assert_eq!(limiter.check("b", "other", quota).await, Decision::Allowed, "keys are independent");
    clock.advance(chrono::Duration::seconds(30));
    assert_eq!(limiter.check("b", "k", quota).await, Decision::Allowed);
}

#[tokio::test]
async fn two_instances_share_limits_through_redis() {
    if backend() != Backend::Postgres {
        return; // one instance only without Redis
    }
    let clock = clock();
    let p = prefix();
    let a = infra(&p, clock.clone()).await.limiter;
    let b = infra(&p, clock.clone()).await.limiter;
    let quota = Quota { burst: 1, replenish: Duration::from_secs(10) };
    assert_eq!(a.check("x", "k", quota).await, Decision::Allowed);
    assert!(matches!(b.check("x", "k", quota).await, Decision::Limited { .. }));
}

#[tokio::test]
async fn an_event_published_on_one_instance_reaches_subscribers_on_another() {
    let clock = clock();
    let p = prefix();
    let a = infra(&p, clock.clone()).await.events;
    // Without Redis there is one instance: publisher and subscriber share it.
    let b = if backend() == Backend::Postgres { infra(&p, clock).await.events } else { a.clone() };
    let mut rx = b.subscribe("class:42");
    let mut other = b.subscribe("class:43");
    a.publish("class:42", r#"{"kind":"checked_in"}"#).await.unwrap();
    let got = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.expect("event within 2 s").unwrap();
    assert_eq!(&*got, r#"{"kind":"checked_in"}"#);
    assert!(other.try_recv().is_err(), "other topics see nothing");
}

#[tokio::test]
async fn several_limits_are_checked_together_and_charged_only_when_all_allow() {
    use rollcall::kv::Check;
    let clock = clock();
    let limiter = infra(&prefix(), clock.clone()).await.limiter;
    let tight = Quota { burst: 1, replenish: Duration::from_secs(60) };
    let loose = Quota { burst: 5, replenish: Duration::from_secs(1) };
    let both = [Check { bucket: "a", key: "k", quota: tight }, Check { bucket: "b", key: "k", quota: loose }];
    assert_eq!(limiter.check_all(&both).await, Decision::Allowed);
    assert_eq!(limiter.check_all(&both).await, Decision::Limited { retry_after: Duration::from_secs(60) });
    // The refused call charged nothing: the loose bucket still has four of its five.
    for _ in 0..4 {
        assert_eq!(limiter.check("b", "k", loose).await, Decision::Allowed);
    }
    assert!(matches!(limiter.check("b", "k", loose).await, Decision::Limited { .. }));
}

/// A numbered publish takes the next number of the shared counter and delivers the payload with it to every topic,
/// on both buses (one Redis script; the counter then the publish in process), storing what travels with it, and
/// `set_many` sets every key.
#[tokio::test]
async fn a_numbered_event_reaches_every_topic_with_the_next_number_and_set_many_sets_all() {
    let clock = clock();
    let p = prefix();
    let a = infra(&p, clock.clone()).await;
    let b = if backend() == Backend::Postgres { infra(&p, clock).await } else { a.clone() };
    let (mut session, mut class) = (b.events.subscribe("session:7"), b.events.subscribe("class:7"));
    let ttl = Duration::from_secs(60);
    let topics = ["session:7", "class:7"];
    let first = a.events.publish_numbered(a.kv.as_ref(), ("evseq:7", ttl), &topics, (r#"{"id":"#, r#","x":1}"#), &[]);
    let first = first.await.unwrap();
    let remember = [("r:a".to_owned(), "first".to_owned(), ttl), ("r:b".to_owned(), "second".to_owned(), ttl)];
    let second =
        a.events.publish_numbered(a.kv.as_ref(), ("evseq:7", ttl), &topics, (r#"{"id":"#, r#","x":2}"#), &remember);
    assert_eq!(second.await.unwrap(), first + 1, "numbers follow each other");
    assert_eq!(b.kv.get("evseq:7").await.unwrap().as_deref(), Some((first + 1).to_string().as_str()), "one counter");
    assert_eq!(b.kv.get("r:a").await.unwrap().as_deref(), Some("first"), "what travels with the event is stored");
    assert_eq!(b.kv.get("r:b").await.unwrap().as_deref(), Some("second"));
    for rx in [&mut session, &mut class] {
        for (n, x) in [(first, 1), (first + 1, 2)] {
            let got = tokio::time::timeout(Duration::from_secs(2), rx.recv()).await.expect("event within 2 s").unwrap();
            assert_eq!(&*got, format!(r#"{{"id":{n},"x":{x}}}"#));
        }
    }

    let entries = [("k:a".to_owned(), "1".to_owned(), ttl), ("k:b".to_owned(), "2".to_owned(), ttl)];
    a.kv.set_many(&entries).await.unwrap();
    assert_eq!(b.kv.get("k:a").await.unwrap().as_deref(), Some("1"));
    assert_eq!(b.kv.get("k:b").await.unwrap().as_deref(), Some("2"));
}

/// The check-in gate, one Redis script or three in-process calls: a remembered answer comes back uncharged, then the
/// limits (all or nothing), then the cached value of a request that passes.
#[tokio::test]
async fn the_gate_returns_a_remembered_answer_uncharged_then_limits_then_the_cached_value() {
    use rollcall::kv::{Check, Gate, Gated};
    let clock = clock();
    let infra = infra(&prefix(), clock.clone()).await;
    let (kv, limiter) = (infra.kv.as_ref(), infra.limiter.as_ref());
    let one = Quota { burst: 1, replenish: Duration::from_secs(60) };
    let checks = [Check { bucket: "g", key: "k", quota: one }];
    let gate = |remembered, cached| Gate { remembered, cached, checks: &checks };

    assert_eq!(limiter.gate(kv, &gate("n1", Some("c"))).await, Gated::Passed { cached: None }, "charged");
    assert_eq!(
        limiter.gate(kv, &gate("n2", None)).await,
        Gated::Limited { retry_after: Duration::from_secs(60) },
        "the one allowed was used"
    );
    kv.set("n1", "first answer", Duration::from_secs(60)).await.unwrap();
    assert_eq!(
        limiter.gate(kv, &gate("n1", Some("c"))).await,
        Gated::Remembered("first answer".into()),
        "a remembered answer comes back while the limit is spent"
    );
    clock.advance(chrono::Duration::seconds(60));
    kv.set("c", "cached", Duration::from_secs(60)).await.unwrap();
    assert_eq!(limiter.gate(kv, &gate("n3", Some("c"))).await, Gated::Passed { cached: Some("cached".into()) });
    assert_eq!(
        limiter.gate(kv, &gate("n4", None)).await,
        Gated::Limited { retry_after: Duration::from_secs(60) },
        "the pass was charged"
    );
}
