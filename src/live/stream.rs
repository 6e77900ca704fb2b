//! The SSE stream of one session: a `snapshot` first, then each event as it happens, with keep-alives. A client
//! that falls behind (its bounded buffer overflowed) gets a fresh snapshot instead of the events it missed, so a slow
//! or dead client never slows check-ins: publishing never waits for a subscriber.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use parking_lot::Mutex;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use uuid::Uuid;

use actix_web_lab::sse;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use super::{Summary, counts, current_id, session_topic};
use crate::attendance::service::for_session;
use crate::class::ClassScope;
use crate::entity::class_session;
use crate::state::AppState;

pub const KEEP_ALIVE: Duration = Duration::from_secs(15);
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
    fn record(&self, session_id: Uuid, id: u64, json: Arc<str>) {
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
    fn after(&self, session_id: Uuid, last_seen: u64, current: u64) -> Option<Vec<(u64, Arc<str>)>> {
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

async fn snapshot(state: &AppState, scope: &ClassScope, session: &class_session::Model) -> Option<sse::Event> {
    let event_id = current_id(state.infra.kv.as_ref(), session.id).await;
    match for_session(&state.db, scope, session, state.clock.now()).await {
        Ok(attendance) => {
            let summary = Summary { event_id, counts: counts(&attendance), attendance };
            sse::Data::new_json(&summary).ok().map(|d| d.event("snapshot").id(event_id.to_string()).into())
        }
        Err(err) => {
            tracing::warn!(error = ?err, "live snapshot failed");
            None
        }
    }
}

fn event_of(json: &str) -> (u64, sse::Event) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let name = value["type"].as_str().unwrap_or("message").to_owned();
    let id = value["id"].as_u64().unwrap_or(0);
    (id, sse::Event::from(sse::Data::new(json.to_owned()).event(name).id(id.to_string())))
}

/// The stream for one client. Subscribes before anything else, so nothing falls between the start and the live
/// events. A client reconnecting with `Last-Event-ID` gets the events it missed when this instance still has them
/// all, and a fresh snapshot otherwise.
pub fn session_stream(
    state: AppState,
    scope: ClassScope,
    session: class_session::Model,
    last_event_id: Option<u64>,
) -> impl Stream<Item = Result<sse::Event, std::convert::Infallible>> {
    let mut rx = state.infra.events.subscribe(&session_topic(session.id));
    async_stream(move |tx| async move {
        let current = current_id(state.infra.kv.as_ref(), session.id).await;
        let mut sent = 0u64;
        let missed = last_event_id.and_then(|seen| state.live_recent.after(session.id, seen, current));
        match missed {
            Some(events) => {
                sent = last_event_id.unwrap_or(0);
                for (id, json) in events {
                    if tx.send(event_of(&json).1).await.is_err() {
                        return;
                    }
                    sent = id;
                }
            }
            None => {
                if let Some(first) = snapshot(&state, &scope, &session).await
                    && tx.send(first).await.is_err()
                {
                    return;
                }
            }
        }
        loop {
            let event = match rx.recv().await {
                Ok(json) => {
                    let (id, event) = event_of(&json);
                    state.live_recent.record(session.id, id, json);
                    if id <= sent {
                        continue; // already sent while catching up
                    }
                    event
                }
                Err(RecvError::Lagged(skipped)) => {
                    tracing::debug!(skipped, "live client fell behind; sending a fresh snapshot");
                    match snapshot(&state, &scope, &session).await {
                        Some(s) => s,
                        None => continue,
                    }
                }
                Err(RecvError::Closed) => return,
            };
            if tx.send(event).await.is_err() {
                return; // the client went away
            }
        }
    })
}

/// A stream fed by a task through a small bounded channel: when the client stops reading, the task stops.
fn async_stream<F, Fut>(body: F) -> impl Stream<Item = Result<sse::Event, std::convert::Infallible>>
where
    F: FnOnce(tokio::sync::mpsc::Sender<sse::Event>) -> Fut,
    Fut: std::future::Future<Output = ()> + 'static,
{
    let (tx, rx) = tokio::sync::mpsc::channel(16);
    actix_web::rt::spawn(body(tx));
    futures_util::stream::unfold(rx, |mut rx| async move { rx.recv().await.map(|e| (Ok(e), rx)) })
}

/// One session of the day in a class-level snapshot.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClassSessionLine {
    pub session: crate::timetable::SessionView,
    pub window: crate::attendance::model::WindowState,
    pub counts: super::Counts,
}

/// The day's sessions of a class with their counts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClassSnapshot {
    pub class_id: Uuid,
    pub date: chrono::NaiveDate,
    pub sessions: Vec<ClassSessionLine>,
}

pub async fn class_snapshot(state: &AppState, scope: &ClassScope) -> crate::error::AppResult<ClassSnapshot> {
    let now = state.clock.now();
    let date = crate::clock::local_date(now);
    let sessions = crate::timetable::service::list(&state.db, &[scope.class.id], Some(date)).await?;
    let rows = crate::entity::class_session::Entity::find()
        .filter(crate::entity::class_session::Column::Id.is_in(sessions.iter().map(|s| s.id).collect::<Vec<_>>()))
        .all(&state.db)
        .await?;
    let mut lines = Vec::new();
    for view in sessions {
        let Some(model) = rows.iter().find(|m| m.id == view.id) else { continue };
        let attendance = for_session(&state.db, scope, model, now).await?;
        lines.push(ClassSessionLine { window: attendance.window, counts: counts(&attendance), session: view });
    }
    Ok(ClassSnapshot { class_id: scope.class.id, date, sessions: lines })
}

/// The SSE stream of a class: a `snapshot` of the day's sessions, then every event of any of its sessions.
pub fn class_stream(
    state: AppState,
    scope: ClassScope,
) -> impl Stream<Item = Result<sse::Event, std::convert::Infallible>> {
    let mut rx = state.infra.events.subscribe(&super::class_topic(scope.class.id));
    async_stream(move |tx| async move {
        let snapshot = || async {
            match class_snapshot(&state, &scope).await {
                Ok(s) => sse::Data::new_json(&s).ok().map(|d| sse::Event::from(d.event("snapshot"))),
                Err(err) => {
                    tracing::warn!(error = ?err, "class snapshot failed");
                    None
                }
            }
        };
        if let Some(first) = snapshot().await
            && tx.send(first).await.is_err()
        {
            return;
        }
        loop {
            let event = match rx.recv().await {
                Ok(json) => event_of(&json).1,
                Err(RecvError::Lagged(_)) => match snapshot().await {
                    Some(s) => s,
                    None => continue,
                },
                Err(RecvError::Closed) => return,
            };
            if tx.send(event).await.is_err() {
                return;
            }
        }
    })
}
