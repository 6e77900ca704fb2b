//! Asking for, deciding and recording leave. Every decision is audited in its own transaction together with the
//! attendance it changes and the notifications it causes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, SqlErr, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::model::{
    ApproverRole, CoveredSession, LeaveInput, LeaveKind, LeaveRecordInput, LeaveStatus, LeaveView, StepView,
};
use crate::attachment::{self, Owner};
use crate::attendance::model::AttendanceStatus;
use crate::audit::{self, Change};
use crate::auth::{StaffPrincipal, TraineePrincipal};
use crate::class::ClassScope;
use crate::class::access::class_scope;
use crate::class::model::{StaffRole, required_text};
use crate::clock::local_date;
use crate::completion::{ClassPolicy, policy::FirstApprover};
use crate::config::TemplateSettings;
use crate::entity::attendance::AttendanceSource;
use crate::entity::{
    attendance, class_session, class_staff, enrollment, leave_request, leave_request_session, leave_step,
    training_class,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::kv::Infra;
use crate::live;
use crate::notify::{self, Notice, NoticeKind, Recipient};
use crate::roster::model::STATUS_ACTIVE;
use crate::roster::service::people_by_id;
use crate::timetable::model::Credit;
use crate::warning::{self, Outlet};

/// What the leave service needs besides its arguments.
#[derive(Clone, Copy)]
pub struct Deps<'a> {
    pub db: &'a DatabaseConnection,
    pub infra: &'a Infra,
    pub templates: &'a BTreeMap<String, TemplateSettings>,
    pub now: DateTime<Utc>,
}

impl Deps<'_> {
    fn outlet(&self) -> Outlet<'_> {
        Outlet { templates: self.templates, now: self.now }
    }
}

const MAX_SESSIONS: usize = 200;

fn not_found() -> AppError {
    AppError::with_message(ErrorCode::NotFound, "请假申请不存在或您无权查看")
}

/// The sessions a request covers and its span: the listed sessions, or every session overlapping the span.
async fn covered<C: ConnectionTrait>(
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

fn credit_of(sessions: &[class_session::Model]) -> i32 {
    sessions.iter().filter(|s| s.counts_toward_attendance).map(|s| s.credit_centi).sum()
}

/// Sessions already covered by another live request of the trainee.
async fn check_overlap<C: ConnectionTrait>(
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

fn overlap_from(err: DbErr) -> AppError {
    if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
        AppError::new(ErrorCode::LeaveOverlap)
    } else {
        AppError::from(err)
    }
}

struct NewRequest<'a> {
    class: &'a training_class::Model,
    enrollment_id: Uuid,
    kind: LeaveKind,
    reason: String,
    sessions: &'a [class_session::Model],
    span: (DateTime<Utc>, DateTime<Utc>),
    steps_required: i32,
    attachment_id: Option<Uuid>,
    source: &'static str,
    created_by: String,
}

