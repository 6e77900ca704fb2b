//! Asking for, deciding and recording leave. Every decision is audited in its own transaction together with the
//! attendance it changes and the notifications it causes.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction, DbErr,
    EntityTrait, QueryFilter, QueryOrder, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::chain::{self, Outcome};
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
use crate::ctx::{At, AttendanceEvent, Committed, EventKind};
use crate::entity::attendance::AttendanceSource;
use crate::entity::vocab::{PartyKind, StepDecision};
use crate::entity::{
    attendance, class_session, class_staff, enrollment, leave_request, leave_request_session, leave_step,
    training_class,
};
use crate::error::{AppError, AppResult, ErrorCode, on_unique_violation};
use crate::notify::{self, Notice, NoticeKind, Recipient};
use crate::roster::service::people_by_id;
use crate::timetable::model::Credit;

mod ask;
mod decide;
mod notices;
mod query;
mod queue;
mod record;
mod sessions;

use ask::own_request;
pub use ask::{cancel, request};
pub use decide::decide;
use notices::*;
use query::view;
pub use query::{attachment_for_staff, attachment_for_trainee, get, list_for_class, list_for_enrollment, mine};
pub use queue::{Waiting, decided_lately, waiting_for};
pub use record::record;
use sessions::*;

const MAX_SESSIONS: usize = 200;

fn not_found() -> AppError {
    AppError::with_message(ErrorCode::NotFound, "请假申请不存在或您无权查看")
}

fn credit_of(sessions: &[class_session::Model]) -> i32 {
    sessions.iter().filter(|s| s.counts_toward_attendance).map(|s| s.credit_centi).sum()
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
