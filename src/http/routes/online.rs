//! Online live classes: the meeting's attendance export imported per session, viewers assigned, the rule set.

use actix_multipart::Multipart;
use actix_web::{get, post, put, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Staff};
use crate::http::routes::sessions::DryRunQuery;
use crate::http::upload::{UploadForm, read_file};
use crate::online::OnlineRule;
use crate::online::service::{self, OnlineAttendance, OnlineSettings};
use crate::state::AppState;
use crate::tabular;
use crate::timetable::service::session_scope;
use utoipa_actix_web::service_config::ServiceConfig;

/// The session's online attendance: the rule, the latest import, its viewers (matched or left to assign) and each
/// trainee's watched time and status.
#[utoipa::path(
    tag = "online",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = OnlineAttendance),
        (status = 400, body = ErrorBody, description = "`validation_failed`: not an online session"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/sessions/{session_id}/online")]
pub async fn view(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<OnlineAttendance>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(service::view(&state.db, &scope, &session).await?))
}

/// Imports the meeting platform's attendance export (腾讯会议 参会明细 XLSX, 钉钉直播 观看名单, or the template:
/// 姓名或手机号, 入会时间, 退会时间). With `dry_run=true` it shows the result and stores nothing; otherwise the
/// session's records are written in one transaction (records staff changed, leave and scans are kept) and a
/// previous import of the session is replaced.
#[utoipa::path(
    tag = "online",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path), DryRunQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = OnlineAttendance),
        (status = 400, body = ErrorBody, description = "`file_unreadable`, `validation_failed`: not an online session"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`certificate_issued`: it would withhold an issued certificate"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody, description = "`import_rejected`: rows with unreadable times; nothing was imported"),
    )
)]
#[post("/sessions/{session_id}/online/import")]
pub async fn import(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<DryRunQuery>,
    payload: Multipart,
) -> AppResult<web::Json<OnlineAttendance>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let file = tabular::Upload { bytes: read_file(payload).await?, limits: state.settings.import.roster() };
    let at = state.at(state.clock.now());
    Ok(web::Json(service::import(at, &who.actor(), &scope, &session, file, query.dry_run).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignRequest {
    /// The name as the latest import shows it.
    #[schema(min_length = 1, max_length = 255)]
    pub display_name: String,
    pub enrollment_id: Uuid,
}

/// Assigns a viewer the import could not match (a nickname, a name two trainees share) to a trainee; the class
/// remembers it for its other online sessions, and the session's records are written again.
#[utoipa::path(
    tag = "online",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    request_body = AssignRequest,
    responses(
        (status = 200, body = OnlineAttendance),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such name in the latest import, or trainee"),
        (status = 409, body = ErrorBody, description = "`certificate_issued`: it would withhold an issued certificate"),
    )
)]
#[post("/sessions/{session_id}/online/assign")]
pub async fn assign(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<AssignRequest>,
) -> AppResult<web::Json<OnlineAttendance>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let at = state.at(state.clock.now());
    let answer = service::assign(at, &who.actor(), &scope, &session, &body.display_name, body.enrollment_id).await?;
    Ok(web::Json(answer))
}

/// Where an online session is streamed (shown to trainees) and its own rule (`rule: null`: the class's).
#[utoipa::path(
    tag = "online",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    request_body = OnlineSettings,
    responses(
        (status = 200, body = OnlineSettings),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[put("/sessions/{session_id}/online/settings")]
pub async fn settings(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<OnlineSettings>,
) -> AppResult<web::Json<OnlineSettings>> {
    let (scope, session) = session_scope(&state.db, &who, path.into_inner()).await?;
    let at = state.at(state.clock.now());
    Ok(web::Json(service::set_settings(at, &who.actor(), &scope, session, body.into_inner()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ClassRuleRequest {
    /// `null`: the defaults (80 % present, below 30 % absent, 早退 between, 5 minutes' grace each end).
    pub rule: Option<OnlineRule>,
}

/// The class's rule for its online sessions (administrators).
#[utoipa::path(
    tag = "online",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = ClassRuleRequest,
    responses(
        (status = 200, body = OnlineRule),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[put("/classes/{class_id}/online-rule")]
pub async fn class_rule(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<ClassRuleRequest>,
) -> AppResult<web::Json<OnlineRule>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let at = state.at(state.clock.now());
    Ok(web::Json(service::set_class_rule(at, &who.actor(), &scope, body.into_inner().rule).await?))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(view).service(import).service(assign).service(settings).service(class_rule);
}
