//! A trainee asks for leave, or withdraws a request nobody has decided yet.

use super::*;

/// A trainee asks for leave.
pub async fn request(deps: At<'_>, who: &TraineePrincipal, input: LeaveInput) -> AppResult<LeaveView> {
    let db = &deps.db;
    let e = enrollment::active_in_class(input.class_id)
        .filter(enrollment::Column::PersonId.eq(who.person_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotEnrolled))?;
    let class = training_class::Entity::find_by_id(e.class_id).one(db).await?.ok_or_else(not_found)?;
    let reason = required_text(&input.reason, 500, "请假事由")?;
    let policy = ClassPolicy::of(&class);
    let (sessions, starts, ends) =
        covered(db, &class, input.session_ids.as_deref(), (input.starts_at, input.ends_at)).await?;
    let earliest = deps.now - Duration::hours(i64::from(policy.leave_approval.trainee_backdate_hours));
    if let Some(old) = sessions.iter().find(|s| s.ends_at < earliest) {
        return Err(AppError::with_message(
            ErrorCode::LeaveOutOfRange,
            format!(
                "「{}」已结束超过 {} 小时，请联系班主任补假",
                old.title, policy.leave_approval.trainee_backdate_hours
            ),
        ));
    }
    if let Some(id) = input.attachment_id {
        attachment::check_owner(db, id, Owner::Trainee(who.person_id)).await?;
    }
    check_overlap(db, e.id, &sessions).await?;
    check_not_attended(db, e.id, &sessions).await?;
    let credit = credit_of(&sessions);
    let actor = who.actor();
    let staff = approvers_of_step1(db, &class, &policy).await?;
    let txn = db.begin().await?;
    let created = insert_request(
        &txn,
        deps.now,
        NewRequest {
            class: &class,
            enrollment_id: e.id,
            kind: input.kind,
            reason,
            sessions: &sessions,
            span: (starts, ends),
            steps_required: chain::steps_required(&policy, credit),
            attachment_id: input.attachment_id,
            source: PartyKind::Trainee,
            created_by: who.name.clone(),
        },
    )
    .await?;
    let change = Change {
        action: "leave.request",
        entity: "leave_request",
        entity_id: created.id.to_string(),
        class_id: Some(created.class_id),
        before: None,
        after: Some(json!({
            "kind": input.kind.as_str(), "sessions": sessions.len(), "credit_centi": credit,
            "steps_required": created.steps_required
        })),
        reason: None,
    };
    audit::record(&txn, deps.now, &actor, change).await?;
    let notice = Notice {
        kind: NoticeKind::LeaveSubmitted,
        class_id: Some(class.id),
        title: format!("待审批请假：{}（{}）", who.name, input.kind.label()),
        body: format!(
            "{}申请{} {} 学时（{} 节课），事由：{}",
            who.name,
            input.kind.label(),
            Credit(credit).hours(),
            sessions.len(),
            created.reason
        ),
        link: Some(format!("/api/v1/leave-requests/{}", created.id)),
        vars: BTreeMap::new(),
    };
    for s in staff {
        notify::send(&txn, deps.templates(), deps.now, &Recipient::Staff(s), &notice).await?;
    }
    txn.commit().await?;
    view(db, created).await
}

/// The trainee withdraws a request nobody has decided yet.
pub async fn cancel(deps: At<'_>, who: &TraineePrincipal, id: Uuid) -> AppResult<LeaveView> {
    let db = &deps.db;
    let req = own_request(db, who, id).await?;
    if req.status != LeaveStatus::Pending {
        return Err(AppError::new(ErrorCode::LeaveNotPending));
    }
    let txn = db.begin().await?;
    guard_pending(&txn, &req, deps.now).await?;
    let updated = close_request(&txn, req, LeaveStatus::Cancelled, deps.now).await?;
    let change = Change {
        action: "leave.cancel",
        entity: "leave_request",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(json!({ "status": "pending" })),
        after: Some(json!({ "status": "cancelled" })),
        reason: None,
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await?;
    view(db, updated).await
}

pub(super) async fn own_request(
    db: &DatabaseConnection,
    who: &TraineePrincipal,
    id: Uuid,
) -> AppResult<leave_request::Model> {
    let req = leave_request::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let e = enrollment::Entity::find_by_id(req.enrollment_id).one(db).await?.ok_or_else(not_found)?;
    if e.person_id != who.person_id {
        return Err(not_found());
    }
    Ok(req)
}
