use actix_web::{HttpResponse, get, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::audit::{self, AuditEntry, Filter};
use crate::class::service::get_class;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::Admin;
use crate::http::routes::download_stream;
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// e.g. `staff_account`, `attendance`.
    pub entity: Option<String>,
    pub entity_id: Option<String>,
    /// Only changes that belong to this class.
    pub class_id: Option<Uuid>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// The audit trail, newest first. Admins only. Read-only: no route changes or deletes an audit row.
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
    let filter = Filter {
        entity: q.entity.as_deref(),
        entity_id: q.entity_id.as_deref(),
        class_id: q.class_id,
        ..Filter::default()
    };
    Ok(web::Json(audit::list(&state.db, filter, page).await?))
}

/// One class's audit trail as CSV (UTF-8 with BOM, so Excel opens it), oldest first, times in China time
/// (`YYYY-MM-DD HH:MM:SS`). Columns: 时间, 操作人, 操作人类型, 操作, 对象, 对象编号, 修改前, 修改后, 原因. Admins only.
#[utoipa::path(
    tag = "audit",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, description = "CSV", content_type = "text/csv"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such class"),
    )
)]
#[get("/classes/{class_id}/audit.csv")]
pub async fn export_class(state: web::Data<AppState>, admin: Admin, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let class = get_class(&state.db, path.into_inner()).await?;
    // Roster entries in the trail carry phone numbers: the download is recorded first.
    let download = crate::audit::downloads::Download { file: "audit.csv", class_id: Some(class.id), rows: None };
    crate::audit::downloads::record(&state.db, state.clock.now(), &admin.0.actor(), download).await?;
    let body = audit::export::class_csv(state.db.clone(), class.id, state.clock.now());
    Ok(download_stream(body, "text/csv; charset=utf-8", format!("{}-操作记录.csv", class.code)))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(export_class);
}
