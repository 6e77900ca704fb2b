use chrono::{DateTime, Utc};

use crate::entity::class_session;

pub use crate::entity::attendance::AttendanceStatus;

impl AttendanceStatus {
    pub fn label(self) -> &'static str {
        match self {
            AttendanceStatus::Present => "出勤",
            AttendanceStatus::Late => "迟到",
            AttendanceStatus::EarlyLeave => "早退",
            AttendanceStatus::Leave => "请假",
            AttendanceStatus::Absent => "旷课",
            AttendanceStatus::Exempt => "不计考勤",
        }
    }

    /// The one rule for "was there": present, late or left early. Attended sessions earn their 学时; leave and
    /// 旷课 do not.
    pub fn attended(self) -> bool {
        matches!(self, AttendanceStatus::Present | AttendanceStatus::Late | AttendanceStatus::EarlyLeave)
    }

    /// The statuses that count as attended, for queries.
    pub const ATTENDED: [AttendanceStatus; 3] =
        [AttendanceStatus::Present, AttendanceStatus::Late, AttendanceStatus::EarlyLeave];
}

/// Attended 学时 (hundredths): those of sessions in person, and those of online sessions up to `online_cap` (a
/// class policy's cap; `None`: no cap).
pub fn attended_centi(in_person: i64, online: i64, online_cap: Option<i64>) -> i64 {
    in_person + online_cap.map_or(online, |cap| online.min(cap))
}

/// A class's cap on online 学时 in hundredths (`None`: no cap): the completion rules' `online_cap`, passed in by
/// callers so that attendance need not depend on the completion rules.
pub type OnlineCap = fn(&crate::entity::training_class::Model) -> Option<i64>;

/// Records by status: the one tally behind live counts, the daily notice, a trainee's totals, completion facts and
/// the reports. The API shapes built from it keep their own field names.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Tally {
    pub present: u64,
    pub late: u64,
    pub early_leave: u64,
    pub leave: u64,
    pub absent: u64,
    /// 不计考勤: recorded, but neither attended nor missed.
    pub exempt: u64,
}

impl Tally {
    pub fn add(&mut self, status: AttendanceStatus) {
        match status {
            AttendanceStatus::Present => self.present += 1,
            AttendanceStatus::Late => self.late += 1,
            AttendanceStatus::EarlyLeave => self.early_leave += 1,
            AttendanceStatus::Leave => self.leave += 1,
            AttendanceStatus::Absent => self.absent += 1,
            AttendanceStatus::Exempt => self.exempt += 1,
        }
    }

    /// Sessions attended under [`AttendanceStatus::attended`].
    pub fn attended(&self) -> u64 {
        self.present + self.late + self.early_leave
    }

    /// 迟到 and 早退 together, as local lateness limits count them.
    pub fn lates_and_early_leaves(&self) -> u64 {
        self.late + self.early_leave
    }

    pub fn recorded(&self) -> u64 {
        self.attended() + self.leave + self.absent + self.exempt
    }

    /// 出勤, 迟到, 早退, 请假, 旷课 as report cells, in that order (the column order of every report).
    pub fn cells(&self) -> [String; 5] {
        [self.present, self.late, self.early_leave, self.leave, self.absent].map(|n| n.to_string())
    }
}

impl FromIterator<AttendanceStatus> for Tally {
    fn from_iter<I: IntoIterator<Item = AttendanceStatus>>(iter: I) -> Self {
        let mut t = Tally::default();
        for s in iter {
            t.add(s);
        }
        t
    }
}

pub use crate::timetable::window::{
    CHECKOUT_GRACE, EARLY_LEAVE_MARGIN, WindowState, checkout_open, closes_at, is_early_leave, late_from, opens_at,
    window_state,
};

/// The status a check-in at `at` earns: present up to and including the late threshold, late after it.
pub fn status_for_check_in(s: &class_session::Model, at: DateTime<Utc>) -> AttendanceStatus {
    if at <= late_from(s) { AttendanceStatus::Present } else { AttendanceStatus::Late }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_present_late_and_early_leave_count_as_attended() {
        let t: Tally = [
            AttendanceStatus::Present,
            AttendanceStatus::Late,
            AttendanceStatus::EarlyLeave,
            AttendanceStatus::Leave,
            AttendanceStatus::Absent,
            AttendanceStatus::Late,
        ]
        .into_iter()
        .collect();
        assert_eq!(t.attended(), 4);
        assert_eq!(t.recorded(), 6);
        assert_eq!(t.lates_and_early_leaves(), 3);
        for s in AttendanceStatus::ATTENDED {
            assert!(s.attended());
        }
        assert!(!AttendanceStatus::Leave.attended() && !AttendanceStatus::Absent.attended());
    }
}
