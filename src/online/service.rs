//! Online attendance as staff use it: import a platform's export (a dry run first), see who matched and who did
//! not, assign the rest; each import or assignment writes the session's attendance in one transaction, audited.
//! Records staff corrected, leave, and scans are never overwritten; an earlier import's records (and absences
//! marked at close) are replaced.

use std::collections::HashMap;

use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::export::{self, Layout};
use super::matching::{self, Candidate, Match};
use super::watch::{Interval, OnlineRule, Watched, watched};
use crate::audit::{self, Actor, Change};
use crate::class::ClassScope;
use crate::ctx::{At, AttendanceEvent, Committed, EventKind};
use crate::entity::attendance::{AttendanceSource, AttendanceStatus};
use crate::entity::vocab::SessionKind;
use crate::entity::{attendance, class_session, online_alias, online_import, online_viewer};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::tabular::{self, Upload};

/// The rule of a session: its own, else its class's, else the defaults.
pub fn rule_for(class: &crate::entity::training_class::Model, session: &class_session::Model) -> OnlineRule {
    stored_rule(&session.online_rule).or_else(|| stored_rule(&class.online_rule)).unwrap_or_default()
}

/// The class's own rule for its online sessions (`None`: the defaults).
pub fn class_rule(class: &crate::entity::training_class::Model) -> Option<OnlineRule> {
    stored_rule(&class.online_rule)
}

/// A rule as a session or class stores it (JSON; `None` when there is none).
fn stored_rule(json: &Option<serde_json::Value>) -> Option<OnlineRule> {
    json.as_ref().and_then(|v| serde_json::from_value(v.clone()).ok())
}

/// One viewer as staff review them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ViewerLine {
    /// The name as the platform shows it.
    pub display_name: String,
    pub phone: Option<String>,
    pub matched: Match,
    /// e.g. 手机号匹配, 重名，需指定.
    pub matched_label: String,
    pub enrollment_id: Option<Uuid>,
    pub trainee_name: Option<String>,
    /// This viewer's time within the scheduled window, by our merge.
    pub watched_seconds: i64,
    /// The platform's own figure (累计参会时长, 观看时长), for comparison.
    pub platform_seconds: Option<i64>,
    pub first_join: Option<DateTime<Utc>>,
    pub last_leave: Option<DateTime<Utc>>,
    /// The spreadsheet rows this viewer came from.
    pub rows: Vec<usize>,
}

/// One trainee of the class and what the watched time makes of them.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TraineeLine {
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    /// Merged over every viewer matched to the trainee (two devices are not double time).
    pub watched_seconds: i64,
    /// Share of the scheduled duration, 0–100.
    pub watched_percent: f64,
    /// What the rule gives.
    pub status: AttendanceStatus,
    pub status_label: String,
    /// The record before this import (`None`: none yet).
    pub current: Option<AttendanceStatus>,
    pub current_source: Option<String>,
    /// Why the record is kept as it is, when it is (工作人员已修改, 已请假, 已扫码签到).
    pub kept: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ImportSummary {
    pub id: Uuid,
    pub layout: String,
    pub viewers: i32,
    pub matched: i32,
    pub unmatched: i32,
    pub imported_by: String,
    pub imported_at: DateTime<Utc>,
}

/// A session's online attendance: the rule, the latest import, its viewers and every trainee's result. A dry run
/// shows the same for the file without storing anything.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OnlineAttendance {
    pub session_id: Uuid,
    pub rule: OnlineRule,
    /// The layout the file was read as (腾讯会议参会概况, 逐次入会记录, 观看时长名单).
    pub layout_label: Option<String>,
    pub import: Option<ImportSummary>,
    pub viewers: Vec<ViewerLine>,
    pub trainees: Vec<TraineeLine>,
    /// Viewers left for staff to assign.
    pub unmatched: usize,
    /// Records this import wrote (or, in a dry run, would write).
    pub changed: usize,
    pub dry_run: bool,
}

/// A viewer with its times, as read from a file or from the stored latest import.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Times {
    exact: Vec<(DateTime<Utc>, DateTime<Utc>)>,
    span: Option<(DateTime<Utc>, DateTime<Utc>)>,
}

#[derive(Debug, Clone)]
struct Rec {
    display_name: String,
    phone: Option<String>,
    matched: Match,
    enrollment_id: Option<Uuid>,
    exact: Vec<Interval>,
    span: Option<Interval>,
    platform_seconds: Option<i64>,
    rows: Vec<usize>,
}

