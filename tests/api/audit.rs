//! The audit trail: changes land in it with who, when, why and which class; it cannot be changed or deleted (not
//! through the API, not even with SQL).

use migration::{Migrator, MigratorTrait};
use reqwest::Method;
use rollcall::auth::Role;
use rollcall::entity::audit_log;
use sea_orm::{ConnectionTrait, EntityTrait, PaginatorTrait};
use serde_json::{Value, json};

use crate::helpers::{Backend, CheckinFixture, TestApp, backend, error_body, spawn_app};

#[tokio::test]
async fn disabling_an_account_is_audited_with_actor_and_reason() {
    let app = spawn_app().await;
    let (admin_account, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;

    app.post_json(&format!("/api/v1/staff/{}/disable", staff.id), Some(&admin), &json!({"reason": "已调离学院"})).await;

    let page: Value = app
        .get(&format!("/api/v1/audit?entity=staff_account&entity_id={}", staff.id), Some(&admin))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(page["total"], 2, "create + disable: {page}");
    let latest = &page["items"][0];
    assert_eq!(latest["action"], "staff.disable");
    assert_eq!(latest["actor_id"], admin_account.id.to_string());
    assert_eq!(latest["actor_kind"], "staff");
    assert_eq!(latest["reason"], "已调离学院");
    assert_eq!(latest["before"]["disabled"], false);
    assert_eq!(latest["after"]["disabled"], true);
    assert_eq!(latest["at"], "2026-11-26T00:30:00Z");
    assert_eq!(latest["class_id"], Value::Null, "a staff account belongs to no class");
}

#[tokio::test]
async fn a_password_reset_is_audited_without_the_password() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;
    app.send_json(
        reqwest::Method::PUT,
        &format!("/api/v1/staff/{}/password", staff.id),
        Some(&admin),
        &json!({"new_password": "secret-new-pass"}),
    )
    .await;
    let page: Value =
        app.get(&format!("/api/v1/audit?entity_id={}", staff.id), Some(&admin)).await.json().await.unwrap();
    let text = page.to_string();
    assert!(text.contains("staff.password_set"), "{text}");
    assert!(!text.contains("secret-new-pass"), "the password never reaches the audit trail");
    assert!(!text.contains("argon2"), "nor its hash");
}

async fn correct(app: &TestApp, token: &str, f: &CheckinFixture, status: &str, reason: &str) -> Value {
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);
    let response = app.send_json(Method::PUT, &path, Some(token), &json!({"status": status, "reason": reason})).await;
    assert_eq!(response.status(), 200, "correction");
    response.json().await.unwrap()
}

#[tokio::test]
async fn the_audit_list_can_be_narrowed_to_one_class() {
    let app = spawn_app().await;
    let a = app.checkin_fixture(1, None).await;
    let b = app.checkin_fixture(1, None).await;
    correct(&app, &a.admin_token, &a, "leave", "病假").await;

    let page: Value = app
        .get(&format!("/api/v1/audit?class_id={}&per_page=200", a.class_id), Some(&a.admin_token))
        .await
        .json()
        .await
        .unwrap();

    let items = page["items"].as_array().unwrap();
    assert_eq!(page["total"], items.len());
    assert!(items.iter().all(|i| i["class_id"] == a.class_id.as_str()), "only class A: {page}");
    assert!(items.iter().any(|i| i["action"] == "attendance.correct" && i["reason"] == "病假"), "{page}");
    assert!(!items.iter().any(|i| i["entity_id"] == b.class_id.as_str()), "nothing of class B: {page}");
}

#[tokio::test]
async fn the_api_offers_no_way_to_change_or_delete_audit_rows() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let entry: Value = app.get("/api/v1/audit", Some(&f.admin_token)).await.json().await.unwrap();
    let id = entry["items"][0]["id"].as_str().unwrap().to_owned();
    let paths = ["/api/v1/audit".to_owned(), format!("/api/v1/audit/{id}")];
    for path in &paths {
        for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
            let response = app
                .client
                .request(method.clone(), app.url(path))
                .bearer_auth(&f.admin_token)
                .json(&json!({"reason": "改一下"}))
                .send()
                .await
                .unwrap();
            let (status, _, _) = error_body(response).await;
            assert!(status == 405 || status == 404, "{method} {path} answers {status}");
        }
    }
    for method in [Method::POST, Method::PUT, Method::PATCH, Method::DELETE] {
        let response = app.client.request(method.clone(), app.url(&paths[0])).bearer_auth(&f.admin_token).send();
        assert_eq!(response.await.unwrap().status(), 405, "{method} on the list is a known path, wrong method");
    }

    let doc: Value = serde_json::from_str(&rollcall::http::openapi::document_json().unwrap()).unwrap();
    let audit_paths: Vec<_> = doc["paths"].as_object().unwrap().iter().filter(|(p, _)| p.contains("audit")).collect();
    assert_eq!(audit_paths.len(), 1, "the list: {:?}", audit_paths.iter().map(|p| p.0));
    for (path, item) in audit_paths {
        let methods: Vec<&String> = item.as_object().unwrap().keys().collect();
        assert_eq!(methods, vec!["get"], "{path} is read-only");
    }
    let after: Value = app.get("/api/v1/audit", Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(after["items"][0], entry["items"][0], "unchanged");
}

