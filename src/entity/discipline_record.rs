use sea_orm::entity::prelude::*;

use super::stored_enum;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "discipline_record")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub category: Category,
    pub severity: Severity,
    pub occurred_at: DateTimeUtc,
    pub description: String,
    pub evidence: Option<String>,
    pub attachment_id: Option<Uuid>,
    pub recorded_by: Uuid,
    pub recorded_by_name: String,
    pub annulled_at: Option<DateTimeUtc>,
    pub annulled_by_name: Option<String>,
    pub annul_reason: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// 迟到早退累计, 旷课, 违反作息, 违反廉洁纪律 (banquets, gifts), 课堂纪律/手机, 其他.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Category {
        LatenessCumulative => "lateness_cumulative",
        Absence => "absence",
        Schedule => "schedule",
        Integrity => "integrity",
        Classroom => "classroom",
        Other => "other",
    }
}

stored_enum! {
    /// 轻微, 较重, 严重. Completion rules withhold the certificate at or above a severity.
    #[derive(PartialOrd, Ord, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Severity {
        Minor => "minor",
        Serious => "serious",
        Grave => "grave",
    }
}
