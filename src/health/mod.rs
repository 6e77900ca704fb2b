//! Liveness and readiness: the database is required, Redis is not (without it rollcall degrades).

use serde::Serialize;

use crate::ctx::Ctx;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Overall {
    Ok,
    Degraded,
    Unavailable,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Component {
    /// `ok` or `unavailable`.
    pub status: String,
    /// `sqlite`, `postgres`, `redis` or `memory`.
    pub backend: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Readiness {
    pub status: Overall,
    pub database: Component,
    pub redis: Component,
}

pub async fn readiness(state: &Ctx) -> Readiness {
    let db_backend = match state.settings.database_kind() {
        crate::config::DatabaseKind::Sqlite => "sqlite",
        crate::config::DatabaseKind::Postgres => "postgres",
    };
    let db_ok = match tokio::time::timeout(std::time::Duration::from_secs(2), state.db.ping()).await {
        Ok(Ok(())) => true,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "database ping failed");
            false
        }
        Err(_) => {
            tracing::warn!("database ping timed out");
            false
        }
    };
    let kv_ok = match state.infra.kv.ping().await {
        Ok(()) => true,
        Err(err) => {
            tracing::warn!(error = %err, "redis ping failed");
            false
        }
    };
    let status = match (db_ok, kv_ok) {
        (false, _) => Overall::Unavailable,
        (true, false) => Overall::Degraded,
        (true, true) => Overall::Ok,
    };
    let component = |ok: bool, backend: &str| Component {
        status: if ok { "ok" } else { "unavailable" }.to_owned(),
        backend: backend.to_owned(),
    };
    Readiness { status, database: component(db_ok, db_backend), redis: component(kv_ok, state.infra.kv.backend()) }
}
