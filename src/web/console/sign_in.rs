//! Signing in and out of the console, and changing one's own password.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::*;
use crate::auth::service::{Credentials, LoginLimits};
use crate::http::extract::client_addr;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").route(web::get().to(home)))
        .service(web::resource("/console/").route(web::get().to(home)))
        .service(web::resource(LOGIN).route(web::get().to(login_form)).route(web::post().to(login)))
        .service(web::resource("/console/logout").route(web::post().to(logout)))
        .service(
            web::resource("/console/password")
                .route(web::get().to(password_form))
                .route(web::post().to(change_password)),
        );
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(match session(&req, &state).await? {
        Some(_) => see_other(HOME),
        None => to_login(&req),
    })
}

#[derive(Template)]
#[template(path = "console/login.html")]
struct LoginPage {
    username: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct LoginQuery {
    #[serde(default)]
    bye: Option<String>,
    #[serde(default)]
    changed: Option<String>,
}

async fn login_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<LoginQuery>,
) -> AppResult<HttpResponse> {
    if session(&req, &state).await?.is_some() {
        return Ok(see_other(HOME));
    }
    let notice = match (&q.bye, &q.changed) {
        (_, Some(_)) => Some("密码已修改，请用新密码重新登录。"),
        (Some(_), None) => Some("您已退出登录。"),
        (None, None) => None,
    };
    page(StatusCode::OK, &LoginPage { username: String::new(), error: None, notice })
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
}

async fn login(req: HttpRequest, state: web::Data<AppState>, form: web::Form<LoginForm>) -> AppResult<HttpResponse> {
    // A sign-in posted from another site (login CSRF) is refused; browsers say where a request comes from.
    if req.headers().get("sec-fetch-site").is_some_and(|v| v.as_bytes() == b"cross-site") {
        let shown =
            LoginPage {
                username: String::new(), error: Some("请从本系统的登录页登录".to_owned()), notice: None
            };
        return page(StatusCode::FORBIDDEN, &shown);
    }
    let limits = LoginLimits::of(&state.settings.rate_limits);
    // The session starts with the idle timeout and slides with use (see `session`).
    let ttl = chrono::Duration::minutes(state.settings.security.console_idle_minutes);
    let address = client_addr(&req, &state);
    let credentials = Credentials { username: &form.username, password: &form.password, client_addr: &address };
    match auth::login(&state.db, state.infra.limiter.as_ref(), &limits, &credentials, state.now(), ttl).await {
        Ok(outcome) => {
            let cookie = Cookie::build(COOKIE, outcome.token)
                .path("/console")
                .http_only(true)
                .same_site(SameSite::Strict)
                .secure(cookie_secure(&state))
                .max_age(actix_web::cookie::time::Duration::hours(state.settings.security.staff_token_ttl_hours))
                .finish();
            Ok(HttpResponse::SeeOther().insert_header((header::LOCATION, HOME)).cookie(cookie).finish())
        }
        Err(e) => {
            let status = crate::http::error::status_of(e.code);
            let shown = LoginPage {
                username: form.username.chars().take(64).collect(),
                error: Some(e.message.into_owned()),
                notice: None,
            };
            let mut answer = page(status, &shown)?;
            if let Some(after) = e.retry_after {
                answer.headers_mut().insert(header::RETRY_AFTER, after.as_secs().max(1).into());
            }
            Ok(answer)
        }
    }
}

async fn logout(req: HttpRequest, state: web::Data<AppState>, form: web::Form<CsrfForm>) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    auth::logout(&state.db, &Principal::Staff(session.staff.clone()), state.now()).await?;
    Ok(signed_out("/console/login?bye=1"))
}

#[derive(Template)]
#[template(path = "console/password.html")]
struct PasswordPage {
    frame: Frame,
    error: Option<(Option<&'static str>, String)>,
}

impl PasswordPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }
}

async fn password_form(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    page(StatusCode::OK, &PasswordPage { frame: Frame::of(&session, "password"), error: None })
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    current: String,
    #[serde(default)]
    new: String,
    #[serde(default)]
    repeat: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Changes the signed-in person's password with the API's function; every session ends, so they sign in again.
async fn change_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<PasswordForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let changed = if form.new != form.repeat {
        Err(AppError::validation("两次输入的新密码不一致").on_field("repeat"))
    } else {
        match crate::auth::Password::parse(&form.new) {
            Ok(new) => auth::change_own_password(&state.db, &session.staff, &form.current, &new, state.now())
                .await
                .map_err(|e| if e.code == ErrorCode::InvalidCredentials { e.on_field("current") } else { e }),
            Err(e) => Err(e.on_field("new")),
        }
    };
    match changed {
        Ok(()) => Ok(signed_out("/console/login?changed=1")),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let error = Some((e.field, e.message.into_owned()));
                page(status, &PasswordPage { frame: Frame::of(&session, "password"), error })
            }
            None => Err(e),
        },
    }
}
