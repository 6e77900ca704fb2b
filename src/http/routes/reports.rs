use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use uuid::Uuid;

use super::download;
use crate::class::access::class_scope;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::Staff;
use crate::report::file;
use crate::report::unit::{self, UnitSummary};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// The sending units (选派单位) of a class with how many of their trainees complete.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<UnitSummary>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/reports/units")]
pub async fn units(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<UnitSummary>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(unit::units(&state.db, &scope.class).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct UnitQuery {
    /// The unit's name exactly as on the roster.
    #[param(min_length = 1, max_length = 128)]
    pub unit: String,
    /// `xlsx` (default), `pdf` or `csv`.
    #[param(schema_with = unit_formats)]
    pub format: Option<String>,
}

fn unit_formats() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(&["xlsx", "pdf", "csv"], "`xlsx` (default), `pdf` or `csv`.")
}

fn summary_formats() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(
        &["xlsx", "sessions.csv", "trainees.csv"],
        "`xlsx` (default, both sheets), `sessions.csv` or `trainees.csv`.",
    )
}

/// A sending unit's report: each of its trainees' attendance (sessions, present, late, early leave, leave, 旷课,
/// 学时 earned), discipline, and completion decision with reasons.
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), UnitQuery),
    responses(
        (status = 200, description = "XLSX, PDF or CSV (UTF-8 with BOM)", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/pdf"), ("text/csv"))),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: unknown format"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: class or unit"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/classes/{class_id}/reports/unit")]
pub async fn unit_report(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<UnitQuery>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let format = query.format.as_deref().unwrap_or("xlsx");
    let report = &state.settings.report;
    let f = file::unit_report(&state.db, report, &scope.class, &query.unit, format, state.clock.now()).await?;
    Ok(download(f.bytes, f.content_type, f.name))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct SummaryQuery {
    /// `xlsx` (default, both sheets), `sessions.csv` or `trainees.csv`.
    #[param(schema_with = summary_formats)]
    pub format: Option<String>,
}

/// The class summary: attendance rate per session and per trainee (sessions that have started).
#[utoipa::path(
    tag = "reports",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), SummaryQuery),
    responses(
        (status = 200, description = "XLSX (two sheets) or CSV (UTF-8 with BOM)", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: unknown format"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/reports/summary")]
pub async fn summary(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<SummaryQuery>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let format = query.format.as_deref().unwrap_or("xlsx");
    let f = file::class_summary(&state.db, &scope.class, format, state.clock.now()).await?;
    Ok(download(f.bytes, f.content_type, f.name))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(units).service(unit_report).service(summary);
}
