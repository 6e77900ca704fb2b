//! 报表: per sending unit the report (XLSX, PDF, CSV), the class summary (XLSX and two CSVs), and the daily 公示 of
//! a date (print page and PDF, through a signed link so it prints from any browser), and the attendance chart of the
//! held sessions (server-drawn SVG). The files come from the report module the API uses.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::*;
use crate::clock::local_date;
use crate::report::{file, unit};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/classes/{id}/reports").route(web::get().to(reports)))
        .service(web::resource("/console/classes/{id}/reports/unit").route(web::get().to(unit_file)))
        .service(web::resource("/console/classes/{id}/reports/summary").route(web::get().to(summary_file)))
        .service(web::resource("/console/classes/{id}/notice").route(web::get().to(notice)));
}

struct UnitRow {
    /// The unit's name, as a query value.
    query: String,
    name: String,
    trainees: u32,
    eligible: u32,
    withheld: u32,
}

#[derive(Template)]
#[template(path = "console/reports.html")]
struct ReportsPage {
    frame: Frame,
    head: ClassHead,
    units: Vec<UnitRow>,
    today: String,
    start: String,
    end: String,
    /// The attendance chart (SVG built by `report::chart`, every text in it escaped there), once a session was held.
    chart: Option<String>,
    held: usize,
}

async fn reports(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let units = unit::units(&state.db, &scope.class)
        .await?
        .into_iter()
        .map(|u| UnitRow {
            query: form_urlencoded::byte_serialize(u.unit.as_bytes()).collect(),
            name: u.unit,
            trainees: u.trainees,
            eligible: u.eligible,
            withheld: u.withheld,
        })
        .collect();
    let entries = crate::certificate::decision::list(&state.db, &scope.class).await?;
    let held = unit::session_tallies(&state.db, &scope.class, &entries, state.now()).await?;
    let today = local_date(state.now()).clamp(scope.class.start_date, scope.class.end_date);
    let shown = ReportsPage {
        frame: Frame::of(&session, "classes"),
        head: ClassHead::of(&scope, "/reports"),
        units,
        today: today.to_string(),
        start: scope.class.start_date.to_string(),
        end: scope.class.end_date.to_string(),
        chart: crate::report::chart::attendance_svg(&held),
        held: held.len(),
    };
    page(StatusCode::OK, &shown)
}

#[derive(Deserialize)]
pub struct UnitQuery {
    #[serde(default)]
    unit: String,
    #[serde(default)]
    format: String,
}

async fn unit_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<UnitQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let report = &state.settings.report;
    match file::unit_report(&state.db, report, &scope.class, &q.unit, &q.format, state.now()).await {
        Ok(f) => Ok(crate::http::routes::download(f.bytes, f.content_type, f.name)),
        Err(e) => match correctable(&e) {
            Some(status) => message(&session, status, "无法生成报告", &e.message),
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct SummaryQuery {
    #[serde(default)]
    format: String,
}

async fn summary_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<SummaryQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    match file::class_summary(&state.db, &scope.class, &q.format, state.now()).await {
        Ok(f) => Ok(crate::http::routes::download(f.bytes, f.content_type, f.name)),
        Err(e) => match correctable(&e) {
            Some(status) => message(&session, status, "无法生成汇总", &e.message),
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct NoticeQuery {
    #[serde(default)]
    date: String,
    #[serde(default)]
    pdf: Option<String>,
}

/// To the daily 公示 of a date (print page, or its PDF) through a signed link valid for 24 hours.
async fn notice(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<NoticeQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let Ok(day) = date(&q.date, "date") else {
        return message(&session, StatusCode::BAD_REQUEST, "日期不正确", "请选择公示的日期，例如 2026-11-23。");
    };
    let until = state.now() + chrono::Duration::hours(24);
    let (print, pdf) = crate::print_link::notice_urls(&state.master_secret, "", scope.class.id, day, until)?;
    Ok(see_other(if q.pdf.is_some() { &pdf } else { &print }))
}
