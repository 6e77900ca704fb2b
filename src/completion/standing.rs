//! Pure arithmetic over a trainee's facts: where they stand against the class's limits. No I/O.
//!
//! 学时 are hundredths (`centi`), and the leave limit is a fraction, so every comparison is done in integers:
//! `leave / total > num / den` ⇔ `leave × den > total × num`. No rounding can move a trainee across a line.

use super::facts::Facts;
use super::policy::{CompletionPolicy, LeaveFraction};

pub use crate::entity::warning::Threshold;

impl Threshold {
    pub fn label(self) -> &'static str {
        match self {
            Threshold::Leave70 => "请假达上限 70%",
            Threshold::Leave100 => "请假达上限",
            Threshold::LeaveOver => "请假超过上限",
            Threshold::AbsenceReached => "旷课达上限",
            Threshold::AbsenceOver => "旷课超过上限",
            Threshold::LatesReached => "迟到早退次数较多",
        }
    }

    /// Over a line (as opposed to near it).
    pub fn is_breach(self) -> bool {
        matches!(self, Threshold::LeaveOver | Threshold::AbsenceOver)
    }
}

/// Whether leave has reached `percent` % of the limit: `leave × den × 100 ≥ total × num × percent`.
/// No leave never reaches anything, even when the class has no 学时 yet.
pub fn leave_reaches(leave_centi: i64, total_centi: i64, limit: LeaveFraction, percent: u32) -> bool {
    leave_centi > 0
        && i128::from(leave_centi) * i128::from(limit.den) * 100
            >= i128::from(total_centi) * i128::from(limit.num) * i128::from(percent)
}

/// Whether leave is over the limit: `leave × den > total × num`.
pub fn leave_over(leave_centi: i64, total_centi: i64, limit: LeaveFraction) -> bool {
    i128::from(leave_centi) * i128::from(limit.den) > i128::from(total_centi) * i128::from(limit.num)
}

/// The limit in 学时, for people to read: `total × num / den`, to two decimals (rounded half up).
pub fn leave_limit_hours(total_centi: i64, limit: LeaveFraction) -> String {
    if limit.den == 0 {
        return "0.00".to_owned();
    }
    let num = i128::from(total_centi) * i128::from(limit.num);
    let den = i128::from(limit.den);
    let centi = (2 * num + den) / (2 * den);
    fmt_centi(centi as i64)
}

/// Hundredths of a 学时 as `7.50`.
pub fn fmt_centi(centi: i64) -> String {
    let sign = if centi < 0 { "-" } else { "" };
    let c = centi.abs();
    format!("{sign}{}.{:02}", c / 100, c % 100)
}

