use actix_web::http::header;
use actix_web::{HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attendance::model::{AttendanceStatus, WindowState, window_state};
use crate::attendance::service::{self as attendance, AttendanceEntry, SessionAttendance};
use crate::checkin::attempts::{self as attempt_log, AttemptView};
use crate::entity::class_session;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::Staff;
use crate::live::{Summary, counts, current_id};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::qr::display::{self as qr_display, QrView};
use crate::state::AppState;
use crate::timetable::SessionView;
use crate::timetable::service::session_scope;
use utoipa_actix_web::service_config::ServiceConfig;

fn current_qr(state: &AppState, session: &class_session::Model) -> AppResult<QrView> {
    qr_display::current(&state.master_secret, &state.base_url(), session, state.clock.now())
}

/// The session's current QR token, while check-in (or, after it, check-out) is open.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = QrView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`session_not_open`, `session_closed`"),
    )
)]
#[get("/sessions/{session_id}/qr")]
pub async fn qr(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<web::Json<QrView>> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(current_qr(&state, &session)?))
}

fn no_store(content_type: &'static str, body: Vec<u8>) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(body)
}

/// The current QR as SVG.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, description = "SVG", content_type = "image/svg+xml"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`session_not_open`, `session_closed`"),
    )
)]
#[get("/sessions/{session_id}/qr.svg")]
pub async fn qr_svg(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let view = current_qr(&state, &session)?;
    Ok(no_store("image/svg+xml", crate::qr::render::svg(&view.url, 480)?.into_bytes()))
}

