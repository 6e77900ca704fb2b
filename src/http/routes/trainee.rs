use actix_web::{HttpRequest, get, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::clock::local_date;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Trainee, client_addr};
use crate::privacy::notice::PrivacyNotice;
use crate::state::AppState;
use crate::timetable::SessionView;
use crate::trainee::service::{self, LoginContext};
use crate::trainee::{TraineeLogin, TraineeMe, WechatOutcome};
use utoipa_actix_web::service_config::ServiceConfig;

fn context<'a>(state: &'a AppState, client_addr: &'a str) -> LoginContext<'a> {
    LoginContext {
        db: &state.db,
        secret: &state.master_secret,
        limiter: state.infra.limiter.as_ref(),
        invite_quota: state.settings.rate_limits.invite_per_address.into(),
        client_addr,
        token_ttl: chrono::Duration::days(state.settings.security.trainee_token_ttl_days),
        privacy: &state.settings.privacy,
        now: state.clock.now(),
    }
}

/// A trainee's login: a bearer token and who they are.
#[derive(Serialize, utoipa::ToSchema)]
pub struct TraineeLoginResponse {
    /// `ok` here; `binding_required` only from `/auth/wechat`.
    pub status: &'static str,
    pub token: String,
    pub expires_at: DateTime<Utc>,
    pub trainee: TraineeMe,
}

