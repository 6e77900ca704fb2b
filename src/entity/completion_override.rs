use sea_orm::entity::prelude::*;

use super::stored_enum;

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

stored_enum! {
    /// An administrator's decision by hand.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum OverrideKind {
        /// Withhold whatever the rules say.
        Withhold => "withhold",
        /// Allow although the rules withhold.
        Allow => "allow",
        /// Back to the rules.
        Clear => "clear",
    }
}
