use sea_orm::entity::prelude::*;

pub use super::vocab::{LeaveKind, LeaveStatus, PartyKind};

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "leave_request")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub kind: LeaveKind,
    pub reason: String,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// The sessions the request covers, kept after a rejection or cancellation for the record.
    pub session_ids: Json,
    /// 学时 (hundredths) of the covered sessions that count toward attendance.
    pub credit_centi: i32,
    pub status: LeaveStatus,
    /// The approval step the request waits on (1-based); meaningless once decided.
    pub step: i32,
    pub steps_required: i32,
    pub attachment_id: Option<Uuid>,
    /// `trainee` (asked in the app) or `staff` (补假 recorded after the fact).
    pub source: PartyKind,
    pub created_by: String,
    pub decided_at: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
