//! Absent at close: when a session's check-in window has closed, every enrolled trainee without a record is marked
//! absent (旷课). Runs on every instance; the unique key on (session, trainee) and `ON CONFLICT DO NOTHING` make
//! concurrent runs harmless, and a restart catches up on every session that closed while it was down. A trainee
//! whose leave for the session is pending is still marked absent; approving the leave turns it into `leave`.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use uuid::Uuid;

use super::model::{AttendanceStatus, closes_at};
use crate::ctx::{AttendanceEvent, Committed, Ctx, EventKind};
use crate::entity::attendance::AttendanceSource;
use crate::entity::{attendance, class_session, enrollment};
use crate::error::AppResult;

/// A session whose window closed, as handled by one run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Closed {
    pub session_id: Uuid,
    pub class_id: Uuid,
    /// Absences this run inserted (0 when another instance got there first).
    pub marked_absent: u64,
}

/// Marks absences for every session whose window has closed and was not handled yet. Returns the sessions handled.
pub async fn run_once(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Vec<Closed>> {
    let candidates = class_session::Entity::find()
        .filter(class_session::Column::AbsencesMarkedAt.is_null())
        .filter(class_session::Column::StartsAt.lte(now))
        .all(db)
        .await?;
    let mut handled = Vec::new();
    for session in candidates.into_iter().filter(|s| closes_at(s) < now) {
        let marked_absent = if session.counts_toward_attendance { mark_absent(db, &session, now).await? } else { 0 };
        class_session::Entity::update_many()
            .col_expr(class_session::Column::AbsencesMarkedAt, Expr::value(now))
            .filter(class_session::Column::Id.eq(session.id))
            .filter(class_session::Column::AbsencesMarkedAt.is_null())
            .exec(db)
            .await?;
        handled.push(Closed { session_id: session.id, class_id: session.class_id, marked_absent });
    }
    Ok(handled)
}

async fn mark_absent(db: &DatabaseConnection, session: &class_session::Model, now: DateTime<Utc>) -> AppResult<u64> {
    let enrolled: Vec<Uuid> =
        enrollment::active_in_class(session.class_id).all(db).await?.into_iter().map(|e| e.id).collect();
    let recorded: std::collections::HashSet<Uuid> = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.enrollment_id)
        .collect();
    let missing: Vec<attendance::ActiveModel> = enrolled
        .into_iter()
        .filter(|id| !recorded.contains(id))
        .map(|enrollment_id| attendance::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session.id),
            enrollment_id: Set(enrollment_id),
            status: Set(AttendanceStatus::Absent),
            checked_in_at: Set(None),
            checked_out_at: Set(None),
            source: Set(AttendanceSource::Auto),
            nonce: Set(None),
            device: Set(None),
            note: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        })
        .collect();
    let mut inserted = 0;
    for chunk in missing.chunks(50) {
        inserted += attendance::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([attendance::Column::SessionId, attendance::Column::EnrollmentId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    if inserted > 0 {
        tracing::info!(session_id = %session.id, inserted, "marked absent at close");
    }
    Ok(inserted)
}

/// One pass of the job: marks absences, then announces each closed window to live views and re-evaluates the
/// warnings of every class that got new absences (through [`Ctx::after_commit`]).
pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>) -> AppResult<Vec<Closed>> {
    let closed = run_once(&ctx.db, now).await?;
    let mut after = Committed::default();
    for c in closed.iter().filter(|c| c.marked_absent > 0) {
        after.events.push(AttendanceEvent {
            id: 0,
            kind: EventKind::WindowClosed,
            session_id: c.session_id,
            class_id: c.class_id,
            at: now,
            enrollment_id: None,
            name: None,
            status: Some(AttendanceStatus::Absent),
            count: Some(c.marked_absent),
        });
        after.add_standing(c.class_id, None);
    }
    ctx.after_commit(after).await;
    Ok(closed)
}

/// Runs [`sweep`] every `every`, on the injected clock, for the life of the process.
pub fn spawn(ctx: Ctx, every: Duration) {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(err) = sweep(&ctx, ctx.now()).await {
                tracing::warn!(error = ?err, "absent-at-close run failed; will retry");
            }
        }
    });
}
