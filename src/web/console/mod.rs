//! The staff console at `/console/`: server-rendered pages for 班主任, 组织员 and administrators on office PCs and
//! phones, on the same service functions as the JSON API (no rule is written twice).
//!
//! Sign-in uses the staff accounts and the API's login (the same limits per address and account) and keeps the
//! session's token in a cookie: HttpOnly, `SameSite=Strict`, limited to `/console`, `Secure` when rollcall is
//! reached over https. Every state-changing request carries a CSRF token bound to the session (a MAC of the token's
//! hash under the master secret): a hidden form field, or the `X-CSRF-Token` header htmx sends from the page.

mod admin;
mod board;
mod classes;
mod completion;
mod discipline;
mod evaluation;
mod evaluation_builder;
mod evaluation_teachers;
mod import;
mod inbox;
mod leave;
mod online;
mod people;
mod policy;
mod reports;
mod roster;
mod sign_in;
mod staged;
mod timetable;
mod today;

use actix_web::cookie::Cookie;
use actix_web::http::StatusCode;
use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::page;
use crate::auth::service as auth;
use crate::auth::{Principal, StaffPrincipal, token};
use crate::class::ClassScope;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "rollcall_console";
pub(super) const HOME: &str = "/console/classes";
pub(super) const LOGIN: &str = "/console/login";

pub fn configure(cfg: &mut web::ServiceConfig) {
    sign_in::configure(cfg);
    classes::configure(cfg);
    timetable::configure(cfg);
    roster::configure(cfg);
    policy::configure(cfg);
    admin::configure(cfg);
    leave::configure(cfg);
    today::configure(cfg);
    inbox::configure(cfg);
    board::configure(cfg);
    discipline::configure(cfg);
    completion::configure(cfg);
    online::configure(cfg);
    people::configure(cfg);
    evaluation::configure(cfg);
    evaluation_builder::configure(cfg);
    evaluation_teachers::configure(cfg);
    reports::configure(cfg);
}

/// A signed-in staff member and the CSRF token of their session.
struct Session {
    staff: StaffPrincipal,
    csrf: String,
}

fn csrf_for(state: &AppState, token_hash: &str) -> AppResult<String> {
    let mac = crate::crypto::mac(&state.master_secret, "console-csrf", &[token_hash.as_bytes()])?;
    Ok(hex::encode(&mac[..16]))
}

/// The staff member behind the session cookie, if it holds a live staff token.
async fn session(req: &HttpRequest, state: &AppState) -> AppResult<Option<Session>> {
    let Some(cookie) = req.cookie(COOKIE) else { return Ok(None) };
    let hash = token::hash(cookie.value());
    let security = &state.settings.security;
    let idle = chrono::Duration::minutes(security.console_idle_minutes);
    let absolute = chrono::Duration::hours(security.staff_token_ttl_hours);
    match auth::authenticate_sliding(&state.db, &hash, state.now(), idle, absolute).await {
        Ok(Principal::Staff(staff)) => Ok(Some(Session { staff, csrf: csrf_for(state, &hash)? })),
        Ok(Principal::Trainee(_)) => Ok(None),
        Err(e) if e.code == ErrorCode::InvalidToken => Ok(None),
        Err(e) => Err(e),
    }
}

/// Where a request without a session goes: the sign-in page (through `HX-Redirect` for htmx requests).
fn to_login(req: &HttpRequest) -> HttpResponse {
    if req.headers().contains_key("hx-request") {
        HttpResponse::Ok().insert_header(("HX-Redirect", LOGIN)).finish()
    } else {
        see_other(LOGIN)
    }
}

fn see_other(location: &str) -> HttpResponse {
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).finish()
}

/// Whether a state-changing request carries the session's CSRF token (form field or header).
fn csrf_ok(req: &HttpRequest, session: &Session, form_token: Option<&str>) -> bool {
    let sent = form_token.or_else(|| req.headers().get("x-csrf-token").and_then(|v| v.to_str().ok()));
    sent.is_some_and(|t| crate::crypto::verify(session.csrf.as_bytes(), t.as_bytes()))
}

