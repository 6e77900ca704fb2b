use sea_orm::entity::prelude::*;

pub use super::vocab::{NoticeKind, PartyKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "inbox_message")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `trainee` (a person id) or `staff` (a staff account id).
    pub recipient_kind: PartyKind,
    pub recipient_id: Uuid,
    pub class_id: Option<Uuid>,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTimeUtc,
    pub read_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
