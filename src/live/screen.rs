//! Screen links: the classroom PC or projector shows a session's rotating QR and counts without a staff password.
//! A link is a random key (only its SHA-256 stored) limited to one session, expiring an hour after the session
//! ends, revocable. The key travels in the page URL's fragment and then in a request header, so it never appears
//! in a server's access log.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, QueryOrder,
    TransactionTrait,
};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use super::{Counts, counts};
use crate::attendance::model::WindowState;
use crate::attendance::service::for_session;
use crate::audit::{self, Actor, Change};
use crate::auth::token;
use crate::class::ClassScope;
use crate::ctx::Ctx;
use crate::entity::{class_session, screen_link};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::qr::display::{self, QrView};
use crate::roster::model::mask_name;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreenLinkView {
    pub id: Uuid,
    pub session_id: Uuid,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

impl From<&screen_link::Model> for ScreenLinkView {
    fn from(m: &screen_link::Model) -> Self {
        Self {
            id: m.id,
            session_id: m.session_id,
            created_at: m.created_at,
            expires_at: m.expires_at,
            revoked_at: m.revoked_at,
        }
    }
}

/// A new link: the URL to open on the classroom PC (shown once; only its hash is kept).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NewScreenLink {
    pub url: String,
    pub link: ScreenLinkView,
}

pub async fn create(
    db: &DatabaseConnection,
    actor: &Actor,
    base_url: &str,
    session: &class_session::Model,
    now: DateTime<Utc>,
) -> AppResult<NewScreenLink> {
    let (key, hash) = token::generate();
    let row = screen_link::Model {
        id: Uuid::now_v7(),
        session_id: session.id,
        key_hash: hash,
        created_by: actor.id.unwrap_or_default(),
        created_at: now,
        expires_at: session.ends_at + Duration::hours(1),
        revoked_at: None,
    };
    let txn = db.begin().await?;
    screen_link::Entity::insert(row.clone().into_active_model().reset_all()).exec_without_returning(&txn).await?;
    let change = Change {
        action: "screen_link.create",
        entity: "class_session",
        entity_id: session.id.to_string(),
        class_id: Some(session.class_id),
        before: None,
        after: Some(json!({ "screen_link_id": row.id, "expires_at": row.expires_at })),
        reason: None,
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    Ok(NewScreenLink { url: format!("{base_url}/screen/{}#key={key}", session.id), link: ScreenLinkView::from(&row) })
}

pub async fn list(db: &DatabaseConnection, session_id: Uuid) -> AppResult<Vec<ScreenLinkView>> {
    let rows = screen_link::Entity::find()
        .filter(screen_link::Column::SessionId.eq(session_id))
        .order_by_desc(screen_link::Column::CreatedAt)
        .all(db)
        .await?;
    Ok(rows.iter().map(ScreenLinkView::from).collect())
}

pub async fn revoke(
    db: &DatabaseConnection,
    actor: &Actor,
    session: &class_session::Model,
    link_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<()> {
    let session_id = session.id;
    let txn = db.begin().await?;
    let updated = screen_link::Entity::update_many()
        .col_expr(screen_link::Column::RevokedAt, Expr::value(now))
        .filter(screen_link::Column::Id.eq(link_id))
        .filter(screen_link::Column::SessionId.eq(session_id))
        .filter(screen_link::Column::RevokedAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 0 {
        return Err(AppError::with_message(ErrorCode::NotFound, "该屏幕链接不存在或已撤销"));
    }
    let change = Change {
        action: "screen_link.revoke",
        entity: "class_session",
        entity_id: session_id.to_string(),
        class_id: Some(session.class_id),
        before: None,
        after: Some(json!({ "screen_link_id": link_id })),
        reason: None,
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    Ok(())
}

/// The session a screen key opens, if the key is live.
pub async fn session_for_key(
    db: &DatabaseConnection,
    key: &str,
    now: DateTime<Utc>,
) -> AppResult<class_session::Model> {
    let denied = || AppError::with_message(ErrorCode::InvalidToken, "屏幕链接已失效，请班主任重新生成");
    let link = screen_link::Entity::find()
        .filter(screen_link::Column::KeyHash.eq(token::hash(key)))
        .filter(screen_link::Column::RevokedAt.is_null())
        .filter(screen_link::Column::ExpiresAt.gt(now))
        .one(db)
        .await?
        .ok_or_else(denied)?;
    class_session::Entity::find_by_id(link.session_id).one(db).await?.ok_or_else(denied)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Arrival {
    pub name: String,
    pub at: DateTime<Utc>,
    pub status_label: String,
}

/// Everything the big screen shows, in one answer.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ScreenState {
    pub class_name: String,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub venue: Option<String>,
    pub window: WindowState,
    /// When check-in opens (before it does, the screen counts down to it).
    pub opens_at: DateTime<Utc>,
    /// Absent when no code is shown (before the window opens, after check-out closes).
    pub qr: Option<QrView>,
    /// The QR as SVG, ready to put on the page.
    pub qr_svg: Option<String>,
    pub counts: Counts,
    /// The latest arrivals, newest first.
    pub latest: Vec<Arrival>,
    pub server_time: DateTime<Utc>,
}

pub async fn state(app: &Ctx, scope: &ClassScope, session: &class_session::Model) -> AppResult<ScreenState> {
    let now = app.clock.now();
    let qr = display::current(&app.master_secret, &app.base_url(), session, now).ok();
    let qr_svg = match &qr {
        Some(q) => Some(crate::qr::render::svg(&q.url, 520)?),
        None => None,
    };
    let attendance = for_session(&app.db, scope, session, now).await?;
    let mut arrived: Vec<_> = attendance.entries.iter().filter(|e| e.checked_in_at.is_some()).collect();
    arrived.sort_by_key(|e| std::cmp::Reverse(e.checked_in_at));
    let mask = app.settings.screen.mask_names;
    let latest = arrived
        .into_iter()
        .take(8)
        .filter_map(|e| {
            e.checked_in_at.map(|at| Arrival {
                name: if mask { mask_name(&e.name) } else { e.name.clone() },
                at,
                status_label: e.status_label.clone(),
            })
        })
        .collect();
    Ok(ScreenState {
        class_name: scope.class.name.clone(),
        session_title: session.title.clone(),
        starts_at: session.starts_at,
        ends_at: session.ends_at,
        venue: session.venue.clone(),
        window: attendance.window,
        opens_at: crate::timetable::window::opens_at(session),
        qr,
        qr_svg,
        counts: counts(&attendance),
        latest,
        server_time: now,
    })
}
