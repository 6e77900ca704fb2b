use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::entity::class_session;
use crate::error::{AppError, AppResult};

pub use crate::entity::class_session::SessionKind;

impl SessionKind {
    pub fn label(self) -> &'static str {
        match self {
            SessionKind::Lecture => "讲授",
            SessionKind::Onsite => "现场教学",
            SessionKind::Discussion => "研讨",
            SessionKind::OnlineLive => "在线直播",
            SessionKind::Morning => "晨读/体育",
            SessionKind::Other => "其他",
        }
    }

    /// From a timetable cell: the Chinese names staff write, or the API names.
    pub fn from_label(s: &str) -> Option<Self> {
        match s.trim() {
            "" | "讲授" | "理论课" | "党性课" | "能力课" | "专题讲座" | "讲座" => {
                Some(SessionKind::Lecture)
            }
            "现场教学" | "现场" => Some(SessionKind::Onsite),
            "研讨" | "结构化研讨" | "讨论" => Some(SessionKind::Discussion),
            "在线直播" | "直播" | "在线" => Some(SessionKind::OnlineLive),
            "晨读" | "体育" | "晨读/体育" | "晨练" => Some(SessionKind::Morning),
            "其他" => Some(SessionKind::Other),
            other => SessionKind::parse(other),
        }
    }
}

pub use crate::entity::class_session::CoordSystem;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Geofence {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: f64,
    /// Metres, 10–5000.
    #[schema(minimum = 10, maximum = 5000)]
    pub radius_m: i32,
    pub coord: CoordSystem,
}

impl Geofence {
    /// A session's geofence, when all its parts are set.
    pub fn of(m: &class_session::Model) -> Option<Geofence> {
        match (m.geo_lat, m.geo_lng, m.geo_radius_m, m.geo_coord) {
            (Some(lat), Some(lng), Some(radius_m), Some(coord)) => Some(Geofence { lat, lng, radius_m, coord }),
            _ => None,
        }
    }

    pub fn validate(self) -> AppResult<Self> {
        if !(-90.0..=90.0).contains(&self.lat) || !(-180.0..=180.0).contains(&self.lng) {
            return Err(AppError::validation("签到范围的经纬度不正确"));
        }
        if !(10..=5000).contains(&self.radius_m) {
            return Err(AppError::validation("签到范围半径应在 10 到 5000 米之间"));
        }
        Ok(self)
    }
}

/// When check-in is open, relative to the session's start: opens `open_before_min` before, counts as late from
/// `late_after_min` after, closes `close_after_min` after.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckWindow {
    #[schema(minimum = 0, maximum = 240)]
    pub open_before_min: i32,
    #[schema(minimum = 0, maximum = 240)]
    pub late_after_min: i32,
    #[schema(minimum = 0, maximum = 1440)]
    pub close_after_min: i32,
}

impl Default for CheckWindow {
    fn default() -> Self {
        Self { open_before_min: 30, late_after_min: 5, close_after_min: 30 }
    }
}

impl CheckWindow {
    pub fn validate(self) -> AppResult<Self> {
        let ok = (0..=240).contains(&self.open_before_min)
            && (0..=240).contains(&self.late_after_min)
            && self.close_after_min >= self.late_after_min
            && self.close_after_min <= 24 * 60;
        if !ok {
            return Err(AppError::validation(
                "签到时间设置不正确：提前开放 0–240 分钟，迟到界限 0–240 分钟，截止时间不早于迟到界限",
            ));
        }
        Ok(self)
    }
}

/// 学时 as hundredths, so sums and ratios are exact.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub struct Credit(pub i32);

impl Credit {
    pub fn from_hours(hours: f64) -> AppResult<Self> {
        let centi = (hours * 100.0).round();
        if !hours.is_finite() || !(0.0..=2400.0).contains(&centi) || (hours * 100.0 - centi).abs() > 1e-6 {
            return Err(AppError::validation("学时应为 0 到 24 之间的数，最多两位小数"));
        }
        Ok(Self(centi as i32))
    }

    pub fn hours(self) -> f64 {
        f64::from(self.0) / 100.0
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct SessionView {
    pub id: Uuid,
    pub class_id: Uuid,
    pub title: String,
    pub kind: SessionKind,
    pub kind_label: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 学时 credited for attending.
    pub credit_hours: f64,
    pub venue: Option<String>,
    /// 授课教师.
    pub teacher: Option<String>,
    pub geofence: Option<Geofence>,
    pub window: CheckWindow,
    pub checkout_required: bool,
    pub counts_toward_attendance: bool,
    /// How often the classroom QR code changes.
    pub rotation_seconds: i32,
}

impl From<&class_session::Model> for SessionView {
    fn from(m: &class_session::Model) -> Self {
        let kind = m.kind;
        let geofence = Geofence::of(m);
        Self {
            id: m.id,
            class_id: m.class_id,
            title: m.title.clone(),
            kind,
            kind_label: kind.label().to_owned(),
            starts_at: m.starts_at,
            ends_at: m.ends_at,
            credit_hours: Credit(m.credit_centi).hours(),
            venue: m.venue.clone(),
            teacher: m.teacher.clone(),
            geofence,
            window: CheckWindow {
                open_before_min: m.open_before_min,
                late_after_min: m.late_after_min,
                close_after_min: m.close_after_min,
            },
            checkout_required: m.checkout_required,
            counts_toward_attendance: m.counts_toward_attendance,
            rotation_seconds: m.rotation_seconds,
        }
    }
}

/// A session to create, or the fields of one to change (edits send only what changes).
#[derive(Debug, Clone, Default)]
pub struct SessionInput {
    pub title: Option<String>,
    pub kind: Option<SessionKind>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    pub credit_hours: Option<f64>,
    pub venue: Option<Option<String>>,
    pub teacher: Option<Option<String>>,
    pub geofence: Option<Option<Geofence>>,
    pub window: Option<CheckWindow>,
    pub checkout_required: Option<bool>,
    pub counts_toward_attendance: Option<bool>,
    pub rotation_seconds: Option<i32>,
}

impl SessionInput {
    /// Whether the edit touches a field that decides attendance results (times, 学时, window, check-out,
    /// counting). Place, title and geofence only affect check-ins still to come.
    pub fn changes_results(&self, current: &class_session::Model) -> bool {
        self.starts_at.is_some_and(|v| v != current.starts_at)
            || self.ends_at.is_some_and(|v| v != current.ends_at)
            || self.credit_hours.is_some_and(|v| Credit::from_hours(v).map(|c| c.0).ok() != Some(current.credit_centi))
            || self.window.is_some_and(|w| {
                (w.open_before_min, w.late_after_min, w.close_after_min)
                    != (current.open_before_min, current.late_after_min, current.close_after_min)
            })
            || self.checkout_required.is_some_and(|v| v != current.checkout_required)
            || self.counts_toward_attendance.is_some_and(|v| v != current.counts_toward_attendance)
    }
}
