//! The decision per trainee, live: what the rules say (`completion::decide`), with an administrator's override on
//! top (the latest of withhold / allow / clear wins; every override stays for the record).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Change};
use crate::auth::StaffPrincipal;
use crate::class::ClassScope;
use crate::completion::ClassPolicy;
use crate::completion::decide::{Reason, ReasonCode, RuleDecision, decide};
use crate::completion::facts::{self, Facts};
use crate::completion::standing::trim_centi;
use crate::config::TemplateSettings;
use crate::entity::{certificate, completion_override, enrollment, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::notify::{self, Notice, NoticeKind, Recipient};
use crate::roster::service::all_active;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompletionStatus {
    /// 准予结业.
    Eligible,
    /// 不予结业.
    Withheld,
}

impl CompletionStatus {
    pub fn label(self) -> &'static str {
        match self {
            CompletionStatus::Eligible => "准予结业",
            CompletionStatus::Withheld => "不予结业",
        }
    }
}

pub use crate::entity::completion_override::OverrideKind;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OverrideView {
    pub decision: OverrideKind,
    pub reason: String,
    pub by: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateBrief {
    pub id: Uuid,
    pub serial: String,
    pub issue_date: chrono::NaiveDate,
    pub credit_hours: String,
}

/// One trainee's completion, live.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CompletionEntry {
    pub enrollment_id: Uuid,
    #[serde(skip)]
    pub person_id: Uuid,
    pub name: String,
    pub unit: String,
    pub student_no: Option<String>,
    pub status: CompletionStatus,
    pub status_label: String,
    /// Why it is withheld (empty when eligible), each with its numbers.
    pub reasons: Vec<Reason>,
    /// What the rules alone say (differs from `status` under an override).
    pub rules: RuleDecision,
    /// The administrator's decision in force, if any.
    pub decided_by_hand: Option<OverrideView>,
    pub total_hours: String,
    pub attended_hours: String,
    pub leave_hours: String,
    pub facts: Facts,
    /// The valid certificate, once issued.
    pub certificate: Option<CertificateBrief>,
}

/// The rules' decision with the override on top.
pub fn effective(rules: &RuleDecision, ov: Option<&OverrideView>) -> (CompletionStatus, Vec<Reason>) {
    match ov.map(|o| o.decision) {
        Some(OverrideKind::Withhold) => {
            let reason = ov.map(|o| o.reason.clone()).unwrap_or_default();
            let mut reasons = vec![Reason {
                code: ReasonCode::WithheldByAdmin,
                message: format!("经审核不予结业：{reason}"),
            }];
            reasons.extend(rules.reasons.iter().cloned());
            (CompletionStatus::Withheld, reasons)
        }
        Some(OverrideKind::Allow) => (CompletionStatus::Eligible, Vec::new()),
        _ if rules.eligible => (CompletionStatus::Eligible, Vec::new()),
        _ => (CompletionStatus::Withheld, rules.reasons.clone()),
    }
}

/// The override in force per enrolment (a `clear` as the latest row means none).
async fn overrides<C: ConnectionTrait>(conn: &C, class_id: Uuid) -> AppResult<HashMap<Uuid, OverrideView>> {
    let mut latest: HashMap<Uuid, completion_override::Model> = HashMap::new();
    for row in completion_override::Entity::find()
        .filter(completion_override::Column::ClassId.eq(class_id))
        .order_by_asc(completion_override::Column::At)
        .order_by_asc(completion_override::Column::Id)
        .all(conn)
        .await?
    {
        latest.insert(row.enrollment_id, row);
    }
    Ok(latest
        .into_iter()
        .filter_map(|(id, row)| {
            let decision = row.decision;
            (decision != OverrideKind::Clear)
                .then_some((id, OverrideView { decision, reason: row.reason, by: row.by_name, at: row.at }))
        })
        .collect())
}

async fn valid_certificates<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
) -> AppResult<HashMap<Uuid, certificate::Model>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::ClassId.eq(class_id))
        .filter(certificate::Column::RevokedAt.is_null())
        .all(conn)
        .await?
        .into_iter()
        .map(|c| (c.enrollment_id, c))
        .collect())
}

