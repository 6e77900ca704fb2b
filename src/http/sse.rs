//! Live attendance over server-sent events. The stream of one session: a `snapshot` first, then each event as it
//! happens, with keep-alives. A client that falls behind (its bounded buffer overflowed) gets a fresh snapshot
//! instead of the events it missed, so a slow or dead client never slows check-ins: publishing never waits for a
//! subscriber.

use std::time::Duration;

use actix_web_lab::sse;
use futures_util::Stream;
use tokio::sync::broadcast::error::RecvError;

use crate::attendance::service::for_session;
use crate::class::ClassScope;
use crate::entity::class_session;
use crate::live::{Summary, class_snapshot, counts, current_id, session_topic};
use crate::state::AppState;

pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

async fn snapshot(state: &AppState, scope: &ClassScope, session: &class_session::Model) -> Option<sse::Event> {
    let event_id = current_id(state.infra.kv.as_ref(), session.id).await;
    let json = state
        .live_snapshots
        .get(session.id, event_id, || async move {
            match for_session(&state.db, scope, session, state.clock.now()).await {
                Ok(attendance) => {
                    let summary = Summary { event_id, counts: counts(&attendance), attendance };
                    serde_json::to_string(&summary).ok()
                }
                Err(err) => {
                    tracing::warn!(error = ?err, "live snapshot failed");
                    None
                }
            }
        })
        .await?;
    Some(sse::Data::new(json).event("snapshot").id(event_id.to_string()).into())
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

/// The SSE stream of a class: a `snapshot` of the day's sessions, then every event of any of its sessions.
pub fn class_stream(
    state: AppState,
    scope: ClassScope,
) -> impl Stream<Item = Result<sse::Event, std::convert::Infallible>> {
    let mut rx = state.infra.events.subscribe(&crate::live::class_topic(scope.class.id));
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

/// A stream of nudges for a console page: every event of the given topics under its own name (`checked_in`,
/// `status_changed`, …), no snapshot (the page was just rendered), and `refresh` when this client fell behind. The
/// page fetches what changed itself, so one event per change is all it needs. One task per client.
pub fn nudge_stream(
    state: AppState,
    topics: Vec<String>,
) -> impl Stream<Item = Result<sse::Event, std::convert::Infallible>> {
    use futures_util::StreamExt;
    let receivers: Vec<_> = topics.iter().map(|t| state.infra.events.subscribe(t)).collect();
    async_stream(move |tx| async move {
        let each = receivers.into_iter().map(|rx| {
            Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
                let event = match rx.recv().await {
                    Ok(json) => event_of(&json).1,
                    Err(RecvError::Lagged(_)) => sse::Event::from(sse::Data::new("{}").event("refresh")),
                    Err(RecvError::Closed) => return None,
                };
                Some((event, rx))
            }))
        });
        let mut all = futures_util::stream::select_all(each);
        while let Some(event) = all.next().await {
            if tx.send(event).await.is_err() {
                return; // the page went away
            }
        }
    })
}
