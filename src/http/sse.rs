//! Live attendance over server-sent events. The stream of one session: a `snapshot` first, then each event as it
//! happens, with keep-alives. A client that falls behind (its bounded buffer overflowed) gets a fresh snapshot
//! instead of the events it missed, so a slow or dead client never slows check-ins: publishing never waits for a
//! subscriber.
//!
//! Events are encoded here rather than by a generic SSE responder so that a snapshot, shared by every board of a
//! session, is never copied per board: each stream holds the shared bytes, and the response body hands them to the
//! connection in pieces of [`PIECE`] bytes. A board's connection therefore buffers a few kilobytes however large
//! the class, and a thousand boards cost a thousand small buffers, not a thousand copies of the snapshot.

use std::collections::VecDeque;
use std::convert::Infallible;
use std::pin::Pin;
use std::task::{Context, Poll};
use std::time::Duration;

use actix_web::HttpResponse;
use actix_web::body::{BodySize, MessageBody};
use actix_web::http::header;
use bytes::{Bytes, BytesMut};
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::mpsc;

use crate::attendance::service::for_session;
use crate::class::ClassScope;
use crate::entity::class_session;
use crate::live::{Summary, class_snapshot, counts, current_id, session_topic};
use crate::state::AppState;

pub const KEEP_ALIVE: Duration = Duration::from_secs(15);

/// The most a stream hands its connection at once. The server's write buffer (`startup.rs`:
/// `h1_write_buffer_size`) is the same size, so a connection never holds more than two pieces.
pub const PIECE: usize = 8 * 1024;

/// Events waiting for one client before its task waits (the task, not the publisher: see [`EventStream`]).
const QUEUED_EVENTS: usize = 16;

/// One encoded event: `head` (`id`, `event` and the start of the `data` line), then `data`, which may be shared
/// with other streams, then the blank line that ends it.
#[derive(Debug, Clone)]
pub struct Event {
    head: Bytes,
    data: Bytes,
}

impl Event {
    /// An event named `name` (with an id when given) carrying `data`. Single-line data (JSON as serde writes it) is
    /// sent as it is, shared; data with line breaks is copied into one `data:` line per line, as the format asks.
    pub fn new(name: &str, id: Option<u64>, data: impl Into<Bytes>) -> Self {
        let data: Bytes = data.into();
        let mut head = BytesMut::with_capacity(32 + name.len());
        if let Some(id) = id {
            head.extend_from_slice(format!("id: {id}\n").as_bytes());
        }
        head.extend_from_slice(b"event: ");
        head.extend_from_slice(name.as_bytes());
        head.extend_from_slice(b"\ndata: ");
        if !data.iter().any(|b| *b == b'\n' || *b == b'\r') {
            return Self { head: head.freeze(), data };
        }
        // A line ends at CR LF, LF or a lone CR (the format's three line ends).
        let text = String::from_utf8_lossy(&data).replace("\r\n", "\n").replace('\r', "\n");
        let mut lines = text.lines();
        head.extend_from_slice(lines.next().unwrap_or_default().as_bytes());
        for line in lines {
            head.extend_from_slice(b"\ndata: ");
            head.extend_from_slice(line.as_bytes());
        }
        Self { head: head.freeze(), data: Bytes::new() }
    }

    /// Its bytes in the event-stream format, in order.
    fn into_parts(self) -> [Bytes; 3] {
        [self.head, self.data, Bytes::from_static(b"\n\n")]
    }
}

/// The response of a stream: `text/event-stream`, never compressed or cached.
pub fn respond(stream: EventStream) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/event-stream")
        .insert_header(header::ContentEncoding::Identity)
        .insert_header(header::CacheControl(vec![header::CacheDirective::NoCache]))
        .body(stream)
}

/// The body of one client's stream: the events its task sends, in pieces of at most [`PIECE`] bytes, and a
/// keep-alive comment after [`KEEP_ALIVE`] of silence. When the client goes away the body is dropped, the task's
/// next send fails and the task ends.
pub struct EventStream {
    events: mpsc::Receiver<Event>,
    keep_alive: tokio::time::Interval,
    /// What is left of the event being sent.
    sending: VecDeque<Bytes>,
}

impl EventStream {
    /// A stream fed by a task through a small bounded channel: when the client stops reading, the task stops.
    fn spawn<F, Fut>(body: F) -> Self
    where
        F: FnOnce(mpsc::Sender<Event>) -> Fut,
        Fut: std::future::Future<Output = ()> + 'static,
    {
        let (tx, events) = mpsc::channel(QUEUED_EVENTS);
        actix_web::rt::spawn(body(tx));
        Self::of(events, KEEP_ALIVE)
    }

    fn of(events: mpsc::Receiver<Event>, quiet: Duration) -> Self {
        let mut keep_alive = tokio::time::interval_at(tokio::time::Instant::now() + quiet, quiet);
        keep_alive.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        Self { events, keep_alive, sending: VecDeque::with_capacity(3) }
    }
}

impl MessageBody for EventStream {
    type Error = Infallible;