impl From<TraineeLogin> for TraineeLoginResponse {
    fn from(l: TraineeLogin) -> Self {
        Self { status: "ok", token: l.token, expires_at: l.expires_at, trainee: l.trainee }
    }
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct InviteLoginRequest {
    /// The code on the invite sheet (case, spaces and dashes do not matter).
    #[schema(pattern = r"^[2-9A-HJKMNP-Z]{10}$", example = "7KQ2M9XHRT")]
    pub invite_code: String,
    /// A stable id the phone page keeps in local storage.
    #[schema(pattern = r"^[A-Za-z0-9_:.-]{8,128}$")]
    pub device_id: String,
    /// The version of the personal-information notice (`GET /privacy/notice`) shown before binding. Required when
    /// this login binds the phone; recorded with the binding.
    #[schema(max_length = 32)]
    pub notice_version: Option<String>,
}

/// H5 login (any phone browser): the invite code binds this device on first use.
#[utoipa::path(
    tag = "trainee",
    request_body = InviteLoginRequest,
    responses(
        (status = 200, body = TraineeLoginResponse),
        (status = 400, body = ErrorBody, description = "`validation_failed`: bad device id; `invalid_json`; `notice_not_acknowledged`: binding without `notice_version`"),
        (status = 401, body = ErrorBody, description = "`invite_code_invalid`"),
        (status = 409, body = ErrorBody, description = "`device_already_bound`: the code is bound to another phone until staff reset it; `notice_outdated`: the notice shown is not the current one"),
        (status = 429, body = ErrorBody, description = "`rate_limited`: too many codes tried from this address"),
    )
)]
#[post("/auth/invite")]
pub async fn invite_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<InviteLoginRequest>,
) -> AppResult<web::Json<TraineeLoginResponse>> {
    let addr = client_addr(&req, &state);
    let notice = body.notice_version.as_deref();
    let login = service::login_with_invite(&context(&state, &addr), &body.invite_code, &body.device_id, notice).await?;
    Ok(web::Json(login.into()))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct WechatLoginRequest {
    /// The code from `wx.login`.
    pub code: String,
}

/// Either logged in, or `binding_required` with a ticket to exchange at `/auth/bind`.
#[derive(Serialize, utoipa::ToSchema)]
pub struct WechatLoginResponse {
    /// `ok` or `binding_required`.
    pub status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub token: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub expires_at: Option<DateTime<Utc>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub trainee: Option<TraineeMe>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_ticket: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub binding_expires_at: Option<DateTime<Utc>>,
    /// With `binding_required`: the personal-information notice to show before binding; send its `version` to
    /// `/auth/bind`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub notice: Option<PrivacyNotice>,
}

/// WeChat mini program login (`wx.login` code → `jscode2session`).
#[utoipa::path(
    tag = "trainee",
    request_body = WechatLoginRequest,
    responses(
        (status = 200, body = WechatLoginResponse),
        (status = 400, body = ErrorBody, description = "`wechat_code_invalid` (WeChat 40029)"),
        (status = 403, body = ErrorBody, description = "`wechat_user_blocked` (WeChat 40226); `wechat_login_disabled`: this base has not configured the mini program (`wechat.appid`), use an invite code"),
        (status = 429, body = ErrorBody, description = "`rate_limited` (WeChat 45011), with `Retry-After`"),
        (status = 503, body = ErrorBody, description = "`wechat_unavailable`: WeChat busy (-1) or timed out"),
    )
)]
#[post("/auth/wechat")]
pub async fn wechat_login(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<WechatLoginRequest>,
) -> AppResult<web::Json<WechatLoginResponse>> {
    let addr = client_addr(&req, &state);
    let outcome = service::login_with_wechat(&context(&state, &addr), &state.wechat, &body.code).await?;
    Ok(web::Json(match outcome {
        WechatOutcome::LoggedIn(l) => WechatLoginResponse {
            status: "ok",
            token: Some(l.token),
            expires_at: Some(l.expires_at),
            trainee: Some(l.trainee),
            binding_ticket: None,
            binding_expires_at: None,
            notice: None,
        },
        WechatOutcome::BindingRequired { ticket, expires_at } => WechatLoginResponse {
            status: "binding_required",
            token: None,
            expires_at: None,
            trainee: None,
            binding_ticket: Some(ticket),
            binding_expires_at: Some(expires_at),
            notice: Some(crate::privacy::notice::current(&state.settings.privacy)),
        },
    }))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BindRequest {
    pub binding_ticket: String,
    #[schema(pattern = r"^[2-9A-HJKMNP-Z]{10}$", example = "7KQ2M9XHRT")]
    pub invite_code: String,
    /// The version of the personal-information notice shown (from `/auth/wechat`'s answer); recorded.
    #[schema(max_length = 32)]
    pub notice_version: Option<String>,
}

/// Binds the WeChat account of a binding ticket to the enrolment of an invite code, and logs in.
#[utoipa::path(
    tag = "trainee",
    request_body = BindRequest,
    responses(
        (status = 200, body = TraineeLoginResponse),
        (status = 400, body = ErrorBody, description = "`binding_ticket_invalid`: expired or altered; `notice_not_acknowledged`: no `notice_version`"),
        (status = 401, body = ErrorBody, description = "`invite_code_invalid`"),
        (status = 409, body = ErrorBody, description = "`wechat_already_bound`; `notice_outdated`: the notice shown is not the current one"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
    )
)]
#[post("/auth/bind")]
pub async fn bind(
    state: web::Data<AppState>,
    req: HttpRequest,
    body: web::Json<BindRequest>,
) -> AppResult<web::Json<TraineeLoginResponse>> {
    let addr = client_addr(&req, &state);
    let notice = body.notice_version.as_deref();
    let login = service::bind_wechat(&context(&state, &addr), &body.binding_ticket, &body.invite_code, notice).await?;
    Ok(web::Json(login.into()))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateQuery {
    /// `YYYY-MM-DD`; default today (China time).
    pub date: Option<NaiveDate>,
}

/// The trainee's timetable for one day, across their classes.
#[utoipa::path(
    tag = "trainee",
    security(("bearer" = [])),
    params(DateQuery),
    responses(
        (status = 200, body = Vec<SessionView>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not a trainee"),
    )
)]
#[get("/me/sessions")]
pub async fn my_sessions(
    state: web::Data<AppState>,
    Trainee(t): Trainee,
    query: web::Query<DateQuery>,
) -> AppResult<web::Json<Vec<SessionView>>> {
    let date = query.date.unwrap_or_else(|| local_date(state.clock.now()));
    Ok(web::Json(service::my_sessions(&state.db, t.person_id, date).await?))
}

/// The personal-information notice (个人信息处理告知) to show before a phone or WeChat account is bound: what is
/// collected, why, for how long, and who sees it. Public; its `version` goes with the binding request.
#[utoipa::path(
    tag = "trainee",
    responses(
        (status = 200, body = PrivacyNotice),
        (status = 405, body = ErrorBody, description = "`method_not_allowed`: anything but GET"),
    )
)]
#[get("/privacy/notice")]
pub async fn privacy_notice(state: web::Data<AppState>) -> web::Json<PrivacyNotice> {
    web::Json(crate::privacy::notice::current(&state.settings.privacy))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(invite_login).service(wechat_login).service(bind).service(privacy_notice).service(my_sessions);
}
