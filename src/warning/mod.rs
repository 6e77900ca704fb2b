//! Warnings: after any change to attendance, leave or discipline, the trainees concerned are compared with the
//! class's limits; a line crossed for the first time becomes a `warning` row and notifications to the trainee and
//! the class's staff, in one transaction. The unique (trainee, kind) key makes "once per threshold" hold across
//! instances and re-runs; a line crossed again after dropping back is not announced again.

use std::collections::{BTreeMap, HashMap, HashSet};

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::class::ClassScope;
use crate::completion::facts::{self, Facts};
use crate::completion::standing::{self, Threshold, fmt_centi, leave_limit_hours};
use crate::completion::{ClassPolicy, LeaveFraction};
use crate::ctx::Ctx;
use crate::entity::{class_staff, enrollment, training_class, warning};
use crate::error::AppResult;
use crate::notify::{self, Notice, NoticeKind, Recipient};
use crate::roster::service::{all_active, people_by_id};

/// A warning announced by this run.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fired {
    pub enrollment_id: Uuid,
    pub threshold: Threshold,
}

/// Re-evaluates the given trainees of a class (all active ones when `only` is `None`) and announces every line
/// crossed for the first time.
pub async fn evaluate(ctx: &Ctx, class_id: Uuid, only: Option<&[Uuid]>) -> AppResult<Vec<Fired>> {
    let (db, now, templates) = (&ctx.db, ctx.now(), ctx.templates());
    let Some(class) = training_class::Entity::find_by_id(class_id).one(db).await? else {
        return Ok(Vec::new());
    };
    let policy = ClassPolicy::of(&class).completion;
    let facts = facts::for_class(db, class_id, only).await?;
    let reached: Vec<(Uuid, Vec<Threshold>)> =
        facts.iter().map(|(id, f)| (*id, standing::thresholds(&policy, f))).filter(|(_, t)| !t.is_empty()).collect();
    if reached.is_empty() {
        return Ok(Vec::new());
    }
    let ids: Vec<Uuid> = reached.iter().map(|(id, _)| *id).collect();
    let known: HashSet<(Uuid, Threshold)> = warning::Entity::find()
        .filter(warning::Column::EnrollmentId.is_in(ids.clone()))
        .all(db)
        .await?
        .into_iter()
        .map(|w| (w.enrollment_id, w.kind))
        .collect();
    let fresh: Vec<(Uuid, Threshold)> = reached
        .into_iter()
        .flat_map(|(id, ts)| ts.into_iter().map(move |t| (id, t)))
        .filter(|(id, t)| !known.contains(&(*id, *t)))
        .collect();
    if fresh.is_empty() {
        return Ok(Vec::new());
    }
    let enrollments: HashMap<Uuid, enrollment::Model> = enrollment::Entity::find()
        .filter(enrollment::Column::Id.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let people = people_by_id(db, enrollments.values().map(|e| e.person_id).collect()).await?;
    let staff: Vec<Uuid> = class_staff::Entity::find()
        .filter(class_staff::Column::ClassId.eq(class_id))
        .all(db)
        .await?
        .into_iter()
        .map(|s| s.staff_id)
        .collect();
    let mut fired = Vec::new();
    for (enrollment_id, threshold) in fresh {
        let (Some(e), Some(f)) = (enrollments.get(&enrollment_id), facts.get(&enrollment_id)) else { continue };
        let name = people.get(&e.person_id).map(|p| p.name.clone()).unwrap_or_default();
        let text = standing::message(threshold, &policy, f);
        let txn = db.begin().await?;
        let inserted = warning::Entity::insert(warning::ActiveModel {
            id: Set(Uuid::now_v7()),
            class_id: Set(class_id),
            enrollment_id: Set(enrollment_id),
            kind: Set(threshold),
            message: Set(text.clone()),
            detail: Set(json!(f)),
            created_at: Set(now),
        })
        .on_conflict(
            OnConflict::columns([warning::Column::EnrollmentId, warning::Column::Kind]).do_nothing().to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
        if inserted == 0 {
            // Another instance announced it first.
            txn.rollback().await?;
            continue;
        }
        let vars: BTreeMap<&'static str, String> = [
            ("class_name", class.name.clone()),
            ("name", name.clone()),
            ("item", threshold.label().to_owned()),
            ("detail", text.clone()),
            ("time", notify::wechat_time(now)),
        ]
        .into_iter()
        .collect();
        let to_trainee = Notice {
            kind: NoticeKind::Warning,
            class_id: Some(class_id),
            title: format!("考勤预警：{}", threshold.label()),
            body: format!("{}：{text}", class.name),
            link: Some("/h5/me".to_owned()),
            vars: vars.clone(),
        };
        let trainee = Recipient::Trainee { person_id: e.person_id, openid: e.wechat_openid.clone() };
        notify::send(&txn, templates, now, &trainee, &to_trainee).await?;
        let to_staff = Notice {
            title: format!("学员预警：{name}（{}）", threshold.label()),
            body: format!("{}：{name}{text}", class.name),
            link: Some(format!("/api/v1/classes/{class_id}/at-risk")),
            ..to_trainee
        };
        for s in &staff {
            notify::send(&txn, templates, now, &Recipient::Staff(*s), &to_staff).await?;
        }
        txn.commit().await?;
        tracing::info!(%enrollment_id, threshold = threshold.as_str(), "warning announced");
        fired.push(Fired { enrollment_id, threshold });
    }
    Ok(fired)
}

/// [`evaluate`] after a change that has already been committed: a failure is logged, not returned (the next
/// change, or the sweep when a session closes, evaluates again).
pub async fn evaluate_after(ctx: &Ctx, class_id: Uuid, only: Option<&[Uuid]>) {
    if let Err(err) = evaluate(ctx, class_id, only).await {
        tracing::warn!(error = ?err, %class_id, "warning evaluation failed; the next change retries");
    }
}

/// One trainee near or over a limit.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AtRisk {
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
    pub student_no: Option<String>,
    pub leave_hours: String,
    /// The leave limit in 学时 (total × fraction), to two decimals.
    pub leave_limit_hours: String,
    /// Leave as a percentage of the limit, one decimal.
    pub leave_percent_of_limit: f64,
    pub absences: u32,
    pub max_absences: Option<u32>,
    pub lates: u32,
    pub early_leaves: u32,
    pub late_warning_at: Option<u32>,
    pub discipline_records: u32,
    /// Lines reached now, most serious last.
    pub thresholds: Vec<Threshold>,
    pub labels: Vec<String>,
    /// Over a limit (not only near one).
    pub breach: bool,
    pub facts: Facts,
}

