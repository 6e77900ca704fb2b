//! Timetable use cases: create one, create many from a repeat rule, import, list, edit (audited; a reason is
//! required once check-in has opened and the edit would change results), delete before check-in opens.

use chrono::{DateTime, Datelike, NaiveDate, NaiveTime, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::model::{Credit, SessionInput, SessionKind, SessionView};
use crate::audit::{self, Actor, Change};
use crate::auth::StaffPrincipal;
use crate::class::access::{ClassScope, class_scope};
use crate::class::model::{optional_text, required_text};
use crate::clock::{from_local, local_date};
use crate::ctx::{At, Committed};
use crate::entity::class_session;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::roster::import::RowError;
use crate::tabular;

const DEFAULT_ROTATION_SECONDS: i32 = 10;

/// Builds a validated new row from a complete input.
pub fn new_session(
    scope: &ClassScope,
    input: SessionInput,
    now: DateTime<Utc>,
) -> AppResult<class_session::ActiveModel> {
    let missing = |f: &str| AppError::validation(format!("缺少{f}"));
    let mut model = class_session::ActiveModel {
        id: Set(Uuid::now_v7()),
        class_id: Set(scope.class.id),
        title: Set(String::new()),
        kind: Set(SessionKind::Lecture),
        starts_at: Set(input.starts_at.ok_or_else(|| missing("开始时间"))?),
        ends_at: Set(input.ends_at.ok_or_else(|| missing("结束时间"))?),
        credit_centi: Set(0),
        venue: Set(None),
        geo_lat: Set(None),
        geo_lng: Set(None),
        geo_radius_m: Set(None),
        geo_coord: Set(None),
        open_before_min: Set(0),
        late_after_min: Set(0),
        close_after_min: Set(0),
        checkout_required: Set(false),
        counts_toward_attendance: Set(true),
        rotation_seconds: Set(DEFAULT_ROTATION_SECONDS),
        created_at: Set(now),
        updated_at: Set(now),
        opened_at: Set(None),
        closed_at: Set(None),
        absences_marked_at: Set(None),
        online_platform: Set(None),
        meeting_number: Set(None),
        join_url: Set(None),
        online_rule: Set(None),
        teacher: Set(None),
    };
    let input = SessionInput {
        title: Some(input.title.ok_or_else(|| missing("课程名称"))?),
        credit_hours: Some(input.credit_hours.ok_or_else(|| missing("学时"))?),
        window: Some(input.window.unwrap_or_default()),
        ..input
    };
    apply(scope, &mut model, &input)?;
    Ok(model)
}

/// Applies (validated) input fields to a row, and checks the result as a whole.
fn apply(scope: &ClassScope, m: &mut class_session::ActiveModel, input: &SessionInput) -> AppResult<()> {
    if let Some(title) = &input.title {
        m.title = Set(required_text(title, 128, "课程名称").map_err(|e| e.on_field("title"))?);
    }
    if let Some(kind) = input.kind {
        m.kind = Set(kind);
    }
    if let Some(t) = input.starts_at {
        m.starts_at = Set(t);
    }
    if let Some(t) = input.ends_at {
        m.ends_at = Set(t);
    }
    if let Some(h) = input.credit_hours {
        m.credit_centi = Set(Credit::from_hours(h).map_err(|e| e.on_field("credit_hours"))?.0);
    }
    if let Some(venue) = &input.venue {
        m.venue = Set(optional_text(venue.as_deref(), 128, "地点").map_err(|e| e.on_field("venue"))?);
    }
    if let Some(teacher) = &input.teacher {
        m.teacher = Set(optional_text(teacher.as_deref(), 64, "授课教师").map_err(|e| e.on_field("teacher"))?);
    }
    if let Some(geofence) = input.geofence {
        let g = geofence.map(|g| g.validate()).transpose().map_err(|e| e.on_field("geofence"))?;
        m.geo_lat = Set(g.map(|g| g.lat));
        m.geo_lng = Set(g.map(|g| g.lng));
        m.geo_radius_m = Set(g.map(|g| g.radius_m));
        m.geo_coord = Set(g.map(|g| g.coord));
    }
    if let Some(w) = input.window {
        let w = w.validate().map_err(|e| e.on_field("window"))?;
        m.open_before_min = Set(w.open_before_min);
        m.late_after_min = Set(w.late_after_min);
        m.close_after_min = Set(w.close_after_min);
    }
    if let Some(v) = input.checkout_required {
        m.checkout_required = Set(v);
    }
    if let Some(v) = input.counts_toward_attendance {
        m.counts_toward_attendance = Set(v);
    }
    if let Some(v) = input.rotation_seconds {
        if !(5..=60).contains(&v) {
            return Err(AppError::validation("二维码刷新间隔应在 5 到 60 秒之间").on_field("rotation_seconds"));
        }
        m.rotation_seconds = Set(v);
    }
    let (starts, ends) = (m.starts_at.clone().unwrap(), m.ends_at.clone().unwrap());
    if ends <= starts {
        return Err(AppError::validation("结束时间必须晚于开始时间").on_field("end"));
    }
    if ends - starts > chrono::Duration::hours(24) {
        return Err(AppError::validation("一次课程不能超过 24 小时").on_field("end"));
    }
    let day = local_date(starts);
    if day < scope.class.start_date || day > scope.class.end_date {
        return Err(AppError::validation(format!(
            "课程日期 {day} 不在培训班日期（{} 至 {}）之内",
            scope.class.start_date, scope.class.end_date
        ))
        .on_field("date"));
    }
    Ok(())
}

async fn insert_all<C: ConnectionTrait>(
    conn: &C,
    actor: &Actor,
    scope: &ClassScope,
    rows: Vec<class_session::ActiveModel>,
    action: &str,
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionView>> {
    let mut views = Vec::with_capacity(rows.len());
    for row in rows {
        views.push(SessionView::from(&row.insert(conn).await?));
    }
    let after = if views.len() == 1 {
        serde_json::to_value(&views[0]).unwrap_or_default()
    } else {
        json!({ "sessions": views.len() })
    };
    let change = Change {
        action,
        entity: "training_class",
        entity_id: scope.class.id.to_string(),
        class_id: Some(scope.class.id),
        before: None,
        after: Some(after),
        reason: None,
    };
    audit::record(conn, now, actor, change).await?;
    Ok(views)
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    input: SessionInput,
    now: DateTime<Utc>,
) -> AppResult<SessionView> {
    let row = new_session(scope, input, now)?;
    let txn = db.begin().await?;
    let mut views = insert_all(&txn, actor, scope, vec![row], "session.create", now).await?;
    txn.commit().await?;
    views.pop().ok_or_else(|| AppError::internal(anyhow::anyhow!("no session created")))
}

/// One time slot of a repeat rule, in local (China) time.
#[derive(Debug, Clone)]
pub struct Slot {
    pub start: NaiveTime,
    pub end: NaiveTime,
    pub template: SessionInput,
}

/// Sessions on every matching day from `from` to `to`.
#[derive(Debug, Clone)]
pub struct RepeatRule {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// ISO weekdays, 1 = Monday … 7 = Sunday.
    pub weekdays: Vec<u32>,
    pub skip_dates: Vec<NaiveDate>,
    pub slots: Vec<Slot>,
}

pub async fn create_batch(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    rule: RepeatRule,
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionView>> {
    if rule.to < rule.from || (rule.to - rule.from).num_days() > 366 {
        return Err(AppError::validation("日期范围不正确"));
    }
    if rule.slots.is_empty() || rule.weekdays.iter().any(|d| !(1..=7).contains(d)) {
        return Err(AppError::validation("请至少填写一个时段，星期用 1（周一）到 7（周日）表示"));
    }
    let mut rows = Vec::new();
    for day in rule.from.iter_days().take_while(|d| *d <= rule.to) {
        if rule.weekdays.contains(&day.weekday().number_from_monday()) && !rule.skip_dates.contains(&day) {
            for slot in &rule.slots {
                let input = SessionInput {
                    starts_at: Some(from_local(day, slot.start)),
                    ends_at: Some(from_local(day, slot.end)),
                    ..slot.template.clone()
                };
                rows.push(new_session(scope, input, now).map_err(|e| {
                    AppError::validation(format!("{day} {}：{}", slot.start.format("%H:%M"), e.message))
                })?);
            }
        }
    }
    if rows.is_empty() {
        return Err(AppError::validation("按此规则没有生成任何课程，请检查日期和星期"));
    }
    let txn = db.begin().await?;
    let views = insert_all(&txn, actor, scope, rows, "session.create_batch", now).await?;
    txn.commit().await?;
    Ok(views)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TimetableImportReport {
    pub dry_run: bool,
    pub imported: bool,
    pub total_rows: usize,
    pub valid_rows: usize,
    /// The first 100 problems, in row order.
    pub errors: Vec<RowError>,
    /// How many problems there are in all.
    pub error_count: usize,
}

pub async fn import(
    db: &DatabaseConnection,
    actor: &Actor,
    scope: &ClassScope,
    file: tabular::Upload,
    dry_run: bool,
    now: DateTime<Utc>,
) -> AppResult<TimetableImportReport> {
    let sheet = file.read().await?;
    let parsed = super::import::parse(&sheet);
    let mut errors = parsed.errors;
    let mut rows = Vec::new();
    for (row, input) in parsed.rows {
        match new_session(scope, input, now) {
            Ok(r) => rows.push(r),
            Err(e) => errors.push(RowError::new(row, "课程", e.message.to_string())),
        }
    }
    let (errors, error_count) = tabular::first_errors(errors);
    let mut report = TimetableImportReport {
        dry_run,
        imported: false,
        total_rows: sheet.rows.len(),
        valid_rows: rows.len(),
        errors,
        error_count,
    };
    if dry_run {
        return Ok(report);
    }
    if !report.errors.is_empty() {
        return Err(tabular::rejected(&report.errors, report.error_count));
    }
    let txn = db.begin().await?;
    insert_all(&txn, actor, scope, rows, "session.import", now).await?;
    txn.commit().await?;
    report.imported = true;
    Ok(report)
}

/// A class's sessions in time order; with `date`, only those starting on that local day.
pub async fn list(db: &DatabaseConnection, class_ids: &[Uuid], date: Option<NaiveDate>) -> AppResult<Vec<SessionView>> {
    Ok(rows(db, class_ids, date).await?.iter().map(SessionView::from).collect())
}

/// The rows behind [`list`] (for the window state of each).
pub async fn rows(
    db: &DatabaseConnection,
    class_ids: &[Uuid],
    date: Option<NaiveDate>,
) -> AppResult<Vec<class_session::Model>> {
    let mut query = class_session::Entity::find().filter(class_session::Column::ClassId.is_in(class_ids.to_vec()));
    if let Some(date) = date {
        let from = from_local(date, NaiveTime::MIN);
        query = query
            .filter(class_session::Column::StartsAt.gte(from))
            .filter(class_session::Column::StartsAt.lt(from + chrono::Duration::days(1)));
    }
    Ok(query.order_by_asc(class_session::Column::StartsAt).order_by_asc(class_session::Column::Id).all(db).await?)
}

/// The sessions among `ids` that belong to the class, in time order (others are left out).
pub async fn sessions_of_class(
    db: &DatabaseConnection,
    class_id: Uuid,
    ids: &[Uuid],
) -> AppResult<Vec<class_session::Model>> {
    Ok(class_session::Entity::find()
        .filter(class_session::Column::ClassId.eq(class_id))
        .filter(class_session::Column::Id.is_in(ids.to_vec()))
        .order_by_asc(class_session::Column::StartsAt)
        .all(db)
        .await?)
}

/// A session and the class it belongs to, if the caller may act on that class.
pub async fn session_scope(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    session_id: Uuid,
) -> AppResult<(ClassScope, class_session::Model)> {
    let not_found = || AppError::with_message(ErrorCode::NotFound, "课程不存在或您无权查看");
    let session = class_session::Entity::find_by_id(session_id).one(db).await?.ok_or_else(not_found)?;
    let scope = class_scope(db, who, session.class_id).await.map_err(|_| not_found())?;
    Ok((scope, session))
}

/// Whether check-in for the session has opened (from then on, results exist or may exist).
pub fn window_opened(session: &class_session::Model, now: DateTime<Utc>) -> bool {
    session.opened_at.is_some_and(|o| o <= now) || now >= super::window::opens_at(session)
}

pub async fn update(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: class_session::Model,
    input: SessionInput,
    reason: Option<String>,
) -> AppResult<SessionView> {
    let (db, now) = (&at.db, at.now);
    let reason = reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty());
    if window_opened(&session, now) && input.changes_results(&session) && reason.is_none() {
        return Err(AppError::with_message(
            ErrorCode::ReasonRequired,
            "该课程已开始签到，修改时间、学时或签到规则必须填写原因",
        ));
    }
    let before = SessionView::from(&session);
    let mut active: class_session::ActiveModel = session.into();
    apply(scope, &mut active, &input)?;
    active.updated_at = Set(now);
    let txn = db.begin().await?;
    let after = SessionView::from(&active.update(&txn).await?);
    let change = Change {
        action: "session.update",
        entity: "class_session",
        entity_id: after.id.to_string(),
        class_id: Some(after.class_id),
        before: serde_json::to_value(&before).ok(),
        after: serde_json::to_value(&after).ok(),
        reason,
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    at.after_commit(Committed::session(after.id)).await;
    Ok(after)
}

/// Deletes a session whose check-in has not opened yet.
pub async fn delete(at: At<'_>, actor: &Actor, session: class_session::Model, reason: Option<String>) -> AppResult<()> {
    let (db, now) = (&at.db, at.now);
    if window_opened(&session, now) {
        return Err(AppError::new(ErrorCode::SessionLocked));
    }
    let before = SessionView::from(&session);
    let txn = db.begin().await?;
    class_session::Entity::delete_by_id(session.id).exec(&txn).await?;
    let change = Change {
        action: "session.delete",
        entity: "class_session",
        entity_id: session.id.to_string(),
        class_id: Some(session.class_id),
        before: serde_json::to_value(&before).ok(),
        after: None,
        reason,
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    at.after_commit(Committed::session(session.id)).await;
    Ok(())
}
