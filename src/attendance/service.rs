//! Reading and correcting attendance.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::model::{AttendanceStatus, OnlineCap, Tally, WindowState, attended_centi, window_state};
use crate::audit::{self, Actor, Change};
use crate::class::ClassScope;
use crate::ctx::{At, AttendanceEvent, Committed, EventKind};
use crate::entity::attendance::AttendanceSource;
use crate::entity::{attendance, class_session, enrollment, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::roster::service::{all_active, people_by_id};
use crate::timetable::model::Credit;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttendanceEntry {
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    pub student_no: Option<String>,
    /// `None` while the trainee has no record yet (未签到).
    pub status: Option<AttendanceStatus>,
    pub status_label: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// `scan`, `staff`, `auto` or `leave`.
    pub source: Option<String>,
    /// The reason of the latest staff correction.
    pub note: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionAttendance {
    pub session_id: Uuid,
    pub window: WindowState,
    pub entries: Vec<AttendanceEntry>,
}

fn label(status: Option<AttendanceStatus>) -> String {
    status.map(|s| s.label()).unwrap_or("未签到").to_owned()
}

/// Everyone on the class's roster with their status for the session, in roster order.
pub async fn for_session(
    db: &DatabaseConnection,
    scope: &ClassScope,
    session: &class_session::Model,
    now: DateTime<Utc>,
) -> AppResult<SessionAttendance> {
    let roster = all_active(db, scope.class.id).await?;
    let rows: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session.id))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.enrollment_id, a))
        .collect();
    let entries = roster
        .iter()
        .map(|(e, p)| {
            let row = rows.get(&e.id);
            let status = row.map(|r| r.status);
            AttendanceEntry {
                enrollment_id: e.id,
                name: p.name.clone(),
                unit: p.unit.clone(),
                student_no: e.student_no.clone(),
                status,
                status_label: label(status),
                checked_in_at: row.and_then(|r| r.checked_in_at),
                checked_out_at: row.and_then(|r| r.checked_out_at),
                source: row.map(|r| r.source.as_str().to_owned()),
                note: row.and_then(|r| r.note.clone()),
            }
        })
        .collect();
    Ok(SessionAttendance { session_id: session.id, window: window_state(session, now), entries })
}

/// One staff correction of one trainee's record.
pub struct Correction<'a> {
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub reason: &'a str,
}

