//! Staff decide a pending request at its current step (the rules are in `leave::chain`).

use super::*;

/// The role the caller decides in at the request's current step, or `not_your_step`.
async fn acting_role(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    policy: &ClassPolicy,
    req: &leave_request::Model,
) -> AppResult<ApproverRole> {
    let role_in_class = if who.is_admin() {
        None
    } else {
        class_staff::Entity::find()
            .filter(class_staff::Column::ClassId.eq(req.class_id))
            .filter(class_staff::Column::StaffId.eq(who.staff.id))
            .one(db)
            .await?
            .map(|s| s.role)
    };
    chain::acting_role(who.is_admin(), req.step, policy.leave_approval.first_step, role_in_class)
}

/// Approve (`approve = true`) or reject at the current step.
pub async fn decide(
    deps: At<'_>,
    who: &StaffPrincipal,
    id: Uuid,
    approve: bool,
    comment: Option<&str>,
) -> AppResult<LeaveView> {
    let db = &deps.db;
    let (scope, req) = staff_request(db, who, id).await?;
    if req.status != LeaveStatus::Pending {
        return Err(AppError::new(ErrorCode::LeaveNotPending));
    }
    let comment = comment.map(str::trim).filter(|c| !c.is_empty()).map(str::to_owned);
    if !approve && comment.is_none() {
        return Err(AppError::with_message(ErrorCode::ReasonRequired, "不批准请假须填写意见"));
    }
    if comment.as_ref().is_some_and(|c| c.chars().count() > 500) {
        return Err(AppError::validation("审批意见不能超过 500 个字"));
    }
    let policy = ClassPolicy::of(&scope.class);
    let role = acting_role(db, who, &policy, &req).await?;
    let actor = who.actor();
    let outcome = Outcome::of(approve, role, req.step, req.steps_required);
    let e = enrollment::Entity::find_by_id(req.enrollment_id).one(db).await?.ok_or_else(not_found)?;
    let txn = db.begin().await?;
    guard_pending(&txn, &req, deps.now).await?;
    // Claim the step: only one decision per step, even when two approvers click at once.
    let step = leave_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        leave_request_id: Set(req.id),
        step: Set(req.step),
        role: Set(role),
        staff_id: Set(who.staff.id),
        staff_name: Set(who.staff.display_name.chars().take(64).collect()),
        decision: Set(if approve { StepDecision::Approved } else { StepDecision::Rejected }),
        comment: Set(comment.clone()),
        at: Set(deps.now),
    };
    leave_step::Entity::insert(step)
        .exec_without_returning(&txn)
        .await
        .map_err(on_unique_violation(AppError::new(ErrorCode::LeaveNotPending)))?;
    let before = json!({ "status": req.status, "step": req.step });
    let mut changed = Vec::new();
    let updated = match outcome {
        Outcome::Rejected => close_request(&txn, req, LeaveStatus::Rejected, deps.now).await?,
        Outcome::Approved => {
            let sessions = sessions_of(&txn, &req).await?;
            changed = apply_leave(&txn, &req, &sessions, deps.now).await?;
            let mut active: leave_request::ActiveModel = req.into();
            active.status = Set(LeaveStatus::Approved);
            active.decided_at = Set(Some(deps.now));
            active.updated_at = Set(deps.now);
            active.update(&txn).await?
        }
        Outcome::Advanced => {
            let mut active: leave_request::ActiveModel = req.into();
            active.step = Set(active.step.as_ref() + 1);
            active.updated_at = Set(deps.now);
            active.update(&txn).await?
        }
    };
    let change = Change {
        action: outcome.action(),
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(before),
        after: Some(json!({
            "status": updated.status, "step": updated.step, "role": role.as_str(),
            "attendance_changed": changed.iter().map(|c| json!({"session_id": c.0, "before": c.1})).collect::<Vec<_>>()
        })),
        reason: comment.clone(),
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    match outcome {
        Outcome::Advanced => notify_admins(&txn, deps, &scope.class, &updated).await?,
        Outcome::Rejected | Outcome::Approved => {
            notify_result(&txn, deps, &scope.class, &e, &updated, comment.as_deref()).await?
        }
    }
    deps.guard().after_change(&txn, scope.class.id, e.id).await?;
    txn.commit().await?;
    after_attendance_change(deps, &scope.class, &e, &changed).await;
    view(db, updated).await
}
