//! Class use cases. Every change is audited in the same transaction.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use super::access::{ClassScope, class_not_found};
use super::model::{
    ClassCode, ClassKind, ClassStatus, ClassView, StaffAssignment, StaffRole, optional_text, required_text,
};
use super::repo;
use crate::audit::{self, Actor, Change};
use crate::auth::StaffPrincipal;
use crate::entity::{class_staff, staff_account, training_class};
use crate::error::{AppError, AppResult, ErrorCode, on_unique_violation};
use crate::pagination::{Page, PageRequest};

/// What an admin fills in to create or edit a class. Edits send only what changes.
#[derive(Debug, Clone, Default)]
pub struct ClassInput {
    pub code: Option<String>,
    pub name: Option<String>,
    pub kind: Option<ClassKind>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub organiser: Option<Option<String>>,
    pub venue: Option<Option<String>>,
    pub status: Option<ClassStatus>,
}

fn check_dates(start: NaiveDate, end: NaiveDate) -> AppResult<()> {
    if end < start {
        return Err(AppError::validation("结束日期不能早于开始日期").on_field("end_date"));
    }
    if (end - start).num_days() > 366 {
        return Err(AppError::validation("培训班时长不能超过一年").on_field("end_date"));
    }
    Ok(())
}

fn code_taken(e: sea_orm::DbErr) -> AppError {
    on_unique_violation(AppError::new(ErrorCode::ClassCodeTaken).on_field("code"))(e)
}

fn class_json(v: &ClassView) -> serde_json::Value {
    serde_json::to_value(v).unwrap_or_default()
}

