//! The completion decision (结业): a pure function from a trainee's facts and the class's policy to `eligible`, or
//! `withheld` with every reason and its numbers. The live list, the warnings' limits, issuance and the unit reports
//! all call it, so they never disagree.

use serde::Serialize;

use super::facts::Facts;
use super::policy::{AbsenceUnit, CompletionPolicy};
use super::standing::{leave_over, trim_centi};

/// Why completion is withheld.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonCode {
    /// Leave over the fraction of the total 学时.
    LeaveOverLimit,
    /// 旷课 (with converted lateness) over the limit.
    AbsencesOverLimit,
    /// 迟到 + 早退 over their own limit.
    LatesOverLimit,
    /// A standing 违纪 at or above the policy's severity.
    Discipline,
    /// Attended 学时 below the minimum.
    AttendedBelowMinimum,
    /// The class requires the evaluation (教学评估) and it is not answered.
    EvaluationNotAnswered,
    /// An administrator withheld it by hand.
    WithheldByAdmin,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub code: ReasonCode,
    /// For people, with the numbers, e.g. 请假 7.5 学时，超过总学时 48 的 1/7（6.86 学时）.
    pub message: String,
}

/// The decision the rules make on their own.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RuleDecision {
    pub eligible: bool,
    /// Empty exactly when eligible.
    pub reasons: Vec<Reason>,
}

/// 旷课 counted in the policy's unit, and how many of them come from converted lateness.
pub fn counted_absences(policy: &CompletionPolicy, f: &Facts) -> (u32, u32) {
    let own = match policy.absence_unit {
        AbsenceUnit::Sessions => f.absences,
        AbsenceUnit::HalfDays => f.absent_half_days,
    };
    let converted = policy.lates_per_absence.filter(|n| *n > 0).map(|n| (f.lates + f.early_leaves) / n).unwrap_or(0);
    (own + converted, converted)
}

