use sea_orm::entity::prelude::*;

use super::stored_enum;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "training_class")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    #[sea_orm(unique)]
    pub code: String,
    pub name: String,
    pub kind: ClassKind,
    pub start_date: Date,
    pub end_date: Date,
    pub organiser: Option<String>,
    pub venue: Option<String>,
    pub status: ClassStatus,
    pub completion_policy: Option<Json>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// 主体班, 专题班, 委托班 (commissioned by another unit), 在线班.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ClassKind {
        Main => "main",
        Topic => "topic",
        Commissioned => "commissioned",
        Online => "online",
    }
}

stored_enum! {
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ClassStatus {
        Draft => "draft",
        Open => "open",
        Finished => "finished",
    }
}