fn cookie_secure(state: &AppState) -> bool {
    state.base_url().starts_with("https://")
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// To the sign-in page at `location`, with the session cookie removed.
fn signed_out(location: &str) -> HttpResponse {
    let mut gone = Cookie::build(COOKIE, "").path("/console").finish();
    gone.make_removal();
    HttpResponse::SeeOther().insert_header((header::LOCATION, location)).cookie(gone).finish()
}

/// What every console page shows around its content.
struct Frame {
    user: String,
    role_label: &'static str,
    admin: bool,
    csrf: String,
    /// The menu item that is current.
    section: &'static str,
}

impl Frame {
    fn of(session: &Session, section: &'static str) -> Frame {
        Frame {
            user: session.staff.staff.display_name.clone(),
            role_label: if session.staff.is_admin() { "管理员" } else { "班级工作人员" },
            admin: session.staff.is_admin(),
            csrf: session.csrf.clone(),
            section,
        }
    }

    /// The `hx-headers` value that makes htmx send the CSRF token.
    fn hx_headers(&self) -> String {
        serde_json::json!({ "X-CSRF-Token": self.csrf }).to_string()
    }
}

#[derive(Template)]
#[template(path = "console/message.html")]
struct MessagePage {
    frame: Frame,
    title: &'static str,
    message: String,
}

/// A refusal or a missing page inside the console frame (another class answers exactly like a missing one).
fn message(session: &Session, status: StatusCode, title: &'static str, text: &str) -> AppResult<HttpResponse> {
    page(status, &MessagePage { frame: Frame::of(session, "classes"), title, message: text.to_owned() })
}

/// A state-changing request without the page's CSRF token: an old page, or one not from rollcall.
fn stale(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::FORBIDDEN, "页面已过期", "页面已过期（或不是从本系统的页面提交的），请刷新后重试。")
}

fn admins_only(session: &Session, why: &str) -> AppResult<HttpResponse> {
    message(session, StatusCode::FORBIDDEN, "没有权限", why)
}

/// Another class answers exactly like a missing one.
fn class_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到培训班", "该培训班不存在，或您没有被分配到该班。")
}

/// The session of a state-changing request, or the page to answer instead: the sign-in page without a session, the
/// stale-page refusal without the page's CSRF token.
async fn posting(req: &HttpRequest, state: &AppState, token: Option<&str>) -> AppResult<Result<Session, HttpResponse>> {
    let Some(session) = session(req, state).await? else { return Ok(Err(to_login(req))) };
    if !csrf_ok(req, &session, token) {
        return stale(&session).map(Err);
    }
    Ok(Ok(session))
}

/// The class at `raw` for an administrator's change, or the page to answer instead: 404 for a missing or another
/// class, 403 with `why` for staff.
async fn class_to_change(
    state: &AppState,
    session: &Session,
    raw: &str,
    why: &str,
) -> AppResult<Result<crate::class::ClassScope, HttpResponse>> {
    let Some(scope) = scoped(state, session, raw).await? else { return class_not_found(session).map(Err) };
    if !session.staff.is_admin() {
        return admins_only(session, why).map(Err);
    }
    Ok(Ok(scope))
}

