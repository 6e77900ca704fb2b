use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::NaiveDate;
use serde::Deserialize;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::class::service::{self, ClassInput};
use crate::class::{ClassKind, ClassStatus, ClassView, StaffAssignment, StaffRole};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Staff};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateClassRequest {
    /// e.g. `2026-QN-01`: letters, digits, `-`.
    #[schema(pattern = r"^[A-Za-z0-9-]{1,32}$", example = "2026-QN-01")]
    pub code: String,
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: String,
    pub kind: ClassKind,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// 主办/委托单位.
    #[schema(max_length = 128)]
    pub organiser: Option<String>,
    #[schema(max_length = 128)]
    pub venue: Option<String>,
    /// Default `draft`.
    pub status: Option<ClassStatus>,
}

/// Creates a class. Admins only.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    request_body = CreateClassRequest,
    responses(
        (status = 201, body = ClassView),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 409, body = ErrorBody, description = "`class_code_taken`"),
    )
)]
#[post("/classes")]
pub async fn create(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    body: web::Json<CreateClassRequest>,
) -> AppResult<HttpResponse> {
    let b = body.into_inner();
    let input = ClassInput {
        code: Some(b.code),
        name: Some(b.name),
        kind: Some(b.kind),
        start_date: Some(b.start_date),
        end_date: Some(b.end_date),
        organiser: Some(b.organiser),
        venue: Some(b.venue),
        status: b.status,
    };
    let created = service::create_class(&state.db, &admin.actor(), input, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(created))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ClassListQuery {
    pub status: Option<ClassStatus>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// Classes the caller may act on: all for admins, assigned ones for staff. Newest first.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(ClassListQuery),
    responses(
        (status = 200, body = Page<ClassView>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
    )
)]
#[get("/classes")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    query: web::Query<ClassListQuery>,
) -> AppResult<web::Json<Page<ClassView>>> {
    let q = query.into_inner();
    let page = PageRequest::from(PageQuery { page: q.page, per_page: q.per_page });
    Ok(web::Json(
        service::list_classes(&state.db, &who, service::ClassFilter { status: q.status, ..Default::default() }, page)
            .await?,
    ))
}

/// One class.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = ClassView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such class, or not yours"),
    )
)]
#[get("/classes/{class_id}")]
pub async fn get(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<ClassView>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(ClassView::from(&scope.class)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateClassRequest {
    #[schema(pattern = r"^[A-Za-z0-9-]{1,32}$", example = "2026-QN-01")]
    pub code: Option<String>,
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub name: Option<String>,
    pub kind: Option<ClassKind>,
    pub start_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    /// `null` clears it.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 128)]
    pub organiser: Option<Option<String>>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 128)]
    pub venue: Option<Option<String>>,
    pub status: Option<ClassStatus>,
}

/// Changes a class (only the fields sent). Admins only.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = UpdateClassRequest,
    responses(
        (status = 200, body = ClassView),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`class_code_taken`"),
    )
)]
#[patch("/classes/{class_id}")]
pub async fn update(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<Uuid>,
    body: web::Json<UpdateClassRequest>,
) -> AppResult<web::Json<ClassView>> {
    let scope = class_scope(&state.db, &admin, path.into_inner()).await?;
    let b = body.into_inner();
    let input = ClassInput {
        code: b.code,
        name: b.name,
        kind: b.kind,
        start_date: b.start_date,
        end_date: b.end_date,
        organiser: b.organiser,
        venue: b.venue,
        status: b.status,
    };
    Ok(web::Json(service::update_class(&state.db, &admin.actor(), scope, input, state.clock.now()).await?))
}

/// The staff assigned to a class (班主任, 组织员).
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<StaffAssignment>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/staff")]
pub async fn staff(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<StaffAssignment>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(service::list_staff(&state.db, &scope).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AssignStaffRequest {
    pub staff_id: Uuid,
    pub role: StaffRole,
}

/// Assigns a staff member to the class (or changes their role). Admins only.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = AssignStaffRequest,
    responses(
        (status = 200, body = Vec<StaffAssignment>),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the account is disabled"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`: class or staff account"),
    )
)]
#[post("/classes/{class_id}/staff")]
pub async fn assign_staff(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<Uuid>,
    body: web::Json<AssignStaffRequest>,
) -> AppResult<web::Json<Vec<StaffAssignment>>> {
    let scope = class_scope(&state.db, &admin, path.into_inner()).await?;
    let assigned =
        service::assign_staff(&state.db, &admin.actor(), &scope, body.staff_id, body.role, state.clock.now()).await?;
    Ok(web::Json(assigned))
}

/// Takes a staff member off the class. Admins only.
#[utoipa::path(
    tag = "classes",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), ("staff_id" = Uuid, Path)),
    responses(
        (status = 204, description = "unassigned"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[delete("/classes/{class_id}/staff/{staff_id}")]
pub async fn unassign_staff(
    state: web::Data<AppState>,
    Admin(admin): Admin,
    path: web::Path<(Uuid, Uuid)>,
) -> AppResult<HttpResponse> {
    let (class_id, staff_id) = path.into_inner();
    let scope = class_scope(&state.db, &admin, class_id).await?;
    service::unassign_staff(&state.db, &admin.actor(), &scope, staff_id, state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(get)
        .service(update)
        .service(staff)
        .service(assign_staff)
        .service(unassign_staff);
}
