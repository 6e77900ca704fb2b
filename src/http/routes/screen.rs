use actix_web::{HttpRequest, HttpResponse, delete, get, post, web};
use uuid::Uuid;

use crate::class::ClassScope;
use crate::class::service::get_class;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::error::ErrorBody;
use crate::http::extract::Staff;
use crate::live::screen::{self, NewScreenLink, ScreenLinkView, ScreenState};
use crate::state::AppState;
use crate::timetable::service::session_scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// Creates a link for the classroom PC or projector: it shows this session's QR and counts without a staff login,
/// until an hour after the session ends or until revoked. The URL is shown only once.
#[utoipa::path(
    tag = "screen",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 201, body = NewScreenLink),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/sessions/{session_id}/screen-links")]
pub async fn create_link(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let link = screen::create(&state.db, &who.actor(), &state.base_url(), &session, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(link))
}

/// The session's screen links (without their keys).
#[utoipa::path(
    tag = "screen",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<ScreenLinkView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/screen-links")]
pub async fn list_links(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<ScreenLinkView>>> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(screen::list(&state.db, session.id).await?))
}

/// Revokes a screen link at once.
#[utoipa::path(
    tag = "screen",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path), ("link_id" = Uuid, Path)),
    responses(
        (status = 204, description = "revoked"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[delete("/sessions/{session_id}/screen-links/{link_id}")]
pub async fn revoke_link(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (session_id, link_id) = path.into_inner();
    let (_, session) = session_scope(&state.db, &who, session_id).await?;
    screen::revoke(&state.db, &who.actor(), &session, link_id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// What the classroom screen shows (its key in the `X-Screen-Key` header): the current QR, counts, latest arrivals.
#[utoipa::path(
    tag = "screen",
    params(("X-Screen-Key" = String, Header, description = "the key from the screen link's URL")),
    responses(
        (status = 200, body = ScreenState),
        (status = 401, body = ErrorBody, description = "`auth_required`: no key; `invalid_token`: expired or revoked link"),
    )
)]
#[get("/screen/state")]
pub async fn screen_state(state: web::Data<AppState>, req: HttpRequest) -> AppResult<web::Json<ScreenState>> {
    let key = req
        .headers()
        .get("x-screen-key")
        .and_then(|v| v.to_str().ok())
        .filter(|k| !k.is_empty())
        .ok_or_else(|| AppError::new(ErrorCode::AuthRequired))?;
    let session = screen::session_for_key(&state.db, key, state.clock.now()).await?;
    let scope = ClassScope { class: get_class(&state.db, session.class_id).await? };
    Ok(web::Json(screen::state(&state, &scope, &session).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create_link).service(list_links).service(revoke_link).service(screen_state);
}
