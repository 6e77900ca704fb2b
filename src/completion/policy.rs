//! A class's rules, stored as JSON on the class (`training_class.completion_policy`). Every field has a default
//! from the 2023 《干部教育培训工作条例》 or common base practice, so a class without a stored policy has one.

use serde::{Deserialize, Serialize};

use crate::entity::training_class;
use crate::error::{AppError, AppResult};

/// Who approves leave. Step 1 is the class's 班主任 (or any assigned staff member); a request longer than
/// `admin_over_hours` 学时 needs a second step by an administrator (教务). An administrator may decide at any
/// step, and their approval completes the chain.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct LeaveApproval {
    pub first_step: FirstApprover,
    /// Requests over this many 学时 need an administrator's second approval; `null` means never.
    #[schema(minimum = 0, maximum = 1000)]
    pub admin_over_hours: Option<f64>,
    /// How many hours back a trainee may still ask for leave themselves (after that staff record 补假).
    #[schema(maximum = 720)]
    pub trainee_backdate_hours: u32,
}

impl Default for LeaveApproval {
    fn default() -> Self {
        Self { first_step: FirstApprover::HeadTeacher, admin_over_hours: Some(4.0), trainee_backdate_hours: 24 }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum FirstApprover {
    /// Only a 班主任 assigned to the class.
    HeadTeacher,
    /// Any staff member assigned to the class (班主任 or 组织员).
    ClassStaff,
}

/// Leave over `num/den` of the class's total 学时 means withdrawal (default 1/7).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LeaveFraction {
    #[schema(minimum = 1)]
    pub num: u32,
    #[schema(minimum = 1)]
    pub den: u32,
}

impl Default for LeaveFraction {
    fn default() -> Self {
        Self { num: 1, den: 7 }
    }
}

/// What a 旷课 limit counts: sessions, or half-days (a morning, or an afternoon/evening, with any 旷课).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum AbsenceUnit {
    Sessions,
    HalfDays,
}

impl AbsenceUnit {
    pub fn label(self) -> &'static str {
        match self {
            AbsenceUnit::Sessions => "次",
            AbsenceUnit::HalfDays => "个半天",
        }
    }
}

/// The limits a trainee must stay within to complete the class (结业). Defaults: the 2023 条例's 1/7 leave rule, and
/// common base rules (more than 2 旷课 withholds; every 3 迟到/早退 count as one 旷课; a 较重 or worse 违纪 withholds).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct CompletionPolicy {
    /// Cumulative leave over this fraction of the total 学时 withholds completion.
    pub leave_limit: LeaveFraction,
    /// 旷课 allowed (in `absence_unit`, conversions included); more withholds completion. `null`: no limit.
    pub max_absences: Option<u32>,
    pub absence_unit: AbsenceUnit,
    /// Every this many 迟到 + 早退 count as one 旷课 toward `max_absences`. `null`: no conversion.
    #[schema(minimum = 1)]
    pub lates_per_absence: Option<u32>,
    /// 迟到 + 早退 allowed; more withholds completion. `null`: no limit of its own.
    pub max_lates: Option<u32>,
    /// 迟到 + 早退 reaching this many warns the trainee. `null`: no warning.
    pub late_warning_at: Option<u32>,
    /// A standing 违纪 record at or above this severity withholds completion. `null`: discipline never withholds.
    pub withhold_severity: Option<crate::discipline::Severity>,
    /// 学时 a trainee must attend at least. `null`: no minimum.
    #[schema(minimum = 0, maximum = 10000)]
    pub min_attended_hours: Option<f64>,
    /// 学时 of online live sessions (线上直播) that count toward a trainee's attended 学时 at most (the 学时 on the
    /// certificate, the minimum above). `null`: no cap.
    #[schema(minimum = 0, maximum = 10000)]
    pub max_online_hours: Option<f64>,
    /// Completion requires the class part of every evaluation form of the class to be answered (default off).
    pub require_evaluation: bool,
}

impl Default for CompletionPolicy {
    fn default() -> Self {
        Self {
            leave_limit: LeaveFraction::default(),
            max_absences: Some(2),
            absence_unit: AbsenceUnit::Sessions,
            lates_per_absence: Some(3),
            max_lates: None,
            late_warning_at: Some(3),
            withhold_severity: Some(crate::discipline::Severity::Serious),
            min_attended_hours: None,
            max_online_hours: None,
            require_evaluation: false,
        }
    }
}

