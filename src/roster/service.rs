//! Roster use cases: import (dry run first, then all-or-nothing), add and withdraw one trainee, export, invites.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait,
    PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, TransactionTrait,
};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::import::{self, RowError};
use super::invite;
use super::model::{PersonFields, RosterEntry, STATUS_ACTIVE, STATUS_WITHDRAWN};
use crate::audit::{self, Actor, Change};
use crate::auth::repo as auth_repo;
use crate::class::ClassScope;
use crate::ctx::{At, Committed};
use crate::entity::{enrollment, person};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pagination::{Page, PageRequest};
use crate::tabular;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportReport {
    pub dry_run: bool,
    /// True when the rows were written.
    pub imported: bool,
    pub total_rows: usize,
    pub valid_rows: usize,
    /// People not known to the base before (matched by phone).
    pub new_people: usize,
    /// People already known from earlier classes; their unit, post and rank are refreshed.
    pub known_people: usize,
    /// Rows already on this class's roster: left as they are.
    pub already_enrolled: usize,
    /// Rows that will be (or were) enrolled.
    pub to_enroll: usize,
    /// The first 100 problems, in row order.
    pub errors: Vec<RowError>,
    /// How many problems there are in all.
    pub error_count: usize,
}

async fn people_by_phone<C: ConnectionTrait>(conn: &C, phones: &[String]) -> AppResult<HashMap<String, person::Model>> {
    let mut found = HashMap::new();
    for chunk in phones.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Phone.is_in(chunk.to_vec())).all(conn).await? {
            found.insert(p.phone.clone(), p);
        }
    }
    Ok(found)
}

async fn class_enrollments<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
) -> AppResult<HashMap<Uuid, enrollment::Model>> {
    let rows = enrollment::Entity::find().filter(enrollment::Column::ClassId.eq(class_id)).all(conn).await?;
    Ok(rows.into_iter().map(|e| (e.person_id, e)).collect())
}

