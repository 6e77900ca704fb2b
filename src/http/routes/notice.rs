use actix_web::{get, web};
use chrono::{Duration, NaiveDate};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::attendance::notice::{self, DailyNotice};
use crate::class::access::class_scope;
use crate::clock::local_date;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::Staff;
use crate::print_link;
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct NoticeQuery {
    /// `YYYY-MM-DD`; default today (China time).
    pub date: Option<NaiveDate>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct NoticeResponse {
    pub notice: DailyNotice,
    /// The print-ready page (works without login for 24 hours).
    pub print_url: String,
    /// The same notice as an A4 PDF (same lifetime).
    pub pdf_url: String,
}

/// The daily attendance notice (考勤公示) of a class: each session's counts, and who was late, left early, was
/// absent or on leave.
#[utoipa::path(
    tag = "attendance",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), NoticeQuery),
    responses(
        (status = 200, body = NoticeResponse),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/notice")]
pub async fn daily(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<NoticeQuery>,
) -> AppResult<web::Json<NoticeResponse>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let now = state.clock.now();
    let date = query.date.unwrap_or_else(|| local_date(now));
    let notice = notice::daily(&state.db, &scope, date).await?;
    let (print_url, pdf_url) = print_link::notice_urls(
        &state.master_secret,
        &state.base_url(),
        scope.class.id,
        date,
        now + Duration::hours(24),
    )?;
    Ok(web::Json(NoticeResponse { notice, print_url, pdf_url }))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(daily);
}