impl CompletionPolicy {
    /// `min_attended_hours` in hundredths.
    pub fn min_attended_centi(&self) -> Option<i64> {
        self.min_attended_hours.map(|h| (h * 100.0).round() as i64)
    }

    /// Attended 学时 (hundredths): those of sessions in person, and those of online sessions up to the cap.
    pub fn attended_centi(&self, in_person: i64, online: i64) -> i64 {
        crate::attendance::model::attended_centi(in_person, online, self.max_online_centi())
    }

    /// `max_online_hours` in hundredths.
    pub fn max_online_centi(&self) -> Option<i64> {
        self.max_online_hours.map(|h| (h * 100.0).round() as i64)
    }
}

/// Everything a class configures.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(default, deny_unknown_fields)]
pub struct ClassPolicy {
    pub leave_approval: LeaveApproval,
    pub completion: CompletionPolicy,
}

/// A class's cap on online 学时 in hundredths (`None`: no cap), as [`crate::attendance::model::OnlineCap`].
pub fn online_cap(class: &training_class::Model) -> Option<i64> {
    ClassPolicy::of(class).completion.max_online_centi()
}

impl ClassPolicy {
    /// The class's stored policy, or the defaults. A stored policy that no longer parses falls back to the
    /// defaults with a log line rather than failing every request of the class.
    pub fn of(class: &training_class::Model) -> Self {
        match &class.completion_policy {
            None => Self::default(),
            Some(v) => serde_json::from_value(v.clone()).unwrap_or_else(|err| {
                tracing::warn!(class_id = %class.id, error = %err, "stored class policy unreadable; using defaults");
                Self::default()
            }),
        }
    }

    pub fn validate(&self) -> AppResult<()> {
        let f = self.completion.leave_limit;
        if f.den == 0 || f.num == 0 || f.num > f.den {
            return Err(AppError::validation("请假上限须为 0 到 1 之间的分数，例如 1/7").on_field("leave_limit"));
        }
        if let Some(h) = self.leave_approval.admin_over_hours
            && !(h.is_finite() && (0.0..=1000.0).contains(&h))
        {
            return Err(AppError::validation("需管理员审批的请假学时须在 0 到 1000 之间").on_field("admin_over_hours"));
        }
        if let Some(h) = self.completion.min_attended_hours
            && !(h.is_finite() && (0.0..=10000.0).contains(&h))
        {
            return Err(AppError::validation("最低参训学时须在 0 到 10000 之间").on_field("min_attended_hours"));
        }
        if let Some(h) = self.completion.max_online_hours
            && !(h.is_finite() && (0.0..=10000.0).contains(&h))
        {
            return Err(AppError::validation("线上学时上限须在 0 到 10000 之间").on_field("max_online_hours"));
        }
        if self.completion.lates_per_absence == Some(0) {
            return Err(AppError::validation("迟到早退折合旷课的次数须大于 0").on_field("lates_per_absence"));
        }
        if self.leave_approval.trainee_backdate_hours > 24 * 30 {
            return Err(AppError::validation("学员补请假时限不能超过 30 天").on_field("trainee_backdate_hours"));
        }
        Ok(())
    }

    /// `admin_over_hours` in hundredths of a 学时.
    pub fn admin_over_centi(&self) -> Option<i64> {
        self.leave_approval.admin_over_hours.map(|h| (h * 100.0).round() as i64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn online_hours_count_up_to_the_cap_and_in_person_hours_always() {
        let open = CompletionPolicy::default();
        let capped = CompletionPolicy { max_online_hours: Some(4.5), ..CompletionPolicy::default() };
        let none = CompletionPolicy { max_online_hours: Some(0.0), ..CompletionPolicy::default() };
        for (policy, in_person, online, expected) in [
            (&open, 2400, 800, 3200),
            (&capped, 2400, 800, 2850),
            (&capped, 2400, 450, 2850),
            (&capped, 2400, 300, 2700),
            (&none, 2400, 800, 2400),
            (&capped, 0, 0, 0),
        ] {
            assert_eq!(policy.attended_centi(in_person, online), expected, "{in_person} + {online} under {policy:?}");
        }
    }

    #[test]
    fn an_online_cap_outside_0_to_10000_is_refused_on_its_field() {
        for bad in [-1.0, 10000.5, f64::NAN] {
            let mut policy = ClassPolicy::default();
            policy.completion.max_online_hours = Some(bad);
            assert_eq!(policy.validate().unwrap_err().field, Some("max_online_hours"), "{bad}");
        }
    }
}