/// Refuses (`certificate_issued`) a state in which the trainee holds a valid certificate of the class but the
/// decision is to withhold it: called inside the transaction of any change to their records or decision, after the
/// change, so the change is rolled back. The administrator revokes the certificate first (with a reason).
/// Several trainees changed in one transaction are checked with one read of the certificates (only those holding
/// one are decided again).
pub async fn ensure_consistent<C: ConnectionTrait>(conn: &C, class_id: Uuid, enrollment_ids: &[Uuid]) -> AppResult<()> {
    let mut holders: Vec<Uuid> = Vec::new();
    for chunk in enrollment_ids.chunks(1000) {
        let found: Vec<Uuid> = certificate::Entity::find()
            .select_only()
            .column(certificate::Column::EnrollmentId)
            .filter(certificate::Column::ClassId.eq(class_id))
            .filter(certificate::Column::EnrollmentId.is_in(chunk.to_vec()))
            .filter(certificate::Column::RevokedAt.is_null())
            .into_tuple()
            .all(conn)
            .await?;
        holders.extend(found);
    }
    if holders.is_empty() {
        return Ok(());
    }
    let Some(class) = training_class::Entity::find_by_id(class_id).one(conn).await? else { return Ok(()) };
    let policy = ClassPolicy::of(&class).completion;
    let facts = facts::for_class(conn, class_id, Some(&holders)).await?;
    let overrides = overrides(conn, class_id).await?;
    for id in &holders {
        let rules = decide(&policy, &facts.get(id).cloned().unwrap_or_default());
        if effective(&rules, overrides.get(id)).0 != CompletionStatus::Eligible {
            return Err(AppError::new(ErrorCode::CertificateIssued));
        }
    }
    Ok(())
}

/// Every active trainee of the class with their decision, in roster order.
pub async fn list(db: &DatabaseConnection, class: &training_class::Model) -> AppResult<Vec<CompletionEntry>> {
    decisions(db, class, None).await
}

/// The decisions of the class's active trainees, or of one of them (then only their attendance is read).
async fn decisions(
    db: &DatabaseConnection,
    class: &training_class::Model,
    only: Option<Uuid>,
) -> AppResult<Vec<CompletionEntry>> {
    let policy = ClassPolicy::of(class).completion;
    let one = only.map(|id| [id]);
    let facts = facts::for_class(db, class.id, one.as_ref().map(|ids| ids.as_slice())).await?;
    let overrides = overrides(db, class.id).await?;
    let certs = valid_certificates(db, class.id).await?;
    let roster = all_active(db, class.id).await?;
    Ok(roster
        .into_iter()
        .filter(|(e, _)| only.is_none_or(|id| id == e.id))
        .map(|(e, p)| {
            let f = facts.get(&e.id).cloned().unwrap_or_default();
            let rules = decide(&policy, &f);
            let ov = overrides.get(&e.id).cloned();
            let (status, reasons) = effective(&rules, ov.as_ref());
            CompletionEntry {
                enrollment_id: e.id,
                person_id: p.id,
                name: p.name,
                unit: p.unit,
                student_no: e.student_no,
                status,
                status_label: status.label().to_owned(),
                reasons,
                rules,
                decided_by_hand: ov,
                total_hours: trim_centi(f.total_centi),
                attended_hours: trim_centi(f.attended_centi),
                leave_hours: trim_centi(f.leave_centi),
                certificate: certs.get(&e.id).map(|c| CertificateBrief {
                    id: c.id,
                    serial: c.serial.clone(),
                    issue_date: c.issue_date,
                    credit_hours: trim_centi(i64::from(c.credit_centi)),
                }),
                facts: f,
            }
        })
        .collect())
}

pub async fn entry(
    db: &DatabaseConnection,
    class: &training_class::Model,
    enrollment_id: Uuid,
) -> AppResult<CompletionEntry> {
    decisions(db, class, Some(enrollment_id))
        .await?
        .pop()
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "本班名单中没有该学员"))
}

/// What the trainee sees of their completion in each class.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyCompletion {
    pub class_id: Uuid,
    pub class_name: String,
    pub status: CompletionStatus,
    pub status_label: String,
    pub reasons: Vec<Reason>,
    pub attended_hours: String,
    pub certificate: Option<CertificateBrief>,
}

