use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::service::{self, Credentials, LoginLimits};
use crate::auth::{Password, Principal, StaffAccount};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Auth, Staff, client_addr};
use crate::state::AppState;
use crate::trainee::{self, TraineeMe};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct LoginResponse {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub user: StaffAccount,
}

/// Staff or admin login with username and password.
#[utoipa::path(
    tag = "auth",
    request_body = LoginRequest,
    responses(
        (status = 200, body = LoginResponse),
        (status = 400, body = ErrorBody, description = "`invalid_json`"),
        (status = 401, body = ErrorBody, description = "`invalid_credentials`: wrong username or password (same answer for both)"),
        (status = 403, body = ErrorBody, description = "`account_disabled`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`, with `Retry-After`: too many attempts for this account or address"),
    )
)]
#[post("/auth/login")]
pub async fn login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<LoginRequest>,
) -> AppResult<web::Json<LoginResponse>> {
    let limits = LoginLimits::of(&state.settings.rate_limits);
    let ttl = chrono::Duration::hours(state.settings.security.staff_token_ttl_hours);
    let outcome = service::login(
        &state.db,
        state.infra.limiter.as_ref(),
        &limits,
        &Credentials { username: &body.username, password: &body.password, client_addr: &client_addr(&req, &state) },
        state.clock.now(),
        ttl,
    )
    .await?;
    Ok(web::Json(LoginResponse { token: outcome.token, expires_at: outcome.expires_at, user: outcome.staff }))
}

/// Ends this token's session. Other sessions of the same account stay.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 204, description = "logged out"),
        (status = 401, body = ErrorBody, description = "`auth_required` or `invalid_token`"),
    )
)]
#[post("/auth/logout")]
pub async fn logout(state: web::Data<AppState>, Auth(principal): Auth) -> AppResult<HttpResponse> {
    service::logout(&state.db, &principal, state.clock.now()).await?;
    state.caches.forget_token(principal.token_id());
    Ok(HttpResponse::NoContent().finish())
}

/// `kind` says which of `user` (staff, admin) or `trainee` is present.
#[derive(Serialize, utoipa::ToSchema)]
pub struct MeResponse {
    /// `staff` or `trainee`.
    pub kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user: Option<StaffAccount>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trainee: Option<TraineeMe>,
}

/// The logged-in caller.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MeResponse),
        (status = 401, body = ErrorBody, description = "`auth_required` or `invalid_token`"),
    )
)]
#[get("/me")]
pub async fn me(state: web::Data<AppState>, Auth(principal): Auth) -> AppResult<web::Json<MeResponse>> {
    Ok(web::Json(match principal {
        Principal::Staff(s) => MeResponse { kind: "staff", user: Some(s.staff), trainee: None },
        Principal::Trainee(t) => MeResponse {
            kind: "trainee",
            user: None,
            trainee: Some(trainee::service::me(&state.db, t.person_id).await?),
        },
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ChangePasswordRequest {
    pub current_password: String,
    #[schema(min_length = 8, max_length = 128)]
    pub new_password: String,
}

/// Changes the caller's own password. Every session of the account ends, this one included.
#[utoipa::path(
    tag = "auth",
    security(("bearer" = [])),
    request_body = ChangePasswordRequest,
    responses(
        (status = 204, description = "changed; log in again"),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the new password is too short or too long"),
        (status = 401, body = ErrorBody, description = "`invalid_credentials`: the current password is wrong; `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees have no password"),
    )
)]
#[put("/me/password")]
pub async fn change_password(
    state: web::Data<AppState>,
    Staff(principal): Staff,
    body: web::Json<ChangePasswordRequest>,
) -> AppResult<HttpResponse> {
    let new_password = Password::parse(&body.new_password)?;
    service::change_own_password(&state.db, &principal, &body.current_password, &new_password, state.clock.now())
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(login).service(logout).service(me).service(change_password);
}