/// Time within the window of a set of viewers of one trainee. Exact intervals are merged; a viewer with only a
/// span or a total (several joins summarised, 钉钉's minutes) cannot be merged, so it counts as the best single
/// device, never added to the others.
fn watched_by(start: DateTime<Utc>, end: DateTime<Utc>, recs: &[&Rec]) -> Watched {
    let exact: Vec<Interval> = recs.iter().flat_map(|r| r.exact.iter().copied()).collect();
    let mut w = watched(start, end, &exact);
    let window = end - start;
    for r in recs.iter().filter(|r| r.exact.is_empty()) {
        let clipped = r.span.map(|s| (s.to.min(end) - s.from.max(start)).max(Duration::zero()));
        let total = r.platform_seconds.map(Duration::seconds);
        let estimate = match (clipped, total) {
            (Some(c), Some(t)) => c.min(t),
            (Some(c), None) => c,
            (None, Some(t)) => t.min(window),
            (None, None) => Duration::zero(),
        };
        w.within = w.within.max(estimate);
        if let Some(s) = r.span {
            w.first_join = Some(w.first_join.map_or(s.from, |f| f.min(s.from)));
            w.last_leave = Some(w.last_leave.map_or(s.to, |l| l.max(s.to)));
        }
    }
    w
}

fn kept_reason(source: AttendanceSource) -> Option<&'static str> {
    match source {
        AttendanceSource::Staff => Some("工作人员已修改，导入不覆盖"),
        AttendanceSource::Leave => Some("已请假"),
        AttendanceSource::Scan => Some("已扫码签到"),
        AttendanceSource::Auto | AttendanceSource::Online => None,
    }
}

fn ensure_online(session: &class_session::Model) -> AppResult<()> {
    if session.kind == SessionKind::OnlineLive {
        Ok(())
    } else {
        Err(AppError::with_message(ErrorCode::ValidationFailed, "只有“在线直播”类型的课程可以导入观看记录"))
    }
}

/// What a file (or the stored import) makes of the session, and which records to write.
struct Plan {
    view: OnlineAttendance,
    /// (enrollment, new status, the record it replaces).
    writes: Vec<(Uuid, AttendanceStatus, Option<attendance::Model>)>,
}

/// Plans the session's records from `recs`, matching them to the roster first when `rematch` (an import, an
/// assignment; the stored view keeps the matches it was written with). The roster is read once for both.
async fn plan<C: ConnectionTrait>(
    conn: &C,
    scope: &ClassScope,
    session: &class_session::Model,
    recs: &mut [Rec],
    rematch: bool,
) -> AppResult<Plan> {
    let rule = rule_for(&scope.class, session);
    let (start, end) = (session.starts_at, session.ends_at);
    let roster = crate::roster::service::all_active(conn, scope.class.id).await?;
    if rematch {
        let candidates: Vec<Candidate> = roster
            .iter()
            .map(|(e, p)| Candidate {
                enrollment_id: e.id,
                name: p.name.clone(),
                phone: Some(p.phone.clone()).filter(|p| !p.is_empty()),
            })
            .collect();
        let assigned = aliases(conn, scope.class.id).await?;
        for r in recs.iter_mut() {
            (r.matched, r.enrollment_id) = matching::find(&r.display_name, r.phone.as_deref(), &candidates, &assigned);
        }
    }
    let recs: &[Rec] = recs;
    let existing: HashMap<Uuid, attendance::Model> = attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session.id))
        .all(conn)
        .await?
        .into_iter()
        .map(|r| (r.enrollment_id, r))
        .collect();
    let names: HashMap<Uuid, &str> = roster.iter().map(|(e, p)| (e.id, p.name.as_str())).collect();
    let viewers: Vec<ViewerLine> = recs
        .iter()
        .map(|r| {
            let w = watched_by(start, end, &[r]);
            ViewerLine {
                display_name: r.display_name.clone(),
                phone: r.phone.clone(),
                matched: r.matched,
                matched_label: r.matched.label().to_owned(),
                enrollment_id: r.enrollment_id,
                trainee_name: r.enrollment_id.and_then(|id| names.get(&id)).map(|n| (*n).to_owned()),
                watched_seconds: w.within.num_seconds(),
                platform_seconds: r.platform_seconds,
                first_join: w.first_join,
                last_leave: w.last_leave,
                rows: r.rows.clone(),
            }
        })
        .collect();
    let scheduled = (end - start).num_seconds().max(1) as f64;
    let mut trainees = Vec::with_capacity(roster.len());
    let mut writes = Vec::new();
    for (e, p) in &roster {
        let mine: Vec<&Rec> = recs.iter().filter(|r| r.enrollment_id == Some(e.id)).collect();
        let w = watched_by(start, end, &mine);
        let status = rule.status(start, end, &w);
        let current = existing.get(&e.id);
        let kept = current.and_then(|r| kept_reason(r.source));
        if kept.is_none() && current.is_none_or(|r| r.status != status || r.source != AttendanceSource::Online) {
            writes.push((e.id, status, current.cloned()));
        }
        trainees.push(TraineeLine {
            enrollment_id: e.id,
            name: p.name.clone(),
            unit: p.unit.clone(),
            watched_seconds: w.within.num_seconds(),
            watched_percent: ((w.within.num_seconds() as f64 / scheduled) * 1000.0).round() / 10.0,
            status,
            status_label: status.label().to_owned(),
            current: current.map(|r| r.status),
            current_source: current.map(|r| r.source.as_str().to_owned()),
            kept: kept.map(str::to_owned),
        });
    }
    let unmatched = recs.iter().filter(|r| r.enrollment_id.is_none()).count();
    let view = OnlineAttendance {
        session_id: session.id,
        rule,
        layout_label: None,
        import: None,
        viewers,
        trainees,
        unmatched,
        changed: writes.len(),
        dry_run: false,
    };
    Ok(Plan { view, writes })
}

