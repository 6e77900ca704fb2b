//! Trainee login and self-service views.

use chrono::{DateTime, Duration, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, TransactionTrait};
use secrecy::SecretString;
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::ticket;
use crate::audit::{self, Actor, ActorKind, Change};
use crate::auth::repo::{self as auth_repo, NewToken};
use crate::auth::token;
use crate::auth::wechat::WechatClient;
use crate::class::ClassView;
use crate::entity::{enrollment, person, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::kv::{Decision, Quota, RateLimiter};
use crate::roster::service::{self as roster, wechat_device};
use crate::timetable::{self, SessionView};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyEnrollment {
    pub enrollment_id: Uuid,
    pub student_no: Option<String>,
    pub class: ClassView,
}

/// What a trainee sees of themselves.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TraineeMe {
    pub person_id: Uuid,
    pub name: String,
    pub unit: String,
    pub post: Option<String>,
    pub enrollments: Vec<MyEnrollment>,
}

#[derive(Debug, Clone)]
pub struct TraineeLogin {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub trainee: TraineeMe,
}

pub enum WechatOutcome {
    LoggedIn(TraineeLogin),
    /// Not bound yet: exchange this ticket with an invite code at `/auth/bind`.
    BindingRequired {
        ticket: String,
        expires_at: DateTime<Utc>,
    },
}

/// What every trainee login needs.
pub struct LoginContext<'a> {
    pub db: &'a DatabaseConnection,
    pub secret: &'a SecretString,
    pub limiter: &'a dyn RateLimiter,
    pub invite_quota: Quota,
    pub client_addr: &'a str,
    pub token_ttl: Duration,
    /// The notice a new binding must have shown.
    pub privacy: &'a crate::config::PrivacySettings,
    pub now: DateTime<Utc>,
}

impl LoginContext<'_> {
    async fn limit_guessing(&self) -> AppResult<()> {
        match self.limiter.check("invite_addr", self.client_addr, self.invite_quota).await {
            Decision::Allowed => Ok(()),
            Decision::Limited { retry_after } => Err(AppError::rate_limited(retry_after)),
        }
    }

    async fn token_for(&self, person_id: Uuid, device: String) -> AppResult<TraineeLogin> {
        let (plain, hash) = token::generate();
        let expires_at = self.now + self.token_ttl;
        let new = NewToken {
            token_hash: hash,
            subject_kind: auth_repo::SUBJECT_TRAINEE,
            subject_id: person_id,
            device: Some(device),
        };
        auth_repo::insert_token(self.db, new, self.now, expires_at).await?;
        Ok(TraineeLogin { token: plain, expires_at, trainee: me(self.db, person_id).await? })
    }

    async fn enrollment_for_code(&self, invite_code: &str) -> AppResult<enrollment::Model> {
        self.limit_guessing().await?;
        roster::enrollment_by_code(self.db, invite_code)
            .await?
            .ok_or_else(|| AppError::new(ErrorCode::InviteCodeInvalid))
    }
}

fn trainee_actor(person_id: Uuid) -> Actor {
    Actor { kind: ActorKind::Trainee, id: Some(person_id), name: "学员本人".to_owned() }
}

/// A device id from the phone: 8–128 characters of letters, digits, `-`, `_`, `:` or `.`.
pub fn check_device_id(raw: &str) -> AppResult<String> {
    let ok = (8..=128).contains(&raw.len()) && raw.chars().all(|c| c.is_ascii_alphanumeric() || "-_:.".contains(c));
    if !ok {
        return Err(AppError::validation("设备标识不正确，请刷新页面后重试"));
    }
    Ok(raw.to_owned())
}

/// H5 login: the invite code binds this device on first use (after the personal-information notice was shown:
/// `notice_version` names it); afterwards only this device may use it.
#[tracing::instrument(skip_all)]
pub async fn login_with_invite(
    ctx: &LoginContext<'_>,
    invite_code: &str,
    device_id: &str,
    notice_version: Option<&str>,
) -> AppResult<TraineeLogin> {
    let device_id = check_device_id(device_id)?;
    let e = ctx.enrollment_for_code(invite_code).await?;
    match e.device_id.as_deref() {
        Some(bound) if bound == device_id => {}
        Some(_) => return Err(AppError::new(ErrorCode::DeviceAlreadyBound)),
        None => {
            let notice = crate::privacy::notice::acknowledged(ctx.privacy, notice_version)?;
            let txn = ctx.db.begin().await?;
            if !roster::bind(&txn, e.id, Some(&device_id), None, &notice, ctx.now).await? {
                // Another phone won the race for this code.
                return Err(AppError::new(ErrorCode::DeviceAlreadyBound));
            }
            let change = Change {
                action: "enrollment.bind_device",
                entity: "enrollment",
                entity_id: e.id.to_string(),
                class_id: Some(e.class_id),
                before: None,
                after: Some(json!({ "device_bound": true, "notice_version": notice })),
                reason: None,
            };
            audit::record(&txn, ctx.now, &trainee_actor(e.person_id), change).await?;
            txn.commit().await?;
        }
    }
    ctx.token_for(e.person_id, device_id).await
}

