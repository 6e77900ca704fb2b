//! Use cases: logging in and out, authenticating a bearer token, and administering staff accounts.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveModelTrait, ActiveValue::Set, DatabaseConnection, EntityTrait, TransactionTrait};
use serde_json::json;
use uuid::Uuid;

use super::model::{DisplayName, Password, Principal, Role, StaffAccount, StaffPrincipal, TraineePrincipal, Username};
use super::{password, repo, token};
use crate::audit::{self, Actor, Change};
use crate::batch::Batcher;
use crate::entity::vocab::PartyKind;
use crate::entity::{person, staff_account};
use crate::error::{AppError, AppResult, ErrorCode, on_unique_violation};
use crate::kv::{Check, Decision, Quota, RateLimiter};
use crate::pagination::{Page, PageRequest};

/// What a successful login hands back.
#[derive(Debug, Clone)]
pub struct LoginOutcome {
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub staff: StaffAccount,
}

/// What a login attempt brings.
pub struct Credentials<'a> {
    pub username: &'a str,
    pub password: &'a str,
    /// The client address, for the per-address limit.
    pub client_addr: &'a str,
}

/// Three limits, so that guessing is slow and a stranger cannot lock a known 班主任 out: tight per (account,
/// address), which is what one guesser meets; loose per account, which only many addresses together can reach;
/// and per address across accounts.
pub struct LoginLimits {
    pub per_account_address: Quota,
    pub per_account: Quota,
    pub per_address: Quota,
}

impl LoginLimits {
    /// The limits as configured (`[rate_limits]`), for every way of signing in.
    pub fn of(settings: &crate::config::RateLimitSettings) -> Self {
        LoginLimits {
            per_account_address: settings.login_per_account_address.into(),
            per_account: settings.login_per_account.into(),
            per_address: settings.login_per_address.into(),
        }
    }
}

/// Checks the rate limits first, then the password. A wrong username and a wrong password get the same answer.
#[tracing::instrument(skip_all)]
pub async fn login(
    db: &DatabaseConnection,
    limiter: &dyn RateLimiter,
    limits: &LoginLimits,
    credentials: &Credentials<'_>,
    now: DateTime<Utc>,
    ttl: chrono::Duration,
) -> AppResult<LoginOutcome> {
    let Credentials { username, password: password_raw, client_addr } = *credentials;
    let username_key = username.trim().to_lowercase();
    let account_address = format!("{username_key}|{client_addr}");
    let checks = [
        Check { bucket: "login_addr", key: client_addr, quota: limits.per_address },
        Check { bucket: "login_acct_addr", key: &account_address, quota: limits.per_account_address },
        Check { bucket: "login_acct", key: &username_key, quota: limits.per_account },
    ];
    if let Decision::Limited { retry_after } = limiter.check_all(&checks).await {
        tracing::info!("login rate-limited");
        return Err(AppError::rate_limited(retry_after));
    }
    let account = repo::find_staff_by_username(db, &username_key).await?;
    let ok = password::verify(account.as_ref().map(|a| a.password_hash.clone()), password_raw).await?;
    let account = match account {
        Some(account) if ok => account,
        _ => return Err(AppError::new(ErrorCode::InvalidCredentials)),
    };
    if account.disabled {
        return Err(AppError::new(ErrorCode::AccountDisabled));
    }
    let (plain, hash) = token::generate();
    let expires_at = now + ttl;
    let token =
        repo::NewToken { token_hash: hash, subject_kind: repo::SUBJECT_STAFF, subject_id: account.id, device: None };
    repo::insert_token(db, token, now, expires_at).await?;
    tracing::info!(staff_id = %account.id, "staff logged in");
    Ok(LoginOutcome { token: plain, expires_at, staff: StaffAccount::from_model(&account) })
}

/// The principal behind a bearer token, or `invalid_token`.
pub async fn authenticate(db: &DatabaseConnection, bearer: &str, now: DateTime<Utc>) -> AppResult<Principal> {
    Ok(authenticate_hash(db, &token::hash(bearer), now).await?.0)
}

