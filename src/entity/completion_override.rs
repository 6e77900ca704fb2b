use sea_orm::entity::prelude::*;

pub use super::vocab::OverrideKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "completion_override")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    /// `withhold`, `allow` or `clear` (back to the rules). The latest row per enrolment wins.
    pub decision: OverrideKind,
    pub reason: String,
    pub by_id: Uuid,
    pub by_name: String,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
