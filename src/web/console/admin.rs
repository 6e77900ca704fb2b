//! 系统管理 (administrators only; hidden from staff and refused on the server): staff accounts (create, disable and
//! enable, set a password), the audit log (filtered by class, who, action and dates; CSV of what is filtered), and
//! the WeChat notification outbox. Every action is the service the API calls.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::audit::{self, export::ACTIONS};
use crate::auth::service::NewStaff;
use crate::auth::{DisplayName, Password, Role, Username};
use crate::clock::{china, from_local};
use crate::pagination::{PageQuery, PageRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/admin").route(web::get().to(home)))
        .service(web::resource("/console/admin/staff").route(web::get().to(staff_list)).route(web::post().to(create)))
        .service(web::resource("/console/admin/staff/{id}/disable").route(web::post().to(disable)))
        .service(web::resource("/console/admin/staff/{id}/enable").route(web::post().to(enable)))
        .service(
            web::resource("/console/admin/staff/{id}/password")
                .route(web::get().to(password_form))
                .route(web::post().to(set_password)),
        )
        .service(web::resource("/console/admin/audit").route(web::get().to(audit_log)))
        .service(web::resource("/console/admin/audit.csv").route(web::get().to(audit_csv)))
        .service(web::resource("/console/admin/outbox").route(web::get().to(outbox)))
        .service(web::resource("/console/admin/archive").route(web::get().to(archive)))
        .service(web::resource("/console/admin/archive/hours").route(web::get().to(archive_file)));
}

const ADMIN_ONLY: &str = "系统管理只对管理员开放。";
const PER_PAGE: u64 = 50;
/// Rows in one CSV of the filtered audit log.
const CSV_CAP: u64 = 50_000;

/// The signed-in administrator, or the page to answer instead (sign-in, or 403 for staff).
pub(super) async fn admin(req: &HttpRequest, state: &AppState) -> AppResult<Result<Session, HttpResponse>> {
    let Some(session) = session(req, state).await? else { return Ok(Err(to_login(req))) };
    if !session.staff.is_admin() {
        return admins_only(&session, ADMIN_ONLY).map(Err);
    }
    Ok(Ok(session))
}

/// [`admin`] for a state-changing request (with the page's CSRF token).
pub(super) async fn admin_posting(
    req: &HttpRequest,
    state: &AppState,
    token: Option<&str>,
) -> AppResult<Result<Session, HttpResponse>> {
    let session = match posting(req, state, token).await? {
        Ok(session) => session,
        Err(answer) => return Ok(Err(answer)),
    };
    if !session.staff.is_admin() {
        return admins_only(&session, ADMIN_ONLY).map(Err);
    }
    Ok(Ok(session))
}

async fn home(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    Ok(match admin(&req, &state).await? {
        Ok(_) => see_other("/console/admin/staff"),
        Err(answer) => answer,
    })
}

/// The query string of a list page: its filters, then `page`.
fn page_link(pairs: &[(&str, &str)], page: u64) -> String {
    let mut query = form_urlencoded::Serializer::new(String::new());
    for (k, v) in pairs.iter().filter(|(_, v)| !v.is_empty()) {
        query.append_pair(k, v);
    }
    query.append_pair("page", &page.to_string());
    format!("?{}", query.finish())
}

/// Previous and next page links.
struct Pager {
    page: u64,
    pages: u64,
    total: u64,
    prev: Option<String>,
    next: Option<String>,
}

impl Pager {
    fn new(page: u64, total: u64, filters: &[(&str, &str)]) -> Pager {
        let pages = total.div_ceil(PER_PAGE).max(1);
        Pager {
            page,
            pages,
            total,
            prev: (page > 1).then(|| page_link(filters, page - 1)),
            next: (page < pages).then(|| page_link(filters, page + 1)),
        }
    }
}

struct StaffRow {
    id: Uuid,
    username: String,
    name: String,
    role: &'static str,
    disabled: bool,
    created: String,
    me: bool,
}

#[derive(Deserialize, Clone, Default)]
pub struct NewStaffForm {
    #[serde(default)]
    username: String,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    password: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf: Option<String>,
}

#[derive(Template)]
#[template(path = "console/admin_staff.html")]
struct StaffPage {
    frame: Frame,
    q: String,
    rows: Vec<StaffRow>,
    pager: Pager,
    form: NewStaffForm,
    notice: Option<&'static str>,
    error: Option<(Option<&'static str>, String)>,
}

impl StaffPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _)) if ["username", "display_name", "password"].contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

#[derive(Deserialize)]
pub struct StaffQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    done: Option<String>,
}

