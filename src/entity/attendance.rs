use sea_orm::entity::prelude::*;

use super::stored_enum;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "attendance")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    pub enrollment_id: Uuid,
    pub status: AttendanceStatus,
    pub checked_in_at: Option<DateTimeUtc>,
    pub checked_out_at: Option<DateTimeUtc>,
    pub source: AttendanceSource,
    pub nonce: Option<String>,
    pub device: Option<String>,
    /// The reason of the latest staff correction, shown to the trainee.
    pub note: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

// Stored as text; a row with any other value fails to load rather than passing for one of these. The rules about
// statuses (labels, what counts as attended, tallies) are in the attendance module's model.
/// 出勤 (present), 迟到 (late), 早退 (left early), 请假 (on approved leave), 旷课 (absent without leave).
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Hash,
    EnumIter,
    DeriveActiveEnum,
    serde::Serialize,
    serde::Deserialize,
    utoipa::ToSchema,
)]
#[sea_orm(rs_type = "String", db_type = "Text", rename_all = "snake_case")]
#[serde(rename_all = "snake_case")]
pub enum AttendanceStatus {
    Present,
    Late,
    EarlyLeave,
    Leave,
    Absent,
}

stored_enum! {
    /// Where a record came from.
    #[derive(serde::Serialize)]
    #[serde(rename_all = "snake_case")]
    pub enum AttendanceSource {
        /// The trainee scanned the screen's code.
        Scan => "scan",
        /// Entered or corrected by staff (补签, with a reason in the audit trail).
        Staff => "staff",
        /// Marked 旷课 when check-in closed without a record.
        Auto => "auto",
        /// Written by an approved leave request.
        Leave => "leave",
    }
}
