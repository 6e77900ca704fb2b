use sea_orm::entity::prelude::*;

pub use super::vocab::{CoordSystem, OnlinePlatform, SessionKind};

#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "class_session")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub class_id: Uuid,
    pub title: String,
    pub kind: SessionKind,
    pub starts_at: DateTimeUtc,
    pub ends_at: DateTimeUtc,
    /// 学时 × 100.
    pub credit_centi: i32,
    pub venue: Option<String>,
    pub geo_lat: Option<f64>,
    pub geo_lng: Option<f64>,
    pub geo_radius_m: Option<i32>,
    pub geo_coord: Option<CoordSystem>,
    pub open_before_min: i32,
    pub late_after_min: i32,
    pub close_after_min: i32,
    pub checkout_required: bool,
    pub counts_toward_attendance: bool,
    pub rotation_seconds: i32,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    /// Staff opened check-in by hand (before the scheduled window, or to reopen it).
    pub opened_at: Option<DateTimeUtc>,
    /// Staff closed check-in by hand.
    pub closed_at: Option<DateTimeUtc>,
    /// When trainees without a record were marked absent after the window closed.
    pub absences_marked_at: Option<DateTimeUtc>,
    /// Online sessions: where they are streamed.
    pub online_platform: Option<OnlinePlatform>,
    /// 会议号, shown to trainees.
    pub meeting_number: Option<String>,
    /// The join link, shown to trainees.
    pub join_url: Option<String>,
    /// This session's own online rule (`OnlineRule`, JSON) (`None`: the class's).
    pub online_rule: Option<Json>,
    /// 授课教师 (the teacher's name as the timetable gives it), for evaluation results per teacher.
    pub teacher: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