async fn aliases<C: ConnectionTrait>(conn: &C, class_id: Uuid) -> AppResult<HashMap<String, Uuid>> {
    Ok(online_alias::Entity::find()
        .filter(online_alias::Column::ClassId.eq(class_id))
        .all(conn)
        .await?
        .into_iter()
        .map(|a| (a.display_name, a.enrollment_id))
        .collect())
}

/// The session's online attendance as the latest import left it (nothing stored yet: every trainee absent).
pub async fn view(
    db: &DatabaseConnection,
    scope: &ClassScope,
    session: &class_session::Model,
) -> AppResult<OnlineAttendance> {
    ensure_online(session)?;
    let mut recs = stored(db, session.id).await?;
    let mut plan = plan(db, scope, session, &mut recs, false).await?;
    plan.view.import = latest_import(db, session.id).await?;
    plan.view.layout_label = plan.view.import.as_ref().map(|i| i.layout.clone());
    plan.view.changed = 0;
    Ok(plan.view)
}

async fn latest_import<C: ConnectionTrait>(conn: &C, session_id: Uuid) -> AppResult<Option<ImportSummary>> {
    Ok(online_import::Entity::find()
        .filter(online_import::Column::SessionId.eq(session_id))
        .order_by_desc(online_import::Column::ImportedAt)
        .one(conn)
        .await?
        .map(|i| ImportSummary {
            id: i.id,
            layout: i.layout,
            viewers: i.viewers,
            matched: i.matched,
            unmatched: i.unmatched,
            imported_by: i.imported_by,
            imported_at: i.imported_at,
        }))
}

async fn stored<C: ConnectionTrait>(conn: &C, session_id: Uuid) -> AppResult<Vec<Rec>> {
    let rows = online_viewer::Entity::find()
        .filter(online_viewer::Column::SessionId.eq(session_id))
        .order_by_asc(online_viewer::Column::Id)
        .all(conn)
        .await?;
    Ok(rows
        .into_iter()
        .map(|v| {
            let times: Times = serde_json::from_value(v.intervals).unwrap_or(Times { exact: Vec::new(), span: None });
            Rec {
                display_name: v.display_name,
                phone: v.phone,
                matched: v.matched,
                enrollment_id: v.enrollment_id,
                exact: times.exact.into_iter().map(|(from, to)| Interval { from, to }).collect(),
                span: times.span.map(|(from, to)| Interval { from, to }),
                platform_seconds: v.platform_seconds.map(i64::from),
                rows: serde_json::from_value(v.sheet_rows).unwrap_or_default(),
            }
        })
        .collect())
}

