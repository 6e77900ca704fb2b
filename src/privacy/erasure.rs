//! Erasing a person (个人信息删除): what an administrator does when a former trainee asks for their data to be
//! deleted, or when the base no longer needs it. The law and the cadre-training archive need some of it kept:
//! issued certificates stay verifiable (they carry the holder's name and unit as issued), and the 学时 stay
//! attributable (name, unit, enrolments, attendance and leave decisions, completion, discipline records). Everything
//! else that identifies or tracks the person goes, in one transaction:
//!
//! - the phone number (replaced by a placeholder; the roster and exports show 已删除), gender, post and rank;
//! - the phone and WeChat bindings of every enrolment, and a fresh invite salt so the printed code is dead;
//! - every login token, and this instance's cached logins;
//! - every check-in attempt (positions, addresses, browsers, devices) and the device ids of attendance records;
//! - leave reasons (which may name an illness) and every uploaded image (sick notes, evidence);
//! - the inbox, pending WeChat messages, and the phone numbers of online-meeting viewers matched to the person;
//!
//! A person still active in a class that has not ended (neither past its end date nor marked 结业) is refused (`person_in_open_class`): withdraw them first
//! or wait for 结业. The erasure itself is one audit entry with the reason and how many of what went. The audit
//! trail is append-only (database triggers refuse updates) and is not rewritten: it never quotes a full phone
//! number (`roster::model::masked_phone`), device id or WeChat id in the first place.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, Condition, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, Set,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::audit::{self, Actor, Change};
use crate::auth::repo as auth_repo;
use crate::ctx::{At, Committed};
use crate::entity::vocab::PartyKind;
use crate::entity::{
    attachment, attendance, auth_token, checkin_attempt, discipline_record, enrollment, inbox_message, leave_request,
    online_alias, online_viewer, outbox, person,
};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::roster::invite;

/// The prefix of the placeholder that takes an erased person's phone number (unique, 20 characters).
const PLACEHOLDER_PREFIX: &str = "erased:";

fn placeholder(person_id: Uuid) -> String {
    let hex = person_id.simple().to_string();
    format!("{PLACEHOLDER_PREFIX}{}", &hex[hex.len() - 13..])
}

/// How many of each kind an erasure removed or cleared.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Erased {
    /// Enrolments whose phone or WeChat binding was removed (all of them get a new invite salt).
    pub bindings: u64,
    pub tokens: u64,
    pub attempts: u64,
    /// Attendance records whose device id was cleared.
    pub device_ids: u64,
    pub leave_reasons: u64,
    pub images: u64,
    pub inbox_messages: u64,
    pub wechat_messages: u64,
    /// Online-meeting viewers whose phone number was cleared, and nickname assignments removed.
    pub online_viewers: u64,
}

/// The answer to an erasure.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Erasure {
    pub person_id: Uuid,
    pub erased_at: DateTime<Utc>,
    /// What is kept, in Chinese.
    pub kept: Vec<String>,
    pub erased: Erased,
}

pub fn kept() -> Vec<String> {
    vec![
        "姓名和工作单位：已发结业证书仍可查验，学时档案仍可归属到人。".into(),
        "报名、考勤、请假审批结果、违纪记录和结业审核结论：干部教育培训档案需要保存。".into(),
        "教学评估答卷本就匿名保存，与本人无关联。".into(),
    ]
}

