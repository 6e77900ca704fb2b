use sea_orm::entity::prelude::*;

pub use super::vocab::PartyKind;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attachment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    /// `trainee` (a person id) or `staff` (a staff account id).
    pub owner_kind: PartyKind,
    pub owner_id: Uuid,
    pub mime: String,
    pub size: i64,
    pub sha256: String,
    pub bytes: Vec<u8>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
