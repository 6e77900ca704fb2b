//! The approval queue: the pending requests a staff member may decide now, oldest first, each with the trainee's
//! leave so far against the class's limit (the 2023 条例's 1/7 by default); and the requests decided lately in their
//! classes.

use super::query::views;
use super::*;
use crate::completion::standing::{leave_limit_hours, leave_over, trim_centi};

/// A request waiting for the person, and what approving it would do to the trainee's leave.
#[derive(Debug, Clone)]
pub struct Waiting {
    pub request: LeaveView,
    pub class_name: String,
    /// 学时 already on leave in the class, and the class's total 学时 (every counting session).
    pub leave_centi: i64,
    pub total_centi: i64,
    /// The limit in 学时, as people read it, and the fraction it comes from.
    pub limit_hours: String,
    pub limit: crate::completion::LeaveFraction,
    /// Approving would put the trainee over the limit.
    pub over_if_approved: bool,
}

impl Waiting {
    pub fn leave_hours(&self) -> String {
        trim_centi(self.leave_centi)
    }

    pub fn total_hours(&self) -> String {
        trim_centi(self.total_centi)
    }
}

/// The classes a staff member works on, with their role there (administrators: every class, no role).
async fn classes_of(db: &DatabaseConnection, who: &StaffPrincipal) -> AppResult<Option<HashMap<Uuid, StaffRole>>> {
    if who.is_admin() {
        return Ok(None);
    }
    Ok(Some(
        class_staff::Entity::find()
            .filter(class_staff::Column::StaffId.eq(who.staff.id))
            .all(db)
            .await?
            .into_iter()
            .map(|a| (a.class_id, a.role))
            .collect(),
    ))
}

/// Pending requests the person may decide at their current step, oldest first.
pub async fn waiting_for(db: &DatabaseConnection, who: &StaffPrincipal) -> AppResult<Vec<Waiting>> {
    let roles = classes_of(db, who).await?;
    let mut query = leave_request::Entity::find().filter(leave_request::Column::Status.eq(LeaveStatus::Pending));
    if let Some(roles) = &roles {
        query = query.filter(leave_request::Column::ClassId.is_in(roles.keys().copied()));
    }
    let pending =
        query.order_by_asc(leave_request::Column::CreatedAt).order_by_asc(leave_request::Column::Id).all(db).await?;
    let classes: HashMap<Uuid, training_class::Model> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(pending.iter().map(|r| r.class_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let mine: Vec<leave_request::Model> = pending
        .into_iter()
        .filter(|r| {
            let Some(class) = classes.get(&r.class_id) else { return false };
            let first = ClassPolicy::of(class).leave_approval.first_step;
            let role = roles.as_ref().and_then(|m| m.get(&r.class_id).copied());
            chain::acting_role(who.is_admin(), r.step, first, role).is_ok()
        })
        .collect();
    // The trainees' leave so far, one read per class with waiting requests.
    let mut facts = HashMap::new();
    let mut by_class: BTreeMap<Uuid, Vec<Uuid>> = BTreeMap::new();
    for r in &mine {
        by_class.entry(r.class_id).or_default().push(r.enrollment_id);
    }
    for (class_id, enrollments) in by_class {
        facts.extend(crate::completion::facts::for_class(db, class_id, Some(&enrollments)).await?);
    }
    let requested: HashMap<Uuid, i64> = mine.iter().map(|r| (r.id, i64::from(r.credit_centi))).collect();
    Ok(views(db, mine)
        .await?
        .into_iter()
        .map(|request| {
            let class = classes.get(&request.class_id);
            let limit = class.map(|c| ClassPolicy::of(c).completion.leave_limit).unwrap_or_default();
            let f = facts.get(&request.enrollment_id).cloned().unwrap_or_default();
            let asked = requested.get(&request.id).copied().unwrap_or_default();
            Waiting {
                class_name: class.map(|c| c.name.clone()).unwrap_or_default(),
                leave_centi: f.leave_centi,
                total_centi: f.total_centi,
                limit_hours: leave_limit_hours(f.total_centi, limit),
                limit,
                over_if_approved: leave_over(f.leave_centi + asked, f.total_centi, limit),
                request,
            }
        })
        .collect())
}

/// Requests decided in the person's classes (every class for administrators), latest first, at most `limit`.
pub async fn decided_lately(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    limit: u64,
) -> AppResult<Vec<(LeaveView, String)>> {
    use sea_orm::QuerySelect;
    let roles = classes_of(db, who).await?;
    let mut query = leave_request::Entity::find()
        .filter(leave_request::Column::Status.is_in([LeaveStatus::Approved, LeaveStatus::Rejected]));
    if let Some(roles) = &roles {
        query = query.filter(leave_request::Column::ClassId.is_in(roles.keys().copied()));
    }
    let rows = query
        .order_by_desc(leave_request::Column::DecidedAt)
        .order_by_desc(leave_request::Column::Id)
        .limit(limit)
        .all(db)
        .await?;
    let names: HashMap<Uuid, String> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(rows.iter().map(|r| r.class_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c.name))
        .collect();
    Ok(views(db, rows)
        .await?
        .into_iter()
        .map(|v| {
            let name = names.get(&v.class_id).cloned().unwrap_or_default();
            (v, name)
        })
        .collect())
}