    fn size(&self) -> BodySize {
        BodySize::Stream
    }

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes, Infallible>>> {
        let this = self.get_mut();
        loop {
            if let Some(part) = this.sending.front_mut() {
                let piece = if part.len() > PIECE {
                    part.split_to(PIECE)
                } else {
                    this.sending.pop_front().unwrap_or_default()
                };
                if piece.is_empty() {
                    continue;
                }
                return Poll::Ready(Some(Ok(piece)));
            }
            match this.events.poll_recv(cx) {
                Poll::Ready(Some(event)) => {
                    this.sending.extend(event.into_parts());
                    this.keep_alive.reset();
                }
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Pending => {
                    return match this.keep_alive.poll_tick(cx) {
                        Poll::Ready(_) => Poll::Ready(Some(Ok(Bytes::from_static(b": keep-alive\n\n")))),
                        Poll::Pending => Poll::Pending,
                    };
                }
            }
        }
    }
}

async fn snapshot(state: &AppState, scope: &ClassScope, session: &class_session::Model) -> Option<Event> {
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
    Some(Event::new("snapshot", Some(event_id), json.into_bytes()))
}

fn event_of(json: &str) -> (u64, Event) {
    let value: serde_json::Value = serde_json::from_str(json).unwrap_or_default();
    let name = value["type"].as_str().unwrap_or("message");
    let id = value["id"].as_u64().unwrap_or(0);
    (id, Event::new(name, Some(id), Bytes::copy_from_slice(json.as_bytes())))
}

/// The stream for one client. Subscribes before anything else, so nothing falls between the start and the live
/// events. A client reconnecting with `Last-Event-ID` gets the events it missed when this instance still has them
/// all, and a fresh snapshot otherwise.
pub fn session_stream(
    state: AppState,
    scope: ClassScope,
    session: class_session::Model,
    last_event_id: Option<u64>,
) -> EventStream {
    let mut rx = state.infra.events.subscribe(&session_topic(session.id));
    EventStream::spawn(move |tx| async move {
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

/// The SSE stream of a class: a `snapshot` of the day's sessions, then every event of any of its sessions.
pub fn class_stream(state: AppState, scope: ClassScope) -> EventStream {
    let mut rx = state.infra.events.subscribe(&crate::live::class_topic(scope.class.id));
    EventStream::spawn(move |tx| async move {
        let snapshot = || async {
            match class_snapshot(&state, &scope).await {
                Ok(s) => serde_json::to_vec(&s).ok().map(|json| Event::new("snapshot", None, json)),
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
pub fn nudge_stream(state: AppState, topics: Vec<String>) -> EventStream {
    use futures_util::StreamExt;
    let receivers: Vec<_> = topics.iter().map(|t| state.infra.events.subscribe(t)).collect();
    EventStream::spawn(move |tx| async move {
        let each = receivers.into_iter().map(|rx| {
            Box::pin(futures_util::stream::unfold(rx, |mut rx| async move {
                let event = match rx.recv().await {
                    Ok(json) => event_of(&json).1,
                    Err(RecvError::Lagged(_)) => Event::new("refresh", None, Bytes::from_static(b"{}")),
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Everything a stream's body hands its connection, piece by piece, until the stream ends.
    async fn pieces(events: Vec<Event>) -> Vec<Bytes> {
        let (tx, rx) = mpsc::channel(events.len().max(1));
        for event in events {
            tx.send(event).await.unwrap();
        }
        drop(tx);
        let mut body = EventStream::of(rx, KEEP_ALIVE);
        let mut out = Vec::new();
        while let Some(piece) = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx)).await {
            out.push(piece.unwrap());
        }
        out
    }

    #[tokio::test]
    async fn a_large_event_goes_out_in_pieces_of_the_shared_bytes() {
        let json = format!(r#"{{"entries":"{}"}}"#, "x".repeat(3 * PIECE));
        let shared = Bytes::from(json.clone());
        let out = pieces(vec![Event::new("snapshot", Some(7), shared.clone())]).await;
        assert!(out.iter().all(|p| p.len() <= PIECE), "{:?}", out.iter().map(Bytes::len).collect::<Vec<_>>());
        assert_eq!(out.concat(), format!("id: 7\nevent: snapshot\ndata: {json}\n\n").into_bytes());
        let inside = shared.as_ptr() as usize..shared.as_ptr() as usize + shared.len();
        let full: Vec<_> = out.iter().filter(|p| p.len() == PIECE).collect();
        assert!(full.len() >= 3 && full.iter().all(|p| inside.contains(&(p.as_ptr() as usize))), "not copied");
    }

    #[tokio::test]
    async fn events_follow_each_other_and_data_with_line_breaks_gets_a_data_line_each() {
        let out = pieces(vec![
            Event::new("checked_in", Some(3), Bytes::from_static(br#"{"id":3}"#)),
            Event::new("refresh", None, Bytes::from_static(b"a\nb")),
            Event::new("refresh", None, Bytes::from_static(b"c\r\nd\re")),
        ])
        .await;
        let text = String::from_utf8(out.concat()).unwrap();
        assert_eq!(
            text,
            "id: 3\nevent: checked_in\ndata: {\"id\":3}\n\nevent: refresh\ndata: a\ndata: b\n\n\
             event: refresh\ndata: c\ndata: d\ndata: e\n\n"
        );
    }

    #[tokio::test]
    async fn a_quiet_stream_sends_a_keep_alive() {
        let (_tx, rx) = mpsc::channel::<Event>(1);
        let mut body = EventStream::of(rx, Duration::from_millis(20));
        let next = std::future::poll_fn(|cx| Pin::new(&mut body).poll_next(cx));
        let piece = tokio::time::timeout(Duration::from_secs(2), next).await.expect("a keep-alive").unwrap().unwrap();
        assert_eq!(&piece[..], b": keep-alive\n\n");
    }
}