/// The enrolment `id` of the class, or `not_found` in the words a staff member reads.
async fn enrollment_in(db: &DatabaseConnection, scope: &ClassScope, id: Uuid) -> AppResult<enrollment::Model> {
    enrollment::Entity::find_by_id(id)
        .filter(enrollment::Column::ClassId.eq(scope.class.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"))
}

/// A staff correction: sets the status with a mandatory reason; before, after, who and when go to the audit trail
/// in the same transaction.
pub async fn correct(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: &class_session::Model,
    correction: Correction<'_>,
) -> AppResult<AttendanceEntry> {
    let (db, now) = (&at.db, at.now);
    let Correction { enrollment_id, status, reason } = correction;
    let reason = audit::required_reason(reason, "修改考勤必须填写原因")?;
    let e = enrollment_in(db, scope, enrollment_id).await?;
    let (session_id, class_id) = (session.id, session.class_id);
    let actor = actor.clone();
    let guard = at.guard();
    let row = db
        .transaction::<_, attendance::Model, AppError>(|txn| {
            Box::pin(async move {
                let existing = attendance::Entity::find()
                    .filter(attendance::Column::SessionId.eq(session_id))
                    .filter(attendance::Column::EnrollmentId.eq(enrollment_id))
                    .one(txn)
                    .await?;
                let before = existing.as_ref().map(|r| json!({ "status": r.status, "source": r.source }));
                let row = match existing {
                    Some(r) => {
                        let mut active: attendance::ActiveModel = r.into();
                        active.status = Set(status);
                        active.source = Set(AttendanceSource::Staff);
                        active.note = Set(Some(reason.clone()));
                        active.updated_at = Set(now);
                        active.update(txn).await?
                    }
                    None => {
                        attendance::ActiveModel {
                            id: Set(Uuid::now_v7()),
                            session_id: Set(session_id),
                            enrollment_id: Set(enrollment_id),
                            status: Set(status),
                            checked_in_at: Set(None),
                            checked_out_at: Set(None),
                            source: Set(AttendanceSource::Staff),
                            nonce: Set(None),
                            device: Set(None),
                            note: Set(Some(reason.clone())),
                            created_at: Set(now),
                            updated_at: Set(now),
                        }
                        .insert(txn)
                        .await?
                    }
                };
                let change = Change {
                    action: "attendance.correct",
                    entity: "attendance",
                    entity_id: row.id.to_string(),
                    class_id: Some(class_id),
                    before,
                    after: Some(json!({
                        "session_id": session_id, "enrollment_id": enrollment_id,
                        "status": status.as_str(), "source": "staff"
                    })),
                    reason: Some(reason),
                };
                audit::record(txn, now, &actor, change).await?;
                guard.after_change(txn, class_id, enrollment_id).await?;
                Ok(row)
            })
        })
        .await?;
    let people = people_by_id(db, vec![e.person_id]).await?;
    let p = people.get(&e.person_id).ok_or_else(|| AppError::internal(anyhow::anyhow!("person missing")))?;
    let status = Some(row.status);
    at.after_commit(Committed::record(AttendanceEvent {
        id: 0,
        kind: EventKind::StatusChanged,
        session_id: session.id,
        class_id: scope.class.id,
        at: now,
        enrollment_id: Some(enrollment_id),
        name: Some(p.name.clone()),
        status,
        count: None,
    }))
    .await;
    Ok(AttendanceEntry {
        enrollment_id,
        name: p.name.clone(),
        unit: p.unit.clone(),
        student_no: e.student_no.clone(),
        status,
        status_label: label(status),
        checked_in_at: row.checked_in_at,
        checked_out_at: row.checked_out_at,
        source: Some(row.source.as_str().to_owned()),
        note: row.note,
    })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MySessionAttendance {
    pub session_id: Uuid,
    pub class_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub credit_hours: f64,
    pub status: Option<AttendanceStatus>,
    pub status_label: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// Why staff changed the record, if they did.
    pub note: Option<String>,
    /// An online live session: where to join it.
    pub online: Option<crate::online::service::OnlineJoin>,
}

#[derive(Debug, Clone, Default, Serialize, utoipa::ToSchema)]
pub struct Totals {
    pub present: u32,
    pub late: u32,
    pub early_leave: u32,
    pub absent: u32,
    pub leave: u32,
    /// 学时 earned: sessions attended (present, late or left early) that count toward attendance.
    pub credit_hours_earned: f64,
}

/// One of the trainee's classes with its own totals.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyClassAttendance {
    pub class_id: Uuid,
    pub class_name: String,
    /// The class has finished (结业).
    pub finished: bool,
    pub totals: Totals,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyAttendance {
    /// Each class with its totals: running classes first, then finished ones, latest first.
    pub classes: Vec<MyClassAttendance>,
    pub sessions: Vec<MySessionAttendance>,
    pub totals: Totals,
}

/// Undoes the last staff correction of a trainee's record in a session (a wrong 请假 or 补签): the record goes back
/// to what it was before that correction (no record at all, or the status and source it had), audited as
/// `attendance.undo` with a reason, in one transaction. Only a correction can be undone, and only once
/// (`nothing_to_undo`): an undo is itself corrected, not undone.
pub async fn undo_correction(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: &class_session::Model,
    enrollment_id: Uuid,
    reason: &str,
) -> AppResult<Option<AttendanceStatus>> {
    let (db, now) = (&at.db, at.now);
    let reason = audit::required_reason(reason, "撤销修改必须填写原因")?;
    let e = enrollment_in(db, scope, enrollment_id).await?;
    let (session_id, class_id) = (session.id, session.class_id);
    let actor = actor.clone();
    let guard = at.guard();
    let restored = db
        .transaction::<_, Option<AttendanceStatus>, AppError>(|txn| {
            Box::pin(async move {
                let row = attendance::Entity::find()
                    .filter(attendance::Column::SessionId.eq(session_id))
                    .filter(attendance::Column::EnrollmentId.eq(enrollment_id))
                    .one(txn)
                    .await?
                    .ok_or_else(|| AppError::new(ErrorCode::NothingToUndo))?;
                let actions = ["attendance.correct", "attendance.undo"];
                let last = audit::latest_of(txn, class_id, "attendance", &row.id.to_string(), &actions).await?;
                let Some(last) = last.filter(|a| a.action == "attendance.correct") else {
                    return Err(AppError::new(ErrorCode::NothingToUndo));
                };
                let current = json!({ "status": row.status, "source": row.source });
                let before = last.before.filter(|b| !b.is_null());
                let earlier = before.as_ref().and_then(|b| {
                    let status = b["status"].as_str().and_then(AttendanceStatus::parse)?;
                    let source =
                        b["source"].as_str().and_then(AttendanceSource::parse).unwrap_or(AttendanceSource::Scan);
                    Some((status, source))
                });
                let row_id = row.id;
                let restored = match earlier {
                    Some((status, source)) => {
                        let mut active: attendance::ActiveModel = row.into();
                        active.status = Set(status);
                        active.source = Set(source);
                        active.note = Set(Some(format!("撤销修改：{reason}")));
                        active.updated_at = Set(now);
                        active.update(txn).await?;
                        Some(status)
                    }
                    None => {
                        attendance::Entity::delete_by_id(row_id).exec(txn).await?;
                        None
                    }
                };
                let change = Change {
                    action: "attendance.undo",
                    entity: "attendance",
                    entity_id: row_id.to_string(),
                    class_id: Some(class_id),
                    before: Some(current),
                    after: Some(json!({
                        "session_id": session_id, "enrollment_id": enrollment_id,
                        "status": restored.map(|s| s.as_str()), "undoes": last.id
                    })),
                    reason: Some(reason),
                };
                audit::record(txn, now, &actor, change).await?;
                guard.after_change(txn, class_id, enrollment_id).await?;
                Ok(restored)
            })
        })
        .await?;
    let people = people_by_id(db, vec![e.person_id]).await?;
    at.after_commit(Committed::record(AttendanceEvent {
        id: 0,
        kind: EventKind::StatusChanged,
        session_id: session.id,
        class_id: scope.class.id,
        at: now,
        enrollment_id: Some(enrollment_id),
        name: people.get(&e.person_id).map(|p| p.name.clone()),
        status: restored,
        count: None,
    }))
    .await;
    Ok(restored)
}

/// A trainee's record across their classes' sessions that have started.
pub async fn mine(
    db: &DatabaseConnection,
    person_id: Uuid,
    now: DateTime<Utc>,
    online_cap: OnlineCap,
) -> AppResult<MyAttendance> {
    let enrollments = enrollment::active_of_person(person_id).all(db).await?;
    record_of(db, &enrollments, now, online_cap).await
}

/// One enrolment's record in its class (for staff: also after the trainee was withdrawn).
pub async fn of_enrollment(
    db: &DatabaseConnection,
    enrollment: &enrollment::Model,
    now: DateTime<Utc>,
    online_cap: OnlineCap,
) -> AppResult<MyAttendance> {
    record_of(db, std::slice::from_ref(enrollment), now, online_cap).await
}

/// The sessions of these enrolments' classes that have started, with each one's record, and the totals.
async fn record_of(
    db: &DatabaseConnection,
    enrollments: &[enrollment::Model],
    now: DateTime<Utc>,
    online_cap: OnlineCap,
) -> AppResult<MyAttendance> {
    let class_ids: Vec<Uuid> = enrollments.iter().map(|e| e.class_id).collect();
    let rows: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
        .filter(attendance::Column::EnrollmentId.is_in(enrollments.iter().map(|e| e.id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|a| (a.session_id, a))
        .collect();
    // Sessions that have started, any with a record already (checked in early, or leave entered ahead), and online
    // sessions starting within 12 hours (the trainee needs the meeting number and link before the start).
    let sessions: Vec<class_session::Model> = class_session::Entity::find()
        .filter(class_session::Column::ClassId.is_in(class_ids))
        .all(db)
        .await?
        .into_iter()
        .filter(|s| {
            s.starts_at <= now
                || rows.contains_key(&s.id)
                || (s.kind == crate::entity::vocab::SessionKind::OnlineLive && s.starts_at - now <= Duration::hours(12))
        })
        .collect();
    let mut tally = Tally::default();
    // Per class: its tally, and the 学时 earned in person and online (online counts up to the class's cap).
    let mut per_class: HashMap<Uuid, (Tally, i64, i64)> = HashMap::new();
    let mut list: Vec<MySessionAttendance> = sessions
        .iter()
        .map(|s| {
            let row = rows.get(&s.id);
            let status = row.map(|r| r.status);
            if let Some(status) = status.filter(|_| s.counts_toward_attendance) {
                tally.add(status);
                let class = per_class.entry(s.class_id).or_default();
                class.0.add(status);
                if status.attended() && s.kind == crate::entity::vocab::SessionKind::OnlineLive {
                    class.2 += i64::from(s.credit_centi);
                } else if status.attended() {
                    class.1 += i64::from(s.credit_centi);
                }
            }
            MySessionAttendance {
                session_id: s.id,
                class_id: s.class_id,
                title: s.title.clone(),
                starts_at: s.starts_at,
                credit_hours: Credit(s.credit_centi).hours(),
                status,
                status_label: if status.is_none() && s.starts_at > now {
                    "未开始".to_owned()
                } else {
                    label(status)
                },
                checked_in_at: row.and_then(|r| r.checked_in_at),
                checked_out_at: row.and_then(|r| r.checked_out_at),
                note: row.and_then(|r| r.note.clone()),
                online: crate::online::service::join_info(s),
            }
        })
        .collect();
    list.sort_by_key(|s| s.starts_at);
    let count = |n: u64| u32::try_from(n).unwrap_or(u32::MAX);
    let totals_of = |tally: &Tally, earned: i64| Totals {
        present: count(tally.present),
        late: count(tally.late),
        early_leave: count(tally.early_leave),
        absent: count(tally.absent),
        leave: count(tally.leave),
        credit_hours_earned: earned as f64 / 100.0,
    };
    let mut earned_centi = 0i64;
    let mut classes: Vec<(training_class::Model, MyClassAttendance)> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(enrollments.iter().map(|e| e.class_id).collect::<Vec<_>>()))
        .all(db)
        .await?
        .into_iter()
        .map(|c| {
            let (t, in_person, online) = per_class.get(&c.id).cloned().unwrap_or_default();
            let earned = attended_centi(in_person, online, online_cap(&c));
            earned_centi += earned;
            let view = MyClassAttendance {
                class_id: c.id,
                class_name: c.name.clone(),
                finished: c.status == training_class::ClassStatus::Finished,
                totals: totals_of(&t, earned),
            };
            (c, view)
        })
        .collect();
    classes.sort_by(|(a, va), (b, vb)| va.finished.cmp(&vb.finished).then(b.start_date.cmp(&a.start_date)));
    let classes = classes.into_iter().map(|(_, v)| v).collect();
    Ok(MyAttendance { classes, sessions: list, totals: totals_of(&tally, earned_centi) })
}

/// Staff open check-in now (before the scheduled window, or again after a close), or close it now.
pub async fn set_window(
    at: At<'_>,
    actor: &Actor,
    session: class_session::Model,
    open: bool,
) -> AppResult<class_session::Model> {
    let (db, now) = (&at.db, at.now);
    let before = json!({ "window": window_state(&session, now) });
    let class_id = session.class_id;
    let mut active: class_session::ActiveModel = session.into();
    if open {
        active.opened_at = Set(Some(now));
        active.closed_at = Set(None);
    } else {
        active.closed_at = Set(Some(now));
    }
    active.updated_at = Set(now);
    let txn = db.begin().await?;
    let updated = active.update(&txn).await?;
    let change = Change {
        action: if open { "session.open" } else { "session.close" },
        entity: "class_session",
        entity_id: updated.id.to_string(),
        class_id: Some(class_id),
        before: Some(before),
        after: Some(json!({ "window": window_state(&updated, now) })),
        reason: None,
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    let mut after = Committed::session(updated.id);
    let kind = if open { EventKind::WindowOpened } else { EventKind::WindowClosed };
    after.events.push(AttendanceEvent::session(kind, &updated, now));
    at.after_commit(after).await;
    Ok(updated)
}