fn percent(leave_centi: i64, total_centi: i64, limit: LeaveFraction) -> f64 {
    let cap = total_centi as f64 * f64::from(limit.num) / f64::from(limit.den.max(1));
    if cap <= 0.0 {
        return if leave_centi > 0 { 100.0 } else { 0.0 };
    }
    (leave_centi as f64 / cap * 1000.0).round() / 10.0
}

/// Trainees who have reached any line, those over a limit first, then by leave.
pub async fn at_risk(db: &DatabaseConnection, scope: &ClassScope) -> AppResult<Vec<AtRisk>> {
    let policy = ClassPolicy::of(&scope.class).completion;
    let facts = facts::for_class(db, scope.class.id, None).await?;
    let roster = all_active(db, scope.class.id).await?;
    let mut out: Vec<AtRisk> = roster
        .into_iter()
        .filter_map(|(e, p)| {
            let f = facts.get(&e.id)?.clone();
            let ts = standing::thresholds(&policy, &f);
            if ts.is_empty() {
                return None;
            }
            Some(AtRisk {
                enrollment_id: e.id,
                name: p.name,
                unit: p.unit,
                student_no: e.student_no,
                leave_hours: fmt_centi(f.leave_centi),
                leave_limit_hours: leave_limit_hours(f.total_centi, policy.leave_limit),
                leave_percent_of_limit: percent(f.leave_centi, f.total_centi, policy.leave_limit),
                absences: f.absences,
                max_absences: policy.max_absences,
                lates: f.lates,
                early_leaves: f.early_leaves,
                late_warning_at: policy.late_warning_at,
                discipline_records: f.discipline_records,
                breach: ts.iter().any(|t| t.is_breach()),
                labels: ts.iter().map(|t| t.label().to_owned()).collect(),
                thresholds: ts,
                facts: f,
            })
        })
        .collect();
    out.sort_by(|a, b| {
        b.breach
            .cmp(&a.breach)
            .then(b.facts.leave_centi.cmp(&a.facts.leave_centi))
            .then(b.absences.cmp(&a.absences))
            .then(a.name.cmp(&b.name))
    });
    Ok(out)
}
