use actix_web::{get, web};
use serde::Deserialize;

use crate::audit::{self, AuditEntry};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::Admin;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::state::AppState;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `staff_account`, `attendance`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The audit trail, newest first. Admins only.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(AuditQuery),
    responses(
        (status = 200, body = Page<AuditEntry>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
    )
)]
#[get("/audit")]
pub async fn list(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<AuditQuery>,
) -> AppResult<web::Json<Page<AuditEntry>>> {
    let q = query.into_inner();
    let page = PageRequest::from(PageQuery { page: q.page, per_page: q.per_page });
    Ok(web::Json(audit::list(&state.db, q.entity.as_deref(), q.entity_id.as_deref(), page).await?))
}
