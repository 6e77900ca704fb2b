use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "certificate")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub person_id: Uuid,
    /// The enrolment while valid, NULL once revoked: one valid certificate per trainee is a unique key.
    pub valid_key: Option<Uuid>,
    #[sea_orm(unique)]
    pub serial: String,
    #[sea_orm(unique)]
    pub verification_code: String,
    pub issue_date: Date,
    pub issued_at: DateTimeUtc,
    pub credit_centi: i32,
    pub holder_name: String,
    pub holder_unit: String,
    pub revoked_at: Option<DateTimeUtc>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<Uuid>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
