use sea_orm::entity::prelude::*;

/// That a trainee answered one part of a form (`target`: `class`, or a session's id), and on which day: what
/// chasing needs, and nothing that leads to the answers.
#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "evaluation_respondent")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub form_id: Uuid,
    #[sea_orm(primary_key, auto_increment = false)]
    pub target: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub enrollment_id: Uuid,
    pub submitted_on: Date,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
