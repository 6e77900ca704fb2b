//! Reading requests: one, a class's, a trainee's own, and their attachments.

use super::*;

/// Views of many requests at once (names, sessions and steps read in bulk).
pub(super) async fn views(db: &DatabaseConnection, reqs: Vec<leave_request::Model>) -> AppResult<Vec<LeaveView>> {
    let enrollments: HashMap<Uuid, enrollment::Model> = enrollment::Entity::find()
        .filter(enrollment::Column::Id.is_in(reqs.iter().map(|r| r.enrollment_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let people = people_by_id(db, enrollments.values().map(|e| e.person_id).collect()).await?;
    let session_ids: Vec<Uuid> = reqs
        .iter()
        .flat_map(|r| serde_json::from_value::<Vec<Uuid>>(r.session_ids.clone()).unwrap_or_default())
        .collect();
    let sessions: HashMap<Uuid, class_session::Model> = class_session::Entity::find()
        .filter(class_session::Column::Id.is_in(session_ids))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, s))
        .collect();
    let mut steps: HashMap<Uuid, Vec<leave_step::Model>> = HashMap::new();
    for s in leave_step::Entity::find()
        .filter(leave_step::Column::LeaveRequestId.is_in(reqs.iter().map(|r| r.id)))
        .order_by_asc(leave_step::Column::Step)
        .all(db)
        .await?
    {
        steps.entry(s.leave_request_id).or_default().push(s);
    }
    let policies: HashMap<Uuid, ClassPolicy> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(reqs.iter().map(|r| r.class_id)))
        .all(db)
        .await?
        .iter()
        .map(|c| (c.id, ClassPolicy::of(c)))
        .collect();
    Ok(reqs
        .into_iter()
        .map(|r| {
            let person = enrollments.get(&r.enrollment_id).and_then(|e| people.get(&e.person_id));
            let kind = r.kind;
            let status = r.status;
            let waiting_for = (status == LeaveStatus::Pending).then(|| {
                if r.step >= 2 {
                    ApproverRole::Admin
                } else {
                    match policies.get(&r.class_id).map(|p| p.leave_approval.first_step) {
                        Some(FirstApprover::ClassStaff) => ApproverRole::ClassStaff,
                        _ => ApproverRole::HeadTeacher,
                    }
                }
            });
            let covered = serde_json::from_value::<Vec<Uuid>>(r.session_ids.clone())
                .unwrap_or_default()
                .iter()
                .filter_map(|id| sessions.get(id))
                .map(|s| CoveredSession {
                    session_id: s.id,
                    title: s.title.clone(),
                    starts_at: s.starts_at,
                    ends_at: s.ends_at,
                    credit_hours: Credit(s.credit_centi).hours(),
                    counts_toward_attendance: s.counts_toward_attendance,
                })
                .collect();
            LeaveView {
                id: r.id,
                class_id: r.class_id,
                enrollment_id: r.enrollment_id,
                name: person.map(|p| p.name.clone()).unwrap_or_default(),
                unit: person.map(|p| p.unit.clone()).unwrap_or_default(),
                kind,
                kind_label: kind.label().to_owned(),
                reason: r.reason,
                starts_at: r.starts_at,
                ends_at: r.ends_at,
                sessions: covered,
                credit_hours: Credit(r.credit_centi).hours(),
                status,
                status_label: status.label().to_owned(),
                step: r.step,
                steps_required: r.steps_required,
                waiting_for,
                waiting_for_label: waiting_for.map(|w| w.label().to_owned()),
                has_attachment: r.attachment_id.is_some(),
                source: r.source.as_str().to_owned(),
                steps: steps
                    .remove(&r.id)
                    .unwrap_or_default()
                    .into_iter()
                    .map(|s| {
                        let role = s.role;
                        StepView {
                            step: s.step,
                            role,
                            role_label: role.label().to_owned(),
                            staff_name: s.staff_name,
                            decision: s.decision.as_str().to_owned(),
                            comment: s.comment,
                            at: s.at,
                        }
                    })
                    .collect(),
                created_at: r.created_at,
                decided_at: r.decided_at,
            }
        })
        .collect())
}

pub(super) async fn view(db: &DatabaseConnection, req: leave_request::Model) -> AppResult<LeaveView> {
    views(db, vec![req]).await?.pop().ok_or_else(not_found)
}

pub async fn get(db: &DatabaseConnection, who: &StaffPrincipal, id: Uuid) -> AppResult<LeaveView> {
    let (_, req) = staff_request(db, who, id).await?;
    view(db, req).await
}

/// A class's requests, newest first; `status` filters.
pub async fn list_for_class(
    db: &DatabaseConnection,
    scope: &ClassScope,
    status: Option<LeaveStatus>,
) -> AppResult<Vec<LeaveView>> {
    let mut q = leave_request::Entity::find().filter(leave_request::Column::ClassId.eq(scope.class.id));
    if let Some(s) = status {
        q = q.filter(leave_request::Column::Status.eq(s));
    }
    views(db, q.order_by_desc(leave_request::Column::CreatedAt).order_by_desc(leave_request::Column::Id).all(db).await?)
        .await
}

/// One trainee's requests in the class in scope, newest first.
pub async fn list_for_enrollment(
    db: &DatabaseConnection,
    scope: &ClassScope,
    enrollment_id: Uuid,
) -> AppResult<Vec<LeaveView>> {
    let q = leave_request::Entity::find()
        .filter(leave_request::Column::ClassId.eq(scope.class.id))
        .filter(leave_request::Column::EnrollmentId.eq(enrollment_id));
    views(db, q.order_by_desc(leave_request::Column::CreatedAt).order_by_desc(leave_request::Column::Id).all(db).await?)
        .await
}

/// The trainee's own requests across their classes, newest first.
pub async fn mine(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<LeaveView>> {
    let ids = crate::roster::service::enrollment_ids_of(db, person_id).await?;
    let reqs = leave_request::Entity::find()
        .filter(leave_request::Column::EnrollmentId.is_in(ids))
        .order_by_desc(leave_request::Column::CreatedAt)
        .order_by_desc(leave_request::Column::Id)
        .all(db)
        .await?;
    views(db, reqs).await
}

/// The attachment of a request, for its trainee.
pub async fn attachment_for_trainee(
    db: &DatabaseConnection,
    who: &TraineePrincipal,
    id: Uuid,
) -> AppResult<crate::entity::attachment::Model> {
    let req = own_request(db, who, id).await?;
    let aid = req.attachment_id.ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该申请没有附件"))?;
    attachment::load(db, aid).await
}

/// The attachment of a request, for staff of its class.
pub async fn attachment_for_staff(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    id: Uuid,
) -> AppResult<crate::entity::attachment::Model> {
    let (_, req) = staff_request(db, who, id).await?;
    let aid = req.attachment_id.ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该申请没有附件"))?;
    attachment::load(db, aid).await
}
