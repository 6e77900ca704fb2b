//! What a 违纪 record is: its category and severity (stored vocabularies with their Chinese labels), what staff
//! enter, and what people see.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

pub use crate::entity::discipline_record::Category;

impl Category {
    pub fn label(self) -> &'static str {
        match self {
            Category::LatenessCumulative => "迟到早退累计",
            Category::Absence => "旷课",
            Category::Schedule => "违反作息制度",
            Category::Integrity => "违反廉洁纪律",
            Category::Classroom => "违反课堂纪律（含使用手机）",
            Category::Other => "其他",
        }
    }
}

pub use crate::entity::discipline_record::Severity;

impl Severity {
    pub fn label(self) -> &'static str {
        match self {
            Severity::Minor => "轻微",
            Severity::Serious => "较重",
            Severity::Grave => "严重",
        }
    }
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DisciplineInput {
    pub enrollment_id: Uuid,
    pub category: Category,
    pub severity: Severity,
    /// When it happened.
    pub occurred_at: DateTime<Utc>,
    #[schema(min_length = 1, max_length = 1000, pattern = r"\S")]
    pub description: String,
    /// What shows it (witnesses, photos described, receipts).
    #[schema(max_length = 1000)]
    pub evidence: Option<String>,
    /// An image uploaded with `POST /api/v1/attachments`.
    pub attachment_id: Option<Uuid>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DisciplineView {
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    pub category: Category,
    pub category_label: String,
    pub severity: Severity,
    pub severity_label: String,
    pub occurred_at: DateTime<Utc>,
    pub description: String,
    pub evidence: Option<String>,
    pub has_attachment: bool,
    pub recorded_by: String,
    pub recorded_at: DateTime<Utc>,
    pub annulled: bool,
    pub annulled_at: Option<DateTime<Utc>>,
    pub annulled_by: Option<String>,
    pub annul_reason: Option<String>,
}
