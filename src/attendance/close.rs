//! Absent at close: when a session's check-in window has closed, every enrolled trainee without a record is marked
//! absent (旷课). Runs on every instance; the unique key on (session, trainee) and `ON CONFLICT DO NOTHING` make
//! concurrent runs harmless, and a restart catches up on every session that closed while it was down. A trainee
//! whose leave for the session is pending is still marked absent; approving the leave turns it into `leave`. A
//! trainee enrolled or restored after a session was swept is marked absent for it by the next run (see
//! [`catch_up`]).

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
    handled.extend(catch_up(db, now).await?);
    Ok(handled)
}

/// How far back [`catch_up`] looks for enrolments that changed: far more than the job's interval.
const CATCH_UP_LOOKBACK: chrono::Duration = chrono::Duration::hours(6);

/// A trainee enrolled (or restored) after a session's absences were marked has no record for it, and would finish
/// the class with those sessions neither attended nor missed. They are marked absent too; staff set 不计考勤 (with a
/// reason) for sessions not required of a late joiner. Returns the sessions that got absences this way.
///
/// The database pairs each swept session with the active enrolments of its class changed after the sweep (one
/// statement; usually no rows): the job must not read every enrolment changed in the look-back window, which after
/// a morning's roster imports is thousands of rows decoded every run on the thread that also drives Redis.
async fn catch_up(db: &DatabaseConnection, now: DateTime<Utc>) -> AppResult<Vec<Closed>> {
    use sea_orm::sea_query::ExprTrait;
    use sea_orm::{JoinType, QuerySelect};
    let to_sessions: sea_orm::RelationDef = enrollment::Entity::belongs_to(class_session::Entity)
        .from(enrollment::Column::ClassId)
        .to(class_session::Column::ClassId)
        .into();
    let late: Vec<(Uuid, Uuid, Uuid)> = enrollment::Entity::find()
        .select_only()
        .column(class_session::Column::Id)
        .column(class_session::Column::ClassId)
        .column(enrollment::Column::Id)
        .join(JoinType::InnerJoin, to_sessions)
        .filter(enrollment::Column::Status.eq(enrollment::EnrollmentStatus::Active))
        .filter(enrollment::Column::UpdatedAt.gt(now - CATCH_UP_LOOKBACK))
        .filter(class_session::Column::AbsencesMarkedAt.is_not_null())
        .filter(class_session::Column::CountsTowardAttendance.eq(true))
        .filter(
            Expr::col((enrollment::Entity, enrollment::Column::UpdatedAt))
                .gt(Expr::col((class_session::Entity, class_session::Column::AbsencesMarkedAt))),
        )
        .into_tuple()
        .all(db)
        .await?;
    let mut by_session: std::collections::BTreeMap<(Uuid, Uuid), Vec<Uuid>> = std::collections::BTreeMap::new();
    for (session_id, class_id, enrollment_id) in late {
        by_session.entry((session_id, class_id)).or_default().push(enrollment_id);
    }
    let mut handled = Vec::new();
    for ((session_id, class_id), late) in by_session {
        let marked_absent = insert_absent(db, session_id, &late, now).await?;
        if marked_absent > 0 {
            tracing::info!(%session_id, marked_absent, "late enrolments marked absent");
            handled.push(Closed { session_id, class_id, marked_absent });
        }
    }
    Ok(handled)
}

async fn mark_absent(db: &DatabaseConnection, session: &class_session::Model, now: DateTime<Utc>) -> AppResult<u64> {
    let enrolled: Vec<Uuid> =
        enrollment::active_in_class(session.class_id).all(db).await?.into_iter().map(|e| e.id).collect();
    let inserted = insert_absent(db, session.id, &enrolled, now).await?;
    if inserted > 0 {
        tracing::info!(session_id = %session.id, inserted, "marked absent at close");
    }
    Ok(inserted)
}

/// 旷课 for each of `enrolled` without a record in the session; returns how many were inserted.
async fn insert_absent(
    db: &DatabaseConnection,
    session_id: Uuid,
    enrolled: &[Uuid],
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let recorded: std::collections::HashSet<Uuid> = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session_id))
        .filter(attendance::Column::EnrollmentId.is_in(enrolled.to_vec()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| a.enrollment_id)
        .collect();
    let missing: Vec<attendance::ActiveModel> = enrolled
        .iter()
        .copied()
        .filter(|id| !recorded.contains(id))
        .map(|enrollment_id| attendance::ActiveModel {
            id: Set(Uuid::now_v7()),
            session_id: Set(session_id),
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
    for chunk in missing.chunks(crate::entity::ROWS_PER_INSERT) {
        inserted += attendance::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([attendance::Column::SessionId, attendance::Column::EnrollmentId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
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
    crate::jobs::every(ctx, every, "absent-at-close", |ctx, now| async move { sweep(&ctx, now).await });
}