/// Erases `person_id` at `at.now`, by `actor`, for `reason` (required).
pub async fn erase(at: At<'_>, actor: &Actor, person_id: Uuid, reason: &str) -> AppResult<Erasure> {
    let reason = audit::required_reason(reason, "删除个人信息必须填写原因（如：本人申请、超过保存期限）")?;
    let (db, now) = (&at.db, at.now);
    let p = person::Entity::find_by_id(person_id).one(db).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    if p.erased_at.is_some() {
        return Err(AppError::new(ErrorCode::AlreadyErased));
    }
    let today = crate::clock::local_date(now);
    if let Some(c) = super::people::summary(db, p.clone(), today).await?.blocking_class() {
        return Err(AppError::with_message(
            ErrorCode::PersonInOpenClass,
            format!("该学员仍在未结业的培训班“{}”中，请先办理退学或待培训班结业后再删除其个人信息", c.name),
        ));
    }
    let enrollments = enrollment::Entity::find().filter(enrollment::Column::PersonId.eq(person_id)).all(db).await?;
    let classes: Vec<Uuid> = enrollments.iter().map(|e| e.class_id).collect();
    let salts = enrollments.iter().map(|_| invite::new_salt()).collect::<Vec<_>>();
    let mut hashes = Vec::with_capacity(salts.len());
    for salt in &salts {
        hashes.push(invite::hash(&invite::derive(&at.master_secret, salt)?));
    }
    let actor = actor.clone();
    let erased = db
        .transaction::<_, Erased, AppError>(|txn| {
            Box::pin(async move {
                let erased = erase_in(txn, &p, &enrollments, salts.into_iter().zip(hashes).collect(), now).await?;
                let change = Change {
                    action: "privacy.erase",
                    entity: "person",
                    entity_id: person_id.to_string(),
                    class_id: None,
                    before: Some(json!({ "name": p.name, "unit": p.unit })),
                    after: Some(json!(erased)),
                    reason: Some(reason),
                };
                audit::record(txn, now, &actor, change).await?;
                Ok(erased)
            })
        })
        .await?;
    let stale_enrolments = classes.into_iter().map(|class_id| (class_id, person_id)).collect();
    at.after_commit(Committed { revoked_logins: vec![person_id], stale_enrolments, ..Committed::default() }).await;
    tracing::info!(%person_id, ?erased, "a person's personal information was erased");
    Ok(Erasure { person_id, erased_at: now, kept: kept(), erased })
}

