use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::service::{self, NewStaff};
use crate::auth::{DisplayName, Password, Role, StaffAccount, Username};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, OptionalJson};
use crate::http::routes::ReasonBody;
use crate::pagination::{Page, PageQuery};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateStaffRequest {
    /// 3–32 letters, digits, `.`, `_`, `-`; case does not matter (stored lower-case).
    #[schema(pattern = r"^[A-Za-z0-9._-]{3,32}$", example = "zhang.san")]
    pub username: String,
    #[schema(min_length = 1, max_length = 32, pattern = r"\S")]
    pub display_name: String,
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
    pub role: Role,
}

/// Creates a staff (班主任/组织员) or admin account. Admins only.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    request_body = CreateStaffRequest,
    responses(
        (status = 201, body = StaffAccount),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 409, body = ErrorBody, description = "`username_taken`"),
    )
)]
#[post("/staff")]
pub async fn create(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    body: web::Json<CreateStaffRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    let new = NewStaff {
        username: Username::parse(&body.username)?,
        display_name: DisplayName::parse(&body.display_name)?,
        password: Password::parse(&body.password)?,
        role: body.role,
    };
    let created = service::create_staff(&state.db, &admin.actor(), new, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(created))
}

/// All staff and admin accounts, by username. Admins only.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Page<StaffAccount>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
    )
)]
#[get("/staff")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<PageQuery>,
) -> AppResult<web::Json<Page<StaffAccount>>> {
    Ok(web::Json(service::list_staff(&state.db, None, query.into_inner().into()).await?))
}

/// One account. Admins only.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("staff_id" = Uuid, Path)),
    responses(
        (status = 200, body = StaffAccount),
        (status = 400, body = ErrorBody, description = "`invalid_path`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/staff/{staff_id}")]
pub async fn get(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<StaffAccount>> {
    Ok(web::Json(service::get_staff(&state.db, path.into_inner()).await?))
}

/// Disables an account and ends all its sessions at once. Admins only; not your own account.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("staff_id" = Uuid, Path)),
    request_body = Option<ReasonBody>,
    responses(
        (status = 200, body = StaffAccount),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the reason is over 500 characters"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin, or your own account"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/staff/{staff_id}/disable")]
pub async fn disable(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<Uuid>,
    body: OptionalJson<ReasonBody>,
) -> AppResult<web::Json<StaffAccount>> {
    let reason = ReasonBody::reason(body.0)?;
    let updated =
        service::set_disabled(&state.db, &admin.actor(), path.into_inner(), true, reason, state.clock.now()).await?;
    Ok(web::Json(updated))
}

/// Re-enables a disabled account. Admins only.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("staff_id" = Uuid, Path)),
    request_body = Option<ReasonBody>,
    responses(
        (status = 200, body = StaffAccount),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the reason is over 500 characters"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/staff/{staff_id}/enable")]
pub async fn enable(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<Uuid>,
    body: OptionalJson<ReasonBody>,
) -> AppResult<web::Json<StaffAccount>> {
    let reason = ReasonBody::reason(body.0)?;
    let updated =
        service::set_disabled(&state.db, &admin.actor(), path.into_inner(), false, reason, state.clock.now()).await?;
    Ok(web::Json(updated))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ResetPasswordRequest {
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Sets a new password for an account and ends all its sessions. Admins only.
#[utoipa::path(
    tag = "staff",
    security(("bearer" = [])),
    params(("staff_id" = Uuid, Path)),
    request_body = ResetPasswordRequest,
    responses(
        (status = 204, description = "password set; the account's tokens are revoked"),
        (status = 400, body = ErrorBody, description = "`validation_failed`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[put("/staff/{staff_id}/password")]
pub async fn reset_password(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<Uuid>,
    body: web::Json<ResetPasswordRequest>,
) -> AppResult<HttpResponse> {
    let password = Password::parse(&body.new_password)?;
    service::set_password(&state.db, &admin.actor(), path.into_inner(), &password, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create).service(list).service(get).service(disable).service(enable).service(reset_password);
}
