//! The command line: creating the first admin on a real deployment, and the demo's refusal outside SQLite.

use std::process::Command;

use crate::helpers::{Backend, TestDb, backend, spawn_on, test_settings};

#[tokio::test]
async fn create_admin_makes_an_account_that_can_log_in() {
    let db = TestDb::create().await;
    let settings = test_settings(&db);
    let output = Command::new(env!("CARGO_BIN_EXE_rollcall"))
        .args(["create-admin", "--username", "chief", "--display-name", "教务处长"])
        .env("DATABASE_URL", &db.url)
        .env("ROLLCALL__DATA_DIR", db.data_dir())
        .env("ROLLCALL__SECURITY__MASTER_SECRET", crate::helpers::MASTER_SECRET)
        .env("ROLLCALL_ADMIN_PASSWORD", "first admin password")
        .env("ROLLCALL_CONFIG", "/nonexistent/rollcall.toml")
        .env_remove("REDIS_URL")
        .output()
        .unwrap();
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    let app = spawn_on(db, settings).await;
    let response = app.login("chief", "first admin password").await;
    assert_eq!(response.status(), 200);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["user"]["role"], "admin");
}

#[tokio::test]
async fn demo_accounts_are_refused_outside_the_embedded_database() {
    if backend() != Backend::Postgres {
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let result = rollcall::demo::seed(&app.state, chrono::Utc::now()).await;
    assert!(result.is_err(), "demo seeding must refuse PostgreSQL");
    assert_eq!(app.login("demo-admin", "demo-admin-pass").await.status(), 401);
}

#[tokio::test]
async fn the_demo_class_has_something_in_every_staff_list_and_seeds_once() {
    if backend() != Backend::Embedded {
        return;
    }
    let app = crate::helpers::spawn_app().await;
    let now = rollcall::clock::Clock::now(&*app.clock);
    let demo = rollcall::demo::seed(&app.state, now).await.unwrap();
    let again = rollcall::demo::seed(&app.state, now).await.unwrap();
    assert_eq!(again.session_id, demo.session_id, "a session open now is reused, not made again");
    // Whatever the hour the demo starts, its big-screen link shows a session whose check-in is open.
    let open_at = |id: uuid::Uuid, at| {
        let db = app.state.db.clone();
        async move {
            use sea_orm::EntityTrait;
            let s = rollcall::entity::class_session::Entity::find_by_id(id).one(&db).await.unwrap().unwrap();
            rollcall::timetable::window::window_state(&s, at) == rollcall::timetable::window::WindowState::Open
        }
    };
    assert!(open_at(demo.session_id.unwrap(), now).await, "08:30: the morning lecture is open");
    let night = now + chrono::Duration::hours(14); // 22:30 China time, after the last session
    let late = rollcall::demo::seed(&app.state, night).await.unwrap();
    assert_ne!(late.session_id, demo.session_id);
    assert!(open_at(late.session_id.unwrap(), night).await, "22:30: a practice session is open");
    let token = app.login("demo-staff", "demo-staff-pass").await.json::<serde_json::Value>().await.unwrap()["token"]
        .as_str()
        .unwrap()
        .to_owned();
    let leave: serde_json::Value =
        app.get(&format!("/api/v1/classes/{}/leave-requests", demo.class_id), Some(&token)).await.json().await.unwrap();
    let statuses: Vec<&str> = leave.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses.len(), 2, "{statuses:?}");
    assert!(statuses.contains(&"pending") && statuses.contains(&"approved"), "{statuses:?}");
    let discipline: serde_json::Value =
        app.get(&format!("/api/v1/classes/{}/discipline", demo.class_id), Some(&token)).await.json().await.unwrap();
    assert_eq!(discipline.as_array().unwrap().len(), 1);
    let inbox: serde_json::Value = app.get("/api/v1/inbox", Some(&token)).await.json().await.unwrap();
    let titles: Vec<&str> = inbox["items"].as_array().unwrap().iter().map(|m| m["title"].as_str().unwrap()).collect();
    assert!(
        titles.iter().any(|t| t.starts_with("待审批请假")),
        "the 班主任 is told of the waiting request: {titles:?}"
    );

    // The finished class: certificates for all but the trainee absent three times and the one over 1/7 leave.
    let url = demo.verify_url.expect("a certificate of the finished class");
    let code = url.rsplit('/').next().unwrap();
    let public = app.get(&format!("/api/v1/public/certificates/{code}"), None).await;
    assert_eq!(public.status(), 200);
    let (_, admin) = app.admin().await;
    let classes: serde_json::Value = app.get("/api/v1/classes?per_page=200", Some(&admin)).await.json().await.unwrap();
    let finished =
        classes["items"].as_array().unwrap().iter().find(|c| c["code"] == rollcall::demo::FINISHED_CODE).unwrap();
    let list: serde_json::Value = app
        .get(&format!("/api/v1/classes/{}/completion", finished["id"].as_str().unwrap()), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    let withheld: Vec<&serde_json::Value> =
        list.as_array().unwrap().iter().filter(|e| e["status"] == "withheld").collect();
    assert_eq!(withheld.len(), 2);
    assert_eq!(list.as_array().unwrap().iter().filter(|e| !e["certificate"].is_null()).count(), 28);
}

#[tokio::test]
async fn a_shared_database_without_a_master_secret_refuses_to_start() {
    let mut settings = rollcall::config::Settings::defaults().unwrap();
    settings.database.url = "postgres://postgres@127.0.0.1:5432/test".into();
    settings.security.master_secret = None;
    let err = settings.master_secret().unwrap_err().to_string();
    assert!(err.contains("master_secret"), "{err}");
}

#[tokio::test]
async fn the_embedded_secret_is_generated_once_and_kept() {
    let dir = tempfile::tempdir().unwrap();
    let mut settings = rollcall::config::Settings::defaults().unwrap();
    settings.data_dir = dir.path().to_path_buf();
    settings.database.url = format!("sqlite://{}?mode=rwc", dir.path().join("x.sqlite").display());
    settings.security.master_secret = None;
    use secrecy::ExposeSecret;
    let first = settings.master_secret().unwrap().expose_secret().to_owned();
    let second = settings.master_secret().unwrap().expose_secret().to_owned();
    assert_eq!(first, second);
    assert!(first.len() >= 32);
}