async fn erase_in<C: ConnectionTrait>(
    conn: &C,
    p: &person::Model,
    enrollments: &[enrollment::Model],
    invites: Vec<(String, String)>,
    now: DateTime<Utc>,
) -> AppResult<Erased> {
    let mut erased = Erased::default();
    let ids: Vec<Uuid> = enrollments.iter().map(|e| e.id).collect();
    let openids: Vec<String> = enrollments.iter().filter_map(|e| e.wechat_openid.clone()).collect();

    let mut active: person::ActiveModel = p.clone().into();
    active.phone = Set(placeholder(p.id));
    active.gender = Set(None);
    active.post = Set(None);
    active.rank = Set(None);
    active.erased_at = Set(Some(now));
    active.updated_at = Set(now);
    active.update(conn).await?;

    for (e, (salt, hash)) in enrollments.iter().zip(invites) {
        if e.device_id.is_some() || e.wechat_openid.is_some() {
            erased.bindings += 1;
        }
        let mut active: enrollment::ActiveModel = e.clone().into();
        active.invite_salt = Set(salt);
        active.invite_code_hash = Set(hash);
        active.device_id = Set(None);
        active.wechat_openid = Set(None);
        active.bound_at = Set(None);
        active.updated_at = Set(now);
        active.update(conn).await?;
    }

    erased.tokens = auth_token::Entity::delete_many()
        .filter(auth_token::Column::SubjectKind.eq(auth_repo::SUBJECT_TRAINEE))
        .filter(auth_token::Column::SubjectId.eq(p.id))
        .exec(conn)
        .await?
        .rows_affected;
    erased.attempts = checkin_attempt::Entity::delete_many()
        .filter(
            Condition::any()
                .add(checkin_attempt::Column::PersonId.eq(p.id))
                .add(checkin_attempt::Column::EnrollmentId.is_in(ids.clone())),
        )
        .exec(conn)
        .await?
        .rows_affected;
    erased.device_ids = attendance::Entity::update_many()
        .col_expr(attendance::Column::Device, Expr::value(Option::<String>::None))
        .filter(attendance::Column::EnrollmentId.is_in(ids.clone()))
        .filter(attendance::Column::Device.is_not_null())
        .exec(conn)
        .await?
        .rows_affected;

    let leave =
        leave_request::Entity::find().filter(leave_request::Column::EnrollmentId.is_in(ids.clone())).all(conn).await?;
    let discipline_images: Vec<Option<Uuid>> = discipline_record::Entity::find()
        .select_only()
        .column(discipline_record::Column::AttachmentId)
        .filter(discipline_record::Column::EnrollmentId.is_in(ids.clone()))
        .into_tuple()
        .all(conn)
        .await?;
    let mut images: HashSet<Uuid> = leave.iter().filter_map(|l| l.attachment_id).collect();
    images.extend(discipline_images.into_iter().flatten());
    erased.leave_reasons = leave_request::Entity::update_many()
        .col_expr(leave_request::Column::Reason, Expr::value(crate::roster::model::ERASED))
        .col_expr(leave_request::Column::AttachmentId, Expr::value(Option::<Uuid>::None))
        .filter(leave_request::Column::EnrollmentId.is_in(ids.clone()))
        .exec(conn)
        .await?
        .rows_affected;
    discipline_record::Entity::update_many()
        .col_expr(discipline_record::Column::AttachmentId, Expr::value(Option::<Uuid>::None))
        .filter(discipline_record::Column::EnrollmentId.is_in(ids.clone()))
        .filter(discipline_record::Column::AttachmentId.is_not_null())
        .exec(conn)
        .await?;
    erased.images = attachment::Entity::delete_many()
        .filter(
            Condition::any().add(attachment::Column::Id.is_in(images)).add(
                Condition::all()
                    .add(attachment::Column::OwnerKind.eq(PartyKind::Trainee))
                    .add(attachment::Column::OwnerId.eq(p.id)),
            ),
        )
        .exec(conn)
        .await?
        .rows_affected;

    erased.inbox_messages = inbox_message::Entity::delete_many()
        .filter(inbox_message::Column::RecipientKind.eq(PartyKind::Trainee))
        .filter(inbox_message::Column::RecipientId.eq(p.id))
        .exec(conn)
        .await?
        .rows_affected;
    erased.wechat_messages = delete_wechat_messages(conn, &openids).await?;
    erased.online_viewers = online_viewer::Entity::update_many()
        .col_expr(online_viewer::Column::Phone, Expr::value(Option::<String>::None))
        .filter(online_viewer::Column::EnrollmentId.is_in(ids.clone()))
        .filter(online_viewer::Column::Phone.is_not_null())
        .exec(conn)
        .await?
        .rows_affected
        + online_alias::Entity::delete_many()
            .filter(online_alias::Column::EnrollmentId.is_in(ids.clone()))
            .exec(conn)
            .await?
            .rows_affected;
    Ok(erased)
}

/// WeChat subscribe messages addressed to the person's WeChat ids (their payload names the openid).
async fn delete_wechat_messages<C: ConnectionTrait>(conn: &C, openids: &[String]) -> AppResult<u64> {
    if openids.is_empty() {
        return Ok(0);
    }
    let rows: Vec<(Uuid, Value)> = outbox::Entity::find()
        .select_only()
        .column(outbox::Column::Id)
        .column(outbox::Column::Payload)
        .into_tuple()
        .all(conn)
        .await?;
    let theirs: Vec<Uuid> = rows
        .into_iter()
        .filter(|(_, payload)| payload["touser"].as_str().is_some_and(|to| openids.iter().any(|o| o == to)))
        .map(|(id, _)| id)
        .collect();
    if theirs.is_empty() {
        return Ok(0);
    }
    Ok(outbox::Entity::delete_many().filter(outbox::Column::Id.is_in(theirs)).exec(conn).await?.rows_affected)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn placeholders_are_unique_and_fit_the_phone_column() {
        let (a, b) = (Uuid::now_v7(), Uuid::now_v7());
        assert_eq!(placeholder(a).chars().count(), 20);
        assert_ne!(placeholder(a), placeholder(b));
    }
}