/// Mini program login: a `wx.login` code; a known openid logs straight in, an unknown one must bind first.
#[tracing::instrument(skip_all)]
pub async fn login_with_wechat(
    ctx: &LoginContext<'_>,
    wechat: &WechatClient,
    js_code: &str,
) -> AppResult<WechatOutcome> {
    if js_code.trim().is_empty() || js_code.len() > 256 {
        return Err(AppError::new(ErrorCode::WechatCodeInvalid));
    }
    let identity = wechat.code_to_session(js_code.trim()).await?;
    let bound = roster::enrollments_by_openid(ctx.db, &identity.openid).await?;
    match bound.first() {
        Some(e) => {
            if bound.iter().any(|other| other.person_id != e.person_id) {
                tracing::warn!("one WeChat account is bound to more than one person; using the first");
            }
            Ok(WechatOutcome::LoggedIn(ctx.token_for(e.person_id, wechat_device(&identity.openid)).await?))
        }
        None => {
            let (ticket, expires_at) = ticket::issue(ctx.secret, &identity.openid, ctx.now)?;
            Ok(WechatOutcome::BindingRequired { ticket, expires_at })
        }
    }
}

/// Binds the WeChat account in a binding ticket to the enrolment of an invite code, after the personal-information
/// notice was shown (`notice_version` names it).
#[tracing::instrument(skip_all)]
pub async fn bind_wechat(
    ctx: &LoginContext<'_>,
    binding_ticket: &str,
    invite_code: &str,
    notice_version: Option<&str>,
) -> AppResult<TraineeLogin> {
    let openid = ticket::verify(ctx.secret, binding_ticket, ctx.now)?;
    let e = ctx.enrollment_for_code(invite_code).await?;
    match e.wechat_openid.as_deref() {
        Some(bound) if bound == openid => {}
        Some(_) => return Err(AppError::new(ErrorCode::WechatAlreadyBound)),
        None => {
            let notice = crate::privacy::notice::acknowledged(ctx.privacy, notice_version)?;
            let txn = ctx.db.begin().await?;
            let bound = roster::bind(&txn, e.id, None, Some(&openid), &notice, ctx.now).await.map_err(|err| {
                if err.is_unique_violation() {
                    AppError::with_message(ErrorCode::WechatAlreadyBound, "该微信已绑定本班其他学员")
                } else {
                    err
                }
            })?;
            if !bound {
                return Err(AppError::new(ErrorCode::WechatAlreadyBound));
            }
            let change = Change {
                action: "enrollment.bind_wechat",
                entity: "enrollment",
                entity_id: e.id.to_string(),
                class_id: Some(e.class_id),
                before: None,
                after: Some(json!({ "wechat_bound": true, "notice_version": notice })),
                reason: None,
            };
            audit::record(&txn, ctx.now, &trainee_actor(e.person_id), change).await?;
            txn.commit().await?;
        }
    }
    ctx.token_for(e.person_id, wechat_device(&openid)).await
}

async fn active_enrollments(db: &DatabaseConnection, person_id: Uuid) -> AppResult<Vec<enrollment::Model>> {
    Ok(enrollment::active_of_person(person_id).all(db).await?)
}

pub async fn me(db: &DatabaseConnection, person_id: Uuid) -> AppResult<TraineeMe> {
    let p =
        person::Entity::find_by_id(person_id).one(db).await?.ok_or_else(|| AppError::new(ErrorCode::InvalidToken))?;
    let enrollments = active_enrollments(db, person_id).await?;
    let classes = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(enrollments.iter().map(|e| e.class_id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    let mut mine: Vec<MyEnrollment> = enrollments
        .iter()
        .filter_map(|e| {
            classes.iter().find(|c| c.id == e.class_id).map(|c| MyEnrollment {
                enrollment_id: e.id,
                student_no: e.student_no.clone(),
                class: ClassView::from(c),
            })
        })
        .collect();
    mine.sort_by_key(|m| std::cmp::Reverse(m.class.start_date));
    Ok(TraineeMe { person_id: p.id, name: p.name, unit: p.unit, post: p.post, enrollments: mine })
}

/// The day's timetable across the trainee's classes (default: today, China time).
pub async fn my_sessions(db: &DatabaseConnection, person_id: Uuid, date: NaiveDate) -> AppResult<Vec<SessionView>> {
    let class_ids: Vec<Uuid> = active_enrollments(db, person_id).await?.iter().map(|e| e.class_id).collect();
    if class_ids.is_empty() {
        return Ok(Vec::new());
    }
    timetable::service::list(db, &class_ids, Some(date)).await
}