/// A form's refusal (the field it is about, when it names one, and its message) when it is about `field`.
fn error_on<'a>(error: &'a Option<(Option<&'static str>, String)>, field: &str) -> Option<&'a str> {
    match error {
        Some((Some(f), m)) if *f == field => Some(m),
        _ => None,
    }
}

/// The status to show a refusal with when it is the person's to correct (a 4xx), so the form comes back with it;
/// `None` for a failure of the server, which stays an error.
fn correctable(e: &AppError) -> Option<StatusCode> {
    Some(crate::http::error::status_of(e.code)).filter(|s| s.is_client_error())
}

/// Where a page comes back to after a POST (post-redirect-get): what was done, and how many.
#[derive(Deserialize)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    n: Option<usize>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

/// The class at `raw` when the person may act on it; `None` for a malformed id, a missing class or another one.
async fn scoped(state: &AppState, session: &Session, raw: &str) -> AppResult<Option<crate::class::ClassScope>> {
    let Ok(id) = raw.parse::<uuid::Uuid>() else { return Ok(None) };
    match crate::class::access::class_scope(&state.db, &session.staff, id).await {
        Ok(scope) => Ok(Some(scope)),
        Err(e) if e.code == ErrorCode::NotFound => Ok(None),
        Err(e) => Err(e),
    }
}

/// A class as the heading and tabs of its pages show it.
struct ClassHead {
    id: uuid::Uuid,
    name: String,
    status: crate::class::ClassStatus,
    /// The current tab's path under the class (`""`, `"/sessions"`, …).
    tab: &'static str,
}

impl ClassHead {
    fn of(scope: &ClassScope, tab: &'static str) -> ClassHead {
        ClassHead { id: scope.class.id, name: scope.class.name.clone(), status: scope.class.status, tab }
    }

    fn is_current(&self, path: &str) -> bool {
        self.tab == path
    }

    fn tabs(&self) -> [(&'static str, &'static str); 8] {
        CLASS_TABS
    }
}

/// The class's tabs: 概况, 课表, 学员名单, 违纪, 结业与证书, 教学评估, 报表, 考勤与结业规则.
const CLASS_TABS: [(&str, &str); 8] = [
    ("", "概况"),
    ("/sessions", "课表"),
    ("/roster", "学员名单"),
    ("/discipline", "违纪"),
    ("/completion", "结业与证书"),
    ("/evaluations", "教学评估"),
    ("/reports", "报表"),
    ("/policy", "考勤与结业规则"),
];

/// Text a person typed, trimmed, or `None` when empty.
fn typed(raw: &str) -> Option<String> {
    Some(raw.trim().to_owned()).filter(|t| !t.is_empty())
}

/// A number typed into a form, or a refusal on `field`.
fn number<T: std::str::FromStr>(raw: &str, field: &'static str, what: &str) -> AppResult<T> {
    raw.trim().parse::<T>().map_err(|_| AppError::validation(format!("请填写{what}（数字）")).on_field(field))
}

/// A date typed into a form (`2026-11-23`), or a refusal on `field`.
fn date(raw: &str, field: &'static str) -> AppResult<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d")
        .map_err(|_| AppError::validation("请填写日期，例如 2026-11-23").on_field(field))
}

/// A time of day typed into a form (`08:30`), or a refusal on `field`.
fn time_of_day(raw: &str, field: &'static str) -> AppResult<chrono::NaiveTime> {
    crate::timetable::import::parse_time(raw)
        .ok_or_else(|| AppError::validation("请填写时间，例如 08:30").on_field(field))
}

/// 星期一 … 星期日.
fn weekday_label(day: chrono::NaiveDate) -> &'static str {
    use chrono::Datelike;
    ["星期一", "星期二", "星期三", "星期四", "星期五", "星期六", "星期日"]
        [day.weekday().num_days_from_monday() as usize]
}

/// A form's refusal as the page shows it: the field it is about, when it names one, and the message.
fn shown_error(e: AppError) -> Option<(Option<&'static str>, String)> {
    Some((e.field, e.message.into_owned()))
}

/// The answer for a refusal the person can correct: `form` built with it, at the refusal's status. A failure of
/// the server stays an error.
fn refused<T: Template>(e: AppError, form: impl FnOnce(AppError) -> T) -> AppResult<HttpResponse> {
    match correctable(&e) {
        Some(status) => page(status, &form(e)),
        None => Err(e),
    }
}

/// The session at `raw` and its class when the person may act on it, or the page to answer instead (404).
async fn session_scoped(
    state: &AppState,
    session: &Session,
    raw: &str,
) -> AppResult<Result<(ClassScope, crate::entity::class_session::Model), HttpResponse>> {
    let missing =
        || message(session, StatusCode::NOT_FOUND, "找不到课程", "该课程不存在，或您没有被分配到它的培训班。");
    let Ok(id) = raw.parse::<uuid::Uuid>() else { return missing().map(Err) };
    match crate::timetable::service::session_scope(&state.db, &session.staff, id).await {
        Ok(found) => Ok(Ok(found)),
        Err(e) if e.code == ErrorCode::NotFound => missing().map(Err),
        Err(e) => Err(e),
    }
}

/// A session's check-in state as its badge shows it: the words, and the badge's style.
fn window_badge(state: crate::timetable::window::WindowState) -> (&'static str, &'static str) {
    use crate::timetable::window::WindowState;
    match state {
        WindowState::NotOpen => ("未开始", "draft"),
        WindowState::Open => ("签到中", "open"),
        WindowState::Closed => ("已结束", "finished"),
    }
}

/// A page's live nudges (`data-live` in `console.js`): the events of `topics` as server-sent events, which make the
/// page fetch its changed parts. Without a session the answer is 401 and the page keeps its slow poll.
fn nudges(state: &AppState, topics: Vec<String>) -> HttpResponse {
    crate::http::sse::respond(crate::http::sse::nudge_stream(state.clone(), topics))
}
