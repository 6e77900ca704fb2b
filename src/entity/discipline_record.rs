use sea_orm::entity::prelude::*;

pub use super::vocab::{Category, Severity};

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
