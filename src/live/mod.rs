//! Live attendance: events published after each committed change, carried between instances by Redis pub/sub
//! (or the in-process bus), and the snapshot a live view starts from.

pub mod recent;
pub mod screen;
pub mod snapshots;

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use serde::Serialize;
use uuid::Uuid;

use crate::attendance::model::Tally;
use crate::attendance::service::{SessionAttendance, for_session};
use crate::kv::{Entry, EventBus, Kv};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

pub use crate::ctx::{AttendanceEvent, EventKind};

pub fn session_topic(session_id: Uuid) -> String {
    format!("session:{session_id}")
}

pub fn class_topic(class_id: Uuid) -> String {
    format!("class:{class_id}")
}

fn seq_key(session_id: Uuid) -> String {
    format!("evseq:{session_id}")
}

/// Used when the shared counter cannot be reached: ids stay increasing on this instance.
static LOCAL_SEQ: AtomicU64 = AtomicU64::new(1 << 40);

/// Publishes a committed change to every instance, and stores `remember` (what a scan's answer leaves in the shared
/// store) in the same round trip. Never fails the caller: a change that was stored is stored, whatever happens to
/// its announcement.
pub async fn publish(kv: &dyn Kv, events: &dyn EventBus, mut event: AttendanceEvent, remember: &[Entry]) {
    const SEQ_TTL: Duration = Duration::from_secs(7 * 24 * 3600);
    let (session, class) = (session_topic(event.session_id), class_topic(event.class_id));
    // Numbered and published in one round trip: the payload is the event with its id left out, the id put in by
    // the bus (`{"id":` + id + the rest).
    event.id = 0;
    if let Ok(json) = serde_json::to_string(&event)
        && let Some(rest) = json.strip_prefix(r#"{"id":0"#)
    {
        let seq = seq_key(event.session_id);
        let topics = [session.as_str(), class.as_str()];
        match events.publish_numbered(kv, (&seq, SEQ_TTL), &topics, (r#"{"id":"#, rest), remember).await {
            Ok(_) => return,
            Err(err) => crate::kv::log_degraded(&err, "live event not numbered by the shared counter; retrying apart"),
        }
    }
    if !remember.is_empty()
        && let Err(err) = kv.set_many(remember).await
    {
        crate::kv::log_degraded(&err, "could not remember what came with a live event");
    }
    let id = match kv.incr(&seq_key(event.session_id), SEQ_TTL).await {
        Ok(id) => id,
        Err(err) => {
            crate::kv::log_degraded(&err, "event counter unavailable; using a local id");
            LOCAL_SEQ.fetch_add(1, Ordering::Relaxed)
        }
    };
    event.id = id;
    let Ok(json) = serde_json::to_string(&event) else { return };
    if let Err(err) = events.publish_to(&[&session, &class], &json).await {
        crate::kv::log_degraded(&err, "live event delivered on this instance only");
    }
}

/// The current event id of a session (the id a snapshot is taken at).
pub async fn current_id(kv: &dyn Kv, session_id: Uuid) -> u64 {
    kv.get(&seq_key(session_id)).await.ok().flatten().and_then(|v| v.parse().ok()).unwrap_or(0)
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Counts {
    pub expected: u64,
    pub present: u64,
    pub late: u64,
    pub early_leave: u64,
    pub leave: u64,
    pub absent: u64,
    /// No record yet (未签到).
    pub not_yet: u64,
    /// Present, late or left early (实到): the server's one rule, so screens do not add it up themselves.
    pub attended: u64,
}

/// The snapshot a live view starts from: counts by status and everyone's line.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Summary {
    /// The event id this snapshot reflects; later events have larger ids.
    pub event_id: u64,
    pub counts: Counts,
    #[serde(flatten)]
    pub attendance: SessionAttendance,
}

pub fn counts(a: &SessionAttendance) -> Counts {
    let tally: Tally = a.entries.iter().filter_map(|e| e.status).collect();
    Counts::of(a.entries.len() as u64, tally)
}

impl Counts {
    /// Counts for `expected` trainees of whom `tally` have a record.
    pub fn of(expected: u64, tally: Tally) -> Counts {
        Counts {
            expected,
            present: tally.present,
            late: tally.late,
            early_leave: tally.early_leave,
            leave: tally.leave,
            absent: tally.absent,
            not_yet: expected.saturating_sub(tally.recorded()),
            attended: tally.attended(),
        }
    }
}

/// One session of the day in a class-level snapshot.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClassSessionLine {
    pub session: crate::timetable::SessionView,
    pub window: crate::attendance::model::WindowState,
    pub counts: Counts,
}

/// The day's sessions of a class with their counts.
#[derive(Debug, Clone, serde::Serialize, utoipa::ToSchema)]
pub struct ClassSnapshot {
    pub class_id: Uuid,
    pub date: chrono::NaiveDate,
    pub sessions: Vec<ClassSessionLine>,
}

pub async fn class_snapshot(
    state: &crate::ctx::Ctx,
    scope: &crate::class::ClassScope,
) -> crate::error::AppResult<ClassSnapshot> {
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
