//! A person's own data (个人信息副本): the trainee's copy of everything rollcall holds about them, and an
//! administrator's copy of one person's (audited, as the copy carries the phone number).

use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::downloads::{self, Download};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Trainee};
use crate::privacy::erasure::{self, Erasure};
use crate::privacy::export::{self, PersonData};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// The trainee's copy of their own data: who they are, enrolments with the notice shown at binding, attendance,
/// check-in attempts still kept, leave, discipline, completion, certificates, 学时, and the evaluation parts they
/// answered (not the answers, which are anonymous). Nobody else's records.
#[utoipa::path(
    tag = "trainee",
    security(("bearer" = [])),
    responses(
        (status = 200, body = PersonData),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/data")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<PersonData>> {
    let reqs = &state.settings.archive.requirements;
    Ok(web::Json(export::person_data(&state.db, reqs, &state.base_url(), who.person_id, state.now()).await?))
}

/// The trainee's copy as a readable A4 PDF (个人信息副本), the same content as `/me/data`.
#[utoipa::path(
    tag = "trainee",
    security(("bearer" = [])),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/me/data.pdf")]
pub async fn mine_pdf(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<HttpResponse> {
    copy_pdf(&state, who.person_id).await
}

/// A person's copy as a PDF download.
async fn copy_pdf(state: &AppState, person_id: Uuid) -> AppResult<HttpResponse> {
    let reqs = &state.settings.archive.requirements;
    let data = export::person_data(&state.db, reqs, &state.base_url(), person_id, state.now()).await?;
    let (name, bytes) = export::person_pdf(&state.settings.report, data).await?;
    Ok(crate::http::routes::download(bytes, "application/pdf", name))
}

/// One person's copy as a readable A4 PDF (administrators; recorded in the audit trail like the JSON copy).
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    params(("person_id" = Uuid, Path)),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/people/{person_id}/data.pdf")]
pub async fn person_pdf(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let answer = copy_pdf(&state, path.into_inner()).await?;
    let download = Download { file: "person-data.pdf", class_id: None, rows: None };
    downloads::record(&state.db, state.now(), &who.actor(), download).await?;
    Ok(answer)
}

/// One person's data, as their own copy has it (administrators, e.g. to answer a request by letter); the download
/// is recorded in the audit trail with who took it.
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    params(("person_id" = Uuid, Path)),
    responses(
        (status = 200, body = PersonData),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/people/{person_id}/data")]
pub async fn person(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<PersonData>> {
    let reqs = &state.settings.archive.requirements;
    let data = export::person_data(&state.db, reqs, &state.base_url(), path.into_inner(), state.now()).await?;
    let download = Download { file: "person-data", class_id: None, rows: None };
    downloads::record(&state.db, state.now(), &who.actor(), download).await?;
    Ok(web::Json(data))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ErasureRequest {
    /// Why (本人申请, 超过保存期限, …); kept in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Erases a person's personal information (administrators; audited with the reason): phone number, gender, post
/// and rank, phone and WeChat bindings, logins, check-in attempts, device ids, leave reasons, images, inbox and
/// WeChat messages, and the phone and device ids quoted in the audit trail. Name, unit, enrolments, attendance,
/// leave decisions, discipline, completion and certificates stay for the archive: issued certificates still
/// verify. Refused while the person is active in a class that has not ended.
#[utoipa::path(
    tag = "archive",
    security(("bearer" = [])),
    params(("person_id" = Uuid, Path)),
    request_body = ErasureRequest,
    responses(
        (status = 200, body = Erasure),
        (status = 400, body = ErrorBody, description = "`reason_required`, `validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`person_in_open_class`: withdraw them or wait for 结业; `already_erased`"),
    )
)]
#[post("/people/{person_id}/erase")]
pub async fn erase(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<ErasureRequest>,
) -> AppResult<web::Json<Erasure>> {
    Ok(web::Json(erasure::erase(state.at_now(), &who.actor(), path.into_inner(), &body.reason).await?))
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(mine).service(mine_pdf).service(person).service(person_pdf).service(erase);
}
