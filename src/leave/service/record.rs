//! Staff record leave after the fact (补假).

use super::*;

/// Staff record leave after the fact (补假): approved at once, with a reason kept in the audit trail.
pub async fn record(
    deps: At<'_>,
    who: &StaffPrincipal,
    scope: &ClassScope,
    input: LeaveRecordInput,
) -> AppResult<LeaveView> {
    let db = &deps.db;
    let why = audit::required_reason(&input.record_reason, "补假须填写原因")?;
    let reason = required_text(&input.reason, 500, "请假事由")?;
    let e = enrollment::Entity::find_by_id(input.enrollment_id)
        .filter(enrollment::Column::ClassId.eq(scope.class.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"))?;
    let (sessions, starts, ends) =
        covered(db, &scope.class, input.session_ids.as_deref(), (input.starts_at, input.ends_at)).await?;
    check_overlap(db, e.id, &sessions).await?;
    check_not_attended(db, e.id, &sessions).await?;
    let actor = who.actor();
    let role = if who.is_admin() { ApproverRole::Admin } else { ApproverRole::ClassStaff };
    let txn = db.begin().await?;
    let created = insert_request(
        &txn,
        deps.now,
        NewRequest {
            class: &scope.class,
            enrollment_id: e.id,
            kind: input.kind,
            reason,
            sessions: &sessions,
            span: (starts, ends),
            steps_required: 1,
            attachment_id: None,
            source: PartyKind::Staff,
            created_by: who.staff.display_name.clone(),
        },
    )
    .await?;
    leave_step::Entity::insert(leave_step::ActiveModel {
        id: Set(Uuid::now_v7()),
        leave_request_id: Set(created.id),
        step: Set(1),
        role: Set(role),
        staff_id: Set(who.staff.id),
        staff_name: Set(who.staff.display_name.chars().take(64).collect()),
        decision: Set(StepDecision::Approved),
        comment: Set(Some(why.clone())),
        at: Set(deps.now),
    })
    .exec_without_returning(&txn)
    .await?;
    let changed = apply_leave(&txn, &created, &sessions, deps.now).await?;
    let mut active: leave_request::ActiveModel = created.into();
    active.status = Set(LeaveStatus::Approved);
    active.decided_at = Set(Some(deps.now));
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "leave.record",
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: None,
        after: Some(json!({
            "enrollment_id": e.id, "kind": input.kind.as_str(), "status": "approved",
            "credit_centi": updated.credit_centi,
            "attendance_changed": changed.iter().map(|c| json!({"session_id": c.0, "before": c.1})).collect::<Vec<_>>()
        })),
        reason: Some(why.clone()),
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    notify_result(&txn, deps, &scope.class, &e, &updated, Some(&why)).await?;
    deps.guard().after_change(&txn, scope.class.id, e.id).await?;
    txn.commit().await?;
    after_attendance_change(deps, &scope.class, &e, &changed).await;
    view(db, updated).await
}