/// Imports a platform's export for an online session. With `dry_run` nothing is stored; otherwise the viewers
/// replace the previous import's and the session's records are written in one transaction, audited.
pub async fn import(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: &class_session::Model,
    upload: Upload,
    dry_run: bool,
) -> AppResult<OnlineAttendance> {
    ensure_online(session)?;
    let sheets = upload.read_sheets().await?;
    let date = crate::clock::local_date(session.starts_at);
    let export = export::read_workbook(&sheets, date)
        .ok_or_else(|| AppError::with_message(ErrorCode::FileUnreadable, export::LAYOUT_HINT))?;
    if !export.errors.is_empty() {
        let (errors, total) = tabular::first_errors(export.errors);
        return Err(tabular::rejected(&errors, total));
    }
    if export.viewers.is_empty() {
        return Err(AppError::with_message(
            ErrorCode::FileUnreadable,
            "文件中没有参会记录，请确认导出的是本次直播的参会明细",
        ));
    }
    let mut recs: Vec<Rec> = export
        .viewers
        .into_iter()
        .map(|v| Rec {
            display_name: v.name,
            phone: v.phone,
            matched: Match::NotFound,
            enrollment_id: None,
            exact: v.intervals,
            span: v.span,
            platform_seconds: v.platform_seconds,
            rows: v.rows,
        })
        .collect();
    let layout = export.layout;
    if dry_run {
        let mut plan = plan(&at.db, scope, session, &mut recs, true).await?;
        plan.view.dry_run = true;
        plan.view.layout_label = Some(layout.label().to_owned());
        return Ok(plan.view);
    }
    apply(at, actor, scope, session, recs, Some(layout)).await
}