async fn staff_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<StaffQuery>,
) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let notice = match q.done.as_deref() {
        Some("created") => Some("已创建账号。请把用户名和初始密码告知本人，并提醒其登录后修改密码。"),
        Some("disabled") => Some("已停用该账号，其登录随即失效。"),
        Some("enabled") => Some("已启用该账号。"),
        Some("password") => Some("已设置新密码，该账号原有的登录随即失效。"),
        _ => None,
    };
    let search =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(32).collect::<String>());
    let listing = Listing { search: search.as_deref(), page: q.page };
    staff_page(&state, &session, listing, NewStaffForm::default(), notice, None, StatusCode::OK).await
}

/// Which accounts the list shows.
#[derive(Clone, Copy, Default)]
struct Listing<'a> {
    search: Option<&'a str>,
    page: Option<u64>,
}

async fn staff_page(
    state: &AppState,
    session: &Session,
    listing: Listing<'_>,
    form: NewStaffForm,
    notice: Option<&'static str>,
    error: Option<AppError>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let request = PageRequest::from(PageQuery { page: listing.page, per_page: Some(PER_PAGE) });
    let found = auth::list_staff(&state.db, listing.search, request).await?;
    let stamp = |t: chrono::DateTime<Utc>| t.with_timezone(&china()).format("%Y-%m-%d").to_string();
    let rows = found
        .items
        .into_iter()
        .map(|a| StaffRow {
            id: a.id,
            me: a.id == session.staff.staff.id,
            username: a.username,
            name: a.display_name,
            role: if a.role == Role::Admin { "管理员" } else { "班级工作人员" },
            disabled: a.disabled,
            created: stamp(a.created_at),
        })
        .collect();
    let shown = StaffPage {
        frame: Frame::of(session, "admin"),
        rows,
        pager: Pager::new(request.page, found.total, &[("q", listing.search.unwrap_or_default())]),
        q: listing.search.unwrap_or_default().to_owned(),
        form,
        notice,
        error: error.and_then(shown_error),
    };
    page(status, &shown)
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<NewStaffForm>,
) -> AppResult<HttpResponse> {
    let session = match admin_posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let form = form.into_inner();
    let new = (|| {
        Ok::<_, AppError>(NewStaff {
            username: Username::parse(&form.username).map_err(|e| e.on_field("username"))?,
            display_name: DisplayName::parse(&form.display_name).map_err(|e| e.on_field("display_name"))?,
            password: Password::parse(&form.password).map_err(|e| e.on_field("password"))?,
            role: if form.role == "admin" { Role::Admin } else { Role::Staff },
        })
    })();
    let created = match new {
        Ok(new) => auth::create_staff(&state.db, &session.staff.actor(), new, state.now())
            .await
            .map_err(|e| if e.code == ErrorCode::UsernameTaken { e.on_field("username") } else { e }),
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Ok(see_other("/console/admin/staff?done=created")),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let kept = NewStaffForm { password: String::new(), ..form };
                staff_page(&state, &session, Listing::default(), kept, None, Some(e), status).await
            }
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn disable(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    set_disabled(req, state, path, form, true).await
}

async fn enable(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    set_disabled(req, state, path, form, false).await
}

async fn set_disabled(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
    disabled: bool,
) -> AppResult<HttpResponse> {
    let session = match admin_posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return account_not_found(&session) };
    let actor = session.staff.actor();
    match auth::set_disabled(&state.db, &actor, id, disabled, typed(&form.reason), state.now()).await {
        Ok(_) => Ok(see_other(if disabled {
            "/console/admin/staff?done=disabled"
        } else {
            "/console/admin/staff?done=enabled"
        })),
        Err(e) if e.code == ErrorCode::NotFound => account_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => {
                staff_page(&state, &session, Listing::default(), NewStaffForm::default(), None, Some(e), status).await
            }
            None => Err(e),
        },
    }
}

fn account_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到账号", "该工作人员账号不存在。")
}

#[derive(Template)]
#[template(path = "console/admin_password.html")]
struct PasswordPage {
    frame: Frame,
    id: Uuid,
    name: String,
    username: String,
    error: Option<String>,
}

async fn password_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return account_not_found(&session) };
    let account = match auth::get_staff(&state.db, id).await {
        Ok(a) => a,
        Err(e) if e.code == ErrorCode::NotFound => return account_not_found(&session),
        Err(e) => return Err(e),
    };
    let shown = PasswordPage {
        frame: Frame::of(&session, "admin"),
        id,
        name: account.display_name,
        username: account.username,
        error: None,
    };
    page(StatusCode::OK, &shown)
}

