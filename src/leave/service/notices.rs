//! Who hears of a request and its decisions, and what follows a commit that changed attendance.

use super::*;

/// Staff who decide step 1 under the policy (for the "new request" message).
pub(super) async fn approvers_of_step1<C: ConnectionTrait>(
    conn: &C,
    class: &training_class::Model,
    policy: &ClassPolicy,
) -> AppResult<Vec<Uuid>> {
    let mut q = class_staff::Entity::find().filter(class_staff::Column::ClassId.eq(class.id));
    if policy.leave_approval.first_step == FirstApprover::HeadTeacher {
        q = q.filter(class_staff::Column::Role.eq(StaffRole::HeadTeacher));
    }
    Ok(q.all(conn).await?.into_iter().map(|s| s.staff_id).collect())
}

pub(super) async fn notify_result(
    txn: &DatabaseTransaction,
    deps: At<'_>,
    class: &training_class::Model,
    e: &enrollment::Model,
    req: &leave_request::Model,
    comment: Option<&str>,
) -> AppResult<()> {
    let status = req.status;
    let kind = req.kind.label();
    let span = format!("{} 至 {}", notify::wechat_time(req.starts_at), notify::wechat_time(req.ends_at));
    let vars: BTreeMap<&'static str, String> = [
        ("class_name", class.name.clone()),
        ("leave_kind", kind.to_owned()),
        ("span_start", notify::wechat_time(req.starts_at)),
        ("span", span.clone()),
        ("result", status.label().to_owned()),
        ("comment", comment.unwrap_or("").to_owned()),
        ("time", notify::wechat_time(deps.now)),
    ]
    .into_iter()
    .collect();
    let body = match comment {
        Some(c) => format!("您 {span} 的{kind}申请{}。审批意见：{c}", status.label()),
        None => format!("您 {span} 的{kind}申请{}。", status.label()),
    };
    let notice = Notice {
        kind: NoticeKind::LeaveResult,
        class_id: Some(class.id),
        title: format!("请假{}", status.label()),
        body,
        link: Some("/h5/me".to_owned()),
        vars,
    };
    let to = Recipient::Trainee { person_id: e.person_id, openid: e.wechat_openid.clone() };
    notify::send(txn, deps.templates(), deps.now, &to, &notice).await
}

pub(super) async fn notify_admins(
    txn: &DatabaseTransaction,
    deps: At<'_>,
    class: &training_class::Model,
    req: &leave_request::Model,
) -> AppResult<()> {
    use crate::entity::staff_account;
    let admins = staff_account::Entity::find()
        .filter(staff_account::Column::Role.eq(crate::auth::Role::Admin.as_str()))
        .filter(staff_account::Column::Disabled.eq(false))
        .all(txn)
        .await?;
    let notice = Notice {
        kind: NoticeKind::LeaveSubmitted,
        class_id: Some(class.id),
        title: "待教务审批的请假".to_owned(),
        body: format!(
            "{}：一条 {} 学时的请假已由班主任批准，待教务审批。",
            class.name,
            Credit(req.credit_centi).hours()
        ),
        link: Some(format!("/api/v1/leave-requests/{}", req.id)),
        vars: BTreeMap::new(),
    };
    for a in admins {
        notify::send(txn, deps.templates(), deps.now, &Recipient::Staff(a.id), &notice).await?;
    }
    Ok(())
}

/// After a commit that changed attendance: live views hear of it, cached check-in answers are dropped, and the
/// trainee's warnings are re-evaluated.
pub(super) async fn after_attendance_change(
    deps: At<'_>,
    class: &training_class::Model,
    e: &enrollment::Model,
    changed: &[(Uuid, Option<AttendanceStatus>)],
) {
    let mut after = Committed::standing(class.id, Some(e.id));
    for (session_id, _) in changed {
        after.add_record(AttendanceEvent {
            id: 0,
            kind: EventKind::StatusChanged,
            session_id: *session_id,
            class_id: class.id,
            at: deps.now,
            enrollment_id: Some(e.id),
            name: None,
            status: Some(AttendanceStatus::Leave),
            count: None,
        });
    }
    deps.after_commit(after).await;
}
