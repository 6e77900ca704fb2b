//! Watched time and what it makes of a trainee: join intervals clipped to the scheduled window, overlaps merged (two
//! devices at once are not double time), summed; then the class's rule turns minutes into a status.

use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

use crate::entity::attendance::AttendanceStatus;

/// One stretch in the meeting: joined at `from`, left at `to`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    pub from: DateTime<Utc>,
    pub to: DateTime<Utc>,
}

/// What the intervals of one trainee amount to within the scheduled window.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Watched {
    /// Merged time inside the window.
    pub within: Duration,
    /// The first join and the last leave (unclipped), when the export gives times.
    pub first_join: Option<DateTime<Utc>>,
    pub last_leave: Option<DateTime<Utc>>,
}

/// Clips each interval to `[start, end)`, merges overlaps and sums. Order of the intervals does not matter, the
/// result never exceeds the window, and the same interval twice counts once.
pub fn watched(start: DateTime<Utc>, end: DateTime<Utc>, intervals: &[Interval]) -> Watched {
    let mut clipped: Vec<(DateTime<Utc>, DateTime<Utc>)> = intervals
        .iter()
        .filter(|i| i.to > i.from)
        .map(|i| (i.from.max(start), i.to.min(end)))
        .filter(|(from, to)| to > from)
        .collect();
    clipped.sort();
    let mut within = Duration::zero();
    let mut current: Option<(DateTime<Utc>, DateTime<Utc>)> = None;
    for (from, to) in clipped {
        current = match current {
            Some((cf, ct)) if from <= ct => Some((cf, ct.max(to))),
            Some((cf, ct)) => {
                within += ct - cf;
                Some((from, to))
            }
            None => Some((from, to)),
        };
    }
    if let Some((cf, ct)) = current {
        within += ct - cf;
    }
    let valid = intervals.iter().filter(|i| i.to > i.from);
    Watched { within, first_join: valid.clone().map(|i| i.from).min(), last_leave: valid.map(|i| i.to).max() }
}

/// How an online session's watched time becomes attendance. Per class, with a per-session override.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineRule {
    /// Present at this share of the scheduled duration or more (default 80).
    #[schema(minimum = 1, maximum = 100)]
    pub present_percent: u8,
    /// Absent below this share (default 30).
    #[schema(minimum = 0, maximum = 100)]
    pub absent_below_percent: u8,
    /// Between the two: this status (default 早退, `early_leave`).
    pub short_status: AttendanceStatus,
    /// Late when the first join is more than this many minutes after the start (default 5).
    #[schema(minimum = 0)]
    pub late_minutes: u32,
    /// Early leave when the last leave is more than this many minutes before the end (default 5).
    #[schema(minimum = 0)]
    pub early_minutes: u32,
}

impl Default for OnlineRule {
    fn default() -> Self {
        Self {
            present_percent: 80,
            absent_below_percent: 30,
            short_status: AttendanceStatus::EarlyLeave,
            late_minutes: 5,
            early_minutes: 5,
        }
    }
}

