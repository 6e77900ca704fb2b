use actix_web::{get, put, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::completion::{ClassPolicy, service};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Staff};
use crate::state::AppState;
use crate::warning::{self, AtRisk};
use utoipa_actix_web::service_config::ServiceConfig;

/// The class's leave approval chain and completion limits (defaults when never set).
#[utoipa::path(
    tag = "rules",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = ClassPolicy),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/policy")]
pub async fn get_policy(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<ClassPolicy>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(ClassPolicy::of(&scope.class)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PolicyRequest {
    pub policy: ClassPolicy,
    /// Why; kept in the audit trail.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Sets the class's policy (administrators; audited). Every trainee's warnings are re-evaluated against it.
#[utoipa::path(
    tag = "rules",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = PolicyRequest,
    responses(
        (status = 200, body = ClassPolicy),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[put("/classes/{class_id}/policy")]
pub async fn put_policy(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<PolicyRequest>,
) -> AppResult<web::Json<ClassPolicy>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let b = body.into_inner();
    let saved =
        service::save(state.at_now(), &who.actor(), &scope, b.policy, super::optional_reason(b.reason)?).await?;
    Ok(web::Json(saved))
}

/// Trainees near or over a limit (leave at 70 % of the limit or more, 旷课 at the limit, repeated lateness), with
/// the numbers; those over a limit first.
#[utoipa::path(
    tag = "rules",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<AtRisk>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/at-risk")]
pub async fn at_risk(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<AtRisk>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(warning::at_risk(&state.db, &scope).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(get_policy).service(put_policy).service(at_risk);
}
