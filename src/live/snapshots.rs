//! Live snapshots shared by the boards of a session on this instance (the HTTP layer's SSE streams ask for them).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use bytestring::ByteString;
use uuid::Uuid;

/// Snapshots shared by the boards of a session on this instance. A board that opens (or falls behind) gets the
/// snapshot another board of the same session got, when no event has happened since and it is under two seconds
/// old; boards of a session asking together wait for one build; and at most a few builds run at once, so a herd of
/// boards (a projector per classroom, every staff phone, all reconnecting after a network blip) cannot take the
/// database pool from check-ins.
pub struct Snapshots {
    built: parking_lot::Mutex<HashMap<Uuid, (u64, Instant, ByteString)>>,
    locks: parking_lot::Mutex<HashMap<Uuid, Arc<tokio::sync::Mutex<()>>>>,
    builds: tokio::sync::Semaphore,
}

/// How long a shared snapshot is reused while no event happens.
const SNAPSHOT_REUSE: Duration = Duration::from_secs(2);

impl Snapshots {
    /// `concurrent`: builds that may run at once (each holds a database connection while it reads).
    pub fn new(concurrent: usize) -> Self {
        Self {
            built: parking_lot::Mutex::default(),
            locks: parking_lot::Mutex::default(),
            builds: tokio::sync::Semaphore::new(concurrent.max(1)),
        }
    }

    fn reusable(&self, session_id: Uuid, event_id: u64) -> Option<ByteString> {
        let built = self.built.lock();
        built
            .get(&session_id)
            .filter(|(id, at, _)| *id == event_id && at.elapsed() < SNAPSHOT_REUSE)
            .map(|(_, _, json)| json.clone())
    }

    /// The snapshot of a session at `event_id`: shared if one is fresh, else built by `build` (one build per
    /// session at a time, a few at once in all).
    pub async fn get<F, Fut>(&self, session_id: Uuid, event_id: u64, build: F) -> Option<ByteString>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Option<String>>,
    {
        if let Some(json) = self.reusable(session_id, event_id) {
            return Some(json);
        }
        let lock = {
            let mut locks = self.locks.lock();
            if locks.len() > 10_000 {
                locks.retain(|_, l| Arc::strong_count(l) > 1);
            }
            locks.entry(session_id).or_default().clone()
        };
        let _one_per_session = lock.lock().await;
        if let Some(json) = self.reusable(session_id, event_id) {
            return Some(json);
        }
        let _permit = self.builds.acquire().await.ok()?;
        let json = ByteString::from(build().await?);
        let mut built = self.built.lock();
        if built.len() > 10_000 {
            built.retain(|_, (_, at, _)| at.elapsed() < SNAPSHOT_REUSE);
        }
        built.insert(session_id, (event_id, Instant::now(), json.clone()));
        Some(json)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test]
    async fn boards_asking_together_share_one_build_until_an_event_happens() {
        let snapshots = Snapshots::new(1);
        let builds = AtomicUsize::new(0);
        let session = Uuid::now_v7();
        let build = |tag: &'static str| {
            let builds = &builds;
            move || async move {
                builds.fetch_add(1, Ordering::SeqCst);
                tokio::task::yield_now().await;
                Some(tag.to_owned())
            }
        };
        let (a, b, c) = tokio::join!(
            snapshots.get(session, 7, build("first")),
            snapshots.get(session, 7, build("second")),
            snapshots.get(session, 7, build("third")),
        );
        assert_eq!((a.as_deref(), b.as_deref(), c.as_deref()), (Some("first"), Some("first"), Some("first")));
        assert_eq!(builds.load(Ordering::SeqCst), 1, "three boards, one build");
        assert_eq!(snapshots.get(session, 8, build("after")).await.as_deref(), Some("after"), "an event happened");
        assert_eq!(snapshots.get(Uuid::now_v7(), 8, build("other")).await.as_deref(), Some("other"));
        assert_eq!(builds.load(Ordering::SeqCst), 3);
    }
}