fn new_enrollment(
    secret: &SecretString,
    class_id: Uuid,
    person_id: Uuid,
    student_no: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<enrollment::ActiveModel> {
    let salt = invite::new_salt();
    let code = invite::derive(secret, &salt)?;
    Ok(enrollment::ActiveModel {
        id: Set(Uuid::now_v7()),
        class_id: Set(class_id),
        person_id: Set(person_id),
        student_no: Set(student_no),
        status: Set(STATUS_ACTIVE),
        invite_salt: Set(salt),
        invite_code_hash: Set(invite::hash(&code)),
        device_id: Set(None),
        wechat_openid: Set(None),
        bound_at: Set(None),
        notice_version: Set(None),
        notice_shown_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    })
}

fn new_person(f: &PersonFields, now: DateTime<Utc>) -> person::ActiveModel {
    person::ActiveModel {
        id: Set(Uuid::now_v7()),
        name: Set(f.name.clone()),
        gender: Set(f.gender.clone()),
        phone: Set(f.phone.as_ref().to_owned()),
        unit: Set(f.unit.clone()),
        post: Set(f.post.clone()),
        rank: Set(f.rank.clone()),
        erased_at: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
    }
}

fn name_mismatch(existing: &person::Model) -> String {
    format!("该手机号已登记为“{}”，与本行姓名不符", existing.name)
}

/// Checks a roster file; unless `dry_run`, writes it, all or nothing.
#[tracing::instrument(skip_all, fields(class_id = %scope.class.id, dry_run))]
pub async fn import(
    db: &DatabaseConnection,
    secret: &SecretString,
    actor: &Actor,
    scope: &ClassScope,
    file: tabular::Upload,
    dry_run: bool,
    now: DateTime<Utc>,
) -> AppResult<ImportReport> {
    let sheet = file.read().await?;
    let mut parsed = import::parse(&sheet);
    let phones: Vec<String> = parsed.rows.iter().map(|(_, f)| f.phone.as_ref().to_owned()).collect();
    let known = people_by_phone(db, &phones).await?;
    let enrolled = class_enrollments(db, scope.class.id).await?;

    let mut plan: Vec<(PersonFields, Option<person::Model>)> = Vec::new();
    let mut already = 0;
    for (row, fields) in std::mem::take(&mut parsed.rows) {
        let existing = known.get(fields.phone.as_ref()).cloned();
        if let Some(p) = &existing {
            if p.name != fields.name {
                parsed.errors.push(RowError::new(row, "姓名", name_mismatch(p)));
                continue;
            }
            if enrolled.get(&p.id).is_some_and(|e| e.status == STATUS_ACTIVE) {
                already += 1;
                continue;
            }
        }
        plan.push((fields, existing));
    }
    let valid_rows =
        parsed.total_rows - parsed.errors.iter().map(|e| e.row).collect::<HashSet<_>>().len().min(parsed.total_rows);
    let (errors, error_count) = tabular::first_errors(parsed.errors);
    let mut report = ImportReport {
        dry_run,
        imported: false,
        total_rows: parsed.total_rows,
        valid_rows,
        new_people: plan.iter().filter(|(_, p)| p.is_none()).count(),
        known_people: plan.iter().filter(|(_, p)| p.is_some()).count(),
        already_enrolled: already,
        to_enroll: plan.len(),
        errors,
        error_count,
    };
    if dry_run {
        return Ok(report);
    }
    if !report.errors.is_empty() {
        return Err(tabular::rejected(&report.errors, report.error_count));
    }
    let class_id = scope.class.id;
    let secret = secret.clone();
    let actor = actor.clone();
    let summary = json!({ "new_people": report.new_people, "known_people": report.known_people, "enrolled": report.to_enroll, "already_enrolled": report.already_enrolled });
    db.transaction::<_, (), AppError>(|txn| {
        Box::pin(async move {
            let mut people = Vec::new();
            let mut enrolments = Vec::new();
            for (fields, existing) in &plan {
                let person_id = match existing {
                    None => {
                        let p = new_person(fields, now);
                        let id = p.id.clone().unwrap();
                        people.push(p);
                        id
                    }
                    Some(p) => {
                        refresh_person(txn, p, fields, now).await?;
                        p.id
                    }
                };
                match enrolled.get(&person_id) {
                    Some(withdrawn) => reactivate(txn, withdrawn, fields.student_no.clone(), now).await?,
                    None => {
                        enrolments.push(new_enrollment(&secret, class_id, person_id, fields.student_no.clone(), now)?)
                    }
                }
            }
            for chunk in people.chunks(crate::entity::ROWS_PER_INSERT) {
                person::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            for chunk in enrolments.chunks(crate::entity::ROWS_PER_INSERT) {
                enrollment::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
            }
            let change = Change {
                action: "roster.import",
                entity: "training_class",
                entity_id: class_id.to_string(),
                class_id: Some(class_id),
                before: None,
                after: Some(summary),
                reason: None,
            };
            audit::record(txn, now, &actor, change).await
        })
    })
    .await?;
    report.imported = true;
    Ok(report)
}

/// A known person's unit, post and rank follow the newest roster they appear on.
async fn refresh_person<C: ConnectionTrait>(
    conn: &C,
    p: &person::Model,
    f: &PersonFields,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let changed = p.unit != f.unit
        || (f.post.is_some() && p.post != f.post)
        || (f.rank.is_some() && p.rank != f.rank)
        || (f.gender.is_some() && p.gender != f.gender);
    if !changed {
        return Ok(());
    }
    let mut active: person::ActiveModel = p.clone().into();
    active.unit = Set(f.unit.clone());
    if f.post.is_some() {
        active.post = Set(f.post.clone());
    }
    if f.rank.is_some() {
        active.rank = Set(f.rank.clone());
    }
    if f.gender.is_some() {
        active.gender = Set(f.gender.clone());
    }
    active.updated_at = Set(now);
    active.update(conn).await?;
    Ok(())
}

async fn reactivate<C: ConnectionTrait>(
    conn: &C,
    e: &enrollment::Model,
    student_no: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let mut active: enrollment::ActiveModel = e.clone().into();
    active.status = Set(STATUS_ACTIVE.to_owned());
    if student_no.is_some() {
        active.student_no = Set(student_no);
    }
    active.updated_at = Set(now);
    active.update(conn).await?;
    Ok(())
}

/// Adds one trainee by hand.
pub async fn add_one(
    db: &DatabaseConnection,
    secret: &SecretString,
    actor: &Actor,
    scope: &ClassScope,
    fields: PersonFields,
    now: DateTime<Utc>,
) -> AppResult<RosterEntry> {
    let class_id = scope.class.id;
    let secret = secret.clone();
    let actor = actor.clone();
    let enrollment_id = db
        .transaction::<_, Uuid, AppError>(|txn| {
            Box::pin(async move {
                let existing = people_by_phone(txn, &[fields.phone.as_ref().to_owned()]).await?.into_values().next();
                let person_id = match &existing {
                    Some(p) if p.name != fields.name => return Err(AppError::validation(name_mismatch(p))),
                    Some(p) => {
                        refresh_person(txn, p, &fields, now).await?;
                        p.id
                    }
                    None => {
                        let p = new_person(&fields, now);
                        let id = p.id.clone().unwrap();
                        person::Entity::insert(p).exec_without_returning(txn).await?;
                        id
                    }
                };
                let current = enrollment::Entity::find()
                    .filter(enrollment::Column::ClassId.eq(class_id))
                    .filter(enrollment::Column::PersonId.eq(person_id))
                    .one(txn)
                    .await?;
                let enrollment_id = match current {
                    Some(e) if e.status == STATUS_ACTIVE => return Err(AppError::new(ErrorCode::AlreadyEnrolled)),
                    Some(e) => {
                        reactivate(txn, &e, fields.student_no.clone(), now).await?;
                        e.id
                    }
                    None => {
                        let e = new_enrollment(&secret, class_id, person_id, fields.student_no.clone(), now)?;
                        let id = e.id.clone().unwrap();
                        enrollment::Entity::insert(e).exec_without_returning(txn).await?;
                        id
                    }
                };
                let change = Change {
                    action: "roster.add",
                    entity: "enrollment",
                    entity_id: enrollment_id.to_string(),
                    class_id: Some(class_id),
                    before: None,
                    after: Some(json!({ "class_id": class_id, "name": fields.name, "phone": super::model::masked_phone(fields.phone.as_ref()), "unit": fields.unit })),
                    reason: None,
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(enrollment_id)
            })
        })
        .await?;
    entry(db, scope, enrollment_id).await
}

/// One roster entry of the class in scope.
pub async fn entry(db: &DatabaseConnection, scope: &ClassScope, enrollment_id: Uuid) -> AppResult<RosterEntry> {
    let (e, p) = enrollment_in_class(db, scope, enrollment_id).await?;
    Ok(RosterEntry::new(&e, &p))
}

pub async fn enrollment_in_class<C: ConnectionTrait>(
    conn: &C,
    scope: &ClassScope,
    enrollment_id: Uuid,
) -> AppResult<(enrollment::Model, person::Model)> {
    let not_found = || AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员");
    let e = enrollment::Entity::find_by_id(enrollment_id)
        .filter(enrollment::Column::ClassId.eq(scope.class.id))
        .one(conn)
        .await?
        .ok_or_else(not_found)?;
    let p = person::Entity::find_by_id(e.person_id).one(conn).await?.ok_or_else(not_found)?;
    Ok((e, p))
}

/// Takes a trainee off the class (退学/移出). The enrolment is kept, marked withdrawn, for the record.
pub async fn withdraw(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    enrollment_id: Uuid,
    reason: Option<String>,
) -> AppResult<RosterEntry> {
    let (db, now) = (&at.db, at.now);
    let (e, p) = enrollment_in_class(db, scope, enrollment_id).await?;
    if e.status == STATUS_WITHDRAWN {
        return Ok(RosterEntry::new(&e, &p));
    }
    let actor = actor.clone();
    let updated = db
        .transaction::<_, enrollment::Model, AppError>(|txn| {
            Box::pin(async move {
                let mut active: enrollment::ActiveModel = e.into();
                active.status = Set(STATUS_WITHDRAWN.to_owned());
                active.updated_at = Set(now);
                let updated = active.update(txn).await?;
                let change = Change {
                    action: "roster.withdraw",
                    entity: "enrollment",
                    entity_id: enrollment_id.to_string(),
                    class_id: Some(updated.class_id),
                    before: Some(json!({ "status": STATUS_ACTIVE })),
                    after: Some(json!({ "status": STATUS_WITHDRAWN })),
                    reason,
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(updated)
            })
        })
        .await?;
    // Withdrawn: no more check-ins for this class, on any instance.
    let stale_enrolments = vec![(updated.class_id, updated.person_id)];
    at.after_commit(Committed { stale_enrolments, ..Committed::default() }).await;
    Ok(RosterEntry::new(&updated, &p))
}

/// The class's roster in import order, optionally only matching `q` (name, phone or unit) or one status.
pub async fn list(
    db: &DatabaseConnection,
    scope: &ClassScope,
    q: Option<&str>,
    status: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<RosterEntry>> {
    let mut query = enrollment::Entity::find().filter(enrollment::Column::ClassId.eq(scope.class.id));
    if let Some(status) = status {
        query = query.filter(enrollment::Column::Status.eq(status));
    }
    if let Some(q) = q.map(str::trim).filter(|q| !q.is_empty()) {
        let pattern = format!("%{}%", q.replace(['%', '_'], ""));
        query = query.filter(
            enrollment::Column::PersonId.in_subquery(
                Query::select()
                    .column(person::Column::Id)
                    .from(person::Entity)
                    .cond_where(
                        Condition::any()
                            .add(Expr::col(person::Column::Name).like(&pattern))
                            .add(Expr::col(person::Column::Phone).like(&pattern))
                            .add(Expr::col(person::Column::Unit).like(&pattern)),
                    )
                    .to_owned(),
            ),
        );
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_asc(enrollment::Column::CreatedAt)
        .order_by_asc(enrollment::Column::Id)
        .offset(page.offset())
        .limit(page.limit())
        .all(db)
        .await?;
    let people = people_by_id(db, rows.iter().map(|e| e.person_id).collect()).await?;
    let items = rows.iter().filter_map(|e| people.get(&e.person_id).map(|p| RosterEntry::new(e, p))).collect();
    Ok(page.wrap(items, total))
}

/// Every enrolment of a person (any class, any status).
pub async fn enrollment_ids_of(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<Uuid>> {
    Ok(enrollment::Entity::find()
        .filter(enrollment::Column::PersonId.eq(person_id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| e.id)
        .collect())
}

pub async fn people_by_id<C: ConnectionTrait>(conn: &C, ids: Vec<Uuid>) -> AppResult<HashMap<Uuid, person::Model>> {
    let mut found = HashMap::new();
    for chunk in ids.chunks(500) {
        for p in person::Entity::find().filter(person::Column::Id.is_in(chunk.to_vec())).all(conn).await? {
            found.insert(p.id, p);
        }
    }
    Ok(found)
}

/// Every active trainee of the class, in roster order (for exports and invite sheets).
pub async fn all_active<C: ConnectionTrait>(
    db: &C,
    class_id: Uuid,
) -> AppResult<Vec<(enrollment::Model, person::Model)>> {
    let rows = enrollment::active_in_class(class_id)
        .order_by_asc(enrollment::Column::CreatedAt)
        .order_by_asc(enrollment::Column::Id)
        .all(db)
        .await?;
    let people = people_by_id(db, rows.iter().map(|e| e.person_id).collect()).await?;
    Ok(rows.into_iter().filter_map(|e| people.get(&e.person_id).cloned().map(|p| (e, p))).collect())
}

pub const EXPORT_HEADERS: &[&str] = &["序号", "姓名", "性别", "手机号", "单位", "职务", "职级", "学号", "绑定状态"];

/// The roster as spreadsheet rows, headers [`EXPORT_HEADERS`].
pub async fn export_rows(db: &DatabaseConnection, scope: &ClassScope) -> AppResult<Vec<Vec<String>>> {
    let rows = all_active(db, scope.class.id).await?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, (e, p))| {
            let bound = match (e.device_id.is_some(), e.wechat_openid.is_some()) {
                (_, true) => "已绑定微信",
                (true, false) => "已绑定手机",
                _ => "未绑定",
            };
            vec![
                (i + 1).to_string(),
                p.name.clone(),
                p.gender.clone().unwrap_or_default(),
                super::model::shown_phone(p),
                p.unit.clone(),
                p.post.clone().unwrap_or_default(),
                p.rank.clone().unwrap_or_default(),
                e.student_no.clone().unwrap_or_default(),
                bound.to_owned(),
            ]
        })
        .collect())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InviteView {
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    pub student_no: Option<String>,
    pub invite_code: String,
    /// Opens the phone page that binds this code (as a QR on the invite sheet).
    pub bind_url: String,
    pub bound: bool,
}

/// The roster as a file to download, Excel (`xlsx`) or CSV: the bytes, their content type and the file name. It
/// carries phone numbers, so the download is recorded in the audit trail first (who, when, how many rows).
pub async fn export_file(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    xlsx: bool,
    now: DateTime<Utc>,
) -> AppResult<(Vec<u8>, &'static str, String)> {
    let rows = export_rows(db, scope).await?;
    let download = crate::audit::downloads::Download {
        file: if xlsx { "roster.xlsx" } else { "roster.csv" },
        class_id: Some(scope.class.id),
        rows: Some(rows.len()),
    };
    crate::audit::downloads::record(db, now, actor, download).await?;
    Ok(if xlsx {
        let bytes = tabular::write_xlsx("学员名单", EXPORT_HEADERS, &rows)?;
        (bytes, tabular::XLSX_TYPE, format!("{}-学员名单.xlsx", scope.class.code))
    } else {
        (tabular::write_csv(EXPORT_HEADERS, &rows)?, tabular::CSV_TYPE, format!("{}-学员名单.csv", scope.class.code))
    })
}

pub fn invite_view(
    secret: &SecretString,
    base_url: &str,
    e: &enrollment::Model,
    p: &person::Model,
) -> AppResult<InviteView> {
    let code = invite::derive(secret, &e.invite_salt)?;
    Ok(InviteView {
        enrollment_id: e.id,
        name: p.name.clone(),
        unit: p.unit.clone(),
        student_no: e.student_no.clone(),
        bind_url: format!("{base_url}/h5/bind?code={code}"),
        invite_code: code,
        bound: e.device_id.is_some() || e.wechat_openid.is_some(),
    })
}

pub async fn invites(
    db: &DatabaseConnection,
    secret: &SecretString,
    base_url: &str,
    class_id: Uuid,
) -> AppResult<Vec<InviteView>> {
    all_active(db, class_id).await?.iter().map(|(e, p)| invite_view(secret, base_url, e, p)).collect()
}

/// Issues a new invite code and unbinds the old phone and WeChat account (their tokens stop working).
/// How invite codes are derived and where their binding links point.
pub struct InviteKeys<'a> {
    pub secret: &'a SecretString,
    pub base_url: &'a str,
}

/// A new invite code for a trainee (a lost or changed phone): the old code and every login of the trainee's bound
/// phone stop working at once, on this instance's login cache too.
pub async fn reset_invite(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    enrollment_id: Uuid,
    reason: Option<String>,
) -> AppResult<InviteView> {
    let (db, now) = (&at.db, at.now);
    let (e, p) = enrollment_in_class(db, scope, enrollment_id).await?;
    let person_id = e.person_id;
    let salt = invite::new_salt();
    let code_hash = invite::hash(&invite::derive(&at.master_secret, &salt)?);
    let actor = actor.clone();
    let updated = db
        .transaction::<_, enrollment::Model, AppError>(|txn| {
            Box::pin(async move {
                for device in
                    [e.device_id.clone(), e.wechat_openid.as_ref().map(|o| wechat_device(o))].into_iter().flatten()
                {
                    auth_repo::revoke_subject_tokens(txn, auth_repo::SUBJECT_TRAINEE, e.person_id, Some(&device), now)
                        .await?;
                }
                let before =
                    json!({ "device_bound": e.device_id.is_some(), "wechat_bound": e.wechat_openid.is_some() });
                let mut active: enrollment::ActiveModel = e.into();
                active.invite_salt = Set(salt);
                active.invite_code_hash = Set(code_hash);
                active.device_id = Set(None);
                active.wechat_openid = Set(None);
                active.bound_at = Set(None);
                active.updated_at = Set(now);
                let updated = active.update(txn).await?;
                let change = Change {
                    action: "roster.invite_reset",
                    entity: "enrollment",
                    entity_id: enrollment_id.to_string(),
                    class_id: Some(updated.class_id),
                    before: Some(before),
                    after: Some(json!({ "device_bound": false, "wechat_bound": false })),
                    reason,
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(updated)
            })
        })
        .await?;
    at.after_commit(Committed::unbound(updated.class_id, person_id)).await;
    invite_view(&at.master_secret, &at.base_url(), &updated, &p)
}

/// The device label of tokens issued through a WeChat login.
pub fn wechat_device(openid: &str) -> String {
    format!("wx:{openid}")
}

/// Active enrolments bound to a WeChat account.
pub async fn enrollments_by_openid(db: &DatabaseConnection, openid: &str) -> AppResult<Vec<enrollment::Model>> {
    Ok(enrollment::active().filter(enrollment::Column::WechatOpenid.eq(openid)).all(db).await?)
}

/// The active enrolment an invite code belongs to.
pub async fn enrollment_by_code(db: &DatabaseConnection, typed: &str) -> AppResult<Option<enrollment::Model>> {
    let Some(code) = invite::normalise(typed) else { return Ok(None) };
    Ok(enrollment::active().filter(enrollment::Column::InviteCodeHash.eq(invite::hash(&code))).one(db).await?)
}

/// Marks an enrolment bound (device or WeChat), only if it is still unbound for that kind: two phones racing
/// with the same code cannot both win.
pub async fn bind<C: ConnectionTrait>(
    conn: &C,
    enrollment_id: Uuid,
    device_id: Option<&str>,
    openid: Option<&str>,
    notice_version: &str,
    now: DateTime<Utc>,
) -> AppResult<bool> {
    let mut update = enrollment::Entity::update_many()
        .col_expr(enrollment::Column::BoundAt, Expr::value(now))
        .col_expr(enrollment::Column::NoticeVersion, Expr::value(notice_version))
        .col_expr(enrollment::Column::NoticeShownAt, Expr::value(now))
        .col_expr(enrollment::Column::UpdatedAt, Expr::value(now))
        .filter(enrollment::Column::Id.eq(enrollment_id));
    if let Some(device) = device_id {
        update = update
            .col_expr(enrollment::Column::DeviceId, Expr::value(device))
            .filter(enrollment::Column::DeviceId.is_null());
    }
    if let Some(openid) = openid {
        update = update
            .col_expr(enrollment::Column::WechatOpenid, Expr::value(openid))
            .filter(enrollment::Column::WechatOpenid.is_null());
    }
    Ok(update.exec(conn).await?.rows_affected == 1)
}
