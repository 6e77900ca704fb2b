use sea_orm::entity::prelude::*;

use super::stored_enum;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "warning")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub kind: Threshold,
    pub message: String,
    pub detail: Json,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// A line a trainee can cross. Each is announced once per trainee.
    #[derive(PartialOrd, Ord, serde::Serialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum Threshold {
        /// Leave reached 70 % of the limit.
        #[serde(rename = "leave_70")]
        Leave70 => "leave_70",
        /// Leave reached the limit (still allowed, one more hour is not).
        #[serde(rename = "leave_100")]
        Leave100 => "leave_100",
        /// Leave is over the limit: withdrawal under the 条例.
        LeaveOver => "leave_over",
        /// 旷课 reached the class's limit.
        AbsenceReached => "absence_reached",
        /// 旷课 is over the class's limit.
        AbsenceOver => "absence_over",
        /// 迟到 + 早退 reached the class's count.
        LatesReached => "lates_reached",
    }
}
