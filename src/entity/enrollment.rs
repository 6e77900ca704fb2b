use sea_orm::entity::prelude::*;

use super::stored_enum;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "enrollment")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub person_id: Uuid,
    pub student_no: Option<String>,
    pub status: EnrollmentStatus,
    /// Random per enrolment; the invite code is derived from it and the master secret, so the printed sheet can be
    /// regenerated while the database alone never reveals a code.
    pub invite_salt: String,
    #[sea_orm(unique)]
    pub invite_code_hash: String,
    pub device_id: Option<String>,
    pub wechat_openid: Option<String>,
    pub bound_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// On the roster, or withdrawn (退学/退训: kept for the record, out of counts and check-in).
    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum EnrollmentStatus {
        Active => "active",
        Withdrawn => "withdrawn",
    }
}
