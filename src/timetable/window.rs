//! A session's check-in window: when it opens, turns late, and closes, from the timetable and any staff
//! open/close. Pure functions of the session row and the time.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use crate::entity::class_session;

/// Leaving more than this long before the end counts as 早退.
pub const EARLY_LEAVE_MARGIN: Duration = Duration::minutes(10);
/// Check-out stays possible this long after the end.
pub const CHECKOUT_GRACE: Duration = Duration::minutes(30);

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum WindowState {
    NotOpen,
    Open,
    Closed,
}

/// When check-in opens, turns late, and closes for a session.
pub fn opens_at(s: &class_session::Model) -> DateTime<Utc> {
    s.starts_at - Duration::minutes(i64::from(s.open_before_min))
}

pub fn late_from(s: &class_session::Model) -> DateTime<Utc> {
    s.starts_at + Duration::minutes(i64::from(s.late_after_min))
}

/// When check-in closes: a staff member's close, or the scheduled one.
pub fn closes_at(s: &class_session::Model) -> DateTime<Utc> {
    let scheduled = s.starts_at + Duration::minutes(i64::from(s.close_after_min));
    match (s.opened_at, s.closed_at) {
        (_, Some(closed)) => closed,
        // Opened by hand: stays open until closed by hand or the session ends.
        (Some(_), None) => scheduled.max(s.ends_at),
        (None, None) => scheduled,
    }
}

/// Check-in state at `now`.
pub fn window_state(s: &class_session::Model, now: DateTime<Utc>) -> WindowState {
    if s.closed_at.is_some_and(|c| c <= now) {
        return WindowState::Closed;
    }
    let opened = s.opened_at.is_some_and(|o| o <= now) || now >= opens_at(s);
    if !opened {
        WindowState::NotOpen
    } else if now > closes_at(s) {
        WindowState::Closed
    } else {
        WindowState::Open
    }
}

/// Whether check-out is possible at `now`: from the start until a while after the end.
pub fn checkout_open(s: &class_session::Model, now: DateTime<Utc>) -> bool {
    now >= s.starts_at && now <= s.ends_at + CHECKOUT_GRACE
}

/// Whether a check-out at `at` is 早退.
pub fn is_early_leave(s: &class_session::Model, at: DateTime<Utc>) -> bool {
    at < s.ends_at - EARLY_LEAVE_MARGIN
}