impl OnlineRule {
    /// Whether the figures make sense together; the Chinese message names what is wrong.
    pub fn check(&self) -> Result<(), &'static str> {
        if !(1..=100).contains(&self.present_percent) {
            return Err("出勤所需观看比例应在 1% 到 100% 之间");
        }
        if self.absent_below_percent >= self.present_percent {
            return Err("缺勤比例应低于出勤所需观看比例");
        }
        if !matches!(
            self.short_status,
            AttendanceStatus::EarlyLeave | AttendanceStatus::Late | AttendanceStatus::Absent
        ) {
            return Err("观看不足时的状态只能是早退、迟到或缺勤");
        }
        Ok(())
    }

    /// The status of a trainee who watched `w` of a session scheduled `[start, end)`.
    pub fn status(&self, start: DateTime<Utc>, end: DateTime<Utc>, w: &Watched) -> AttendanceStatus {
        let scheduled = (end - start).num_seconds().max(1);
        // Whole-second arithmetic, compared without rounding: 80 % of 90 minutes is exactly 72 minutes.
        let watched = w.within.num_seconds().clamp(0, scheduled);
        if watched * 100 < i64::from(self.absent_below_percent) * scheduled || watched == 0 {
            return AttendanceStatus::Absent;
        }
        if watched * 100 < i64::from(self.present_percent) * scheduled {
            return self.short_status;
        }
        if w.first_join.is_some_and(|j| j > start + Duration::minutes(i64::from(self.late_minutes))) {
            return AttendanceStatus::Late;
        }
        if w.last_leave.is_some_and(|l| l < end - Duration::minutes(i64::from(self.early_minutes))) {
            return AttendanceStatus::EarlyLeave;
        }
        AttendanceStatus::Present
    }
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;
    use proptest::prelude::*;

    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 0, 30, 0).unwrap() + Duration::minutes(min)
    }

    fn iv(a: i64, b: i64) -> Interval {
        Interval { from: t(a), to: t(b) }
    }

    #[test]
    fn overlaps_merge_and_the_window_clips() {
        // Two devices 10–50 and 30–70, one join before the start, one after the end.
        let w = watched(t(0), t(90), &[iv(10, 50), iv(30, 70), iv(-20, 5), iv(95, 120)]);
        assert_eq!(w.within, Duration::minutes(65), "5 + (10..70)");
        assert_eq!((w.first_join, w.last_leave), (Some(t(-20)), Some(t(120))));
        assert_eq!(watched(t(0), t(90), &[iv(50, 40)]).within, Duration::zero(), "a leave before its join is ignored");
    }

    #[test]
    fn the_rule_at_its_boundaries() {
        let rule = OnlineRule::default();
        let status = |intervals: &[Interval]| rule.status(t(0), t(90), &watched(t(0), t(90), intervals));
        assert_eq!(status(&[iv(0, 72)]), AttendanceStatus::EarlyLeave, "80 % exactly, but left 18 min early");
        assert_eq!(status(&[iv(0, 40), iv(58, 90)]), AttendanceStatus::Present, "80 % exactly, there at both ends");
        assert_eq!(status(&[iv(0, 40), iv(59, 90)]), AttendanceStatus::EarlyLeave, "one minute short: 早退");
        assert_eq!(status(&[iv(6, 90)]), AttendanceStatus::Late, "joined 6 minutes late, watched 93 %");
        assert_eq!(status(&[iv(5, 90)]), AttendanceStatus::Present, "5 minutes late is allowed");
        assert_eq!(status(&[iv(0, 27)]), AttendanceStatus::EarlyLeave, "30 % exactly is not absent");
        assert_eq!(status(&[iv(0, 26)]), AttendanceStatus::Absent);
        assert_eq!(status(&[]), AttendanceStatus::Absent);
        // Minutes only (钉钉 gives a duration, no times): decided by the share alone.
        let minutes_only = Watched { within: Duration::minutes(75), first_join: None, last_leave: None };
        assert_eq!(rule.status(t(0), t(90), &minutes_only), AttendanceStatus::Present);
    }

    #[test]
    fn a_rule_that_contradicts_itself_is_refused() {
        assert!(OnlineRule::default().check().is_ok());
        let bad = OnlineRule { absent_below_percent: 80, ..OnlineRule::default() };
        assert!(bad.check().is_err());
        let bad = OnlineRule { short_status: AttendanceStatus::Present, ..OnlineRule::default() };
        assert!(bad.check().is_err());
    }

    fn intervals() -> impl Strategy<Value = Vec<Interval>> {
        prop::collection::vec((-60i64..200, 0i64..120).prop_map(|(a, len)| iv(a, a + len)), 0..12)
    }

    proptest! {
        #[test]
        fn never_more_than_the_window_order_independent_and_idempotent(mut ivs in intervals(), len in 1i64..180) {
            let (start, end) = (t(0), t(len));
            let w = watched(start, end, &ivs);
            prop_assert!(w.within <= end - start);
            prop_assert!(w.within >= Duration::zero());
            let doubled: Vec<Interval> = ivs.iter().chain(ivs.iter()).copied().collect();
            prop_assert_eq!(watched(start, end, &doubled), w);
            ivs.reverse();
            prop_assert_eq!(watched(start, end, &ivs), w);
            // Never more than the plain sum of the clipped parts.
            let sum: i64 = ivs.iter().map(|i| (i.to.min(end) - i.from.max(start)).num_seconds().max(0)).sum();
            prop_assert!(w.within.num_seconds() <= sum);
        }
    }
}
