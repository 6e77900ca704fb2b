//! Issuing certificates: after the class has finished, in one action for every eligible trainee. A serial per base
//! (`{class code}-{sequence}`), a random verification code, the issue date and the 学时 attended. Issuing again
//! issues only to those without a valid certificate; the unique key on a trainee's valid certificate makes
//! duplicates impossible even when two administrators click at once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};
use rand::Rng;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::decision::{self, CompletionStatus};
use crate::audit::{self, Change};
use crate::auth::StaffPrincipal;
use crate::class::ClassScope;
use crate::class::access::class_scope;
use crate::class::model::ClassStatus;
use crate::clock::local_date;
use crate::completion::standing::trim_centi;
use crate::ctx::At;
use crate::entity::{certificate, enrollment, training_class};
use crate::error::{AppError, AppResult, ErrorCode, on_unique_violation};
use crate::roster::service::people_by_id;

/// Characters of a verification code: no 0/O, 1/I/L.
const CODE_ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 12;

/// A fresh verification code from the thread's CSPRNG (31^12 ≈ 2^59 possibilities).
pub fn new_code() -> String {
    let mut rng = rand::rng();
    (0..CODE_LEN).map(|_| char::from(CODE_ALPHABET[rng.random_range(0..CODE_ALPHABET.len())])).collect()
}

/// How a typed code is compared: trimmed, upper case.
pub fn normalise_code(raw: &str) -> String {
    raw.trim().to_uppercase()
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct CertificateView {
    pub id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub serial: String,
    pub verification_code: String,
    /// Where anyone can check it (the QR on the certificate).
    pub verify_url: String,
    pub holder_name: String,
    pub holder_unit: String,
    pub issue_date: chrono::NaiveDate,
    pub credit_hours: String,
    pub revoked: bool,
    pub revoked_at: Option<DateTime<Utc>>,
    pub revoke_reason: Option<String>,
    pub replaced_by: Option<Uuid>,
}

pub fn verify_url(base_url: &str, code: &str) -> String {
    format!("{}/verify/{code}", base_url.trim_end_matches('/'))
}

pub fn view(base_url: &str, c: &certificate::Model) -> CertificateView {
    CertificateView {
        id: c.id,
        class_id: c.class_id,
        enrollment_id: c.enrollment_id,
        serial: c.serial.clone(),
        verification_code: c.verification_code.clone(),
        verify_url: verify_url(base_url, &c.verification_code),
        holder_name: c.holder_name.clone(),
        holder_unit: c.holder_unit.clone(),
        issue_date: c.issue_date,
        credit_hours: trim_centi(i64::from(c.credit_centi)),
        revoked: c.revoked_at.is_some(),
        revoked_at: c.revoked_at,
        revoke_reason: c.revoke_reason.clone(),
        replaced_by: c.replaced_by,
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct IssueReport {
    /// Certificates issued by this action.
    pub issued: u32,
    /// Eligible trainees who already held a valid certificate.
    pub already_issued: u32,
    /// Trainees withheld (told so, with the reasons).
    pub withheld: u32,
    pub certificates: Vec<CertificateView>,
}

fn serial(class_code: &str, seq: u32) -> String {
    format!("{class_code}-{seq:04}")
}

/// The next sequence number in the class (serials are never reused, revoked ones included).
async fn next_seq<C: sea_orm::ConnectionTrait>(conn: &C, class: &training_class::Model) -> AppResult<u32> {
    let prefix = format!("{}-", class.code);
    let max = certificate::Entity::find()
        .filter(certificate::Column::ClassId.eq(class.id))
        .all(conn)
        .await?
        .iter()
        .filter_map(|c| c.serial.strip_prefix(&prefix).and_then(|n| n.parse::<u32>().ok()))
        .max()
        .unwrap_or(0);
    Ok(max + 1)
}

/// Another issuing run took the serial first.
fn busy(err: DbErr) -> AppError {
    on_unique_violation(AppError::with_message(ErrorCode::ServiceUnavailable, "证书正在由他人发放，请稍后刷新查看"))(
        err,
    )
}

/// Issues certificates to every eligible trainee without one and tells every withheld trainee why.
pub async fn issue_class(deps: At<'_>, who: &StaffPrincipal, scope: &ClassScope) -> AppResult<IssueReport> {
    let db = &deps.db;
    let class = &scope.class;
    if class.status != ClassStatus::Finished {
        return Err(AppError::new(ErrorCode::ClassNotFinished));
    }
    let entries = decision::list(db, class).await?;
    let enrollments: HashMap<Uuid, enrollment::Model> = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(class.id))
        .all(db)
        .await?
        .into_iter()
        .map(|e| (e.id, e))
        .collect();
    let mut report = IssueReport { issued: 0, already_issued: 0, withheld: 0, certificates: Vec::new() };
    let issue_date = local_date(deps.now);
    let txn = db.begin().await?;
    let mut seq = next_seq(&txn, class).await?;
    let mut rows = Vec::new();
    for entry in &entries {
        let Some(e) = enrollments.get(&entry.enrollment_id) else { continue };
        match entry.status {
            CompletionStatus::Withheld => {
                report.withheld += 1;
                decision::notify_decision(&txn, deps.templates(), deps.now, class, e, entry.status, &entry.reasons)
                    .await?;
            }
            CompletionStatus::Eligible if entry.certificate.is_some() => report.already_issued += 1,
            CompletionStatus::Eligible => {
                let row = certificate::ActiveModel {
                    id: Set(Uuid::now_v7()),
                    class_id: Set(class.id),
                    enrollment_id: Set(e.id),
                    person_id: Set(e.person_id),
                    valid_key: Set(Some(e.id)),
                    serial: Set(serial(&class.code, seq)),
                    verification_code: Set(new_code()),
                    issue_date: Set(issue_date),
                    issued_at: Set(deps.now),
                    credit_centi: Set(i32::try_from(entry.facts.attended_centi).unwrap_or(i32::MAX)),
                    holder_name: Set(entry.name.chars().take(64).collect()),
                    holder_unit: Set(entry.unit.chars().take(128).collect()),
                    revoked_at: Set(None),
                    revoke_reason: Set(None),
                    replaced_by: Set(None),
                };
                seq += 1;
                rows.push(row);
                decision::notify_decision(&txn, deps.templates(), deps.now, class, e, entry.status, &[]).await?;
            }
        }
    }
    for chunk in rows.chunks(crate::entity::ROWS_PER_INSERT) {
        certificate::Entity::insert_many(chunk.to_vec()).exec_without_returning(&txn).await.map_err(busy)?;
    }
    report.issued = rows.len() as u32;
    let change = Change {
        action: "certificate.issue",
        entity: "training_class",
        entity_id: class.id.to_string(),
        class_id: Some(class.id),
        before: None,
        after: Some(json!({
            "issued": report.issued, "already_issued": report.already_issued, "withheld": report.withheld,
            "serials": rows.iter().map(|r| r.serial.clone().unwrap()).collect::<Vec<_>>()
        })),
        reason: None,
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await.map_err(busy)?;
    report.certificates = list(db, &deps.base_url(), class.id).await?;
    Ok(report)
}

/// The class's certificates (revoked ones too), by serial.
pub async fn list(db: &DatabaseConnection, base_url: &str, class_id: Uuid) -> AppResult<Vec<CertificateView>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::ClassId.eq(class_id))
        .order_by_asc(certificate::Column::Serial)
        .all(db)
        .await?
        .iter()
        .map(|c| view(base_url, c))
        .collect())
}

