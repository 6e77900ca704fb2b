use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, post, web};
use chrono::Duration;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{OptionalJson, Staff};
use crate::http::routes::ReasonBody;
use crate::http::routes::sessions::DryRunQuery;
use crate::http::upload::{UploadForm, read_file};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::roster::PersonFields;
use crate::roster::RosterEntry;
use crate::roster::model::RawPerson;
use crate::roster::service::{self, ImportReport, InviteView};
use crate::state::AppState;

use super::download;
use crate::print_link;
use crate::tabular;
use utoipa_actix_web::service_config::ServiceConfig;

fn roster_statuses() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(&["active", "withdrawn"], "`active` or `withdrawn`; default both.")
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct RosterQuery {
    /// Part of a name, phone number or unit.
    pub q: Option<String>,
    /// `active` or `withdrawn`; default both.
    #[param(schema_with = roster_statuses)]
    pub status: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The class roster, in import order.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), RosterQuery),
    responses(
        (status = 200, body = Page<RosterEntry>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such class, or not yours"),
    )
)]
#[get("/classes/{class_id}/roster")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<RosterQuery>,
) -> AppResult<web::Json<Page<RosterEntry>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let q = query.into_inner();
    let page = PageRequest::from(PageQuery { page: q.page, per_page: q.per_page });
    Ok(web::Json(service::list(&state.db, &scope, q.q.as_deref(), q.status.as_deref(), page).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddTraineeRequest {
    #[schema(min_length = 1, max_length = 32, pattern = r"\S")]
    pub name: String,
    /// 男 or 女.
    #[schema(pattern = r"^(男|女|male|female|[MmFf])?$")]
    pub gender: Option<String>,
    /// A mainland mobile number; spaces, dashes and a `+86` prefix are dropped before checking.
    #[schema(pattern = r"^1[3-9][0-9]{9}$", example = "13800138000")]
    pub phone: String,
    /// 选派单位.
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub unit: String,
    #[schema(max_length = 64)]
    pub post: Option<String>,
    #[schema(max_length = 32)]
    pub rank: Option<String>,
    #[schema(max_length = 32)]
    pub student_no: Option<String>,
}

/// Adds one trainee by hand. A person already known (by phone) is reused.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = AddTraineeRequest,
    responses(
        (status = 201, body = RosterEntry),
        (status = 400, body = ErrorBody, description = "`validation_failed`: names the field; `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`already_enrolled`"),
    )
)]
#[post("/classes/{class_id}/roster")]
pub async fn add(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<AddTraineeRequest>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let b = body.into_inner();
    let raw = RawPerson {
        name: &b.name,
        gender: b.gender.as_deref().unwrap_or(""),
        phone: &b.phone,
        unit: &b.unit,
        post: b.post.as_deref().unwrap_or(""),
        rank: b.rank.as_deref().unwrap_or(""),
        student_no: b.student_no.as_deref().unwrap_or(""),
    };
    let fields = PersonFields::parse(&raw).map_err(|(_, e)| e)?;
    let entry =
        service::add_one(&state.db, &state.master_secret, &who.actor(), &scope, fields, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(entry))
}

/// Imports a roster from XLSX or CSV with Chinese headers (姓名, 性别, 手机号, 单位, 职务, 职级, 学号). With
/// `dry_run=true` it reports every bad row and changes nothing; otherwise it imports all rows or none.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), DryRunQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = ImportReport),
        (status = 400, body = ErrorBody, description = "`file_unreadable`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody, description = "`import_rejected`: the file has errors; nothing was imported"),
    )
)]
#[post("/classes/{class_id}/roster/import")]
pub async fn import(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<DryRunQuery>,
    payload: Multipart,
) -> AppResult<web::Json<ImportReport>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let file = tabular::Upload { bytes: read_file(payload).await?, limits: state.settings.import.roster() };
    let actor = who.actor();
    let report =
        service::import(&state.db, &state.master_secret, &actor, &scope, file, query.dry_run, state.clock.now())
            .await?;
    Ok(web::Json(report))
}

/// Takes a trainee off the class. The enrolment is kept as `withdrawn`; adding them again restores it.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), ("enrollment_id" = Uuid, Path)),
    request_body = Option<ReasonBody>,
    responses(
        (status = 200, body = RosterEntry),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the reason is over 500 characters"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[delete("/classes/{class_id}/roster/{enrollment_id}")]
pub async fn withdraw(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<(Uuid, Uuid)>,
    body: OptionalJson<ReasonBody>,
) -> AppResult<web::Json<RosterEntry>> {
    let (class_id, enrollment_id) = path.into_inner();
    let scope = class_scope(&state.db, &who, class_id).await?;
    let reason = ReasonBody::reason(body.0)?;
    Ok(web::Json(service::withdraw(state.at_now(), &who.actor(), &scope, enrollment_id, reason).await?))
}

/// The roster as an Excel workbook.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, description = "XLSX", content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/roster.xlsx")]
pub async fn export_xlsx(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let (bytes, content_type, name) = service::export_file(&state.db, &who.actor(), &scope, true, state.now()).await?;
    Ok(download(bytes, content_type, name))
}

/// The roster as CSV (UTF-8 with BOM, so Excel opens it).
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/roster.csv")]
pub async fn export_csv(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let (bytes, content_type, name) = service::export_file(&state.db, &who.actor(), &scope, false, state.now()).await?;
    Ok(download(bytes, content_type, name))
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct InvitesResponse {
    pub items: Vec<InviteView>,
    /// The printable invite sheet (name, unit, code, QR); the link works without login for 24 hours.
    pub print_url: String,
}

/// Every active trainee's invite code, and a link to the printable sheet.
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = InvitesResponse),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/invites")]
pub async fn invites(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<InvitesResponse>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let base = state.base_url();
    let items = service::invites(&state.db, &state.master_secret, &base, scope.class.id).await?;
    let print_url = print_link::invite_sheet_url(
        &state.master_secret,
        &state.base_url(),
        scope.class.id,
        state.clock.now() + Duration::hours(24),
    )?;
    Ok(web::Json(InvitesResponse { items, print_url }))
}

/// Issues a new invite code for one trainee and unbinds their phone and WeChat account (e.g. a new phone).
#[utoipa::path(
    tag = "roster",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), ("enrollment_id" = Uuid, Path)),
    request_body = Option<ReasonBody>,
    responses(
        (status = 200, body = InviteView),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the reason is over 500 characters"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/classes/{class_id}/roster/{enrollment_id}/invite/reset")]
pub async fn reset_invite(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<(Uuid, Uuid)>,
    body: OptionalJson<ReasonBody>,
) -> AppResult<web::Json<InviteView>> {
    let (class_id, enrollment_id) = path.into_inner();
    let scope = class_scope(&state.db, &who, class_id).await?;
    let reason = ReasonBody::reason(body.0)?;
    Ok(web::Json(service::reset_invite(state.at_now(), &who.actor(), &scope, enrollment_id, reason).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list)
        .service(add)
        .service(import)
        .service(withdraw)
        .service(export_xlsx)
        .service(export_csv)
        .service(invites)
        .service(reset_invite);
}
