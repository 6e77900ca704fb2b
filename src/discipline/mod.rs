//! 违纪 records: staff record, admins annul with a reason, trainees see their own. Never deleted.

use std::collections::{BTreeMap, HashMap};

use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde_json::json;
use uuid::Uuid;

use crate::attachment::{self, Owner};
use crate::audit::{self, Change};
use crate::auth::StaffPrincipal;
use crate::class::ClassScope;
use crate::class::access::class_scope;
use crate::class::model::{optional_text, required_text};
use crate::ctx::{At, Committed};
use crate::entity::{discipline_record, enrollment};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{self, Notice, NoticeKind, Recipient};
use crate::roster::service::people_by_id;

pub mod model;

pub use model::{Category, DisciplineInput, DisciplineView, Severity};

fn not_found() -> AppError {
    AppError::with_message(ErrorCode::NotFound, "违纪记录不存在或您无权查看")
}

async fn views(db: &DatabaseConnection, rows: Vec<discipline_record::Model>) -> AppResult<Vec<DisciplineView>> {
    let enrollments: HashMap<Uuid, enrollment::Model> = enrollment::Entity::find()
        .filter(enrollment::Column::Id.is_in(rows.iter().map(|r| r.enrollment_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let people = people_by_id(db, enrollments.values().map(|e| e.person_id).collect()).await?;
    Ok(rows
        .into_iter()
        .map(|r| {
            let p = enrollments.get(&r.enrollment_id).and_then(|e| people.get(&e.person_id));
            let category = r.category;
            let severity = r.severity;
            DisciplineView {
                id: r.id,
                class_id: r.class_id,
                enrollment_id: r.enrollment_id,
                name: p.map(|p| p.name.clone()).unwrap_or_default(),
                unit: p.map(|p| p.unit.clone()).unwrap_or_default(),
                category,
                category_label: category.label().to_owned(),
                severity,
                severity_label: severity.label().to_owned(),
                occurred_at: r.occurred_at,
                description: r.description,
                evidence: r.evidence,
                has_attachment: r.attachment_id.is_some(),
                recorded_by: r.recorded_by_name,
                recorded_at: r.created_at,
                annulled: r.annulled_at.is_some(),
                annulled_at: r.annulled_at,
                annulled_by: r.annulled_by_name,
                annul_reason: r.annul_reason,
            }
        })
        .collect())
}

pub async fn record(
    deps: At<'_>,
    who: &StaffPrincipal,
    scope: &ClassScope,
    input: DisciplineInput,
) -> AppResult<DisciplineView> {
    let db = &deps.db;
    let description = required_text(&input.description, 1000, "违纪情况")?;
    let evidence = optional_text(input.evidence.as_deref(), 1000, "证据说明")?;
    if input.occurred_at > deps.now + chrono::Duration::minutes(5) {
        return Err(AppError::validation("违纪时间不能晚于当前时间"));
    }
    let e = enrollment::Entity::find_by_id(input.enrollment_id)
        .filter(enrollment::Column::ClassId.eq(scope.class.id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"))?;
    if let Some(id) = input.attachment_id {
        attachment::check_owner(db, id, Owner::Staff(who.staff.id)).await?;
    }
    let id = Uuid::now_v7();
    let txn = db.begin().await?;
    let row = discipline_record::ActiveModel {
        id: Set(id),
        class_id: Set(scope.class.id),
        enrollment_id: Set(e.id),
        category: Set(input.category),
        severity: Set(input.severity),
        occurred_at: Set(input.occurred_at),
        description: Set(description.clone()),
        evidence: Set(evidence),
        attachment_id: Set(input.attachment_id),
        recorded_by: Set(who.staff.id),
        recorded_by_name: Set(who.staff.display_name.chars().take(64).collect()),
        annulled_at: Set(None),
        annulled_by_name: Set(None),
        annul_reason: Set(None),
        created_at: Set(deps.now),
        updated_at: Set(deps.now),
    }
    .insert(&txn)
    .await?;
    let change = Change {
        action: "discipline.record",
        entity: "discipline_record",
        entity_id: id.to_string(),
        class_id: Some(row.class_id),
        before: None,
        after: Some(json!({
            "enrollment_id": e.id, "category": input.category.as_str(), "severity": input.severity.as_str(),
            "occurred_at": input.occurred_at, "description": description
        })),
        reason: None,
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    let notice = Notice {
        kind: NoticeKind::Warning,
        class_id: Some(scope.class.id),
        title: format!("违纪记录：{}", input.category.label()),
        body: format!(
            "{}：您有一条{}违纪记录（{}）：{description}。如有异议请联系班主任。",
            scope.class.name,
            input.severity.label(),
            input.category.label()
        ),
        link: Some("/h5/me".to_owned()),
        vars: BTreeMap::new(),
    };
    // In the inbox only: a discipline record is not one of the subscribe-message events.
    notify::inbox::post(&txn, deps.now, &Recipient::Trainee { person_id: e.person_id, openid: None }, &notice).await?;
    deps.guard().after_change(&txn, scope.class.id, e.id).await?;
    txn.commit().await?;
    deps.after_commit(Committed::standing(scope.class.id, Some(e.id))).await;
    views(db, vec![row]).await?.pop().ok_or_else(not_found)
}

/// An administrator annuls a record with a reason; it stays, marked annulled, and stops counting.
pub async fn annul(deps: At<'_>, who: &StaffPrincipal, id: Uuid, reason: &str) -> AppResult<DisciplineView> {
    let db = &deps.db;
    let reason = audit::required_reason(reason, "撤销违纪记录必须填写原因")?;
    let reason = reason.as_str();
    let row = discipline_record::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    class_scope(db, who, row.class_id).await.map_err(|_| not_found())?;
    if !who.is_admin() {
        return Err(AppError::with_message(ErrorCode::Forbidden, "只有管理员可以撤销违纪记录"));
    }
    if row.annulled_at.is_some() {
        return Err(AppError::new(ErrorCode::AlreadyAnnulled));
    }
    let class_id = row.class_id;
    let enrollment_id = row.enrollment_id;
    let txn = db.begin().await?;
    let mut active: discipline_record::ActiveModel = row.into();
    active.annulled_at = Set(Some(deps.now));
    active.annulled_by_name = Set(Some(who.staff.display_name.chars().take(64).collect()));
    active.annul_reason = Set(Some(reason.to_owned()));
    active.updated_at = Set(deps.now);
    let updated = active.update(&txn).await?;
    let change = Change {
        action: "discipline.annul",
        entity: "discipline_record",
        entity_id: id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(json!({ "annulled": false })),
        after: Some(json!({ "annulled": true })),
        reason: Some(reason.to_owned()),
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await?;
    deps.after_commit(Committed::standing(class_id, Some(enrollment_id))).await;
    views(db, vec![updated]).await?.pop().ok_or_else(not_found)
}

/// A class's records, newest first; `enrollment_id` narrows to one trainee.
pub async fn list_for_class(
    db: &DatabaseConnection,
    scope: &ClassScope,
    enrollment_id: Option<Uuid>,
) -> AppResult<Vec<DisciplineView>> {
    let mut q = discipline_record::Entity::find().filter(discipline_record::Column::ClassId.eq(scope.class.id));
    if let Some(id) = enrollment_id {
        q = q.filter(discipline_record::Column::EnrollmentId.eq(id));
    }
    views(db, q.order_by_desc(discipline_record::Column::OccurredAt).all(db).await?).await
}

/// The trainee's own records across classes.
pub async fn mine(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<DisciplineView>> {
    let ids = crate::roster::service::enrollment_ids_of(db, person_id).await?;
    let rows = discipline_record::Entity::find()
        .filter(discipline_record::Column::EnrollmentId.is_in(ids))
        .order_by_desc(discipline_record::Column::OccurredAt)
        .all(db)
        .await?;
    views(db, rows).await
}

/// The evidence image, for staff of the class or the trainee concerned.
pub async fn attachment_for(
    db: &DatabaseConnection,
    who: &crate::auth::Principal,
    id: Uuid,
) -> AppResult<crate::entity::attachment::Model> {
    let row = discipline_record::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    match who {
        crate::auth::Principal::Staff(s) => {
            class_scope(db, s, row.class_id).await.map_err(|_| not_found())?;
        }
        crate::auth::Principal::Trainee(t) => {
            let e = enrollment::Entity::find_by_id(row.enrollment_id).one(db).await?.ok_or_else(not_found)?;
            if e.person_id != t.person_id {
                return Err(not_found());
            }
        }
    }
    let aid = row.attachment_id.ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该记录没有附件"))?;
    attachment::load(db, aid).await
}