#[derive(Deserialize)]
pub struct SetPasswordForm {
    #[serde(default)]
    password: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn set_password(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SetPasswordForm>,
) -> AppResult<HttpResponse> {
    let session = match admin_posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return account_not_found(&session) };
    let set = match Password::parse(&form.password) {
        Ok(p) => auth::set_password(&state.db, &session.staff.actor(), id, &p, state.now()).await,
        Err(e) => Err(e),
    };
    match set {
        Ok(()) => Ok(see_other("/console/admin/staff?done=password")),
        Err(e) if e.code == ErrorCode::NotFound => account_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let account = auth::get_staff(&state.db, id).await?;
                let shown = PasswordPage {
                    frame: Frame::of(&session, "admin"),
                    id,
                    name: account.display_name,
                    username: account.username,
                    error: Some(e.message.into_owned()),
                };
                page(status, &shown)
            }
            None => Err(e),
        },
    }
}

/// The audit log's filters as typed.
#[derive(Deserialize, Default)]
pub struct AuditQuery {
    #[serde(default)]
    class: String,
    #[serde(default)]
    actor: String,
    #[serde(default)]
    action: String,
    #[serde(default)]
    from: String,
    #[serde(default)]
    to: String,
    #[serde(default)]
    page: Option<u64>,
}

/// The filters as the audit service takes them; a date that is not a date is left out (and shown as typed).
struct Parsed<'a> {
    filter: audit::Filter<'a>,
    class_name: Option<String>,
}

impl AuditQuery {
    async fn parsed(&self, state: &AppState) -> AppResult<Parsed<'_>> {
        let day = |raw: &str| chrono::NaiveDate::parse_from_str(raw.trim(), "%Y-%m-%d").ok();
        let class = crate::class::repo::find_by_code(&state.db, self.class.trim()).await?;
        let mut filter = audit::Filter {
            actor: Some(self.actor.as_str()).filter(|a| !a.trim().is_empty()),
            action: ACTIONS.iter().find(|(a, _)| *a == self.action).map(|(a, _)| *a),
            from: day(&self.from).map(|d| from_local(d, NaiveTime::MIN)),
            until: day(&self.to).map(|d| from_local(d + chrono::Duration::days(1), NaiveTime::MIN)),
            ..audit::Filter::default()
        };
        let mut class_name = None;
        if !self.class.trim().is_empty() {
            // An unknown class code matches nothing (never everything).
            filter.class_id = Some(class.as_ref().map_or(Uuid::nil(), |c| c.id));
            class_name = class.map(|c| c.name);
        }
        Ok(Parsed { filter, class_name })
    }

    fn pairs(&self) -> Vec<(&'static str, &str)> {
        vec![
            ("class", self.class.trim()),
            ("actor", self.actor.trim()),
            ("action", self.action.as_str()),
            ("from", self.from.trim()),
            ("to", self.to.trim()),
        ]
    }
}

struct AuditRow {
    at: String,
    actor: String,
    action: String,
    entity: String,
    reason: String,
    change: String,
}

#[derive(Template)]
#[template(path = "console/admin_audit.html")]
struct AuditPage<'a> {
    frame: Frame,
    q: &'a AuditQuery,
    class_name: Option<String>,
    actions: &'static [(&'static str, &'static str)],
    rows: Vec<AuditRow>,
    pager: Pager,
    csv: String,
}

/// A change's before and after, short enough for a table cell.
fn summary(before: &Option<serde_json::Value>, after: &Option<serde_json::Value>) -> String {
    let text = |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    let both = match (before, after) {
        (Some(_), Some(_)) => format!("{} → {}", text(before), text(after)),
        (None, Some(_)) => text(after),
        (Some(_), None) => format!("{}（已删除）", text(before)),
        (None, None) => String::new(),
    };
    let mut short: String = both.chars().take(160).collect();
    if short.len() < both.len() {
        short.push('…');
    }
    short
}

async fn audit_log(req: HttpRequest, state: web::Data<AppState>, q: web::Query<AuditQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let q = q.into_inner();
    let parsed = q.parsed(&state).await?;
    let request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let found = audit::list(&state.db, parsed.filter, request).await?;
    let stamp = |t: chrono::DateTime<Utc>| t.with_timezone(&china()).format("%Y-%m-%d %H:%M:%S").to_string();
    let rows = found
        .items
        .into_iter()
        .map(|e| AuditRow {
            at: stamp(e.at),
            actor: e.actor_name,
            action: audit::export::action_label(&e.action).to_owned(),
            entity: audit::export::entity_label(&e.entity).to_owned(),
            reason: e.reason.unwrap_or_default(),
            change: summary(&e.before, &e.after),
        })
        .collect();
    let pairs = q.pairs();
    let csv = page_link(&pairs, 1).replacen("?", "/console/admin/audit.csv?", 1);
    let shown = AuditPage {
        frame: Frame::of(&session, "admin"),
        q: &q,
        class_name: parsed.class_name,
        actions: ACTIONS,
        rows,
        pager: Pager::new(request.page, found.total, &pairs),
        csv,
    };
    page(StatusCode::OK, &shown)
}