#[tokio::test]
async fn the_database_refuses_to_update_or_delete_audit_rows() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    correct(&app, &f.admin_token, &f, "leave", "病假").await;
    let db = &app.state.db;
    let count = audit_log::Entity::find().count(db).await.unwrap();
    let cases = [
        ("UPDATE audit_log SET reason = '改过了'", "update every row"),
        ("UPDATE audit_log SET class_id = NULL WHERE action = 'attendance.correct'", "move a row out of its class"),
        ("DELETE FROM audit_log WHERE action = 'attendance.correct'", "delete one row"),
        ("DELETE FROM audit_log", "delete every row"),
    ];

    let truncate = ("TRUNCATE audit_log", "truncate (PostgreSQL only; SQLite has no TRUNCATE)");
    let cases = cases.into_iter().chain((backend() == Backend::Postgres).then_some(truncate));
    for (sql, what) in cases {
        let err = db.execute_unprepared(sql).await.expect_err(what);
        assert!(err.to_string().contains("append-only"), "{what}: {err}");
    }

    assert_eq!(audit_log::Entity::find().count(db).await.unwrap(), count, "nothing deleted");
    let page: Value = app.get("/api/v1/audit?entity=attendance", Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(page["items"][0]["reason"], "病假", "nothing changed");
    assert_eq!(page["items"][0]["class_id"], f.class_id.as_str(), "still in its class");
}

#[tokio::test]
async fn the_migration_derives_the_class_of_rows_recorded_before_it() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let admin = f.admin_token.as_str();
    correct(&app, admin, &f, "leave", "病假").await;
    let extra = app.add_session(admin, &f.class_id, "2026-11-27T01:00:00Z", "2026-11-27T02:00:00Z", 1.0).await;
    let patch = json!({"title": "改名的课"});
    assert_eq!(
        app.send_json(Method::PATCH, &format!("/api/v1/sessions/{extra}"), Some(admin), &patch).await.status(),
        200
    );
    let response = app.client.delete(app.url(&format!("/api/v1/sessions/{extra}"))).bearer_auth(admin).send().await;
    assert_eq!(response.unwrap().status(), 204, "delete the extra session");
    let withdraw = format!("/api/v1/classes/{}/roster/{}", f.class_id, f.trainees[1].2);
    assert_eq!(app.client.delete(app.url(&withdraw)).bearer_auth(admin).send().await.unwrap().status(), 200);
    app.trainee_token(&f.trainees[0].1, "phone-0000-abcdef").await; // the trainee binds a device
    let discipline = json!({"enrollment_id": f.trainees[0].2, "category": "integrity", "severity": "minor",
        "occurred_at": "2026-11-25T12:00:00Z", "description": "迟到未报告"});
    let response = app.post_json(&format!("/api/v1/classes/{}/discipline", f.class_id), Some(admin), &discipline).await;
    assert_eq!(response.status(), 201, "record discipline");
    let db = &app.state.db;
    let recorded = class_ids(db).await;
    let entities: Vec<&str> = recorded.iter().map(|r| r.1.as_str()).collect();
    for entity in ["training_class", "class_session", "attendance", "enrollment", "discipline_record", "staff_account"]
    {
        assert!(entities.contains(&entity), "the trail has a row about {entity}: {entities:?}");
    }
    assert!(recorded.iter().any(|r| r.2 == "session.delete"), "and a deleted session");

    // Back to before the class column (and the triggers), then forward again: the backfill runs on these rows.
    Migrator::down(db, Some(2)).await.expect("down");
    Migrator::up(db, None).await.expect("up");

    assert_eq!(class_ids(db).await, recorded, "each row gets the class it was recorded with, staff rows none");
    assert!(recorded.iter().filter(|r| r.1 != "staff_account").all(|r| r.3.is_some()), "{recorded:?}");
    assert!(recorded.iter().filter(|r| r.1 == "staff_account").all(|r| r.3.is_none()), "{recorded:?}");
}

/// (id, entity, action, class_id) of every audit row, by id.
async fn class_ids(db: &sea_orm::DatabaseConnection) -> Vec<(uuid::Uuid, String, String, Option<uuid::Uuid>)> {
    let mut rows: Vec<_> = audit_log::Entity::find()
        .all(db)
        .await
        .unwrap()
        .into_iter()
        .map(|m| (m.id, m.entity, m.action, m.class_id))
        .collect();
    rows.sort();
    rows
}
