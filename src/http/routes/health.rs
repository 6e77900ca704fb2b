use actix_web::{HttpResponse, get, web};
use serde::Serialize;

use crate::health::{Overall, Readiness, readiness};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Serialize, utoipa::ToSchema)]
pub struct Health {
    /// Always `ok` while the process answers.
    pub status: &'static str,
    pub version: &'static str,
}

/// The process is up.
#[utoipa::path(tag = "health", responses((status = 200, body = Health)))]
#[get("/health")]
pub async fn health() -> web::Json<Health> {
    web::Json(Health { status: "ok", version: env!("CARGO_PKG_VERSION") })
}

/// Database and Redis status: `degraded` (200) when Redis is down, 503 when the database is.
#[utoipa::path(
    tag = "health",
    responses(
        (status = 200, body = Readiness, description = "`ok`, or `degraded` when Redis is unreachable"),
        (status = 503, body = Readiness, description = "the database is unreachable"),
    )
)]
#[get("/ready")]
pub async fn ready(state: web::Data<AppState>) -> HttpResponse {
    let report = readiness(&state).await;
    match report.status {
        Overall::Unavailable => HttpResponse::ServiceUnavailable().json(report),
        _ => HttpResponse::Ok().json(report),
    }
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health).service(ready);
}
