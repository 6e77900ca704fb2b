use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use super::leave::image;
use crate::class::access::class_scope;
use crate::discipline::{self, DisciplineInput, DisciplineView};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Auth, Staff, Trainee};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Records a 违纪. Audited; the trainee sees it in their records and inbox.
#[utoipa::path(
    tag = "discipline",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = DisciplineInput,
    responses(
        (status = 201, body = DisciplineView),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: class, trainee or attachment"),
        (status = 409, body = ErrorBody, description = "`certificate_issued`: it would withhold an issued certificate"),
    )
)]
#[post("/classes/{class_id}/discipline")]
pub async fn record(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<DisciplineInput>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let created = discipline::record(state.at_now(), &who, &scope, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DisciplineQuery {
    pub enrollment_id: Option<Uuid>,
}

/// A class's discipline records (annulled ones included, marked), newest first.
#[utoipa::path(
    tag = "discipline",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), DisciplineQuery),
    responses(
        (status = 200, body = Vec<DisciplineView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/discipline")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<DisciplineQuery>,
) -> AppResult<web::Json<Vec<DisciplineView>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(discipline::list_for_class(&state.db, &scope, query.enrollment_id).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnnulRequest {
    /// Why the record is annulled; kept in the audit trail and shown with the record.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Annuls a record (administrators). It stays, marked annulled with who and why, and stops counting.
#[utoipa::path(
    tag = "discipline",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path)),
    request_body = AnnulRequest,
    responses(
        (status = 200, body = DisciplineView),
        (status = 400, body = ErrorBody, description = "`reason_required`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`already_annulled`"),
    )
)]
#[post("/discipline/{record_id}/annul")]
pub async fn annul(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<AnnulRequest>,
) -> AppResult<web::Json<DisciplineView>> {
    Ok(web::Json(discipline::annul(state.at_now(), &who, path.into_inner(), &body.reason).await?))
}

/// The evidence image of a record: for staff of its class, or the trainee concerned.
#[utoipa::path(
    tag = "discipline",
    security(("bearer" = [])),
    params(("record_id" = Uuid, Path)),
    responses(
        (status = 200, description = "The image (its type is checked by its bytes on upload)", content(("image/jpeg"), ("image/png"), ("image/webp"))),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/discipline/{record_id}/attachment")]
pub async fn attachment(state: web::Data<AppState>, Auth(who): Auth, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    Ok(image(discipline::attachment_for(&state.db, &who, path.into_inner()).await?))
}

/// The trainee's own discipline records, annulled ones marked.
#[utoipa::path(
    tag = "discipline",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<DisciplineView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/discipline")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<Vec<DisciplineView>>> {
    Ok(web::Json(discipline::mine(&state.db, who.person_id).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(record).service(list).service(annul).service(attachment).service(mine);
}
