//! The approval chain as rules, without storage: how many steps a request needs, who decides at a step, and what a
//! decision does. The services load the facts and store the outcome.

use super::model::ApproverRole;
use crate::class::model::StaffRole;
use crate::completion::ClassPolicy;
use crate::completion::policy::FirstApprover;
use crate::error::{AppError, AppResult, ErrorCode};

/// Steps a request needs: one (the class), or two when its 学时 exceed the policy's limit for class-level approval
/// (then 教务 decides second).
pub fn steps_required(policy: &ClassPolicy, credit_centi: i32) -> i32 {
    match policy.admin_over_centi() {
        Some(limit) if i64::from(credit_centi) > limit => 2,
        _ => 1,
    }
}

/// The role a staff member decides in at `step`: an administrator at any step; at step 1, the 班主任, or any staff
/// of the class when the policy lets them; nobody else.
pub fn acting_role(
    is_admin: bool,
    step: i32,
    first: FirstApprover,
    role_in_class: Option<StaffRole>,
) -> AppResult<ApproverRole> {
    if is_admin {
        return Ok(ApproverRole::Admin);
    }
    if step >= 2 {
        return Err(AppError::with_message(ErrorCode::NotYourStep, "该申请已由班主任审批，待教务管理员审批"));
    }
    match (first, role_in_class) {
        (FirstApprover::HeadTeacher | FirstApprover::ClassStaff, Some(StaffRole::HeadTeacher)) => {
            Ok(ApproverRole::HeadTeacher)
        }
        (FirstApprover::ClassStaff, Some(_)) => Ok(ApproverRole::ClassStaff),
        _ => Err(AppError::with_message(ErrorCode::NotYourStep, "本班请假须由班主任审批")),
    }
}

/// What a decision does to a pending request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Not approved: the request closes, its sessions are free again.
    Rejected,
    /// Approved at this step; the next step decides.
    Advanced,
    /// Approved for good: the covered sessions become leave.
    Approved,
}

impl Outcome {
    /// The decision at `step` of `steps_required` by someone acting as `role`. An administrator's approval is final
    /// at any step.
    pub fn of(approve: bool, role: ApproverRole, step: i32, steps_required: i32) -> Outcome {
        match approve {
            false => Outcome::Rejected,
            true if role == ApproverRole::Admin || step >= steps_required => Outcome::Approved,
            true => Outcome::Advanced,
        }
    }

    /// The audit action it is recorded as.
    pub fn action(self) -> &'static str {
        match self {
            Outcome::Rejected => "leave.reject",
            Outcome::Advanced => "leave.approve_step",
            Outcome::Approved => "leave.approve",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code(r: AppResult<ApproverRole>) -> Result<ApproverRole, ErrorCode> {
        r.map_err(|e| e.code)
    }

    #[test]
    fn a_request_over_the_class_limit_needs_a_second_step() {
        let mut policy = ClassPolicy::default();
        policy.leave_approval.admin_over_hours = None;
        assert_eq!(steps_required(&policy, 10_000), 1, "no limit set: the class decides alone");
        policy.leave_approval.admin_over_hours = Some(4.0);
        assert_eq!(steps_required(&policy, 400), 1, "at the limit");
        assert_eq!(steps_required(&policy, 401), 2, "over it");
    }

    #[test]
    fn who_decides_at_each_step() {
        use FirstApprover::{ClassStaff, HeadTeacher};
        let head = Some(StaffRole::HeadTeacher);
        let organiser = Some(StaffRole::Organiser);
        assert_eq!(code(acting_role(true, 2, HeadTeacher, None)), Ok(ApproverRole::Admin));
        assert_eq!(code(acting_role(false, 1, HeadTeacher, head)), Ok(ApproverRole::HeadTeacher));
        assert_eq!(code(acting_role(false, 1, HeadTeacher, organiser)), Err(ErrorCode::NotYourStep));
        assert_eq!(code(acting_role(false, 1, ClassStaff, organiser)), Ok(ApproverRole::ClassStaff));
        assert_eq!(code(acting_role(false, 1, ClassStaff, head)), Ok(ApproverRole::HeadTeacher));
        assert_eq!(code(acting_role(false, 1, ClassStaff, None)), Err(ErrorCode::NotYourStep), "not of the class");
        assert_eq!(code(acting_role(false, 2, ClassStaff, head)), Err(ErrorCode::NotYourStep), "step 2 is 教务's");
    }

    #[test]
    fn approval_advances_until_the_last_step_or_an_administrator() {
        assert_eq!(Outcome::of(false, ApproverRole::Admin, 1, 1), Outcome::Rejected);
        assert_eq!(Outcome::of(true, ApproverRole::HeadTeacher, 1, 1), Outcome::Approved);
        assert_eq!(Outcome::of(true, ApproverRole::HeadTeacher, 1, 2), Outcome::Advanced);
        assert_eq!(Outcome::of(true, ApproverRole::Admin, 1, 2), Outcome::Approved);
        assert_eq!(Outcome::of(true, ApproverRole::Admin, 2, 2), Outcome::Approved);
        assert_eq!(Outcome::Advanced.action(), "leave.approve_step");
    }
}