fn not_found() -> AppError {
    AppError::with_message(ErrorCode::NotFound, "证书不存在或您无权查看")
}

/// A certificate the staff member may see (their class), with its class.
pub async fn staff_certificate(
    db: &DatabaseConnection,
    who: &StaffPrincipal,
    id: Uuid,
) -> AppResult<(ClassScope, certificate::Model)> {
    let c = certificate::Entity::find_by_id(id).one(db).await?.ok_or_else(not_found)?;
    let scope = class_scope(db, who, c.class_id).await.map_err(|_| not_found())?;
    Ok((scope, c))
}

/// The trainee's own certificates.
pub async fn mine(db: &DatabaseConnection, base_url: &str, person_id: Uuid) -> AppResult<Vec<CertificateView>> {
    Ok(certificate::Entity::find()
        .filter(certificate::Column::PersonId.eq(person_id))
        .order_by_desc(certificate::Column::IssuedAt)
        .all(db)
        .await?
        .iter()
        .map(|c| view(base_url, c))
        .collect())
}

pub async fn own_certificate(db: &DatabaseConnection, person_id: Uuid, id: Uuid) -> AppResult<certificate::Model> {
    certificate::Entity::find_by_id(id)
        .filter(certificate::Column::PersonId.eq(person_id))
        .one(db)
        .await?
        .ok_or_else(not_found)
}

fn check_reason(reason: &str) -> AppResult<String> {
    audit::required_reason(reason, "撤销或重新发放证书必须填写原因")
}

