//! 系统管理 → 个人信息 (administrators): find a person across classes by name or phone number, see their classes,
//! download their copy (PDF to read or print, JSON for a machine; both recorded in the audit trail with who took
//! them) and erase their personal information with a reason (`privacy::erasure`, the same as the API's).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::admin::{admin, admin_posting};
use super::*;
use crate::audit::downloads::{self, Download};
use crate::clock::{local_date, local_minute};
use crate::privacy::people::{self, PersonSummary};
use crate::privacy::{erasure, export};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/admin/people").route(web::get().to(list)))
        .service(web::resource("/console/admin/people/{id}").route(web::get().to(detail)))
        .service(web::resource("/console/admin/people/{id}/data.pdf").route(web::get().to(copy_pdf)))
        .service(web::resource("/console/admin/people/{id}/data.json").route(web::get().to(copy_json)))
        .service(web::resource("/console/admin/people/{id}/erase").route(web::post().to(erase)));
}

#[derive(Deserialize)]
struct SearchQuery {
    #[serde(default)]
    q: String,
}

#[derive(Template)]
#[template(path = "console/admin_people.html")]
struct PeoplePage {
    frame: Frame,
    q: String,
    searched: bool,
    rows: Vec<PersonSummary>,
    limit: u64,
}

async fn list(req: HttpRequest, state: web::Data<AppState>, q: web::Query<SearchQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let typed: String = q.q.trim().chars().take(32).collect();
    let rows = people::search(&state.db, &typed, local_date(state.now())).await?;
    let shown = PeoplePage {
        frame: Frame::of(&session, "admin"),
        searched: typed.chars().count() >= 2,
        q: typed,
        rows,
        limit: people::SEARCH_LIMIT,
    };
    page(StatusCode::OK, &shown)
}

#[derive(Template)]
#[template(path = "console/admin_person.html")]
struct PersonPage {
    frame: Frame,
    p: PersonSummary,
    erased_at: Option<String>,
    blocking: Option<String>,
    done: bool,
    kept: Vec<String>,
    reason: String,
    error: Option<(Option<&'static str>, String)>,
}

impl PersonPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }
}

async fn person_page(
    state: &AppState,
    session: &Session,
    id: Uuid,
    done: bool,
    reason: String,
    error: Option<AppError>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let p = match people::find(&state.db, id, local_date(state.now())).await {
        Ok(p) => p,
        Err(e) if e.code == ErrorCode::NotFound => return person_not_found(session),
        Err(e) => return Err(e),
    };
    let shown = PersonPage {
        frame: Frame::of(session, "admin"),
        erased_at: p.erased_at.map(local_minute),
        blocking: p.blocking_class().map(|c| format!("{}（{}）", c.name, c.code)),
        p,
        done,
        kept: erasure::kept(),
        reason,
        error: error.and_then(shown_error),
    };
    page(status, &shown)
}

fn person_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到该学员", "该学员不存在，请从“个人信息”重新查找。")
}

async fn detail(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return person_not_found(&session) };
    let done = q.done.as_deref() == Some("erased");
    person_page(&state, &session, id, done, String::new(), None, StatusCode::OK).await
}

/// The copy as the person would get it, recorded as a download (it carries the phone number).
async fn copy(
    state: &AppState,
    session: &Session,
    raw: &str,
    file: &'static str,
) -> AppResult<Option<export::PersonData>> {
    let Ok(id) = raw.parse::<Uuid>() else { return Ok(None) };
    let reqs = &state.settings.archive.requirements;
    let data = match export::person_data(&state.db, reqs, &state.base_url(), id, state.now()).await {
        Ok(data) => data,
        Err(e) if e.code == ErrorCode::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    downloads::record(&state.db, state.now(), &session.staff.actor(), Download { file, class_id: None, rows: None })
        .await?;
    Ok(Some(data))
}

async fn copy_pdf(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(data) = copy(&state, &session, &path, "person-data.pdf").await? else { return person_not_found(&session) };
    let (name, bytes) = export::person_pdf(&state.settings.report, data).await?;
    Ok(crate::http::routes::download(bytes, "application/pdf", name))
}

async fn copy_json(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(data) = copy(&state, &session, &path, "person-data").await? else { return person_not_found(&session) };
    let name = format!("个人信息_{}.json", data.person.name);
    let bytes = serde_json::to_vec_pretty(&data).map_err(AppError::internal)?;
    Ok(crate::http::routes::download(bytes, "application/json", name))
}

#[derive(Deserialize)]
pub struct EraseForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    confirm: Option<String>,
    #[serde(default)]
    csrf: Option<String>,
}

async fn erase(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<EraseForm>,
) -> AppResult<HttpResponse> {
    let session = match admin_posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return person_not_found(&session) };
    let form = form.into_inner();
    let result = if form.confirm.is_none() {
        Err(AppError::validation("请勾选确认：删除后无法恢复").on_field("confirm"))
    } else {
        erasure::erase(state.at_now(), &session.staff.actor(), id, &form.reason)
            .await
            .map_err(|e| if e.code == ErrorCode::ReasonRequired { e.on_field("reason") } else { e })
    };
    match result {
        Ok(_) => Ok(see_other(&format!("/console/admin/people/{id}?done=erased"))),
        Err(e) if e.code == ErrorCode::NotFound => person_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => person_page(&state, &session, id, false, form.reason, Some(e), status).await,
            None => Err(e),
        },
    }
}