/// The current QR as PNG.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, description = "PNG", content_type = "image/png"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`session_not_open`, `session_closed`"),
    )
)]
#[get("/sessions/{session_id}/qr.png")]
pub async fn qr_png(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let view = current_qr(&state, &session)?;
    Ok(no_store("image/png", crate::qr::render::png(&view.url, 480)?))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct WindowView {
    pub session: SessionView,
    pub window: WindowState,
}

async fn set_window(
    state: &AppState,
    who: &crate::auth::StaffPrincipal,
    session_id: Uuid,
    opening: bool,
) -> AppResult<web::Json<WindowView>> {
    let (_, session) = session_scope(&state.db, who, session_id).await?;
    let now = state.clock.now();
    let updated = attendance::set_window(state.at(now), &who.actor(), session, opening).await?;
    Ok(web::Json(WindowView { window: window_state(&updated, now), session: SessionView::from(&updated) }))
}

/// Opens check-in now (before the scheduled window, or again after closing).
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = WindowView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/sessions/{session_id}/open")]
pub async fn open(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<WindowView>> {
    set_window(&state, &who, path.into_inner(), true).await
}

/// Closes check-in now.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = WindowView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/sessions/{session_id}/close")]
pub async fn close(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<WindowView>> {
    set_window(&state, &who, path.into_inner(), false).await
}

/// Everyone on the roster with their status and times for the session (未签到 while no record exists).
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = SessionAttendance),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/attendance")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<SessionAttendance>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(attendance::for_session(&state.db, &scope, &session, state.clock.now()).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionRequest {
    pub status: AttendanceStatus,
    /// Mandatory; shown to the trainee and kept in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Corrects one trainee's status with a reason (audited with before, after, who and when).
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path), ("enrollment_id" = Uuid, Path)),
    request_body = CorrectionRequest,
    responses(
        (status = 200, body = AttendanceEntry),
        (status = 400, body = ErrorBody, description = "`reason_required`, `validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`certificate_issued`: it would withhold an issued certificate"),
    )
)]
#[put("/sessions/{session_id}/attendance/{enrollment_id}")]
pub async fn correct(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<CorrectionRequest>,
) -> AppResult<web::Json<AttendanceEntry>> {
    let (session_id, enrollment_id) = path.into_inner();
    let (scope, session) = session_scope(&state.db, &who, session_id).await?;
    let now = state.clock.now();
    let correction = attendance::Correction { enrollment_id, status: body.status, reason: &body.reason };
    let entry = attendance::correct(state.at(now), &who.actor(), &scope, &session, correction).await?;
    Ok(web::Json(entry))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UndoRequest {
    /// Mandatory; kept in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// The outcome of an undo: the status the record has again (`null`: no record, as before the correction).
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct UndoResult {
    pub status: Option<AttendanceStatus>,
}

/// Undoes the last correction of one trainee's record (a wrong 请假 or 补签): back to what it was before, audited
/// as `attendance.undo` with the reason. Once: an undo is corrected, not undone.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path), ("enrollment_id" = Uuid, Path)),
    request_body = UndoRequest,
    responses(
        (status = 200, body = UndoResult),
        (status = 400, body = ErrorBody, description = "`reason_required`, `validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`nothing_to_undo`, `certificate_issued`"),
    )
)]
#[post("/sessions/{session_id}/attendance/{enrollment_id}/undo")]
pub async fn undo(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<UndoRequest>,
) -> AppResult<web::Json<UndoResult>> {
    let (session_id, enrollment_id) = path.into_inner();
    let (scope, session) = session_scope(&state.db, &who, session_id).await?;
    let now = state.clock.now();
    let status =
        attendance::undo_correction(state.at(now), &who.actor(), &scope, &session, enrollment_id, &body.reason).await?;
    Ok(web::Json(UndoResult { status }))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AttemptQuery {
    /// Only this result, e.g. `outside_geofence`, `device_shared`, `ok`.
    pub result: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Every check-in attempt for the session, failures included, newest first: how staff spot relays and fakes.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path), AttemptQuery),
    responses(
        (status = 200, body = Page<AttemptView>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/attempts")]
pub async fn attempts(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<AttemptQuery>,
) -> AppResult<web::Json<Page<AttemptView>>> {
    let (_, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let q = query.into_inner();
    let page = PageRequest::from(PageQuery { page: q.page, per_page: q.per_page });
    Ok(web::Json(attempt_log::list(&state.db, session.id, q.result.as_deref(), page).await?))
}

/// Counts by status and everyone's line: cheap enough to poll every few seconds.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = Summary),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/attendance/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Summary>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let event_id = current_id(state.infra.kv.as_ref(), session.id).await;
    let attendance = attendance::for_session(&state.db, &scope, &session, state.clock.now()).await?;
    Ok(web::Json(Summary { event_id, counts: counts(&attendance), attendance }))
}

/// Server-Sent Events for one session: `snapshot` first (a `Summary`), then `checked_in`, `checked_out`,
/// `status_changed`, `window_opened`, `window_closed` (each an `AttendanceEvent`), with keep-alives. Events from
/// every server instance arrive here. A client that reconnects with `Last-Event-ID` gets what it missed (or a
/// fresh `snapshot` when too far behind); one that falls behind gets a fresh `snapshot`.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, description = "an event stream", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/live")]
pub async fn live_stream(
    state: web::Data<AppState>,
    req: actix_web::HttpRequest,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<impl actix_web::Responder> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let last_event_id =
        req.headers().get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|v| v.trim().parse::<u64>().ok());
    let stream = crate::http::sse::session_stream(state.get_ref().clone(), scope, session, last_event_id);
    Ok(crate::http::sse::respond(stream))
}

/// Server-Sent Events for a class: a `snapshot` of the day's sessions with their counts, then every event of any
/// of its sessions (`checked_in`, `status_changed`, `window_opened`, …), from every server instance.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, description = "an event stream; the snapshot is a `ClassSnapshot`", content_type = "text/event-stream"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/live")]
pub async fn class_live_stream(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<impl actix_web::Responder> {
    let scope = crate::class::access::class_scope(&state.db, &who, path.into_inner()).await?;
    let stream = crate::http::sse::class_stream(state.get_ref().clone(), scope);
    Ok(crate::http::sse::respond(stream))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(qr)
        .service(qr_svg)
        .service(qr_png)
        .service(open)
        .service(close)
        .service(list)
        .service(correct)
        .service(undo)
        .service(attempts)
        .service(summary)
        .service(live_stream)
        .service(class_live_stream);
}
