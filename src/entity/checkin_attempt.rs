use sea_orm::entity::prelude::*;

pub use super::vocab::CheckinKind;

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "checkin_attempt")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub at: DateTimeUtc,
    pub session_id: Option<Uuid>,
    pub enrollment_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    pub kind: CheckinKind,
    /// `ok`, `already`, or the error code.
    pub result: String,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub device: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub coord: Option<String>,
    pub distance_m: Option<f64>,
    pub token_step: Option<i64>,
    pub nonce: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
