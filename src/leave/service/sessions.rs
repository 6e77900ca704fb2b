//! A request's sessions: which ones it covers, that no other request holds them, and what approval does to
//! their attendance.

use super::*;

/// The sessions a request covers and its span: the listed sessions, or every session overlapping the span.
pub(super) async fn covered<C: ConnectionTrait>(
    conn: &C,
    class: &training_class::Model,
    session_ids: Option<&[Uuid]>,
    span: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
) -> AppResult<(Vec<class_session::Model>, DateTime<Utc>, DateTime<Utc>)> {
    let in_class = class_session::Entity::find().filter(class_session::Column::ClassId.eq(class.id));
    let (sessions, starts, ends) = match (session_ids, span) {
        (Some(ids), (None, None)) => {
            if ids.is_empty() {
                return Err(AppError::with_message(ErrorCode::LeaveNoSessions, "请选择要请假的课程"));
            }
            if ids.len() > MAX_SESSIONS {
                return Err(AppError::validation(format!("一次请假最多 {MAX_SESSIONS} 节课")));
            }
            let found = in_class.filter(class_session::Column::Id.is_in(ids.to_vec())).all(conn).await?;
            if found.len() != ids.iter().collect::<std::collections::HashSet<_>>().len() {
                return Err(AppError::with_message(ErrorCode::NotFound, "所选课程不属于本培训班"));
            }
            let starts = found.iter().map(|s| s.starts_at).min();
            let ends = found.iter().map(|s| s.ends_at).max();
            match (starts, ends) {
                (Some(s), Some(e)) => (found, s, e),
                _ => return Err(AppError::new(ErrorCode::LeaveNoSessions)),
            }
        }
        (None, (Some(starts), Some(ends))) => {
            if ends <= starts {
                return Err(AppError::validation("请假结束时间须晚于开始时间"));
            }
            let found = in_class
                .filter(class_session::Column::StartsAt.lt(ends))
                .filter(class_session::Column::EndsAt.gt(starts))
                .all(conn)
                .await?;
            (found, starts, ends)
        }
        _ => return Err(AppError::validation("请选择要请假的课程，或填写请假的起止时间")),
    };
    if local_date(starts) < class.start_date || local_date(ends - Duration::seconds(1)) > class.end_date {
        return Err(AppError::with_message(
            ErrorCode::LeaveOutOfRange,
            format!("请假时间须在培训班起止日期（{} 至 {}）之内", class.start_date, class.end_date),
        ));
    }
    if sessions.is_empty() {
        return Err(AppError::new(ErrorCode::LeaveNoSessions));
    }
    let mut sessions = sessions;
    sessions.sort_by_key(|s| s.starts_at);
    Ok((sessions, starts, ends))
}