/// Assigns a viewer's name to a trainee for the rest of the class and applies the latest import again.
pub async fn assign(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: &class_session::Model,
    display_name: &str,
    enrollment_id: Uuid,
) -> AppResult<OnlineAttendance> {
    ensure_online(session)?;
    let display_name = display_name.trim();
    let recs = stored(&at.db, session.id).await?;
    if !recs.iter().any(|r| r.display_name == display_name) {
        return Err(AppError::with_message(ErrorCode::NotFound, "本次导入中没有这个参会名称"));
    }
    let enrolled = crate::entity::enrollment::active_in_class(scope.class.id)
        .filter(crate::entity::enrollment::Column::Id.eq(enrollment_id))
        .one(&at.db)
        .await?;
    if enrolled.is_none() {
        return Err(AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"));
    }
    let (class_id, now) = (scope.class.id, at.now);
    let name = display_name.to_owned();
    let who = actor.clone();
    at.db
        .transaction::<_, (), AppError>(|txn| {
            Box::pin(async move {
                let existing = online_alias::Entity::find()
                    .filter(online_alias::Column::ClassId.eq(class_id))
                    .filter(online_alias::Column::DisplayName.eq(name.as_str()))
                    .one(txn)
                    .await?;
                let before = existing.as_ref().map(|a| json!({"enrollment_id": a.enrollment_id}));
                let id = match existing {
                    Some(a) => {
                        let id = a.id;
                        let mut active: online_alias::ActiveModel = a.into();
                        active.enrollment_id = Set(enrollment_id);
                        active.assigned_by = Set(who.name.chars().take(64).collect());
                        active.assigned_at = Set(now);
                        active.update(txn).await?;
                        id
                    }
                    None => {
                        let id = Uuid::now_v7();
                        online_alias::ActiveModel {
                            id: Set(id),
                            class_id: Set(class_id),
                            display_name: Set(name.clone()),
                            enrollment_id: Set(enrollment_id),
                            assigned_by: Set(who.name.chars().take(64).collect()),
                            assigned_at: Set(now),
                        }
                        .insert(txn)
                        .await?;
                        id
                    }
                };
                let change = Change {
                    action: "online.assign",
                    entity: "online_alias",
                    entity_id: id.to_string(),
                    class_id: Some(class_id),
                    before,
                    after: Some(json!({"display_name": name, "enrollment_id": enrollment_id})),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(())
            })
        })
        .await?;
    apply(at, actor, scope, session, recs, None).await
}

/// Matches the viewers to the roster, stores them (a new import when `layout` is given) and writes the records, in
/// one transaction.
async fn apply(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: &class_session::Model,
    mut recs: Vec<Rec>,
    layout: Option<Layout>,
) -> AppResult<OnlineAttendance> {
    let (session_id, class_id, now) = (session.id, scope.class.id, at.now);
    let who = actor.clone();
    let guard = at.guard();
    let (scope2, session2) = (scope.clone(), session.clone());
    let (view, written) = at
        .db
        .transaction::<_, (OnlineAttendance, Vec<(Uuid, AttendanceStatus)>), AppError>(|txn| {
            Box::pin(async move {
                let Plan { mut view, writes } = plan(txn, &scope2, &session2, &mut recs, true).await?;
                let import_id = match (layout, latest_import(txn, session_id).await?) {
                    (Some(layout), _) => {
                        let id = Uuid::now_v7();
                        let matched = recs.iter().filter(|r| r.enrollment_id.is_some()).count();
                        online_import::ActiveModel {
                            id: Set(id),
                            session_id: Set(session_id),
                            file_name: Set(String::new()),
                            layout: Set(layout.label().to_owned()),
                            viewers: Set(count(recs.len())),
                            matched: Set(count(matched)),
                            unmatched: Set(count(recs.len() - matched)),
                            imported_by: Set(who.name.chars().take(64).collect()),
                            imported_at: Set(now),
                        }
                        .insert(txn)
                        .await?;
                        id
                    }
                    (None, Some(latest)) => {
                        // An assignment: the import's figures follow the matches it now has.
                        let matched = recs.iter().filter(|r| r.enrollment_id.is_some()).count();
                        online_import::Entity::update_many()
                            .col_expr(online_import::Column::Matched, sea_orm::sea_query::Expr::value(count(matched)))
                            .col_expr(
                                online_import::Column::Unmatched,
                                sea_orm::sea_query::Expr::value(count(recs.len() - matched)),
                            )
                            .filter(online_import::Column::Id.eq(latest.id))
                            .exec(txn)
                            .await?;
                        latest.id
                    }
                    (None, None) => {
                        return Err(AppError::with_message(ErrorCode::NotFound, "本课程还没有导入观看记录"));
                    }
                };
                online_viewer::Entity::delete_many()
                    .filter(online_viewer::Column::SessionId.eq(session_id))
                    .exec(txn)
                    .await?;
                let rows: Vec<online_viewer::ActiveModel> = recs
                    .iter()
                    .zip(&view.viewers)
                    .map(|(r, line)| online_viewer::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        session_id: Set(session_id),
                        import_id: Set(import_id),
                        display_name: Set(r.display_name.chars().take(255).collect()),
                        phone: Set(r.phone.clone()),
                        enrollment_id: Set(r.enrollment_id),
                        matched: Set(r.matched),
                        watched_seconds: Set(i32::try_from(line.watched_seconds).unwrap_or(i32::MAX)),
                        platform_seconds: Set(r.platform_seconds.and_then(|s| i32::try_from(s).ok())),
                        first_join: Set(line.first_join),
                        last_leave: Set(line.last_leave),
                        intervals: Set(json!(Times {
                            exact: r.exact.iter().map(|i| (i.from, i.to)).collect(),
                            span: r.span.map(|i| (i.from, i.to)),
                        })),
                        sheet_rows: Set(json!(r.rows)),
                    })
                    .collect();
                for chunk in rows.chunks(crate::entity::ROWS_PER_INSERT) {
                    online_viewer::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
                }
                // New records in chunks of one statement each; records replaced, one statement per new status.
                let fresh: Vec<attendance::ActiveModel> = writes
                    .iter()
                    .filter(|(_, _, before)| before.is_none())
                    .map(|(enrollment_id, status, _)| attendance::ActiveModel {
                        id: Set(Uuid::now_v7()),
                        session_id: Set(session_id),
                        enrollment_id: Set(*enrollment_id),
                        status: Set(*status),
                        checked_in_at: Set(None),
                        checked_out_at: Set(None),
                        source: Set(AttendanceSource::Online),
                        nonce: Set(None),
                        device: Set(None),
                        note: Set(None),
                        created_at: Set(now),
                        updated_at: Set(now),
                    })
                    .collect();
                for chunk in fresh.chunks(crate::entity::ROWS_PER_INSERT) {
                    attendance::Entity::insert_many(chunk.to_vec()).exec_without_returning(txn).await?;
                }
                let mut replaced: HashMap<AttendanceStatus, Vec<Uuid>> = HashMap::new();
                for (_, status, before) in &writes {
                    if let Some(r) = before {
                        replaced.entry(*status).or_default().push(r.id);
                    }
                }
                for (status, ids) in replaced {
                    for chunk in ids.chunks(1000) {
                        attendance::Entity::update_many()
                            .col_expr(attendance::Column::Status, sea_orm::sea_query::Expr::value(status))
                            .col_expr(
                                attendance::Column::Source,
                                sea_orm::sea_query::Expr::value(AttendanceSource::Online),
                            )
                            .col_expr(attendance::Column::UpdatedAt, sea_orm::sea_query::Expr::value(now))
                            .filter(attendance::Column::Id.is_in(chunk.to_vec()))
                            .exec(txn)
                            .await?;
                    }
                }
                let changes: Vec<serde_json::Value> = writes
                    .iter()
                    .map(|(enrollment_id, status, before)| {
                        json!({
                            "enrollment_id": enrollment_id,
                            "before": before.as_ref().map(|r| json!({"status": r.status, "source": r.source})),
                            "status": status.as_str(),
                        })
                    })
                    .collect();
                let change = Change {
                    action: if layout.is_some() { "attendance.online_import" } else { "attendance.online_reapply" },
                    entity: "class_session",
                    entity_id: session_id.to_string(),
                    class_id: Some(class_id),
                    before: None,
                    after: Some(json!({
                        "import_id": import_id, "viewers": recs.len(), "unmatched": view.unmatched, "records": changes,
                    })),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                let changed: Vec<Uuid> = writes.iter().map(|(e, _, _)| *e).collect();
                guard.after_changes(txn, class_id, &changed).await?;
                view.import = latest_import(txn, session_id).await?;
                view.layout_label = view.import.as_ref().map(|i| i.layout.clone());
                Ok((view, writes.iter().map(|(e, s, _)| (*e, *s)).collect()))
            })
        })
        .await?;
    let mut after = Committed::default();
    let names: HashMap<Uuid, String> = view.trainees.iter().map(|t| (t.enrollment_id, t.name.clone())).collect();
    for (enrollment_id, status) in written {
        after.add_record(AttendanceEvent {
            id: 0,
            kind: EventKind::StatusChanged,
            session_id,
            class_id,
            at: now,
            enrollment_id: Some(enrollment_id),
            name: names.get(&enrollment_id).cloned(),
            status: Some(status),
            count: None,
        });
    }
    at.after_commit(after).await;
    Ok(view)
}

fn count(n: usize) -> i32 {
    i32::try_from(n).unwrap_or(i32::MAX)
}

/// Where an online session is streamed, and its own rule.
#[derive(Debug, Clone, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OnlineSettings {
    /// `tencent_meeting` (腾讯会议), `dingtalk` (钉钉直播), `wecom` (企业微信), `other`.
    pub platform: Option<Platform>,
    /// 会议号, shown to trainees.
    #[schema(max_length = 64)]
    pub meeting_number: Option<String>,
    /// The join link, shown to trainees (https only).
    #[schema(max_length = 512)]
    pub join_url: Option<String>,
    /// This session's own rule; `null`: the class's.
    pub rule: Option<OnlineRule>,
}

pub use crate::entity::vocab::OnlinePlatform as Platform;

impl Platform {
    pub fn label(self) -> &'static str {
        match self {
            Platform::TencentMeeting => "腾讯会议",
            Platform::Dingtalk => "钉钉直播",
            Platform::Wecom => "企业微信",
            Platform::Other => "其他平台",
        }
    }
}

