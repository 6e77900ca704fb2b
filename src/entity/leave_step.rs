use sea_orm::entity::prelude::*;

pub use super::vocab::{ApproverRole, StepDecision};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leave_step")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub leave_request_id: Uuid,
    pub step: i32,
    /// The role the approver acted in: `head_teacher`, `class_staff` or `admin`.
    pub role: ApproverRole,
    pub staff_id: Uuid,
    pub staff_name: String,
    /// `approved` or `rejected`.
    pub decision: StepDecision,
    pub comment: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