/// The filtered audit log as CSV (newest first, at most 50,000 rows).
async fn audit_csv(req: HttpRequest, state: web::Data<AppState>, q: web::Query<AuditQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let parsed = q.parsed(&state).await?;
    let class_id = parsed.filter.class_id;
    let rows: Vec<Vec<String>> =
        audit::newest(&state.db, parsed.filter, CSV_CAP).await?.iter().map(audit::export::row).collect();
    // Roster entries in the trail carry phone numbers: the download is recorded before it is answered.
    let download = crate::audit::downloads::Download { file: "audit.csv", class_id, rows: Some(rows.len()) };
    crate::audit::downloads::record(&state.db, state.now(), &session.staff.actor(), download).await?;
    let bytes = crate::tabular::write_csv(audit::export::HEADERS, &rows)?;
    let name = format!("操作日志-{}.csv", state.now().with_timezone(&china()).format("%Y%m%d-%H%M"));
    Ok(crate::http::routes::download(bytes, crate::tabular::CSV_TYPE, name))
}

struct OutboxRow {
    created: String,
    kind: String,
    status: &'static str,
    status_class: &'static str,
    attempts: i32,
    next: String,
    error: String,
}

#[derive(Template)]
#[template(path = "console/admin_outbox.html")]
struct OutboxPage {
    frame: Frame,
    status: String,
    rows: Vec<OutboxRow>,
    pager: Pager,
}

#[derive(Deserialize)]
pub struct OutboxQuery {
    #[serde(default)]
    status: String,
    #[serde(default)]
    page: Option<u64>,
}

async fn outbox(req: HttpRequest, state: web::Data<AppState>, q: web::Query<OutboxQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let status = ["pending", "sent", "failed", "skipped"].into_iter().find(|s| *s == q.status);
    let request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let found = crate::notify::outbox::list(&state.db, status, request).await?;
    let stamp = |t: chrono::DateTime<Utc>| t.with_timezone(&china()).format("%m-%d %H:%M:%S").to_string();
    let rows = found
        .items
        .into_iter()
        .map(|o| OutboxRow {
            created: stamp(o.created_at),
            kind: o.kind,
            status: match o.status.as_str() {
                "sent" => "已发送",
                "failed" => "发送失败",
                "skipped" => "未发送（学员未订阅）",
                _ => "待发送",
            },
            status_class: match o.status.as_str() {
                "sent" => "open",
                "failed" => "bad",
                _ => "draft",
            },
            attempts: o.attempts,
            next: if o.done_at.is_some() { String::new() } else { stamp(o.next_attempt_at) },
            error: o.last_error.unwrap_or_default(),
        })
        .collect();
    let shown = OutboxPage {
        frame: Frame::of(&session, "admin"),
        status: status.unwrap_or_default().to_owned(),
        rows,
        pager: Pager::new(request.page, found.total, &[("status", status.unwrap_or_default())]),
    };
    page(StatusCode::OK, &shown)
}

#[derive(Template)]
#[template(path = "console/admin_archive.html")]
struct ArchivePage {
    frame: Frame,
    year: i32,
    error: Option<String>,
}

/// 学时档案: the year's export form.
async fn archive(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    use chrono::Datelike;
    let year = crate::clock::local_date(state.now()).year();
    page(StatusCode::OK, &ArchivePage { frame: Frame::of(&session, "admin"), year, error: None })
}

#[derive(Deserialize)]
pub struct ArchiveQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    format: String,
}

/// The archive of a year as XLSX or CSV (the file the API's `/archive/hours` gives).
async fn archive_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ArchiveQuery>,
) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let reqs = &state.settings.archive.requirements;
    let year = q.year.trim().parse::<i32>().unwrap_or(0);
    match crate::report::file::archive_hours(&state.db, reqs, year, &q.format).await {
        Ok(f) => Ok(crate::http::routes::download(f.bytes, f.content_type, f.name)),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let shown =
                    ArchivePage { frame: Frame::of(&session, "admin"), year, error: Some(e.message.into_owned()) };
                page(status, &shown)
            }
            None => Err(e),
        },
    }
}