/// How a trainee joins an online session: shown on their phone beside the session.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OnlineJoin {
    /// e.g. 腾讯会议; `None` when staff have not said.
    pub platform_label: Option<String>,
    pub meeting_number: Option<String>,
    /// An https link, when staff gave one.
    pub join_url: Option<String>,
}

/// The join details of an online session (`None` for other kinds).
pub fn join_info(session: &class_session::Model) -> Option<OnlineJoin> {
    (session.kind == SessionKind::OnlineLive).then(|| OnlineJoin {
        platform_label: session.online_platform.map(|p| p.label().to_owned()),
        meeting_number: session.meeting_number.clone(),
        join_url: session.join_url.clone(),
    })
}

impl OnlineSettings {
    pub fn of(session: &class_session::Model) -> Self {
        Self {
            platform: session.online_platform,
            meeting_number: session.meeting_number.clone(),
            join_url: session.join_url.clone(),
            rule: stored_rule(&session.online_rule),
        }
    }

    fn checked(self) -> AppResult<Self> {
        let trim = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        let (meeting_number, join_url) = (trim(self.meeting_number), trim(self.join_url));
        if meeting_number.as_ref().is_some_and(|m| m.chars().count() > 64) {
            return Err(AppError::validation("会议号过长"));
        }
        if let Some(url) = &join_url
            && (url.len() > 512 || !url.starts_with("https://") || url.chars().any(char::is_whitespace))
        {
            return Err(AppError::validation("入会链接应以 https:// 开头，且不超过 512 个字符"));
        }
        if let Some(rule) = &self.rule {
            rule.check().map_err(AppError::validation)?;
        }
        Ok(Self { platform: self.platform, meeting_number, join_url, rule: self.rule })
    }
}

