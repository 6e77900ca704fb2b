//! The staff console at `/console/`: server-rendered pages for 班主任, 组织员 and administrators on office PCs and
//! phones, on the same service functions as the JSON API (no rule is written twice).
//!
//! Sign-in uses the staff accounts and the API's login (the same limits per address and account) and keeps the
//! session's token in a cookie: HttpOnly, `SameSite=Strict`, limited to `/console`, `Secure` when rollcall is
//! reached over https. Every state-changing request carries a CSRF token bound to the session (a MAC of the token's
//! hash under the master secret): a hidden form field, or the `X-CSRF-Token` header htmx sends from the page.

use actix_web::cookie::{Cookie, SameSite};
use actix_web::http::{StatusCode, header};
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::page;
use crate::auth::service::{self as auth, Credentials, LoginLimits};
use crate::auth::{Principal, StaffPrincipal, token};
use crate::class::model::ClassView;
use crate::class::{ClassStatus, service as classes};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::extract::client_addr;
use crate::pagination::{PageQuery, PageRequest};
use crate::state::AppState;

/// The session cookie's name.
pub const COOKIE: &str = "rollcall_console";
const HOME: &str = "/console/classes";
const LOGIN: &str = "/console/login";

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console").route(web::get().to(home)))
        .service(web::resource("/console/").route(web::get().to(home)))
        .service(web::resource(LOGIN).route(web::get().to(login_form)).route(web::post().to(login)))
        .service(web::resource("/console/logout").route(web::post().to(logout)))
        .service(web::resource(HOME).route(web::get().to(class_list)).route(web::post().to(create_class)))
        .service(web::resource("/console/classes/new").route(web::get().to(new_class_form)))
        .service(
            web::resource("/console/classes/{id}").route(web::get().to(class_page)).route(web::post().to(update_class)),
        )
        .service(web::resource("/console/classes/{id}/edit").route(web::get().to(edit_class_form)))
        .service(web::resource("/console/classes/{id}/staff").route(web::post().to(assign_staff)))
        .service(web::resource("/console/classes/{id}/staff/{staff_id}/remove").route(web::post().to(unassign_staff)))
        .service(
            web::resource("/console/password")
                .route(web::get().to(password_form))
                .route(web::post().to(change_password)),
        );
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
    match auth::authenticate_hash(&state.db, &hash, state.now()).await {
        Ok((Principal::Staff(staff), _)) => Ok(Some(Session { staff, csrf: csrf_for(state, &hash)? })),
        Ok((Principal::Trainee(_), _)) => Ok(None),
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
    let ttl = chrono::Duration::hours(state.settings.security.staff_token_ttl_hours);
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

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

async fn logout(req: HttpRequest, state: web::Data<AppState>, form: web::Form<CsrfForm>) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    auth::logout(&state.db, &Principal::Staff(session.staff.clone()), state.now()).await?;
    Ok(signed_out("/console/login?bye=1"))
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

#[derive(Deserialize)]
pub struct ClassQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

struct ClassRow {
    id: uuid::Uuid,
    code: String,
    name: String,
    kind: &'static str,
    dates: String,
    status: &'static str,
    status_class: &'static str,
}

impl From<ClassView> for ClassRow {
    fn from(c: ClassView) -> Self {
        ClassRow {
            id: c.id,
            code: c.code,
            name: c.name,
            kind: c.kind.label(),
            dates: format!("{} 至 {}", c.start_date.format("%Y-%m-%d"), c.end_date.format("%Y-%m-%d")),
            status: c.status.label(),
            status_class: c.status.as_str(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/classes.html")]
struct ClassListPage {
    frame: Frame,
    q: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    rows: Vec<ClassRow>,
    total: u64,
    page: u64,
    pages: u64,
    /// Query strings of the previous and next pages, when there are such pages.
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

const PER_PAGE: u64 = 20;

async fn class_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ClassQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let q = q.into_inner();
    let status = q.status.as_deref().and_then(ClassStatus::parse);
    let search =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(64).collect::<String>());
    let page_request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let found = classes::list_classes(&state.db, &session.staff, status, search.as_deref(), page_request).await?;
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let link = |p: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = &search {
            query.append_pair("q", s);
        }
        if let Some(s) = status {
            query.append_pair("status", s.as_str());
        }
        query.append_pair("page", &p.to_string());
        format!("?{}", query.finish())
    };
    let page_no = page_request.page;
    let shown = ClassListPage {
        frame: Frame::of(&session, "classes"),
        q: search.clone().unwrap_or_default(),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses: [ClassStatus::Draft, ClassStatus::Open, ClassStatus::Finished]
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        rows: found.items.into_iter().map(ClassRow::from).collect(),
        total: found.total,
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        filtered: search.is_some() || status.is_some(),
    };
    page(StatusCode::OK, &shown)
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

const CLASSES_ADMIN_ONLY: &str = "只有管理员可以新建或修改培训班。";
const STAFF_ADMIN_ONLY: &str = "只有管理员可以安排班级工作人员。";

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

/// The class form as typed, so a refused form comes back with what the person entered.
#[derive(Deserialize, Default, Clone)]
pub struct ClassForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    organiser: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    csrf: Option<String>,
}

impl ClassForm {
    fn of(c: &ClassView) -> ClassForm {
        ClassForm {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_owned(),
            start_date: c.start_date.to_string(),
            end_date: c.end_date.to_string(),
            organiser: c.organiser.clone().unwrap_or_default(),
            venue: c.venue.clone().unwrap_or_default(),
            status: c.status.as_str().to_owned(),
            csrf: None,
        }
    }

    /// The service's input; a date that is not a date is refused here, on its field.
    fn input(&self) -> AppResult<classes::ClassInput> {
        let date = |raw: &str, field: &'static str| -> AppResult<Option<chrono::NaiveDate>> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::validation("请填写日期，例如 2026-11-23").on_field(field))
        };
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(classes::ClassInput {
            code: text(&self.code),
            name: text(&self.name),
            kind: Some(crate::class::ClassKind::parse(&self.kind).unwrap_or(crate::class::ClassKind::Main)),
            start_date: date(&self.start_date, "start_date")?,
            end_date: date(&self.end_date, "end_date")?,
            organiser: Some(text(&self.organiser)),
            venue: Some(text(&self.venue)),
            status: Some(ClassStatus::parse(&self.status).unwrap_or(ClassStatus::Draft)),
        })
    }
}

#[derive(Template)]
#[template(path = "console/class_form.html")]
struct ClassFormPage {
    frame: Frame,
    /// `None` when creating.
    class_id: Option<uuid::Uuid>,
    form: ClassForm,
    /// The refusal, and the field it is about (shown next to it; at the top when it is about no one field).
    error: Option<(Option<&'static str>, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

impl ClassFormPage {
    fn new(session: &Session, class_id: Option<uuid::Uuid>, form: ClassForm, error: Option<AppError>) -> Self {
        use crate::class::ClassKind;
        ClassFormPage {
            frame: Frame::of(session, "classes"),
            class_id,
            form,
            error: error.map(|e| (e.field, e.message.into_owned())),
            kinds: [ClassKind::Main, ClassKind::Topic, ClassKind::Commissioned, ClassKind::Online]
                .iter()
                .map(|k| (k.as_str(), k.label()))
                .collect(),
            statuses: [ClassStatus::Draft, ClassStatus::Open, ClassStatus::Finished]
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
        }
    }

    /// The refusal's message when it is about `field`.
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    /// The refusal's message when it is about no field of the form.
    fn error_general(&self) -> Option<&str> {
        const FIELDS: [&str; 8] = ["code", "name", "kind", "start_date", "end_date", "organiser", "venue", "status"];
        match &self.error {
            Some((Some(f), _)) if FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn new_class_form(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    if !session.staff.is_admin() {
        return admins_only(&session, CLASSES_ADMIN_ONLY);
    }
    let form = ClassForm { kind: "main".to_owned(), status: "draft".to_owned(), ..ClassForm::default() };
    page(StatusCode::OK, &ClassFormPage::new(&session, None, form, None))
}

async fn create_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ClassForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    if !session.staff.is_admin() {
        return admins_only(&session, CLASSES_ADMIN_ONLY);
    }
    let form = form.into_inner();
    let created = match form.input() {
        Ok(input) => classes::create_class(&state.db, &session.staff.actor(), input, state.now()).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(view) => Ok(see_other(&format!("/console/classes/{}?saved=1", view.id))),
        Err(e) => match correctable(&e) {
            Some(status) => page(status, &ClassFormPage::new(&session, None, form, Some(e))),
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "console/class.html")]
struct ClassPage {
    frame: Frame,
    class: ClassView,
    /// (staff id, name, username, role)
    staff: Vec<(uuid::Uuid, String, String, &'static str)>,
    /// Accounts an administrator may assign: (id, "name（username）"), enabled ones not yet on the class.
    candidates: Vec<(uuid::Uuid, String)>,
    saved: bool,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct SavedQuery {
    #[serde(default)]
    saved: Option<String>,
}

async fn class_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    class_page_with(&state, &session, scope, q.saved.is_some(), None, StatusCode::OK).await
}

async fn class_page_with(
    state: &AppState,
    session: &Session,
    scope: crate::class::ClassScope,
    saved: bool,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let assigned = classes::list_staff(&state.db, &scope).await?;
    let candidates = if session.staff.is_admin() {
        let all = auth::list_staff(&state.db, PageRequest { page: 1, per_page: 200 }).await?;
        all.items
            .into_iter()
            .filter(|a| !a.disabled && !assigned.iter().any(|s| s.staff_id == a.id))
            .map(|a| (a.id, format!("{}（{}）", a.display_name, a.username)))
            .collect()
    } else {
        Vec::new()
    };
    let staff = assigned.into_iter().map(|s| (s.staff_id, s.display_name, s.username, s.role.label())).collect();
    let shown = ClassPage {
        frame: Frame::of(session, "classes"),
        class: ClassView::from(&scope.class),
        staff,
        candidates,
        saved,
        error,
    };
    page(status, &shown)
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

async fn edit_class_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let scope = match class_to_change(&state, &session, &path, CLASSES_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let form = ClassForm::of(&ClassView::from(&scope.class));
    page(StatusCode::OK, &ClassFormPage::new(&session, Some(scope.class.id), form, None))
}

async fn update_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ClassForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, CLASSES_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let id = scope.class.id;
    let form = form.into_inner();
    let updated = match form.input() {
        Ok(input) => classes::update_class(&state.db, &session.staff.actor(), scope, input, state.now()).await,
        Err(e) => Err(e),
    };
    match updated {
        Ok(_) => Ok(see_other(&format!("/console/classes/{id}?saved=1"))),
        Err(e) => match correctable(&e) {
            Some(status) => page(status, &ClassFormPage::new(&session, Some(id), form, Some(e))),
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    staff_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Assigns a staff member to the class in a role (administrators), then back to the class page.
async fn assign_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, STAFF_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let id = scope.class.id;
    let staff_id = form.staff_id.parse::<uuid::Uuid>().ok();
    let role = crate::class::StaffRole::parse(&form.role);
    let done = match (staff_id, role) {
        (Some(staff_id), Some(role)) => {
            classes::assign_staff(&state.db, &session.staff.actor(), &scope, staff_id, role, state.now())
                .await
                .map(|_| ())
        }
        _ => Err(AppError::validation("请选择工作人员和角色")),
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/console/classes/{id}?saved=1"))),
        Err(e) => match correctable(&e) {
            Some(status) => class_page_with(&state, &session, scope, false, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

/// Takes a staff member off the class (administrators).
async fn unassign_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, staff) = path.into_inner();
    let scope = match class_to_change(&state, &session, &class, STAFF_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let Ok(staff_id) = staff.parse::<uuid::Uuid>() else {
        return message(&session, StatusCode::NOT_FOUND, "找不到工作人员", "该工作人员不在本班。");
    };
    let id = scope.class.id;
    classes::unassign_staff(&state.db, &session.staff.actor(), &scope, staff_id, state.now()).await?;
    Ok(see_other(&format!("/console/classes/{id}?saved=1")))
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
