use sea_orm::entity::prelude::*;

use super::stored_enum;

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
    pub decision: String,
    pub comment: Option<String>,
    pub at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// The role a step needs, or that an approver acted in.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum ApproverRole {
        /// 班主任.
        HeadTeacher => "head_teacher",
        /// Any staff member assigned to the class.
        ClassStaff => "class_staff",
        /// 教务 / administrator.
        Admin => "admin",
    }
}
