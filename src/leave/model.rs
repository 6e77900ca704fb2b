use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::entity::leave_request::LeaveKind;

impl LeaveKind {
    pub fn label(self) -> &'static str {
        match self {
            LeaveKind::Sick => "病假",
            LeaveKind::Personal => "事假",
            LeaveKind::Official => "公假",
        }
    }
}

pub use crate::entity::leave_request::LeaveStatus;

impl LeaveStatus {
    pub fn label(self) -> &'static str {
        match self {
            LeaveStatus::Pending => "待审批",
            LeaveStatus::Approved => "已批准",
            LeaveStatus::Rejected => "未批准",
            LeaveStatus::Cancelled => "已撤回",
        }
    }
}

pub use crate::entity::leave_step::ApproverRole;

impl ApproverRole {
    pub fn label(self) -> &'static str {
        match self {
            ApproverRole::HeadTeacher => "班主任",
            ApproverRole::ClassStaff => "班级工作人员",
            ApproverRole::Admin => "教务管理员",
        }
    }
}

/// A trainee's request: the sessions by id, or a time span (every session overlapping it).
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveInput {
    pub class_id: Uuid,
    pub kind: LeaveKind,
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    /// The sessions to be excused. Give either this or `starts_at` + `ends_at`.
    #[schema(min_items = 1, max_items = 200)]
    pub session_ids: Option<Vec<Uuid>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// An image uploaded with `POST /api/v1/attachments` (a sick note).
    pub attachment_id: Option<Uuid>,
}

/// Leave recorded by staff after the fact (补假): approved at once, with a reason for the audit trail.
#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveRecordInput {
    pub enrollment_id: Uuid,
    pub kind: LeaveKind,
    /// The trainee's reason for the leave.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
    #[schema(min_items = 1, max_items = 200)]
    pub session_ids: Option<Vec<Uuid>>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    /// Why it is recorded after the fact; kept in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub record_reason: String,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DecisionInput {
    /// Required when rejecting.
    #[schema(max_length = 500)]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CoveredSession {
    pub session_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub credit_hours: f64,
    pub counts_toward_attendance: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StepView {
    pub step: i32,
    pub role: ApproverRole,
    pub role_label: String,
    pub staff_name: String,
    /// `approved` or `rejected`.
    pub decision: String,
    pub comment: Option<String>,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct LeaveView {
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    pub kind: LeaveKind,
    pub kind_label: String,
    pub reason: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub sessions: Vec<CoveredSession>,
    /// 学时 of the covered sessions that count toward attendance.
    pub credit_hours: f64,
    pub status: LeaveStatus,
    pub status_label: String,
    /// The step waited on while pending (1-based).
    pub step: i32,
    pub steps_required: i32,
    /// Who decides next, while pending.
    pub waiting_for: Option<ApproverRole>,
    pub waiting_for_label: Option<String>,
    pub has_attachment: bool,
    /// `trainee` (asked in the app) or `staff` (补假).
    pub source: String,
    pub steps: Vec<StepView>,
    pub created_at: DateTime<Utc>,
    pub decided_at: Option<DateTime<Utc>>,
}