async fn insert_request(
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
        source: Set(r.source.to_owned()),
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

fn steps_required(policy: &ClassPolicy, credit_centi: i32) -> i32 {
    match policy.admin_over_centi() {
        Some(limit) if i64::from(credit_centi) > limit => 2,
        _ => 1,
    }
}

/// A trainee asks for leave.
pub async fn request(deps: Deps<'_>, who: &TraineePrincipal, input: LeaveInput) -> AppResult<LeaveView> {
    let db = deps.db;
    let e = enrollment::Entity::find()
        .filter(enrollment::Column::PersonId.eq(who.person_id))
        .filter(enrollment::Column::ClassId.eq(input.class_id))
        .filter(enrollment::Column::Status.eq(STATUS_ACTIVE))
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotEnrolled))?;
    let class = training_class::Entity::find_by_id(e.class_id).one(db).await?.ok_or_else(not_found)?;
    let reason = required_text(&input.reason, 500, "请假事由")?;
    let policy = ClassPolicy::of(&class);
    let (sessions, starts, ends) =
        covered(db, &class, input.session_ids.as_deref(), (input.starts_at, input.ends_at)).await?;
    let earliest = deps.now - Duration::hours(i64::from(policy.leave_approval.trainee_backdate_hours));
    if let Some(old) = sessions.iter().find(|s| s.ends_at < earliest) {
        return Err(AppError::with_message(
            ErrorCode::LeaveOutOfRange,
            format!(
                "「{}」已结束超过 {} 小时，请联系班主任补假",
                old.title, policy.leave_approval.trainee_backdate_hours
            ),
        ));
    }
    if let Some(id) = input.attachment_id {
        attachment::check_owner(db, id, Owner::Trainee(who.person_id)).await?;
    }
    check_overlap(db, e.id, &sessions).await?;
    let credit = credit_of(&sessions);
    let actor = who.actor();
    let staff = approvers_of_step1(db, &class, &policy).await?;
    let txn = db.begin().await?;
    let created = insert_request(
        &txn,
        deps.now,
        NewRequest {
            class: &class,
            enrollment_id: e.id,
            kind: input.kind,
            reason,
            sessions: &sessions,
            span: (starts, ends),
            steps_required: steps_required(&policy, credit),
            attachment_id: input.attachment_id,
            source: "trainee",
            created_by: who.name.clone(),
        },
    )
    .await?;
    let change = Change {
        action: "leave.request",
        entity: "leave_request",
        entity_id: created.id.to_string(),
        class_id: Some(created.class_id),
        before: None,
        after: Some(json!({
            "kind": input.kind.as_str(), "sessions": sessions.len(), "credit_centi": credit,
            "steps_required": created.steps_required
        })),
        reason: None,
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    let notice = Notice {
        kind: NoticeKind::LeaveSubmitted,
        class_id: Some(class.id),
        title: format!("待审批请假：{}（{}）", who.name, input.kind.label()),
        body: format!(
            "{}申请{} {} 学时（{} 节课），事由：{}",
            who.name,
            input.kind.label(),
            Credit(credit).hours(),
            sessions.len(),
            created.reason
        ),
        link: Some(format!("/api/v1/leave-requests/{}", created.id)),
        vars: BTreeMap::new(),
    };
    for s in staff {
        notify::send(&txn, deps.templates, deps.now, &Recipient::Staff(s), &notice).await?;
    }
    txn.commit().await?;
    view(db, created).await
}

/// Staff who decide step 1 under the policy (for the "new request" message).
async fn approvers_of_step1<C: ConnectionTrait>(
    conn: &C,
    class: &training_class::Model,
    policy: &ClassPolicy,
) -> AppResult<Vec<Uuid>> {
    let mut q = class_staff::Entity::find().filter(class_staff::Column::ClassId.eq(class.id));
    if policy.leave_approval.first_step == FirstApprover::HeadTeacher {
        q = q.filter(class_staff::Column::Role.eq(StaffRole::HeadTeacher));
    }
    Ok(q.all(conn).await?.into_iter().map(|s| s.staff_id).collect())
}

