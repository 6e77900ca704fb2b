use sea_orm::entity::prelude::*;

use super::stored_enum;

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
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}

stored_enum! {
    /// 讲授, 现场教学 (on-site teaching at an outside site), 研讨, 在线直播, 晨读/体育, 其他.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum SessionKind {
        Lecture => "lecture",
        Onsite => "onsite",
        Discussion => "discussion",
        OnlineLive => "online_live",
        Morning => "morning",
        Other => "other",
    }
}

stored_enum! {
    /// The coordinate system a geofence centre is given in. Maps in China use GCJ-02; GPS and `wx.getLocation` by
    /// default give WGS-84. Stored as given; converted explicitly when compared.
    #[derive(serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
    #[serde(rename_all = "snake_case")]
    pub enum CoordSystem {
        Wgs84 => "wgs84",
        Gcj02 => "gcj02",
    }
}