pub fn decide(policy: &CompletionPolicy, f: &Facts) -> RuleDecision {
    let mut reasons = Vec::new();
    let limit = policy.leave_limit;
    if f.leave_centi > 0 && leave_over(f.leave_centi, f.total_centi, limit) {
        let cap = super::standing::leave_limit_hours(f.total_centi, limit);
        reasons.push(Reason {
            code: ReasonCode::LeaveOverLimit,
            message: format!(
                "请假 {} 学时，超过总学时 {} 的 {}/{}（{} 学时）",
                trim_centi(f.leave_centi),
                trim_centi(f.total_centi),
                limit.num,
                limit.den,
                cap
            ),
        });
    }
    if let Some(max) = policy.max_absences {
        let (counted, converted) = counted_absences(policy, f);
        if counted > max {
            let unit = policy.absence_unit.label();
            let own = counted - converted;
            let message = if converted > 0 {
                format!(
                    "旷课 {own} {unit}，迟到早退 {} 次折合旷课 {converted} {unit}，合计 {counted} {unit}，超过上限 {max} {unit}",
                    f.lates + f.early_leaves
                )
            } else {
                format!("旷课 {own} {unit}，超过上限 {max} {unit}")
            };
            reasons.push(Reason { code: ReasonCode::AbsencesOverLimit, message });
        }
    }
    if let Some(max) = policy.max_lates
        && f.lates + f.early_leaves > max
    {
        reasons.push(Reason {
            code: ReasonCode::LatesOverLimit,
            message: format!("迟到 {} 次、早退 {} 次，超过上限 {max} 次", f.lates, f.early_leaves),
        });
    }
    if let Some(severity) = policy.withhold_severity {
        let n = f.records_at_least(severity);
        if n > 0 {
            let level = if severity == crate::discipline::Severity::Grave {
                severity.label().to_owned()
            } else {
                format!("{}及以上", severity.label())
            };
            reasons.push(Reason { code: ReasonCode::Discipline, message: format!("有 {n} 条{level}违纪记录") });
        }
    }
    if let Some(min) = policy.min_attended_centi()
        && f.attended_centi < min
    {
        reasons.push(Reason {
            code: ReasonCode::AttendedBelowMinimum,
            message: format!("实际参训 {} 学时，低于最低要求 {} 学时", trim_centi(f.attended_centi), trim_centi(min)),
        });
    }
    if policy.require_evaluation && f.evaluations_unanswered > 0 {
        reasons.push(Reason {
            code: ReasonCode::EvaluationNotAnswered,
            message: format!("有 {} 份教学评估未提交", f.evaluations_unanswered),
        });
    }
    RuleDecision { eligible: reasons.is_empty(), reasons }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use proptest::prelude::*;

    use super::*;
    use crate::completion::policy::LeaveFraction;
    use crate::discipline::Severity;

    fn codes(d: &RuleDecision) -> Vec<ReasonCode> {
        d.reasons.iter().map(|r| r.code).collect()
    }

    #[test]
    fn the_example_from_the_rules_reads_as_staff_write_it() {
        let f = Facts { total_centi: 4800, leave_centi: 750, ..Facts::default() };
        let d = decide(&CompletionPolicy::default(), &f);
        assert!(!d.eligible);
        assert_eq!(d.reasons[0].message, "请假 7.5 学时，超过总学时 48 的 1/7（6.86 学时）");
    }

    #[test]
    fn boundaries_table() {
        let base = CompletionPolicy::default();
        let half_days = CompletionPolicy { absence_unit: AbsenceUnit::HalfDays, ..base.clone() };
        let late_limit = CompletionPolicy { max_lates: Some(4), lates_per_absence: None, ..base.clone() };
        let minimum = CompletionPolicy { min_attended_hours: Some(40.5), ..base.clone() };
        let one_fifth = CompletionPolicy { leave_limit: LeaveFraction { num: 1, den: 5 }, ..base.clone() };
        let f = |leave: i64, total: i64| Facts { leave_centi: leave, total_centi: total, ..Facts::default() };
        let table: Vec<(&str, &CompletionPolicy, Facts, Vec<ReasonCode>)> = vec![
            ("exactly 1/7 of 24.5", &base, f(350, 2450), vec![]),
            ("one hundredth over 1/7 of 24.5", &base, f(351, 2450), vec![ReasonCode::LeaveOverLimit]),
            ("6.85 of 48 (limit 6.857…)", &base, f(685, 4800), vec![]),
            ("6.86 of 48", &base, f(686, 4800), vec![ReasonCode::LeaveOverLimit]),
            ("1/5: 9.6 of 48", &one_fifth, f(960, 4800), vec![]),
            ("1/5: 9.61 of 48", &one_fifth, f(961, 4800), vec![ReasonCode::LeaveOverLimit]),
            ("2 absences (limit 2)", &base, Facts { absences: 2, ..f(0, 4800) }, vec![]),
            ("3 absences", &base, Facts { absences: 3, ..f(0, 4800) }, vec![ReasonCode::AbsencesOverLimit]),
            // Three lates make one 旷课: 2 + 1 = 3 > 2.
            (
                "2 absences + 3 lates",
                &base,
                Facts { absences: 2, lates: 2, early_leaves: 1, ..f(0, 4800) },
                vec![ReasonCode::AbsencesOverLimit],
            ),
            ("2 absences + 2 lates", &base, Facts { absences: 2, lates: 2, ..f(0, 4800) }, vec![]),
            ("1 absence + 5 lates (one conversion)", &base, Facts { absences: 1, lates: 5, ..f(0, 4800) }, vec![]),
            (
                "1 absence + 6 lates (two conversions)",
                &base,
                Facts { absences: 1, lates: 6, ..f(0, 4800) },
                vec![ReasonCode::AbsencesOverLimit],
            ),
            // Half-days: three absent sessions on two half-days are 2, within the limit.
            ("3 sessions in 2 half-days", &half_days, Facts { absences: 3, absent_half_days: 2, ..f(0, 4800) }, vec![]),
            (
                "3 half-days",
                &half_days,
                Facts { absences: 3, absent_half_days: 3, ..f(0, 4800) },
                vec![ReasonCode::AbsencesOverLimit],
            ),
            ("4 lates (limit 4)", &late_limit, Facts { lates: 4, ..f(0, 4800) }, vec![]),
            (
                "3 lates + 2 early (limit 4)",
                &late_limit,
                Facts { lates: 3, early_leaves: 2, ..f(0, 4800) },
                vec![ReasonCode::LatesOverLimit],
            ),
            ("a minor record", &base, Facts { minor_records: 1, discipline_records: 1, ..f(0, 4800) }, vec![]),
            (
                "a serious record",
                &base,
                Facts { serious_records: 1, discipline_records: 1, ..f(0, 4800) },
                vec![ReasonCode::Discipline],
            ),
            ("40.5 attended of minimum 40.5", &minimum, Facts { attended_centi: 4050, ..f(0, 4800) }, vec![]),
            (
                "40.49 attended",
                &minimum,
                Facts { attended_centi: 4049, ..f(0, 4800) },
                vec![ReasonCode::AttendedBelowMinimum],
            ),
        ];
        for (name, policy, facts, expected) in table {
            assert_eq!(codes(&decide(policy, &facts)), expected, "{name}");
        }
    }

    #[test]
    fn reasons_carry_their_numbers() {
        let p = CompletionPolicy { absence_unit: AbsenceUnit::HalfDays, ..CompletionPolicy::default() };
        let f = Facts { total_centi: 4800, absent_half_days: 2, lates: 3, ..Facts::default() };
        assert_eq!(
            decide(&p, &f).reasons[0].message,
            "旷课 2 个半天，迟到早退 3 次折合旷课 1 个半天，合计 3 个半天，超过上限 2 个半天"
        );
        let f = Facts { total_centi: 4800, grave_records: 1, serious_records: 1, ..Facts::default() };
        assert_eq!(decide(&CompletionPolicy::default(), &f).reasons[0].message, "有 2 条较重及以上违纪记录");
    }

    fn facts() -> impl Strategy<Value = Facts> {
        (0i64..20_000, 0i64..5_000, 0u32..8, 0u32..8, 0u32..8, 0u32..3, 0u32..3, 0u32..3, 0i64..20_000).prop_map(
            |(total, leave, absences, lates, early, minor, serious, grave, attended)| Facts {
                total_centi: total,
                leave_centi: leave,
                absences,
                absent_half_days: absences.min(absences / 2 + 1),
                lates,
                early_leaves: early,
                attended_centi: attended,
                discipline_records: minor + serious + grave,
                minor_records: minor,
                serious_records: serious,
                grave_records: grave,
                ..Facts::default()
            },
        )
    }

    fn policy() -> impl Strategy<Value = CompletionPolicy> {
        (
            1u32..5,
            5u32..12,
            proptest::option::of(0u32..5),
            proptest::bool::ANY,
            proptest::option::of(1u32..5),
            proptest::option::of(0u32..8),
            proptest::option::of(prop_oneof![Just(Severity::Minor), Just(Severity::Serious), Just(Severity::Grave)]),
            proptest::option::of(0u32..150),
        )
            .prop_map(|(num, den, max_abs, half, per, max_lates, sev, min)| CompletionPolicy {
                leave_limit: LeaveFraction { num, den },
                max_absences: max_abs,
                absence_unit: if half { AbsenceUnit::HalfDays } else { AbsenceUnit::Sessions },
                lates_per_absence: per,
                max_lates,
                late_warning_at: Some(3),
                withhold_severity: sev,
                min_attended_hours: min.map(f64::from),
                max_online_hours: None,
                require_evaluation: false,
            })
    }

    proptest! {
        #[test]
        fn eligible_exactly_when_there_is_no_reason(p in policy(), f in facts()) {
            let d = decide(&p, &f);
            prop_assert_eq!(d.eligible, d.reasons.is_empty());
        }

        #[test]
        fn more_leave_absence_lateness_or_discipline_never_helps(p in policy(), f in facts(), extra in 0i64..500, k in 0u32..3) {
            let before = decide(&p, &f);
            let worse = Facts {
                leave_centi: f.leave_centi + extra,
                absences: f.absences + k,
                absent_half_days: f.absent_half_days + k,
                lates: f.lates + k,
                serious_records: f.serious_records + k,
                discipline_records: f.discipline_records + k,
                attended_centi: (f.attended_centi - extra).max(0),
                ..f.clone()
            };
            let after = decide(&p, &worse);
            for code in codes(&before) {
                prop_assert!(codes(&after).contains(&code), "{:?} disappeared", code);
            }
        }

        #[test]
        fn the_leave_rule_is_exact_and_scale_free(total in 1i64..20_000, leave in 1i64..5_000, num in 1u32..5, den in 5u32..12, k in 1i64..50) {
            let p = CompletionPolicy { leave_limit: LeaveFraction { num, den }, ..CompletionPolicy::default() };
            let over = |l: i64, t: i64| codes(&decide(&p, &Facts { leave_centi: l, total_centi: t, ..Facts::default() }))
                .contains(&ReasonCode::LeaveOverLimit);
            // Over the limit exactly when leave / total > num / den, as rationals.
            prop_assert_eq!(over(leave, total), i128::from(leave) * i128::from(den) > i128::from(total) * i128::from(num));
            prop_assert_eq!(over(leave, total), over(leave * k, total * k));
        }
    }
}
