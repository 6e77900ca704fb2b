use actix_web::http::header;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::entity::attachment as attachment_entity;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Staff, Trainee};
use crate::leave::model::{DecisionInput, LeaveInput, LeaveRecordInput};
use crate::leave::service;
use crate::leave::{LeaveStatus, LeaveView};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// An attachment as an image answer: its own type, never sniffed, never cached by a shared proxy.
pub fn image(a: attachment_entity::Model) -> HttpResponse {
    HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, a.mime))
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .insert_header(("X-Content-Type-Options", "nosniff"))
        .body(a.bytes)
}

/// A trainee asks for leave: the sessions by id, or a time span. Goes to the class's approval chain.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    request_body = LeaveInput,
    responses(
        (status = 201, body = LeaveView),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff; `not_enrolled`"),
        (status = 404, body = ErrorBody, description = "`not_found`: a session or attachment"),
        (status = 409, body = ErrorBody, description = "`leave_overlap`: a session is in another live request; `leave_already_attended`: the trainee checked in to one"),
        (status = 422, body = ErrorBody, description = "`leave_out_of_range`, `leave_no_sessions`"),
    )
)]
#[post("/me/leave-requests")]
pub async fn request(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
    body: web::Json<LeaveInput>,
) -> AppResult<HttpResponse> {
    let created = service::request(state.at_now(), &who, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// The trainee's own requests, newest first.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<LeaveView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/leave-requests")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<Vec<LeaveView>>> {
    Ok(web::Json(service::mine(&state.db, who.person_id).await?))
}

/// The trainee withdraws a request nobody has decided yet.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    responses(
        (status = 200, body = LeaveView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`leave_not_pending`"),
    )
)]
#[post("/me/leave-requests/{leave_id}/cancel")]
pub async fn cancel(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<LeaveView>> {
    Ok(web::Json(service::cancel(state.at_now(), &who, path.into_inner()).await?))
}

/// The image attached to the trainee's own request.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The image (its type is checked by its bytes on upload)", content(("image/jpeg"), ("image/png"), ("image/webp"))),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff (this is the trainee's own view)"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/me/leave-requests/{leave_id}/attachment")]
pub async fn my_attachment(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(image(service::attachment_for_trainee(&state.db, &who, path.into_inner()).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct LeaveListQuery {
    pub status: Option<LeaveStatus>,
}

/// A class's leave requests, newest first.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), LeaveListQuery),
    responses(
        (status = 200, body = Vec<LeaveView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/leave-requests")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<LeaveListQuery>,
) -> AppResult<web::Json<Vec<LeaveView>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(service::list_for_class(&state.db, &scope, query.status).await?))
}

/// Staff record leave after the fact (补假): approved at once, the sessions turn `leave`, the reason is audited.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = LeaveRecordInput,
    responses(
        (status = 201, body = LeaveView),
        (status = 400, body = ErrorBody, description = "`reason_required`, `validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`leave_overlap`, `leave_already_attended`, `certificate_issued`"),
        (status = 422, body = ErrorBody, description = "`leave_out_of_range`, `leave_no_sessions`"),
    )
)]
#[post("/classes/{class_id}/leave-records")]
pub async fn record(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<LeaveRecordInput>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let created = service::record(state.at_now(), &who, &scope, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// One request with its sessions and approval steps.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    responses(
        (status = 200, body = LeaveView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/leave-requests/{leave_id}")]
pub async fn get(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<LeaveView>> {
    Ok(web::Json(service::get(&state.db, &who, path.into_inner()).await?))
}

/// Approves the current step. Step 1 is the class's 班主任 (or any class staff, per the policy); a request over
/// the policy's 学时 needs an administrator as step 2. An administrator's approval completes the chain. The final
/// approval marks the covered sessions `leave` (also those already marked 旷课).
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    request_body = DecisionInput,
    responses(
        (status = 200, body = LeaveView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`not_your_step`: another role decides this step; `forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`leave_not_pending`, `certificate_issued`"),
    )
)]
#[post("/leave-requests/{leave_id}/approve")]
pub async fn approve(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<DecisionInput>,
) -> AppResult<web::Json<LeaveView>> {
    let comment = body.comment.as_deref();
    Ok(web::Json(service::decide(state.at_now(), &who, path.into_inner(), true, comment).await?))
}

/// Rejects at the current step, with a comment the trainee reads.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    request_body = DecisionInput,
    responses(
        (status = 200, body = LeaveView),
        (status = 400, body = ErrorBody, description = "`reason_required`: no comment"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`not_your_step`, `forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`leave_not_pending`"),
    )
)]
#[post("/leave-requests/{leave_id}/reject")]
pub async fn reject(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<DecisionInput>,
) -> AppResult<web::Json<LeaveView>> {
    let comment = body.comment.as_deref();
    Ok(web::Json(service::decide(state.at_now(), &who, path.into_inner(), false, comment).await?))
}

/// The image attached to a request, for staff of its class.
#[utoipa::path(
    tag = "leave",
    security(("bearer" = [])),
    params(("leave_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The image (its type is checked by its bytes on upload)", content(("image/jpeg"), ("image/png"), ("image/webp"))),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/leave-requests/{leave_id}/attachment")]
pub async fn attachment(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    Ok(image(service::attachment_for_staff(&state.db, &who, path.into_inner()).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(request)
        .service(mine)
        .service(cancel)
        .service(my_attachment)
        .service(list)
        .service(record)
        .service(get)
        .service(approve)
        .service(reject)
        .service(attachment);
}