/// The principal behind a token's hash, and when the token expires.
pub async fn authenticate_hash(
    db: &DatabaseConnection,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<(Principal, DateTime<Utc>)> {
    principal_of_row(db, repo::find_live_token_and_person(db, token_hash, now).await?).await
}

/// A token's row and, for a trainee's token, its person: what one lookup answers.
pub type TokenRow = repo::TokenAndPerson;

/// Token lookups of the requests waiting, answered together (one statement for a burst of check-ins).
pub type TokenLookups = Batcher<String, Option<TokenRow>>;

/// Starts this instance's batched token lookups.
pub fn token_lookups(db: DatabaseConnection, max: usize) -> TokenLookups {
    Batcher::start("token lookup", max, move |hashes: Vec<String>| {
        let db = db.clone();
        async move {
            let rows = repo::find_tokens_and_people(&db, &hashes).await?;
            Ok(hashes.iter().map(|h| rows.iter().find(|(t, _)| &t.token_hash == h).cloned()).collect())
        }
    })
}

/// [`authenticate_hash`], the lookup batched with the other requests waiting.
pub async fn authenticate_batched(
    db: &DatabaseConnection,
    lookups: &TokenLookups,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<(Principal, DateTime<Utc>)> {
    let row = lookups.ask(token_hash.to_owned()).await?.filter(|(token, _)| token.expires_at > now);
    principal_of_row(db, row).await
}

async fn principal_of_row(db: &DatabaseConnection, row: Option<TokenRow>) -> AppResult<(Principal, DateTime<Utc>)> {
    let invalid = || AppError::new(ErrorCode::InvalidToken);
    let (token, person) = row.ok_or_else(invalid)?;
    let expires_at = token.expires_at;
    match (token.subject_kind, person) {
        // A trainee's token and person in one statement (the check-in path).
        (PartyKind::Trainee, Some(person)) => Ok((Principal::Trainee(trainee_principal(&token, person)), expires_at)),
        (PartyKind::Trainee, None) => Err(invalid()),
        (PartyKind::Staff, _) => authenticated(db, token).await.map(|p| (p, expires_at)),
    }
}

fn trainee_principal(token: &crate::entity::auth_token::Model, person: person::Model) -> TraineePrincipal {
    TraineePrincipal { token_id: token.id, person_id: person.id, name: person.name, device: token.device.clone() }
}

/// A console session's staff member, the session sliding: each use moves its expiry to `idle` from now (written at
/// most once a minute), never beyond `absolute` after sign-in. A session left alone for `idle` ends.
pub async fn authenticate_sliding(
    db: &DatabaseConnection,
    token_hash: &str,
    now: DateTime<Utc>,
    idle: chrono::Duration,
    absolute: chrono::Duration,
) -> AppResult<Principal> {
    let invalid = || AppError::new(ErrorCode::InvalidToken);
    let token = repo::find_live_token(db, token_hash, now).await?.ok_or_else(invalid)?;
    let (id, created_at, expires_at) = (token.id, token.created_at, token.expires_at);
    let principal = authenticated(db, token).await?;
    let wanted = (now + idle).min(created_at + absolute);
    if wanted - expires_at > chrono::Duration::minutes(1) {
        repo::extend_token(db, id, wanted).await?;
    }
    Ok(principal)
}

async fn authenticated(db: &DatabaseConnection, token: crate::entity::auth_token::Model) -> AppResult<Principal> {
    let invalid = || AppError::new(ErrorCode::InvalidToken);
    match token.subject_kind {
        PartyKind::Staff => match repo::find_staff(db, token.subject_id).await? {
            Some(staff) if !staff.disabled => {
                Ok(Principal::Staff(StaffPrincipal { token_id: token.id, staff: StaffAccount::from_model(&staff) }))
            }
            _ => Err(invalid()),
        },
        PartyKind::Trainee => {
            let person = person::Entity::find_by_id(token.subject_id).one(db).await?.ok_or_else(invalid)?;
            Ok(Principal::Trainee(trainee_principal(&token, person)))
        }
    }
}

pub async fn logout(db: &DatabaseConnection, principal: &Principal, now: DateTime<Utc>) -> AppResult<()> {
    repo::revoke_token(db, principal.token_id(), now).await
}

/// A new staff or admin account.
pub struct NewStaff {
    pub username: Username,
    pub display_name: DisplayName,
    pub password: Password,
    pub role: Role,
}

pub async fn create_staff(
    db: &DatabaseConnection,
    actor: &Actor,
    new: NewStaff,
    now: DateTime<Utc>,
) -> AppResult<StaffAccount> {
    let hash = password::hash(new.password.as_ref()).await?;
    let model = staff_account::ActiveModel {
        id: Set(Uuid::now_v7()),
        username: Set(new.username.as_ref().to_owned()),
        display_name: Set(new.display_name.as_ref().to_owned()),
        password_hash: Set(hash),
        role: Set(new.role),
        disabled: Set(false),
        created_at: Set(now),
        updated_at: Set(now),
    };
    let actor = actor.clone();
    let created = db
        .transaction::<_, StaffAccount, AppError>(|txn| {
            Box::pin(async move {
                let inserted =
                    model.insert(txn).await.map_err(on_unique_violation(AppError::new(ErrorCode::UsernameTaken)))?;
                let account = StaffAccount::from_model(&inserted);
                audit::record(
                    txn,
                    now,
                    &actor,
                    Change {
                        action: "staff.create",
                        entity: "staff_account",
                        entity_id: account.id.to_string(),
                        class_id: None,
                        before: None,
                        after: Some(staff_json(&account)),
                        reason: None,
                    },
                )
                .await?;
                Ok(account)
            })
        })
        .await?;
    Ok(created)
}

pub async fn list_staff(
    db: &DatabaseConnection,
    search: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<StaffAccount>> {
    let (rows, total) = repo::list_staff(db, search, page.offset(), page.limit()).await?;
    Ok(page.wrap(rows.iter().map(StaffAccount::from_model).collect(), total))
}

pub async fn get_staff(db: &DatabaseConnection, id: Uuid) -> AppResult<StaffAccount> {
    repo::find_staff(db, id)
        .await?
        .map(|m| StaffAccount::from_model(&m))
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该账号不存在"))
}

/// Disables or re-enables an account. Disabling kills every token at once.
pub async fn set_disabled(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    disabled: bool,
    reason: Option<String>,
    now: DateTime<Utc>,
) -> AppResult<StaffAccount> {
    if disabled && actor.id == Some(id) {
        return Err(AppError::with_message(ErrorCode::Forbidden, "不能停用自己的账号"));
    }
    let actor = actor.clone();
    Ok(db
        .transaction::<_, StaffAccount, AppError>(|txn| {
            Box::pin(async move {
                let existing = repo::find_staff(txn, id)
                    .await?
                    .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该账号不存在"))?;
                let before = StaffAccount::from_model(&existing);
                let mut active: staff_account::ActiveModel = existing.into();
                active.disabled = Set(disabled);
                active.updated_at = Set(now);
                let updated = StaffAccount::from_model(&active.update(txn).await?);
                if disabled {
                    repo::revoke_all_staff_tokens(txn, id, now).await?;
                }
                audit::record(
                    txn,
                    now,
                    &actor,
                    Change {
                        action: if disabled { "staff.disable" } else { "staff.enable" },
                        entity: "staff_account",
                        entity_id: id.to_string(),
                        class_id: None,
                        before: Some(staff_json(&before)),
                        after: Some(staff_json(&updated)),
                        reason,
                    },
                )
                .await?;
                Ok(updated)
            })
        })
        .await?)
}

/// Sets a new password (an admin's reset, or the owner's change) and kills every token of the account.
pub async fn set_password(
    db: &DatabaseConnection,
    actor: &Actor,
    id: Uuid,
    new_password: &Password,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let hash = password::hash(new_password.as_ref()).await?;
    let actor = actor.clone();
    db.transaction::<_, (), AppError>(|txn| {
        Box::pin(async move {
            let existing = repo::find_staff(txn, id)
                .await?
                .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "该账号不存在"))?;
            let mut active: staff_account::ActiveModel = existing.into();
            active.password_hash = Set(hash);
            active.updated_at = Set(now);
            active.update(txn).await?;
            let revoked = repo::revoke_all_staff_tokens(txn, id, now).await?;
            audit::record(
                txn,
                now,
                &actor,
                Change {
                    action: "staff.password_set",
                    entity: "staff_account",
                    entity_id: id.to_string(),
                    class_id: None,
                    before: None,
                    after: Some(json!({ "tokens_revoked": revoked })),
                    reason: None,
                },
            )
            .await?;
            Ok(())
        })
    })
    .await?;
    Ok(())
}

/// The owner changes their own password; the current one must be right.
pub async fn change_own_password(
    db: &DatabaseConnection,
    principal: &StaffPrincipal,
    current: &str,
    new_password: &Password,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let stored = staff_account::Entity::find_by_id(principal.staff.id).one(db).await?.map(|m| m.password_hash);
    if !password::verify(stored, current).await? {
        return Err(AppError::with_message(ErrorCode::InvalidCredentials, "当前密码不正确"));
    }
    set_password(db, &principal.actor(), principal.staff.id, new_password, now).await
}

fn staff_json(a: &StaffAccount) -> serde_json::Value {
    json!({ "username": a.username, "display_name": a.display_name, "role": a.role, "disabled": a.disabled })
}
