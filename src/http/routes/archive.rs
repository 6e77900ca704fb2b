use actix_web::{HttpResponse, get, web};
use chrono::Datelike;
use serde::Deserialize;
use uuid::Uuid;

use super::download;
use crate::archive::{self, PersonHours};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Trainee};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

fn this_year(state: &AppState) -> i32 {
    crate::clock::local_date(state.clock.now()).year()
}

/// The trainee's own 学时 archive: per class, per year, and over five years, against their rank's requirement.
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonHours),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/hours")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<PersonHours>> {
    let reqs = &state.settings.archive.requirements;
    Ok(web::Json(archive::for_person(&state.db, reqs, who.person_id, this_year(&state)).await?))
}

/// One person's 学时 archive (administrators).
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    params(("person_id" = Uuid, Path)),
    responses(
        (status = 200, body = PersonHours),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/people/{person_id}/hours")]
pub async fn person(
    state: web::Data<AppState>,
    _admin: Admin,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<PersonHours>> {
    let reqs = &state.settings.archive.requirements;
    Ok(web::Json(archive::for_person(&state.db, reqs, path.into_inner(), this_year(&state)).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ArchiveQuery {
    /// The year (default: this year); the five-year window ends with it.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// `xlsx` (default) or `csv`.
    #[param(schema_with = formats)]
    pub format: Option<String>,
}

fn formats() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(&["xlsx", "csv"], "`xlsx` (default) or `csv`.")
}

/// Everyone's 学时 for a year and the five years to it, against their requirements (administrators).
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    params(ArchiveQuery),
    responses(
        (status = 200, description = "XLSX or CSV (UTF-8 with BOM)", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("text/csv"))),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
    )
)]
#[get("/archive/hours")]
pub async fn export(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<ArchiveQuery>,
) -> AppResult<HttpResponse> {
    let year = query.year.unwrap_or_else(|| this_year(&state));
    let reqs = &state.settings.archive.requirements;
    let f =
        crate::report::file::archive_hours(&state.db, reqs, year, query.format.as_deref().unwrap_or("xlsx")).await?;
    Ok(download(f.bytes, f.content_type, f.name))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(mine).service(person).service(export);
}
