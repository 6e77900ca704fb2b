//! Liveness, readiness, and what happens when Redis goes away.

use rollcall::auth::Role;
use serde_json::Value;

use crate::helpers::{Backend, OwnRedis, backend, must_run_everything, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_answers_while_the_process_is_up() {
    let app = spawn_app().await;
    let response = app.get("/api/v1/health", None).await;
    assert_eq!(response.status(), 200);
    assert!(response.headers().contains_key("x-request-id"));
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
}

#[tokio::test]
async fn ready_reports_both_backends() {
    let app = spawn_app().await;
    let body: Value = app.get("/api/v1/ready", None).await.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"]["status"], "ok");
    let (db, kv) = match backend() {
        Backend::Embedded => ("sqlite", "memory"),
        Backend::Postgres => ("postgres", "redis"),
    };
    assert_eq!(body["database"]["backend"], db);
    assert_eq!(body["redis"]["backend"], kv);
}

#[tokio::test]
async fn with_redis_stopped_ready_says_degraded_and_login_still_works() {
    let Some(mut redis) = OwnRedis::start() else {
        assert!(!must_run_everything(), "redis-server is required for this test");
        eprintln!("SKIPPED: redis-server is not installed");
        return;
    };
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let app = spawn_app_with(|s| {
        s.redis.url = url;
        s.redis.key_prefix = "own:".into();
    })
    .await;
    let before: Value = app.get("/api/v1/ready", None).await.json().await.unwrap();
    assert_eq!(before["status"], "ok", "{before}");
    assert_eq!(before["redis"]["backend"], "redis");

    redis.stop();

    let response = app.get("/api/v1/ready", None).await;
    assert_eq!(response.status(), 200);
    let after: Value = response.json().await.unwrap();
    assert_eq!(after["status"], "degraded", "{after}");
    assert_eq!(after["redis"]["status"], "unavailable");
    assert_eq!(after["database"]["status"], "ok");

    // The limiter falls back to in-process limits: logins keep working, and limits still hold.
    let account = app.create_account(Role::Staff).await;
    assert_eq!(app.login(&account.username, &account.password).await.status(), 200);
    for _ in 0..5 {
        app.login(&account.username, "wrong password").await;
    }
    assert_eq!(app.login(&account.username, &account.password).await.status(), 429);
}

#[tokio::test]
async fn every_page_finds_its_tab_icon() {
    let app = spawn_app().await;
    let icon = app.get("/favicon.ico", None).await;
    assert_eq!(icon.status(), 200);
    assert_eq!(icon.headers()["content-type"], "image/x-icon");
    assert!(icon.bytes().await.unwrap().starts_with(&[0, 0, 1, 0]), "an ICO file");
}