/// Revokes a valid certificate with a reason (administrators; audited). Verification then answers 410.
pub async fn revoke(deps: At<'_>, who: &StaffPrincipal, id: Uuid, reason: &str) -> AppResult<CertificateView> {
    let reason = check_reason(reason)?;
    let (_, c) = staff_certificate(&deps.db, who, id).await?;
    if c.revoked_at.is_some() {
        return Err(AppError::new(ErrorCode::AlreadyRevoked));
    }
    let txn = deps.db.begin().await?;
    let updated = revoke_in(&txn, c, &reason, None, deps.now).await?;
    let change = Change {
        action: "certificate.revoke",
        entity: "certificate",
        entity_id: updated.id.to_string(),
        class_id: Some(updated.class_id),
        before: Some(json!({ "serial": updated.serial, "revoked": false })),
        after: Some(json!({ "serial": updated.serial, "revoked": true })),
        reason: Some(reason),
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await?;
    Ok(view(&deps.base_url(), &updated))
}

async fn revoke_in(
    txn: &sea_orm::DatabaseTransaction,
    c: certificate::Model,
    reason: &str,
    replaced_by: Option<Uuid>,
    now: DateTime<Utc>,
) -> AppResult<certificate::Model> {
    let mut active: certificate::ActiveModel = c.into();
    active.revoked_at = Set(Some(now));
    active.revoke_reason = Set(Some(reason.to_owned()));
    active.valid_key = Set(None);
    active.replaced_by = Set(replaced_by);
    Ok(active.update(txn).await?)
}

/// Re-issues: the old certificate (if still valid) is revoked and a new one, with a new serial and code and the
/// holder's current name and unit, replaces it. Only for a trainee who is eligible now.
pub async fn reissue(deps: At<'_>, who: &StaffPrincipal, id: Uuid, reason: &str) -> AppResult<CertificateView> {
    let reason = check_reason(reason)?;
    let db = &deps.db;
    let (scope, old) = staff_certificate(db, who, id).await?;
    if old.replaced_by.is_some() {
        return Err(AppError::with_message(ErrorCode::AlreadyRevoked, "该证书已被新证书替换，请对新证书操作"));
    }
    let entry = decision::entry(db, &scope.class, old.enrollment_id).await?;
    if entry.status != CompletionStatus::Eligible {
        return Err(AppError::new(ErrorCode::NotEligible));
    }
    let person = people_by_id(db, vec![old.person_id]).await?.remove(&old.person_id).ok_or_else(not_found)?;
    let txn = db.begin().await?;
    let new_id = Uuid::now_v7();
    let seq = next_seq(&txn, &scope.class).await?;
    let was_valid = old.revoked_at.is_none();
    let old_serial = old.serial.clone();
    let (enrollment_id, person_id) = (old.enrollment_id, old.person_id);
    // The old row first gives up its valid key, then the new one takes it.
    let revoked = if was_valid {
        revoke_in(&txn, old, &reason, Some(new_id), deps.now).await?
    } else {
        let mut active: certificate::ActiveModel = old.into();
        active.replaced_by = Set(Some(new_id));
        active.update(&txn).await?
    };
    let created = certificate::ActiveModel {
        id: Set(new_id),
        class_id: Set(scope.class.id),
        enrollment_id: Set(enrollment_id),
        person_id: Set(person_id),
        valid_key: Set(Some(enrollment_id)),
        serial: Set(serial(&scope.class.code, seq)),
        verification_code: Set(new_code()),
        issue_date: Set(local_date(deps.now)),
        issued_at: Set(deps.now),
        credit_centi: Set(i32::try_from(entry.facts.attended_centi).unwrap_or(i32::MAX)),
        holder_name: Set(person.name.chars().take(64).collect()),
        holder_unit: Set(person.unit.chars().take(128).collect()),
        revoked_at: Set(None),
        revoke_reason: Set(None),
        replaced_by: Set(None),
    }
    .insert(&txn)
    .await
    .map_err(busy)?;
    let change = Change {
        action: "certificate.reissue",
        entity: "certificate",
        entity_id: created.id.to_string(),
        class_id: Some(created.class_id),
        before: Some(json!({ "serial": old_serial, "revoked_at": revoked.revoked_at })),
        after: Some(json!({ "serial": created.serial })),
        reason: Some(reason),
    };
    audit::record(&txn, deps.now, &who.actor(), change).await?;
    txn.commit().await?;
    Ok(view(&deps.base_url(), &created))
}
