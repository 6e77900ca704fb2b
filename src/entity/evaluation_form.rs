use sea_orm::entity::prelude::*;

/// A class's evaluation form: its questions (JSON), the sessions it asks about, and when it is open.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_form")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub title: String,
    pub opens_at: DateTimeUtc,
    pub closes_at: DateTimeUtc,
    pub questions: Json,
    pub session_ids: Json,
    pub created_by: String,
    pub created_at: DateTimeUtc,
    /// Staff's latest reminder.
    pub reminded_at: Option<DateTimeUtc>,
    /// The automatic reminder before the deadline (sent once).
    pub auto_reminded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