pub async fn mine(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<MyCompletion>> {
    let enrollments = enrollment::active_of_person(person_id).all(db).await?;
    let mut out = Vec::new();
    for e in enrollments {
        let Some(class) = training_class::Entity::find_by_id(e.class_id).one(db).await? else { continue };
        let entry = entry(db, &class, e.id).await?;
        out.push(MyCompletion {
            class_id: class.id,
            class_name: class.name.clone(),
            status: entry.status,
            status_label: entry.status_label,
            reasons: entry.reasons,
            attended_hours: entry.attended_hours,
            certificate: entry.certificate,
        });
    }
    Ok(out)
}

/// An administrator withholds, allows or clears by hand, with a reason: audited, and the trainee is told.
pub async fn set_override(
    db: &DatabaseConnection,
    templates: &BTreeMap<String, TemplateSettings>,
    who: &StaffPrincipal,
    scope: &ClassScope,
    enrollment_id: Uuid,
    (kind, reason): (OverrideKind, &str),
    now: DateTime<Utc>,
) -> AppResult<CompletionEntry> {
    let reason = audit::required_reason(reason, "结业审核的人工决定必须填写原因")?;
    let reason = reason.as_str();
    let before = entry(db, &scope.class, enrollment_id).await?;
    let e = enrollment::Entity::find_by_id(enrollment_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let txn = db.begin().await?;
    completion_override::Entity::insert(completion_override::ActiveModel {
        id: Set(Uuid::now_v7()),
        class_id: Set(scope.class.id),
        enrollment_id: Set(enrollment_id),
        decision: Set(kind),
        reason: Set(reason.to_owned()),
        by_id: Set(who.staff.id),
        by_name: Set(who.staff.display_name.chars().take(64).collect()),
        at: Set(now),
    })
    .exec_without_returning(&txn)
    .await?;
    let ov = (kind != OverrideKind::Clear).then(|| OverrideView {
        decision: kind,
        reason: reason.to_owned(),
        by: who.staff.display_name.clone(),
        at: now,
    });
    let (status, reasons) = effective(&before.rules, ov.as_ref());
    let change = Change {
        action: "completion.override",
        entity: "enrollment",
        entity_id: enrollment_id.to_string(),
        class_id: Some(scope.class.id),
        before: Some(
            json!({ "status": before.status, "override": before.decided_by_hand.as_ref().map(|o| o.decision) }),
        ),
        after: Some(json!({ "status": status, "override": kind.as_str() })),
        reason: Some(reason.to_owned()),
    };
    audit::record(&txn, now, &who.actor(), change).await?;
    ensure_consistent(&txn, scope.class.id, &[enrollment_id]).await?;
    notify_decision(&txn, templates, now, &scope.class, &e, status, &reasons).await?;
    txn.commit().await?;
    entry(db, &scope.class, enrollment_id).await
}

/// Tells the trainee the decision and its reasons (inbox, and WeChat with the `certificate` template).
pub async fn notify_decision<C: ConnectionTrait>(
    conn: &C,
    templates: &BTreeMap<String, TemplateSettings>,
    now: DateTime<Utc>,
    class: &training_class::Model,
    e: &enrollment::Model,
    status: CompletionStatus,
    reasons: &[Reason],
) -> AppResult<()> {
    let detail = if reasons.is_empty() {
        "已达到结业要求".to_owned()
    } else {
        reasons.iter().map(|r| r.message.as_str()).collect::<Vec<_>>().join("；")
    };
    let vars: BTreeMap<&'static str, String> = [
        ("class_name", class.name.clone()),
        ("result", status.label().to_owned()),
        ("detail", detail.clone()),
        ("time", notify::wechat_time(now)),
    ]
    .into_iter()
    .collect();
    let notice = Notice {
        kind: NoticeKind::Certificate,
        class_id: Some(class.id),
        title: format!("结业审核：{}", status.label()),
        body: format!("{}：{}。{detail}", class.name, status.label()),
        link: Some("/h5/me#completion".to_owned()),
        vars,
    };
    let to = Recipient::Trainee { person_id: e.person_id, openid: e.wechat_openid.clone() };
    notify::send(conn, templates, now, &to, &notice).await
}
