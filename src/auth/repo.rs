//! Queries over `staff_account` and `auth_token`. Generic over the connection so they run inside transactions.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use uuid::Uuid;

use crate::entity::vocab::PartyKind;
use crate::entity::{auth_token, staff_account};
use crate::error::AppResult;

pub const SUBJECT_STAFF: PartyKind = PartyKind::Staff;
pub const SUBJECT_TRAINEE: PartyKind = PartyKind::Trainee;

pub async fn find_staff_by_username<C: ConnectionTrait>(
    conn: &C,
    username: &str,
) -> AppResult<Option<staff_account::Model>> {
    Ok(staff_account::Entity::find().filter(staff_account::Column::Username.eq(username)).one(conn).await?)
}

pub async fn find_staff<C: ConnectionTrait>(conn: &C, id: Uuid) -> AppResult<Option<staff_account::Model>> {
    Ok(staff_account::Entity::find_by_id(id).one(conn).await?)
}

pub async fn list_staff<C: ConnectionTrait>(
    conn: &C,
    search: Option<&str>,
    offset: u64,
    limit: u64,
) -> AppResult<(Vec<staff_account::Model>, u64)> {
    let mut query = staff_account::Entity::find();
    if let Some(q) = search.map(str::trim).filter(|q| !q.is_empty()) {
        let q = q.replace(['%', '_'], "");
        query = query.filter(
            sea_orm::Condition::any()
                .add(staff_account::Column::Username.contains(&q))
                .add(staff_account::Column::DisplayName.contains(&q)),
        );
    }
    let total = query.clone().count(conn).await?;
    let rows = query.order_by_asc(staff_account::Column::Username).offset(offset).limit(limit).all(conn).await?;
    Ok((rows, total))
}

/// What a new token is for.
pub struct NewToken {
    pub token_hash: String,
    pub subject_kind: PartyKind,
    pub subject_id: Uuid,
    pub device: Option<String>,
}

pub async fn insert_token<C: ConnectionTrait>(
    conn: &C,
    token: NewToken,
    now: DateTime<Utc>,
    expires_at: DateTime<Utc>,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    auth_token::Entity::insert(auth_token::ActiveModel {
        id: Set(id),
        token_hash: Set(token.token_hash),
        subject_kind: Set(token.subject_kind),
        subject_id: Set(token.subject_id),
        device: Set(token.device),
        created_at: Set(now),
        expires_at: Set(expires_at),
        revoked_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// A live (not revoked, not expired) token.
pub async fn find_live_token<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<auth_token::Model>> {
    Ok(auth_token::Entity::find()
        .filter(auth_token::Column::TokenHash.eq(token_hash))
        .filter(auth_token::Column::RevokedAt.is_null())
        .filter(auth_token::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?)
}

/// A token row and, when the token is a trainee's, their person.
pub type TokenAndPerson = (auth_token::Model, Option<crate::entity::person::Model>);

/// Unrevoked tokens joined to their person (none for a staff token): one statement on the check-in path instead of
/// two.
fn unrevoked_with_person() -> sea_orm::SelectTwo<auth_token::Entity, crate::entity::person::Entity> {
    use crate::entity::person;
    use sea_orm::JoinType;
    let to_person: sea_orm::RelationDef = auth_token::Entity::belongs_to(person::Entity)
        .from(auth_token::Column::SubjectId)
        .to(person::Column::Id)
        .into();
    auth_token::Entity::find()
        .select_also(person::Entity)
        .join(JoinType::LeftJoin, to_person)
        .filter(auth_token::Column::RevokedAt.is_null())
}

/// A live token with its person when the token is a trainee's.
pub async fn find_live_token_and_person<C: ConnectionTrait>(
    conn: &C,
    token_hash: &str,
    now: DateTime<Utc>,
) -> AppResult<Option<TokenAndPerson>> {
    Ok(unrevoked_with_person()
        .filter(auth_token::Column::TokenHash.eq(token_hash))
        .filter(auth_token::Column::ExpiresAt.gt(now))
        .one(conn)
        .await?)
}

/// Unrevoked tokens by hash, each with its person when it is a trainee's (many requests' tokens in one statement;
/// the caller checks expiry).
pub async fn find_tokens_and_people<C: ConnectionTrait>(
    conn: &C,
    token_hashes: &[String],
) -> AppResult<Vec<TokenAndPerson>> {
    Ok(unrevoked_with_person()
        .filter(crate::batch::one_of(
            conn.get_database_backend(),
            auth_token::Column::TokenHash,
            "text",
            token_hashes.iter().map(String::as_str),
        ))
        .all(conn)
        .await?)
}

/// Moves a live token's expiry (a console session kept alive by use).
pub async fn extend_token<C: ConnectionTrait>(conn: &C, token_id: Uuid, expires_at: DateTime<Utc>) -> AppResult<()> {
    auth_token::Entity::update_many()
        .col_expr(auth_token::Column::ExpiresAt, Expr::value(expires_at))
        .filter(auth_token::Column::Id.eq(token_id))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

pub async fn revoke_token<C: ConnectionTrait>(conn: &C, token_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now))
        .filter(auth_token::Column::Id.eq(token_id))
        .filter(auth_token::Column::RevokedAt.is_null())
        .exec(conn)
        .await?;
    Ok(())
}

/// Kills every live token of a staff account (disable, password change).
pub async fn revoke_all_staff_tokens<C: ConnectionTrait>(
    conn: &C,
    staff_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    revoke_subject_tokens(conn, SUBJECT_STAFF, staff_id, None, now).await
}

/// Kills the live tokens of a subject; with `device`, only those issued to that device.
pub async fn revoke_subject_tokens<C: ConnectionTrait>(
    conn: &C,
    subject_kind: PartyKind,
    subject_id: Uuid,
    device: Option<&str>,
    now: DateTime<Utc>,
) -> AppResult<u64> {
    let mut update = auth_token::Entity::update_many()
        .col_expr(auth_token::Column::RevokedAt, Expr::value(now))
        .filter(auth_token::Column::SubjectKind.eq(subject_kind))
        .filter(auth_token::Column::SubjectId.eq(subject_id));
    if let Some(device) = device {
        update = update.filter(auth_token::Column::Device.eq(device));
    }
    let result = update.filter(auth_token::Column::RevokedAt.is_null()).exec(conn).await?;
    Ok(result.rows_affected)
}