/// The trainee withdraws a request nobody has decided yet.
pub async fn cancel(deps: Deps<'_>, who: &TraineePrincipal, id: Uuid) -> AppResult<LeaveView> {
    let db = deps.db;
    let req = own_request(db, who, id).await?;
    if req.status != LeaveStatus::Pending {
        return Err(AppError::new(ErrorCode::LeaveNotPending));
    }
    let txn = db.begin().await?;
    guard_pending(&txn, &req, deps.now).await?;
    let updated = close_request(&txn, req, LeaveStatus::Cancelled, deps.now).await?;
    let change = Change {
        action: "leave.cancel",
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(json!({ "status": "pending" })),
        after: Some(json!({ "status": "cancelled" })),
        reason: None,
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await?;
    view(db, updated).await
}

async fn own_request(db: &DatabaseConnection, who: &TraineePrincipal, id: Uuid) -> AppResult<leave_request::Model> {
    let req = leave_request::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let e = enrollment::Entity::find_by_id(req.enrollment_id).one(db).await?.ok_or_else(not_found)?;
    if e.person_id != who.person_id {
        return Err(not_found());
    }
    Ok(req)
}

/// Locks the request for this transaction if it is still pending at `step`; `leave_not_pending` otherwise (a
/// concurrent decision or cancellation got there first).
async fn guard_pending(txn: &DatabaseTransaction, req: &leave_request::Model, now: DateTime<Utc>) -> AppResult<()> {
    use sea_orm::sea_query::Expr;
    let touched = leave_request::Entity::update_many()
        .col_expr(leave_request::Column::UpdatedAt, Expr::value(now))
        .filter(leave_request::Column::Id.eq(req.id))
        .filter(leave_request::Column::Status.eq(LeaveStatus::Pending))
        .filter(leave_request::Column::Step.eq(req.step))
        .exec(txn)
        .await?;
    if touched.rows_affected == 1 { Ok(()) } else { Err(AppError::new(ErrorCode::LeaveNotPending)) }
}

/// Rejected or cancelled: the request keeps its record; its sessions are free for a new request.
async fn close_request(
    txn: &DatabaseTransaction,
    req: leave_request::Model,
    status: LeaveStatus,
    now: DateTime<Utc>,
) -> AppResult<leave_request::Model> {
    leave_request_session::Entity::delete_many()
        .filter(leave_request_session::Column::LeaveRequestId.eq(req.id))
        .exec(txn)
        .await?;
    let mut active: leave_request::ActiveModel = req.into();
    active.status = Set(status);
    active.decided_at = Set(Some(now));
    active.updated_at = Set(now);
    Ok(active.update(txn).await?)
}

/// The role the caller decides in at the request's current step, or `not_your_step`.
async fn acting_role(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    policy: &ClassPolicy,
    req: &leave_request::Model,
) -> AppResult<ApproverRole> {
    if who.is_admin() {
        return Ok(ApproverRole::Admin);
    }
    if req.step >= 2 {
        return Err(AppError::with_message(ErrorCode::NotYourStep, "该申请已由班主任审批，待教务管理员审批"));
    }
    let role = class_staff::Entity::find()
        .filter(class_staff::Column::ClassId.eq(req.class_id))
        .filter(class_staff::Column::StaffId.eq(who.staff.id))
        .one(db)
        .await?
        .map(|s| s.role);
    match (policy.leave_approval.first_step, role) {
        (FirstApprover::HeadTeacher, Some(StaffRole::HeadTeacher)) => Ok(ApproverRole::HeadTeacher),
        (FirstApprover::ClassStaff, Some(StaffRole::HeadTeacher)) => Ok(ApproverRole::HeadTeacher),
        (FirstApprover::ClassStaff, Some(_)) => Ok(ApproverRole::ClassStaff),
        _ => Err(AppError::with_message(ErrorCode::NotYourStep, "本班请假须由班主任审批")),
    }
}

/// Loads a request the staff member may see (their class), with its class.
async fn staff_request(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    id: Uuid,
) -> AppResult<(ClassScope, leave_request::Model)> {
    let req = leave_request::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let scope = class_scope(db, who, req.class_id).await.map_err(|_| not_found())?;
    Ok((scope, req))
}

pub async fn get(db: &DatabaseConnection, who: &StaffPrincipal, id: Uuid) -> AppResult<LeaveView> {
    let (_, req) = staff_request(db, who, id).await?;
    view(db, req).await
}

/// Approve (`approve = true`) or reject at the current step.
pub async fn decide(
    deps: Deps<'_>,
    who: &StaffPrincipal,
    id: Uuid,
    approve: bool,
    comment: Option<&str>,
) -> AppResult<LeaveView> {
    let db = deps.db;
    let (scope, req) = staff_request(db, who, id).await?;
    if req.status != LeaveStatus::Pending {
        return Err(AppError::new(ErrorCode::LeaveNotPending));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
    if !approve && comment.is_none() {
        return Err(AppError::with_message(ErrorCode::ReasonRequired, "不批准请假须填写意见"));
    }
    if comment.as_ref().is_some_and(|c| c.chars().count() > 500) {
        return Err(AppError::validation("审批意见不能超过 500 个字"));
    }
    let policy = ClassPolicy::of(&scope.class);
    let role = acting_role(db, who, &policy, &req).await?;
    let actor = who.actor();
    let final_approval = approve && (role == ApproverRole::Admin || req.step >= req.steps_required);
    let e = enrollment::Entity::find_by_id(req.enrollment_id).one(db).await?.ok_or_else(not_found)?;
    let txn = db.begin().await?;
    guard_pending(&txn, &req, deps.now).await?;
    // Claim the step: only one decision per step, even when two approvers click at once.
    let step = leave_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        leave_request_id: Set(req.id),
        step: Set(req.step),
        role: Set(role),
        staff_id: Set(who.staff.id),
        staff_name: Set(who.staff.display_name.chars().take(64).collect()),
        decision: Set(if approve { "approved" } else { "rejected" }.to_owned()),
        comment: Set(comment.clone()),
        at: Set(deps.now),
    };
    leave_step::Entity::insert(step).exec_without_returning(&txn).await.map_err(|err| {
        if matches!(err.sql_err(), Some(SqlErr::UniqueConstraintViolation(_))) {
            AppError::new(ErrorCode::LeaveNotPending)
        } else {
            AppError::from(err)
        }
    })?;
    let before = json!({ "status": req.status, "step": req.step });
    let mut changed = Vec::new();
    let updated = if !approve {
        close_request(&txn, req, LeaveStatus::Rejected, deps.now).await?
    } else if final_approval {
        let sessions = sessions_of(&txn, &req).await?;
        changed = apply_leave(&txn, &req, &sessions, deps.now).await?;
        let mut active: leave_request::ActiveModel = req.into();
        active.status = Set(LeaveStatus::Approved);
        active.decided_at = Set(Some(deps.now));
        active.updated_at = Set(deps.now);
        active.update(&txn).await?
    } else {
        let mut active: leave_request::ActiveModel = req.into();
        active.step = Set(active.step.as_ref() + 1);
        active.updated_at = Set(deps.now);
        active.update(&txn).await?
    };
    let action = match (approve, final_approval) {
        (false, _) => "leave.reject",
        (true, true) => "leave.approve",
        (true, false) => "leave.approve_step",
    };
    let change = Change {
        action,
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(before),
        after: Some(json!({
            "status": updated.status, "step": updated.step, "role": role.as_str(),
            "attendance_changed": changed.iter().map(|c| json!({"session_id": c.0, "before": c.1})).collect::<Vec<_>>()
        })),
        reason: comment.clone(),
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    if action != "leave.approve_step" {
        notify_result(&txn, deps, &scope.class, &e, &updated, comment.as_deref()).await?;
    } else {
        notify_admins(&txn, deps, &scope.class, &updated).await?;
    }
    txn.commit().await?;
    after_attendance_change(deps, &scope.class, &e, &changed).await;
    view(db, updated).await
}

async fn sessions_of<C: ConnectionTrait>(conn: &C, req: &leave_request::Model) -> AppResult<Vec<class_session::Model>> {
    let ids: Vec<Uuid> = serde_json::from_value(req.session_ids.clone()).unwrap_or_default();
    Ok(class_session::Entity::find()
        .filter(class_session::Column::Id.is_in(ids))
        .order_by_asc(class_session::Column::StartsAt)
        .all(conn)
        .await?)
}

/// Marks the covered sessions `leave`: no record yet → a leave record; 旷课 → leave. A session the trainee attended
/// keeps its record. Returns each changed session with its status before.
async fn apply_leave(
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

async fn notify_result(
    txn: &DatabaseTransaction,
    deps: Deps<'_>,
    class: &training_class::Model,
    e: &enrollment::Model,
    req: &leave_request::Model,
    comment: Option<&str>,
) -> AppResult<()> {
    let status = req.status;
    let kind = req.kind.label();
    let span = format!("{} 至 {}", notify::wechat_time(req.starts_at), notify::wechat_time(req.ends_at));
    let vars: BTreeMap<&'static str, String> = [
        ("class_name", class.name.clone()),
        ("leave_kind", kind.to_owned()),
        ("span_start", notify::wechat_time(req.starts_at)),
        ("span", span.clone()),
        ("result", status.label().to_owned()),
        ("comment", comment.unwrap_or("").to_owned()),
        ("time", notify::wechat_time(deps.now)),
    ]
    .into_iter()
    .collect();
    let body = match comment {
        Some(c) => format!("您 {span} 的{kind}申请{}。审批意见：{c}", status.label()),
        None => format!("您 {span} 的{kind}申请{}。", status.label()),
    };
    let notice = Notice {
        kind: NoticeKind::LeaveResult,
        class_id: Some(class.id),
        title: format!("请假{}", status.label()),
        body,
        link: Some("/h5/me".to_owned()),
        vars,
    };
    let to = Recipient::Trainee { person_id: e.person_id, openid: e.wechat_openid.clone() };
    notify::send(txn, deps.templates, deps.now, &to, &notice).await
}

async fn notify_admins(
    txn: &DatabaseTransaction,
    deps: Deps<'_>,
    class: &training_class::Model,
    req: &leave_request::Model,
) -> AppResult<()> {
    use crate::entity::staff_account;
    let admins = staff_account::Entity::find()
        .filter(staff_account::Column::Role.eq(crate::auth::Role::Admin.as_str()))
        .filter(staff_account::Column::Disabled.eq(false))
        .all(txn)
        .await?;
    let notice = Notice {
        kind: NoticeKind::LeaveSubmitted,
        class_id: Some(class.id),
        title: "待教务审批的请假".to_owned(),
        body: format!(
            "{}：一条 {} 学时的请假已由班主任批准，待教务审批。",
            class.name,
            Credit(req.credit_centi).hours()
        ),
        link: Some(format!("/api/v1/leave-requests/{}", req.id)),
        vars: BTreeMap::new(),
    };
    for a in admins {
        notify::send(txn, deps.templates, deps.now, &Recipient::Staff(a.id), &notice).await?;
    }
    Ok(())
}

/// After a commit that changed attendance: live views hear of it, cached check-in answers are dropped, and the
/// trainee's warnings are re-evaluated.
async fn after_attendance_change(
    deps: Deps<'_>,
    class: &training_class::Model,
    e: &enrollment::Model,
    changed: &[(Uuid, Option<AttendanceStatus>)],
) {
    for (session_id, _) in changed {
        crate::checkin::service::forget(deps.infra.kv.as_ref(), *session_id, e.id).await;
        let change = live::Change {
            kind: live::EventKind::StatusChanged,
            session_id: *session_id,
            class_id: class.id,
            at: deps.now,
            enrollment_id: Some(e.id),
            name: None,
            status: Some(AttendanceStatus::Leave),
            count: None,
        };
        live::publish(deps.infra.kv.as_ref(), deps.infra.events.as_ref(), change).await;
    }
    warning::evaluate_after(deps.db, deps.outlet(), class.id, Some(&[e.id])).await;
}

/// Staff record leave after the fact (补假): approved at once, with a reason kept in the audit trail.
pub async fn record(
    deps: Deps<'_>,
    who: &StaffPrincipal,
    scope: &ClassScope,
    input: LeaveRecordInput,
) -> AppResult<LeaveView> {
    let db = deps.db;
    let why = audit::required_reason(&input.record_reason, "补假须填写原因")?;
    let reason = required_text(&input.reason, 500, "请假事由")?;
    let e = enrollment::Entity::find_by_id(input.enrollment_id)
        .filter(enrollment::Column::ClassId.eq(scope.class.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"))?;
    let (sessions, starts, ends) =
        covered(db, &scope.class, input.session_ids.as_deref(), (input.starts_at, input.ends_at)).await?;
    check_overlap(db, e.id, &sessions).await?;
    let actor = who.actor();
    let role = if who.is_admin() { ApproverRole::Admin } else { ApproverRole::ClassStaff };
    let txn = db.begin().await?;
    let created = insert_request(
        &txn,
        deps.now,
        NewRequest {
            class: &scope.class,
            enrollment_id: e.id,
            kind: input.kind,
            reason,
            sessions: &sessions,
            span: (starts, ends),
            steps_required: 1,
            attachment_id: None,
            source: "staff",
            created_by: who.staff.display_name.clone(),
        },
    )
    .await?;
    leave_step::Entity::insert(leave_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        leave_request_id: Set(created.id),
        step: Set(1),
        role: Set(role),
        staff_id: Set(who.staff.id),
        staff_name: Set(who.staff.display_name.chars().take(64).collect()),
        decision: Set("approved".to_owned()),
        comment: Set(Some(why.clone())),
        at: Set(deps.now),
    })
    .exec_without_returning(&txn)
    .await?;
    let changed = apply_leave(&txn, &created, &sessions, deps.now).await?;
    let mut active: leave_request::ActiveModel = created.into();
    active.status = Set(LeaveStatus::Approved);
    active.decided_at = Set(Some(deps.now));
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "leave.record",
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: None,
        after: Some(json!({
            "enrollment_id": e.id, "kind": input.kind.as_str(), "status": "approved",
            "credit_centi": updated.credit_centi,
            "attendance_changed": changed.iter().map(|c| json!({"session_id": c.0, "before": c.1})).collect::<Vec<_>>()
        })),
        reason: Some(why.clone()),
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    notify_result(&txn, deps, &scope.class, &e, &updated, Some(&why)).await?;
    txn.commit().await?;
    after_attendance_change(deps, &scope.class, &e, &changed).await;
    view(db, updated).await
}

/// Views of many requests at once (names, sessions and steps read in bulk).
async fn views(db: &DatabaseConnection, reqs: Vec<leave_request::Model>) -> AppResult<Vec<LeaveView>> {
    let enrollments: HashMap<Uuid, enrollment::Model> = enrollment::Entity::find()
        .filter(enrollment::Column::Id.is_in(reqs.iter().map(|r| r.enrollment_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let people = people_by_id(db, enrollments.values().map(|e| e.person_id).collect()).await?;
    let session_ids: Vec<Uuid> = reqs
        .iter()
        .flat_map(|r| serde_json::from_value::<Vec<Uuid>>(r.session_ids.clone()).unwrap_or_default())
        .collect();
    let sessions: HashMap<Uuid, class_session::Model> = class_session::Entity::find()
        .filter(class_session::Column::Id.is_in(session_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut steps: HashMap<Uuid, Vec<leave_step::Model>> = HashMap::new();
    for s in leave_step::Entity::find()
        .filter(leave_step::Column::LeaveRequestId.is_in(reqs.iter().map(|r| r.id)))
        .order_by_asc(leave_step::Column::Step)
        .all(db)
        .await?
    {
        steps.entry(s.leave_request_id).or_default().push(s);
    }
    let policies: HashMap<Uuid, ClassPolicy> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(reqs.iter().map(|r| r.class_id)))
        .all(db)
        .await?
        .iter()
        .map(|c| (c.id, ClassPolicy::of(c)))
        .collect();
    Ok(reqs
        .into_iter()
        .map(|r| {
            let person = enrollments.get(&r.enrollment_id).and_then(|e| people.get(&e.person_id));
            let kind = r.kind;
            let status = r.status;
            let waiting_for = (status == LeaveStatus::Pending).then(|| {
                if r.step >= 2 {
                    ApproverRole::Admin
                } else {
                    match policies.get(&r.class_id).map(|p| p.leave_approval.first_step) {
                        Some(FirstApprover::ClassStaff) => ApproverRole::ClassStaff,
                        _ => ApproverRole::HeadTeacher,
                    }
                }
            });
            let covered = serde_json::from_value::<Vec<Uuid>>(r.session_ids.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|id| sessions.get(id))
                .map(|s| CoveredSession {
                    session_id: s.id,
                    title: s.title.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    credit_hours: Credit(s.credit_centi).hours(),
                    counts_toward_attendance: s.counts_toward_attendance,
                })
                .collect();
            LeaveView {
                id: r.id,
                class_id: r.class_id,
                enrollment_id: r.enrollment_id,
                name: person.map(|p| p.name.clone()).unwrap_or_default(),
                unit: person.map(|p| p.unit.clone()).unwrap_or_default(),
                kind,
                kind_label: kind.label().to_owned(),
                reason: r.reason,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                sessions: covered,
                credit_hours: Credit(r.credit_centi).hours(),
                status,
                status_label: status.label().to_owned(),
                step: r.step,
                steps_required: r.steps_required,
                waiting_for,
                waiting_for_label: waiting_for.map(|w| w.label().to_owned()),
                has_attachment: r.attachment_id.is_some(),
                source: r.source,
                steps: steps
                    .remove(&r.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| {
                        let role = s.role;
                        StepView {
                            step: s.step,
                            role,
                            role_label: role.label().to_owned(),
                            staff_name: s.staff_name,
                            decision: s.decision,
                            comment: s.comment,
                            at: s.at,
                        }
                    })
                    .collect(),
                created_at: r.created_at,
                decided_at: r.decided_at,
            }
        })
        .collect())
}

async fn view(db: &DatabaseConnection, req: leave_request::Model) -> AppResult<LeaveView> {
    views(db, vec![req]).await?.pop().ok_or_else(not_found)
}

/// A class's requests, newest first; `status` filters.
pub async fn list_for_class(
    db: &DatabaseConnection,
    scope: &ClassScope,
    status: Option<LeaveStatus>,
) -> AppResult<Vec<LeaveView>> {
    let mut q = leave_request::Entity::find().filter(leave_request::Column::ClassId.eq(scope.class.id));
    if let Some(s) = status {
        q = q.filter(leave_request::Column::Status.eq(s));
    }
    views(db, q.order_by_desc(leave_request::Column::CreatedAt).order_by_desc(leave_request::Column::Id).all(db).await?)
        .await
}

/// The trainee's own requests across their classes, newest first.
pub async fn mine(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<LeaveView>> {
    let ids = crate::roster::service::enrollment_ids_of(db, person_id).await?;
    let reqs = leave_request::Entity::find()
        .filter(leave_request::Column::EnrollmentId.is_in(ids))
        .order_by_desc(leave_request::Column::CreatedAt)
        .order_by_desc(leave_request::Column::Id)
        .all(db)
        .await?;
    views(db, reqs).await
}

/// The attachment of a request, for its trainee.
pub async fn attachment_for_trainee(
    db: &DatabaseConnection,
    who: &TraineePrincipal,
    id: Uuid,
) -> AppResult<crate::entity::attachment::Model> {
    let req = own_request(db, who, id).await?;
    let aid = req.attachment_id.ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该申请没有附件"))?;
    attachment::load(db, aid).await
}

/// The attachment of a request, for staff of its class.
pub async fn attachment_for_staff(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    id: Uuid,
) -> AppResult<crate::entity::attachment::Model> {
    let (_, req) = staff_request(db, who, id).await?;
    let aid = req.attachment_id.ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该申请没有附件"))?;
    attachment::load(db, aid).await
}
