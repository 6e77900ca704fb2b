use sea_orm::entity::prelude::*;

pub use super::vocab::EnrollmentStatus;

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
    /// The personal-information notice shown at the latest binding: its version, and when.
    pub notice_version: Option<String>,
    pub notice_shown_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

/// Enrolments still on the roster (not withdrawn): the ones that check in, are counted and get certificates.
pub fn active() -> Select<Entity> {
    Entity::find().filter(Column::Status.eq(EnrollmentStatus::Active))
}

/// The active enrolments of a class.
pub fn active_in_class(class_id: Uuid) -> Select<Entity> {
    active().filter(Column::ClassId.eq(class_id))
}

/// A person's active enrolments, across classes.
pub fn active_of_person(person_id: Uuid) -> Select<Entity> {
    active().filter(Column::PersonId.eq(person_id))
}