/// Sets where an online session is streamed and its own rule, audited.
pub async fn set_settings(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    session: class_session::Model,
    settings: OnlineSettings,
) -> AppResult<OnlineSettings> {
    ensure_online(&session)?;
    let settings = settings.checked()?;
    let before = json!(OnlineSettings::of(&session));
    let (session_id, class_id, now) = (session.id, scope.class.id, at.now);
    let mut active: class_session::ActiveModel = session.into();
    active.online_platform = Set(settings.platform);
    active.meeting_number = Set(settings.meeting_number.clone());
    active.join_url = Set(settings.join_url.clone());
    active.online_rule = Set(settings.rule.map(|r| json!(r)));
    active.updated_at = Set(now);
    let who = actor.clone();
    let after = json!(settings);
    at.db
        .transaction::<_, (), AppError>(|txn| {
            Box::pin(async move {
                active.update(txn).await?;
                let change = Change {
                    action: "session.online_settings",
                    entity: "class_session",
                    entity_id: session_id.to_string(),
                    class_id: Some(class_id),
                    before: Some(before),
                    after: Some(after),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(())
            })
        })
        .await?;
    at.after_commit(Committed::session(session_id)).await;
    Ok(settings)
}

/// Sets the class's rule for its online sessions (`None`: the defaults), audited. Imports already made keep their
/// records until they are imported again.
pub async fn set_class_rule(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    rule: Option<OnlineRule>,
) -> AppResult<OnlineRule> {
    if let Some(rule) = &rule {
        rule.check().map_err(AppError::validation)?;
    }
    let class = scope.class.clone();
    let before = class.online_rule.clone();
    let (class_id, now) = (class.id, at.now);
    let mut active: crate::entity::training_class::ActiveModel = class.into();
    active.online_rule = Set(rule.map(|r| json!(r)));
    active.updated_at = Set(now);
    let who = actor.clone();
    at.db
        .transaction::<_, (), AppError>(|txn| {
            Box::pin(async move {
                active.update(txn).await?;
                let change = Change {
                    action: "class.online_rule",
                    entity: "training_class",
                    entity_id: class_id.to_string(),
                    class_id: Some(class_id),
                    before,
                    after: Some(json!(rule)),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(())
            })
        })
        .await?;
    Ok(rule.unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn t(min: i64) -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2026, 12, 3, 1, 0, 0).unwrap() + Duration::minutes(min)
    }

    fn rec(exact: &[(i64, i64)], span: Option<(i64, i64)>, total: Option<i64>) -> Rec {
        Rec {
            display_name: String::new(),
            phone: None,
            matched: Match::Name,
            enrollment_id: None,
            exact: exact.iter().map(|(a, b)| Interval { from: t(*a), to: t(*b) }).collect(),
            span: span.map(|(a, b)| Interval { from: t(a), to: t(b) }),
            platform_seconds: total,
            rows: Vec::new(),
        }
    }

    #[test]
    fn devices_with_times_merge_and_those_without_count_as_the_best_single_one() {
        let (pc, phone) = (rec(&[(0, 60)], None, None), rec(&[(30, 90)], None, None));
        assert_eq!(watched_by(t(0), t(90), &[&pc, &phone]).within, Duration::minutes(90), "merged, not 120");
        // Three joins summarised: 65 min within a span of 0–90.
        let summary = rec(&[], Some((-5, 95)), Some(65 * 60));
        assert_eq!(watched_by(t(0), t(90), &[&summary]).within, Duration::minutes(65));
        // 钉钉 minutes beyond the window are capped at it.
        let minutes = rec(&[], None, Some(120 * 60));
        assert_eq!(watched_by(t(0), t(90), &[&minutes]).within, Duration::minutes(90));
        // A summarised device and a timed one: the larger, never the sum.
        assert_eq!(watched_by(t(0), t(90), &[&pc, &summary]).within, Duration::minutes(65));
    }
}