/// Sessions already covered by another live request of the trainee.
pub(super) async fn check_overlap<C: ConnectionTrait>(
    conn: &C,
    enrollment_id: Uuid,
    sessions: &[class_session::Model],
) -> AppResult<()> {
    let taken = leave_request_session::Entity::find()
        .filter(leave_request_session::Column::EnrollmentId.eq(enrollment_id))
        .filter(leave_request_session::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
        .all(conn)
        .await?;
    if let Some(t) = taken.first() {
        let title = sessions.iter().find(|s| s.id == t.session_id).map(|s| s.title.clone()).unwrap_or_default();
        return Err(AppError::with_message(
            ErrorCode::LeaveOverlap,
            format!("「{title}」已在另一条请假申请中，不能重复申请"),
        ));
    }
    Ok(())
}

/// Refuses leave for a session the trainee has already checked in to (出勤, 迟到 or 早退): they were there.
pub(super) async fn check_not_attended<C: ConnectionTrait>(
    conn: &C,
    enrollment_id: Uuid,
    sessions: &[class_session::Model],
) -> AppResult<()> {
    let attended = attendance::Entity::find()
        .filter(attendance::Column::EnrollmentId.eq(enrollment_id))
        .filter(attendance::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
        .all(conn)
        .await?
        .into_iter()
        .find(|r| r.status.attended());
    if let Some(r) = attended {
        let title = sessions.iter().find(|s| s.id == r.session_id).map(|s| s.title.clone()).unwrap_or_default();
        return Err(AppError::with_message(
            ErrorCode::LeaveAlreadyAttended,
            format!("「{title}」已有签到记录，无需请假；如签到有误，请联系班主任修改考勤"),
        ));
    }
    Ok(())
}

pub(super) fn overlap_from(err: DbErr) -> AppError {
    on_unique_violation(AppError::new(ErrorCode::LeaveOverlap))(err)
}

pub(super) struct NewRequest<'a> {
    pub(super) class: &'a training_class::Model,
    pub(super) enrollment_id: Uuid,
    pub(super) kind: LeaveKind,
    pub(super) reason: String,
    pub(super) sessions: &'a [class_session::Model],
    pub(super) span: (DateTime<Utc>, DateTime<Utc>),
    pub(super) steps_required: i32,
    pub(super) attachment_id: Option<Uuid>,
    pub(super) source: PartyKind,
    pub(super) created_by: String,
}

pub(super) async fn insert_request(
    txn: &DatabaseTransaction,
    now: DateTime<Utc>,
    r: NewRequest<'_>,
) -> AppResult<leave_request::Model> {
    let id = Uuid::now_v7();
    let model = leave_request::ActiveModel {
        id: Set(id),
        class_id: Set(r.class.id),
        enrollment_id: Set(r.enrollment_id),
        kind: Set(r.kind),
        reason: Set(r.reason),
        starts_at: Set(r.span.0),
        ends_at: Set(r.span.1),
        session_ids: Set(json!(r.sessions.iter().map(|s| s.id).collect::<Vec<_>>())),
        credit_centi: Set(credit_of(r.sessions)),
        status: Set(LeaveStatus::Pending),
        step: Set(1),
        steps_required: Set(r.steps_required),
        attachment_id: Set(r.attachment_id),
        source: Set(r.source),
        created_by: Set(r.created_by.chars().take(64).collect()),
        decided_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
    .insert(txn)
    .await?;
    let rows: Vec<leave_request_session::ActiveModel> = r
        .sessions
        .iter()
        .map(|s| leave_request_session::ActiveModel {
            leave_request_id: Set(id),
            session_id: Set(s.id),
            enrollment_id: Set(r.enrollment_id),
        })
        .collect();
    for chunk in rows.chunks(50) {
        leave_request_session::Entity::insert_many(chunk.to_vec())
            .exec_without_returning(txn)
            .await
            .map_err(overlap_from)?;
    }
    Ok(model)
}

pub(super) async fn sessions_of<C: ConnectionTrait>(
    conn: &C,
    req: &leave_request::Model,
) -> AppResult<Vec<class_session::Model>> {
    let ids: Vec<Uuid> = serde_json::from_value(req.session_ids.clone()).unwrap_or_default();
    Ok(class_session::Entity::find()
        .filter(class_session::Column::Id.is_in(ids))
        .order_by_asc(class_session::Column::StartsAt)
        .all(conn)
        .await?)
}

/// Marks the covered sessions `leave`: no record yet → a leave record; 旷课 → leave. A session the trainee attended
/// keeps its record. Returns each changed session with its status before.
pub(super) async fn apply_leave(
    txn: &DatabaseTransaction,
    req: &leave_request::Model,
    sessions: &[class_session::Model],
    now: DateTime<Utc>,
) -> AppResult<Vec<(Uuid, Option<AttendanceStatus>)>> {
    let kind = req.kind.label();
    let note = format!("{kind}（已批准）");
    let existing: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
        .filter(attendance::Column::EnrollmentId.eq(req.enrollment_id))
        .filter(attendance::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
        .all(txn)
        .await?
        .into_iter()
        .map(|a| (a.session_id, a))
        .collect();
    let mut changed = Vec::new();
    for s in sessions {
        match existing.get(&s.id) {
            Some(row) if row.status == AttendanceStatus::Absent => {
                let mut active: attendance::ActiveModel = row.clone().into();
                active.status = Set(AttendanceStatus::Leave);
                active.source = Set(AttendanceSource::Leave);
                active.note = Set(Some(note.clone()));
                active.updated_at = Set(now);
                active.update(txn).await?;
                changed.push((s.id, Some(row.status)));
            }
            Some(_) => {}
            None => {
                attendance::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    session_id: Set(s.id),
                    enrollment_id: Set(req.enrollment_id),
                    status: Set(AttendanceStatus::Leave),
                    checked_in_at: Set(None),
                    checked_out_at: Set(None),
                    source: Set(AttendanceSource::Leave),
                    nonce: Set(None),
                    device: Set(None),
                    note: Set(Some(note.clone())),
                    created_at: Set(now),
                    updated_at: Set(now),
                }
                .insert(txn)
                .await?;
                changed.push((s.id, None));
            }
        }
    }
    Ok(changed)
}