/// Hundredths of a 学时 without trailing zeros: `7.5`, `48`, `6.86`.
pub fn trim_centi(centi: i64) -> String {
    let s = fmt_centi(centi);
    s.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// Every line the trainee has reached, in order.
pub fn thresholds(policy: &CompletionPolicy, f: &Facts) -> Vec<Threshold> {
    let mut out = Vec::new();
    let limit = policy.leave_limit;
    if leave_reaches(f.leave_centi, f.total_centi, limit, 70) {
        out.push(Threshold::Leave70);
    }
    if leave_reaches(f.leave_centi, f.total_centi, limit, 100) {
        out.push(Threshold::Leave100);
    }
    if f.leave_centi > 0 && leave_over(f.leave_centi, f.total_centi, limit) {
        out.push(Threshold::LeaveOver);
    }
    if let Some(max) = policy.max_absences {
        if f.absences > 0 && f.absences >= max {
            out.push(Threshold::AbsenceReached);
        }
        if f.absences > max {
            out.push(Threshold::AbsenceOver);
        }
    }
    if let Some(max) = policy.late_warning_at
        && max > 0
        && f.lates + f.early_leaves >= max
    {
        out.push(Threshold::LatesReached);
    }
    out
}

/// What the trainee and their staff read when a line is reached.
pub fn message(t: Threshold, policy: &CompletionPolicy, f: &Facts) -> String {
    let limit = policy.leave_limit;
    let leave = fmt_centi(f.leave_centi);
    let cap = leave_limit_hours(f.total_centi, limit);
    let total = fmt_centi(f.total_centi);
    let frac = format!("{}/{}", limit.num, limit.den);
    match t {
        Threshold::Leave70 => format!(
            "累计请假 {leave} 学时，已达到请假上限（总学时 {total} 的 {frac}，即 {cap} 学时）的 70%，请合理安排。"
        ),
        Threshold::Leave100 => format!(
            "累计请假 {leave} 学时，已达到请假上限（总学时 {total} 的 {frac}，即 {cap} 学时），再请假将超过上限。"
        ),
        Threshold::LeaveOver => {
            format!("累计请假 {leave} 学时，超过总学时 {total} 的 {frac}（{cap} 学时），按规定应予退学，请联系班主任。")
        }
        Threshold::AbsenceReached => format!(
            "累计旷课 {} 次，已达到本班上限 {} 次，再旷课将不能结业。",
            f.absences,
            policy.max_absences.unwrap_or(0)
        ),
        Threshold::AbsenceOver => format!(
            "累计旷课 {} 次，超过本班上限 {} 次，将不能结业，请联系班主任。",
            f.absences,
            policy.max_absences.unwrap_or(0)
        ),
        Threshold::LatesReached => format!("累计迟到 {} 次、早退 {} 次，请严格遵守作息时间。", f.lates, f.early_leaves),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn facts(leave_centi: i64, total_centi: i64) -> Facts {
        Facts { leave_centi, total_centi, ..Facts::default() }
    }

    #[test]
    fn one_seventh_at_its_boundaries() {
        let seventh = LeaveFraction { num: 1, den: 7 };
        // (leave, total, reaches 70 %, reaches 100 %, over)
        let table: &[(i64, i64, bool, bool, bool)] = &[
            (0, 4800, false, false, false),
            // 48 学时: the limit is 6.857…; 70 % of it is 4.8.
            (479, 4800, false, false, false),
            (480, 4800, true, false, false),
            (685, 4800, true, false, false),
            (686, 4800, true, true, true), // 6.86 > 6.857…: over, not "at"
            (750, 4800, true, true, true),
            // 49 学时: the limit is exactly 7.
            (699, 4900, true, false, false),
            (700, 4900, true, true, false),
            (701, 4900, true, true, true),
            // Fractional 学时: 10.5 total → limit 1.5 exactly; 70 % is 1.05.
            (104, 1050, false, false, false),
            (105, 1050, true, false, false),
            (150, 1050, true, true, false),
            (151, 1050, true, true, true),
            // 3.5 学时 of leave in a 24.5 学时 class: exactly 1/7.
            (350, 2450, true, true, false),
            // A class without 学时: any leave is over.
            (50, 0, true, true, true),
        ];
        for &(leave, total, r70, r100, over) in table {
            let f = facts(leave, total);
            assert_eq!(leave_reaches(f.leave_centi, f.total_centi, seventh, 70), r70, "70% {leave}/{total}");
            assert_eq!(leave_reaches(f.leave_centi, f.total_centi, seventh, 100), r100, "100% {leave}/{total}");
            assert_eq!(leave_over(f.leave_centi, f.total_centi, seventh), over, "over {leave}/{total}");
        }
    }

    #[test]
    fn limit_reads_to_two_decimals() {
        let seventh = LeaveFraction { num: 1, den: 7 };
        assert_eq!(leave_limit_hours(4800, seventh), "6.86");
        assert_eq!(leave_limit_hours(4900, seventh), "7.00");
        assert_eq!(leave_limit_hours(1050, seventh), "1.50");
        assert_eq!(fmt_centi(750), "7.50");
        assert_eq!(fmt_centi(5), "0.05");
    }

    #[test]
    fn absence_and_lateness_lines() {
        let policy =
            CompletionPolicy { max_absences: Some(2), late_warning_at: Some(3), ..CompletionPolicy::default() };
        let mut f = Facts { total_centi: 4800, ..Facts::default() };
        assert!(thresholds(&policy, &f).is_empty());
        f.absences = 2;
        assert_eq!(thresholds(&policy, &f), vec![Threshold::AbsenceReached]);
        f.absences = 3;
        assert_eq!(thresholds(&policy, &f), vec![Threshold::AbsenceReached, Threshold::AbsenceOver]);
        f.absences = 0;
        f.lates = 2;
        f.early_leaves = 1;
        assert_eq!(thresholds(&policy, &f), vec![Threshold::LatesReached]);
        let strict = CompletionPolicy { max_absences: Some(0), ..policy };
        f.absences = 1;
        assert!(thresholds(&strict, &f).contains(&Threshold::AbsenceOver));
    }

    #[test]
    fn message_names_the_numbers() {
        let policy = CompletionPolicy::default();
        let f = facts(750, 4800);
        assert_eq!(
            message(Threshold::LeaveOver, &policy, &f),
            "累计请假 7.50 学时，超过总学时 48.00 的 1/7（6.86 学时），按规定应予退学，请联系班主任。"
        );
    }
}
