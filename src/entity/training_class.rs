use sea_orm::entity::prelude::*;

pub use super::vocab::{ClassKind, ClassStatus};

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
    /// The class's online rule (`OnlineRule`, JSON) for online sessions (`None`: the defaults).
    pub online_rule: Option<Json>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
