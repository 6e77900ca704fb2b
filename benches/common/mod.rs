//! What the database benchmarks share: an admin principal, and running one body on SQLite and (when reachable)
//! on a fresh PostgreSQL database.

use std::future::Future;

use rollcall::auth::StaffPrincipal;
use rollcall::config::Settings;

/// An administrator that exists only in memory (the services take a principal, not a login).
pub fn admin(now: chrono::DateTime<chrono::Utc>) -> StaffPrincipal {
    StaffPrincipal {
        token_id: uuid::Uuid::nil(),
        staff: rollcall::auth::StaffAccount {
            id: uuid::Uuid::nil(),
            username: "bench".into(),
            display_name: "bench".into(),
            role: rollcall::auth::Role::Admin,
            disabled: false,
            created_at: now,
        },
    }
}

/// Runs `body` on a SQLite file, then on a throwaway PostgreSQL database at `BENCH_DATABASE_URL` (default
/// `postgres://postgres@127.0.0.1:5432/test`) if it answers.
pub async fn on_both_backends<F, Fut>(body: F)
where
    F: Fn(&'static str, Settings) -> Fut,
    Fut: Future<Output = ()>,
{
    let dir = tempfile::tempdir().expect("tempdir");
    let mut settings = Settings::defaults().expect("settings");
    settings.data_dir = dir.path().to_path_buf();
    settings.database.url = format!("sqlite://{}?mode=rwc", dir.path().join("bench.sqlite").display());
    settings.security.master_secret = Some("bench-secret-0123456789abcdef0123456789".to_owned().into());
    settings.jobs.absent_scan_seconds = 0;
    settings.jobs.outbox_poll_ms = 0;
    settings.jobs.evaluation_reminder_seconds = 0;
    settings.jobs.retention_scan_seconds = 0;
    body("SQLite (file, WAL)", settings.clone()).await;

    let admin_url =
        std::env::var("BENCH_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into());
    let Ok(admin) = sea_orm::Database::connect(&admin_url).await else {
        println!("PostgreSQL not reachable at {admin_url}: skipped");
        return;
    };
    use sea_orm::ConnectionTrait;
    let name = format!("bench_{}", uuid::Uuid::new_v4().simple());
    admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create db");
    let root = admin_url.rsplit_once('/').map(|(r, _)| r.to_owned()).unwrap_or(admin_url.clone());
    settings.database.url = format!("{root}/{name}");
    body("PostgreSQL (loopback)", settings).await;
    admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await.ok();
}
