//! The audit trail: every change a person makes to accounts, attendance, discipline or certificates is written
//! here in the same transaction as the change itself, with the class it belongs to (if any). Append-only: no API
//! updates or deletes a row, and database triggers refuse UPDATE and DELETE on `audit_log`.

pub mod downloads;
pub mod export;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use crate::entity::audit_log;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pagination::{Page, PageRequest};

/// Who did it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Actor {
    pub kind: ActorKind,
    pub id: Option<Uuid>,
    pub name: String,
}

pub use crate::entity::vocab::ActorKind;

impl Actor {
    pub fn system(name: &str) -> Self {
        Self { kind: ActorKind::System, id: None, name: name.to_owned() }
    }
}

/// One change, ready to be recorded.
#[derive(Debug, Clone)]
pub struct Change<'a> {
    pub action: &'a str,
    pub entity: &'a str,
    pub entity_id: String,
    /// The class the change belongs to (its per-class trail and export); `None` for staff accounts and the like.
    pub class_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

/// The reason a person gives for a change, as the audit trail keeps it: trimmed, required (`missing` says what for,
/// e.g. 修改考勤必须填写原因), at most 500 characters.
pub fn required_reason(raw: &str, missing: &'static str) -> AppResult<String> {
    let reason = raw.trim();
    if reason.is_empty() {
        return Err(AppError::with_message(ErrorCode::ReasonRequired, missing));
    }
    if reason.chars().count() > 500 {
        return Err(AppError::validation("原因不能超过 500 个字"));
    }
    Ok(reason.to_owned())
}

/// The latest entry about one entity of a class among `actions` (newest by time, then id), e.g. the correction an
/// undo reverses.
pub async fn latest_of<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
    entity: &str,
    entity_id: &str,
    actions: &[&str],
) -> AppResult<Option<audit_log::Model>> {
    Ok(audit_log::Entity::find()
        .filter(audit_log::Column::ClassId.eq(class_id))
        .filter(audit_log::Column::Entity.eq(entity))
        .filter(audit_log::Column::EntityId.eq(entity_id))
        .filter(audit_log::Column::Action.is_in(actions.iter().copied()))
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .one(conn)
        .await?)
}

/// Writes one audit row. Call it on the same connection (transaction) that makes the change.
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    actor: &Actor,
    change: Change<'_>,
) -> AppResult<()> {
    audit_log::Entity::insert(audit_log::ActiveModel {
        id: Set(Uuid::now_v7()),
        at: Set(at),
        actor_kind: Set(actor.kind),
        actor_id: Set(actor.id),
        actor_name: Set(actor.name.clone()),
        action: Set(change.action.to_owned()),
        entity: Set(change.entity.to_owned()),
        entity_id: Set(change.entity_id),
        before: Set(change.before),
        after: Set(change.after),
        reason: Set(change.reason),
        class_id: Set(change.class_id),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// An audit row as shown to administrators.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AuditEntry {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub actor_kind: String,
    pub actor_id: Option<Uuid>,
    pub actor_name: String,
    pub action: String,
    pub entity: String,
    pub entity_id: String,
    /// The class the change belongs to; absent for staff accounts and the like.
    pub class_id: Option<Uuid>,
    pub before: Option<serde_json::Value>,
    pub after: Option<serde_json::Value>,
    pub reason: Option<String>,
}

impl From<audit_log::Model> for AuditEntry {
    fn from(m: audit_log::Model) -> Self {
        Self {
            id: m.id,
            at: m.at,
            actor_kind: m.actor_kind.as_str().to_owned(),
            actor_id: m.actor_id,
            actor_name: m.actor_name,
            action: m.action,
            entity: m.entity,
            entity_id: m.entity_id,
            class_id: m.class_id,
            before: m.before,
            after: m.after,
            reason: m.reason,
        }
    }
}

/// Which rows to list; every field narrows.
#[derive(Debug, Clone, Copy, Default)]
pub struct Filter<'a> {
    pub entity: Option<&'a str>,
    pub entity_id: Option<&'a str>,
    pub class_id: Option<Uuid>,
    /// Who did it: part of the actor's name.
    pub actor: Option<&'a str>,
    pub action: Option<&'a str>,
    /// Recorded at or after.
    pub from: Option<DateTime<Utc>>,
    /// Recorded before.
    pub until: Option<DateTime<Utc>>,
}

impl Filter<'_> {
    fn query(&self) -> sea_orm::Select<audit_log::Entity> {
        let mut query = audit_log::Entity::find();
        if let Some(entity) = self.entity {
            query = query.filter(audit_log::Column::Entity.eq(entity));
        }
        if let Some(entity_id) = self.entity_id {
            query = query.filter(audit_log::Column::EntityId.eq(entity_id));
        }
        if let Some(class_id) = self.class_id {
            query = query.filter(audit_log::Column::ClassId.eq(class_id));
        }
        if let Some(actor) = self.actor.map(str::trim).filter(|a| !a.is_empty()) {
            query = query.filter(audit_log::Column::ActorName.contains(actor.replace(['%', '_'], "")));
        }
        if let Some(action) = self.action {
            query = query.filter(audit_log::Column::Action.eq(action));
        }
        if let Some(from) = self.from {
            query = query.filter(audit_log::Column::At.gte(from));
        }
        if let Some(until) = self.until {
            query = query.filter(audit_log::Column::At.lt(until));
        }
        query
    }
}

/// Newest first, optionally narrowed to one entity or one class.
pub async fn list<C: ConnectionTrait>(conn: &C, filter: Filter<'_>, page: PageRequest) -> AppResult<Page<AuditEntry>> {
    let query = filter.query();
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .offset(page.offset())
        .limit(page.limit())
        .all(conn)
        .await?;
    Ok(page.wrap(rows.into_iter().map(AuditEntry::from).collect(), total))
}

/// The newest `cap` rows matching `filter` (an administrator's CSV of what they filtered), newest first.
pub async fn newest<C: ConnectionTrait>(conn: &C, filter: Filter<'_>, cap: u64) -> AppResult<Vec<audit_log::Model>> {
    Ok(filter
        .query()
        .order_by_desc(audit_log::Column::At)
        .order_by_desc(audit_log::Column::Id)
        .limit(cap)
        .all(conn)
        .await?)
}