pub async fn create_class(
    db: &DatabaseConnection,
    actor: &Actor,
    input: ClassInput,
    now: DateTime<Utc>,
) -> AppResult<ClassView> {
    let missing = |f: &str, field| AppError::validation(format!("缺少{f}")).on_field(field);
    let code = input.code.as_deref().ok_or_else(|| missing("培训班编号", "code"))?;
    let code = ClassCode::parse(code).map_err(|e| e.on_field("code"))?;
    let name = input.name.as_deref().ok_or_else(|| missing("培训班名称", "name"))?;
    let name = required_text(name, 128, "培训班名称").map_err(|e| e.on_field("name"))?;
    let start = input.start_date.ok_or_else(|| missing("开始日期", "start_date"))?;
    let end = input.end_date.ok_or_else(|| missing("结束日期", "end_date"))?;
    check_dates(start, end)?;
    let model = training_class::ActiveModel {
        id: Set(Uuid::now_v7()),
        code: Set(code.as_ref().to_owned()),
        name: Set(name),
        kind: Set(input.kind.unwrap_or(ClassKind::Main)),
        start_date: Set(start),
        end_date: Set(end),
        organiser: Set(optional_text(input.organiser.flatten().as_deref(), 128, "主办单位")
            .map_err(|e| e.on_field("organiser"))?),
        venue: Set(optional_text(input.venue.flatten().as_deref(), 128, "地点").map_err(|e| e.on_field("venue"))?),
        status: Set(input.status.unwrap_or(ClassStatus::Draft)),
        completion_policy: Set(None),
        online_rule: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let actor = actor.clone();
    Ok(db
        .transaction::<_, ClassView, AppError>(|txn| {
            Box::pin(async move {
                let view = ClassView::from(&model.insert(txn).await.map_err(code_taken)?);
                let change = Change {
                    action: "class.create",
                    entity: "training_class",
                    entity_id: view.id.to_string(),
                    class_id: Some(view.id),
                    before: None,
                    after: Some(class_json(&view)),
                    reason: None,
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(view)
            })
        })
        .await?)
}

pub async fn update_class(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: ClassScope,
    input: ClassInput,
    now: DateTime<Utc>,
) -> AppResult<ClassView> {
    let before = ClassView::from(&scope.class);
    let mut active: training_class::ActiveModel = scope.class.clone().into();
    if let Some(code) = &input.code {
        active.code = Set(ClassCode::parse(code).map_err(|e| e.on_field("code"))?.as_ref().to_owned());
    }
    if let Some(name) = &input.name {
        active.name = Set(required_text(name, 128, "培训班名称").map_err(|e| e.on_field("name"))?);
    }
    if let Some(kind) = input.kind {
        active.kind = Set(kind);
    }
    let start = input.start_date.unwrap_or(scope.class.start_date);
    let end = input.end_date.unwrap_or(scope.class.end_date);
    check_dates(start, end)?;
    active.start_date = Set(start);
    active.end_date = Set(end);
    if let Some(organiser) = &input.organiser {
        active.organiser =
            Set(optional_text(organiser.as_deref(), 128, "主办单位").map_err(|e| e.on_field("organiser"))?);
    }
    if let Some(venue) = &input.venue {
        active.venue = Set(optional_text(venue.as_deref(), 128, "地点").map_err(|e| e.on_field("venue"))?);
    }
    if let Some(status) = input.status {
        active.status = Set(status);
    }
    active.updated_at = Set(now);
    let actor = actor.clone();
    Ok(db
        .transaction::<_, ClassView, AppError>(|txn| {
            Box::pin(async move {
                let after = ClassView::from(&active.update(txn).await.map_err(code_taken)?);
                let change = Change {
                    action: "class.update",
                    entity: "training_class",
                    entity_id: after.id.to_string(),
                    class_id: Some(after.id),
                    before: Some(class_json(&before)),
                    after: Some(class_json(&after)),
                    reason: None,
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(after)
            })
        })
        .await?)
}

/// Which classes a list shows; every field narrows.
#[derive(Debug, Clone, Copy, Default)]
pub struct ClassFilter<'a> {
    pub status: Option<ClassStatus>,
    pub kind: Option<super::ClassKind>,
    /// Part of the code or the name.
    pub search: Option<&'a str>,
}

/// The classes the person may see (all for administrators, their own for staff), newest first.
pub async fn list_classes(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    filter: ClassFilter<'_>,
    page: PageRequest,
) -> AppResult<Page<ClassView>> {
    let staff_filter = if who.is_admin() { None } else { Some(who.staff.id) };
    let (rows, total) = repo::list_classes(db, staff_filter, filter, page).await?;
    Ok(page.wrap(rows.iter().map(ClassView::from).collect(), total))
}

pub async fn list_staff(db: &DatabaseConnection, scope: &ClassScope) -> AppResult<Vec<StaffAssignment>> {
    let rows = repo::class_staff(db, scope.class.id).await?;
    Ok(rows
        .into_iter()
        .map(|(assignment, account)| StaffAssignment {
            staff_id: account.id,
            username: account.username,
            display_name: account.display_name,
            role: assignment.role,
        })
        .collect())
}

/// Assigns a staff member to a class (or changes their role there).
pub async fn assign_staff(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    staff_id: Uuid,
    role: StaffRole,
    now: DateTime<Utc>,
) -> AppResult<Vec<StaffAssignment>> {
    let account = staff_account::Entity::find_by_id(staff_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该工作人员账号不存在"))?;
    if account.disabled {
        return Err(AppError::validation("该工作人员账号已停用"));
    }
    let class_id = scope.class.id;
    let actor = actor.clone();
    db.transaction::<_, (), AppError>(|txn| {
        Box::pin(async move {
            let existing = class_staff::Entity::find()
                .filter(class_staff::Column::ClassId.eq(class_id))
                .filter(class_staff::Column::StaffId.eq(staff_id))
                .one(txn)
                .await?;
            let before = existing.as_ref().map(|e| json!({ "role": e.role }));
            match existing {
                Some(e) => {
                    let mut active: class_staff::ActiveModel = e.into();
                    active.role = Set(role);
                    active.update(txn).await?;
                }
                None => {
                    class_staff::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        class_id: Set(class_id),
                        staff_id: Set(staff_id),
                        role: Set(role),
                        created_at: Set(now),
                    }
                    .insert(txn)
                    .await?;
                }
            }
            let change = Change {
                action: "class.staff_assign",
                entity: "training_class",
                entity_id: class_id.to_string(),
                class_id: Some(class_id),
                before,
                after: Some(json!({ "staff_id": staff_id, "role": role.as_str() })),
                reason: None,
            };
            audit::record(txn, now, &actor, change).await
        })
    })
    .await?;
    list_staff(db, scope).await
}

pub async fn unassign_staff(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let class_id = scope.class.id;
    let actor = actor.clone();
    db.transaction::<_, (), AppError>(|txn| {
        Box::pin(async move {
            let existing = class_staff::Entity::find()
                .filter(class_staff::Column::ClassId.eq(class_id))
                .filter(class_staff::Column::StaffId.eq(staff_id))
                .one(txn)
                .await?
                .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该工作人员未分配到本班"))?;
            class_staff::Entity::delete_by_id(existing.id).exec(txn).await?;
            let change = Change {
                action: "class.staff_unassign",
                entity: "training_class",
                entity_id: class_id.to_string(),
                class_id: Some(class_id),
                before: Some(json!({ "staff_id": staff_id, "role": existing.role })),
                after: None,
                reason: None,
            };
            audit::record(txn, now, &actor, change).await
        })
    })
    .await?;
    Ok(())
}

pub async fn get_class(db: &DatabaseConnection, id: Uuid) -> AppResult<training_class::Model> {
    training_class::Entity::find_by_id(id).one(db).await?.ok_or_else(class_not_found)
}
