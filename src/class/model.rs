use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::training_class;
use crate::error::{AppError, AppResult};

pub use crate::entity::class_staff::StaffRole;
pub use crate::entity::training_class::{ClassKind, ClassStatus};

impl ClassStatus {
    pub fn label(self) -> &'static str {
        match self {
            ClassStatus::Draft => "筹备中",
            ClassStatus::Open => "进行中",
            ClassStatus::Finished => "已结业",
        }
    }
}

impl StaffRole {
    pub fn label(self) -> &'static str {
        match self {
            StaffRole::HeadTeacher => "班主任",
            StaffRole::Organiser => "组织员",
        }
    }
}

impl ClassKind {
    pub const ALL: [ClassKind; 4] = [ClassKind::Main, ClassKind::Topic, ClassKind::Commissioned, ClassKind::Online];

    pub fn label(self) -> &'static str {
        match self {
            ClassKind::Main => "主体班",
            ClassKind::Topic => "专题班",
            ClassKind::Commissioned => "委托班",
            ClassKind::Online => "在线班",
        }
    }
}

/// Class code: 1–32 letters, digits or `-`, e.g. `2026-QN-01`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClassCode(String);

impl ClassCode {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let v = raw.trim();
        if v.is_empty() || v.len() > 32 || !v.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
            return Err(AppError::validation("培训班编号须为 1 到 32 位字母、数字或 -"));
        }
        Ok(Self(v.to_owned()))
    }
}

impl AsRef<str> for ClassCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Trimmed, non-empty, at most `max` characters; `field` names it in the error.
pub fn required_text(raw: &str, max: usize, field: &str) -> AppResult<String> {
    let v = raw.trim();
    if v.is_empty() {
        return Err(AppError::validation(format!("{field}不能为空")));
    }
    if v.chars().count() > max {
        return Err(AppError::validation(format!("{field}不能超过 {max} 个字")));
    }
    Ok(v.to_owned())
}

/// Like [`required_text`] but empty means none.
pub fn optional_text(raw: Option<&str>, max: usize, field: &str) -> AppResult<Option<String>> {
    match raw.map(str::trim).filter(|v| !v.is_empty()) {
        None => Ok(None),
        Some(v) => required_text(v, max, field).map(Some),
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassView {
    pub id: Uuid,
    pub code: String,
    pub name: String,
    pub kind: ClassKind,
    /// Chinese name of the kind, e.g. 主体班.
    pub kind_label: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// 主办/委托单位.
    pub organiser: Option<String>,
    pub venue: Option<String>,
    pub status: ClassStatus,
    pub created_at: DateTime<Utc>,
}

impl From<&training_class::Model> for ClassView {
    fn from(m: &training_class::Model) -> Self {
        let kind = m.kind;
        Self {
            id: m.id,
            code: m.code.clone(),
            name: m.name.clone(),
            kind,
            kind_label: kind.label().to_owned(),
            start_date: m.start_date,
            end_date: m.end_date,
            organiser: m.organiser.clone(),
            venue: m.venue.clone(),
            status: m.status,
            created_at: m.created_at,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct StaffAssignment {
    pub staff_id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: StaffRole,
}
