//! The latest live events of each session on this instance, for stream clients that reconnect with the id of the
//! last event they saw.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use parking_lot::Mutex;
use uuid::Uuid;

/// Events remembered per session on each instance, for clients that reconnect with `Last-Event-ID`.
const RECENT_PER_SESSION: usize = 512;

/// Event id and JSON, oldest first.
type Buffered = VecDeque<(u64, Arc<str>)>;

/// The latest events of each session this instance has streamed.
#[derive(Default)]
pub struct Recent {
    sessions: Mutex<HashMap<Uuid, Buffered>>,
}

impl Recent {
    pub fn record(&self, session_id: Uuid, id: u64, json: Arc<str>) {
        let mut sessions = self.sessions.lock();
        if sessions.len() > 2_000 && !sessions.contains_key(&session_id) {
            sessions.clear();
        }
        let events = sessions.entry(session_id).or_default();
        if events.back().is_some_and(|(last, _)| *last >= id) {
            return; // another stream of this instance recorded it already
        }
        events.push_back((id, json));
        if events.len() > RECENT_PER_SESSION {
            events.pop_front();
        }
    }

    /// The events after `last_seen`, if none is missing in between; `None` when a snapshot is needed.
    pub fn after(&self, session_id: Uuid, last_seen: u64, current: u64) -> Option<Vec<(u64, Arc<str>)>> {
        if last_seen >= current {
            return Some(Vec::new());
        }
        let sessions = self.sessions.lock();
        let events = sessions.get(&session_id)?;
        let first = events.front()?.0;
        let last = events.back()?.0;
        (first <= last_seen + 1 && last >= current)
            .then(|| events.iter().filter(|(id, _)| *id > last_seen).cloned().collect())
    }
}
