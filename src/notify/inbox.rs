//! The in-app inbox: what the H5 pages and the staff monitor show under 消息.

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::{Notice, Recipient};
use crate::entity::inbox_message;
use crate::entity::vocab::PartyKind;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pagination::{Page, PageRequest};

fn key(to: &Recipient) -> (PartyKind, Uuid) {
    match to {
        Recipient::Trainee { person_id, .. } => (PartyKind::Trainee, *person_id),
        Recipient::Staff(id) => (PartyKind::Staff, *id),
    }
}

pub async fn post<C: ConnectionTrait>(conn: &C, now: DateTime<Utc>, to: &Recipient, n: &Notice) -> AppResult<()> {
    let (kind, id) = key(to);
    inbox_message::Entity::insert(inbox_message::ActiveModel {
        id: Set(Uuid::now_v7()),
        recipient_kind: Set(kind),
        recipient_id: Set(id),
        class_id: Set(n.class_id),
        kind: Set(n.kind),
        title: Set(n.title.chars().take(128).collect()),
        body: Set(n.body.clone()),
        link: Set(n.link.clone()),
        created_at: Set(now),
        read_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct InboxItem {
    pub id: Uuid,
    /// `leave_result`, `leave_submitted`, `warning` or `certificate`.
    pub kind: String,
    pub class_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    pub link: Option<String>,
    pub created_at: DateTime<Utc>,
    pub read: bool,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Inbox {
    pub unread: u64,
    pub items: Vec<InboxItem>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}

/// Newest first.
pub async fn list(db: &DatabaseConnection, to: &Recipient, page: PageRequest) -> AppResult<Inbox> {
    let (kind, id) = key(to);
    let mine = || {
        inbox_message::Entity::find()
            .filter(inbox_message::Column::RecipientKind.eq(kind))
            .filter(inbox_message::Column::RecipientId.eq(id))
    };
    let total = mine().count(db).await?;
    let unread = mine().filter(inbox_message::Column::ReadAt.is_null()).count(db).await?;
    let items = mine()
        .order_by_desc(inbox_message::Column::CreatedAt)
        .order_by_desc(inbox_message::Column::Id)
        .offset(page.offset())
        .limit(page.limit())
        .all(db)
        .await?
        .into_iter()
        .map(|m| InboxItem {
            id: m.id,
            kind: m.kind.as_str().to_owned(),
            class_id: m.class_id,
            title: m.title,
            body: m.body,
            link: m.link,
            created_at: m.created_at,
            read: m.read_at.is_some(),
        })
        .collect();
    let Page { items, total, page, per_page } = page.wrap(items, total);
    Ok(Inbox { unread, items, total, page, per_page })
}

/// Marks one message read; someone else's message answers as missing.
pub async fn mark_read(db: &DatabaseConnection, to: &Recipient, message_id: Uuid, now: DateTime<Utc>) -> AppResult<()> {
    let (kind, id) = key(to);
    let found = inbox_message::Entity::find_by_id(message_id)
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "消息不存在"))?;
    if found.read_at.is_none() {
        inbox_message::Entity::update_many()
            .col_expr(inbox_message::Column::ReadAt, Expr::value(now))
            .filter(inbox_message::Column::Id.eq(message_id))
            .exec(db)
            .await?;
    }
    Ok(())
}

/// How many messages the recipient has not read.
pub async fn unread(db: &DatabaseConnection, to: &Recipient) -> AppResult<u64> {
    let (kind, id) = key(to);
    Ok(inbox_message::Entity::find()
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .count(db)
        .await?)
}

/// Marks every message of the recipient read (they opened their messages).
pub async fn mark_all_read(db: &DatabaseConnection, to: &Recipient, now: DateTime<Utc>) -> AppResult<()> {
    let (kind, id) = key(to);
    inbox_message::Entity::update_many()
        .col_expr(inbox_message::Column::ReadAt, Expr::value(now))
        .filter(inbox_message::Column::RecipientKind.eq(kind))
        .filter(inbox_message::Column::RecipientId.eq(id))
        .filter(inbox_message::Column::ReadAt.is_null())
        .exec(db)
        .await?;
    Ok(())
}
