//! The audit trail: changes land in it with who, when, why and which class; it cannot be changed or deleted (not
//! through the API, not even with SQL); administrators export one class's trail as CSV.

use migration::{Migrator, MigratorTrait};
use reqwest::Method;
use rollcall::audit::{self, Actor, Change};
use rollcall::auth::Role;
use rollcall::entity::audit_log;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, TransactionTrait};
use serde_json::{Value, json};

use crate::helpers::{Backend, CheckinFixture, ClockExt, TestApp, backend, error_body, spawn_app};

const HEADERS: [&str; 9] = ["时间", "操作人", "操作人类型", "操作", "对象", "对象编号", "修改前", "修改后", "原因"];

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

/// A staff account with a display name of its own, assigned to the class as 班主任, and its token.
async fn head_teacher(app: &TestApp, admin: &str, class_id: &str, display_name: &str) -> String {
    let username = format!("head-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let body = json!({"username": username, "display_name": display_name, "password": "correct horse battery",
        "role": "staff"});
    let created: Value = app.post_json("/api/v1/staff", Some(admin), &body).await.json().await.unwrap();
    let assign = json!({"staff_id": created["id"], "role": "head_teacher"});
    let response = app.post_json(&format!("/api/v1/classes/{class_id}/staff"), Some(admin), &assign).await;
    assert_eq!(response.status(), 200, "assign the head teacher");
    let login: Value = app.login(&username, "correct horse battery").await.json().await.unwrap();
    login["token"].as_str().unwrap().to_owned()
}

async fn correct(app: &TestApp, token: &str, f: &CheckinFixture, status: &str, reason: &str) -> Value {
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);
    let response = app.send_json(Method::PUT, &path, Some(token), &json!({"status": status, "reason": reason})).await;
    assert_eq!(response.status(), 200, "correction");
    response.json().await.unwrap()
}

/// The class's export, parsed: (raw body, records without the header line).
async fn export(app: &TestApp, token: &str, class_id: &str) -> (Vec<u8>, Vec<Vec<String>>) {
    let response = app.get(&format!("/api/v1/classes/{class_id}/audit.csv"), Some(token)).await;
    assert_eq!(response.status(), 200, "export");
    let body = response.bytes().await.unwrap().to_vec();
    let text = std::str::from_utf8(&body[3..]).expect("UTF-8 after the BOM");
    let mut reader = csv::Reader::from_reader(text.as_bytes());
    let records = reader.records().map(|r| r.unwrap().iter().map(str::to_owned).collect()).collect();
    (body, records)
}

#[tokio::test]
async fn a_corrected_attendance_shows_in_its_class_export_with_who_when_and_why_and_not_in_another_class() {
    let app = spawn_app().await;
    let a = app.checkin_fixture(1, None).await;
    let b = app.checkin_fixture(1, None).await;
    let teacher = head_teacher(&app, &a.admin_token, &a.class_id, "王班主任").await;
    app.clock.advance(chrono::Duration::seconds(4632)); // 08:30:00 -> 09:47:12 China time

    correct(&app, &teacher, &a, "leave", "因公出差，已补请假条").await;

    let (_, rows) = export(&app, &a.admin_token, &a.class_id).await;
    let corrections: Vec<_> = rows.iter().filter(|r| r[3] == "修改考勤").collect();
    assert_eq!(corrections.len(), 1, "one correction in class A: {rows:?}");
    let row = corrections[0];
    assert_eq!(row[0], "2026-11-26 09:47:12", "when, in China time");
    assert_eq!(row[1], "王班主任", "who");
    assert_eq!(row[2], "工作人员");
    assert_eq!(row[4], "考勤记录");
    assert_eq!(row[6], "", "no record before the correction");
    let after: Value = serde_json::from_str(&row[7]).unwrap();
    assert_eq!(after["status"], "leave");
    assert_eq!(row[8], "因公出差，已补请假条", "why");
    assert!(rows.iter().any(|r| r[3] == "导入名单"), "the class's other changes are there too: {rows:?}");
    assert!(rows.windows(2).all(|w| w[0][0] <= w[1][0]), "oldest first: {rows:?}");

    let (_, rows_b) = export(&app, &b.admin_token, &b.class_id).await;
    assert!(!rows_b.iter().any(|r| r[3] == "修改考勤" || r[8].contains("因公出差")), "not in class B: {rows_b:?}");
    assert!(!rows_b.iter().any(|r| r[5] == a.class_id || r[1] == "王班主任"), "nothing of class A: {rows_b:?}");
}

#[tokio::test]
async fn the_class_export_is_utf8_csv_with_a_bom_and_chinese_headers() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;

    let response = app.get(&format!("/api/v1/classes/{}/audit.csv", f.class_id), Some(&f.admin_token)).await;

    assert_eq!(response.status(), 200);
    assert_eq!(response.headers()["content-type"], "text/csv; charset=utf-8");
    let disposition = response.headers()["content-disposition"].to_str().unwrap().to_owned();
    assert!(disposition.starts_with("attachment") && disposition.contains("UTF-8''"), "{disposition}");
    let body = response.bytes().await.unwrap();
    assert!(body.starts_with(b"\xEF\xBB\xBF"), "a UTF-8 BOM, so Excel reads Chinese");
    let text = std::str::from_utf8(&body[3..]).expect("UTF-8");
    assert_eq!(text.lines().next(), Some(HEADERS.join(",").as_str()));
    assert!(text.lines().count() >= 3, "class created, roster imported, session added: {text}");
}

#[tokio::test]
async fn a_class_export_longer_than_a_page_has_every_row_once_oldest_first() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let class_id: uuid::Uuid = f.class_id.parse().unwrap();
    let now = app.clock.now_utc();
    let actor = Actor::system("test");
    let txn = app.state.db.begin().await.unwrap();
    for i in 0..1100 {
        // Three rows share each instant, so the order within an instant (by id) matters too.
        let at = now - chrono::Duration::seconds(2000 - i / 3);
        let change = Change {
            action: "attendance.correct",
            entity: "attendance",
            entity_id: uuid::Uuid::now_v7().to_string(),
            class_id: Some(class_id),
            before: None,
            after: None,
            reason: Some(format!("第{i}条")),
        };
        audit::record(&txn, at, &actor, change).await.unwrap();
    }
    txn.commit().await.unwrap();
    let later = Change { reason: Some("导出之后".to_owned()), ..sample_change(class_id) };
    audit::record(&app.state.db, now + chrono::Duration::seconds(1), &actor, later).await.unwrap();

    let (body, rows) = export(&app, &f.admin_token, &f.class_id).await;

    let mut want = audit_log::Entity::find()
        .filter(audit_log::Column::ClassId.eq(class_id))
        .filter(audit_log::Column::At.lte(now))
        .all(&app.state.db)
        .await
        .unwrap();
    want.sort_by_key(|m| (m.at, m.id));
    let got: Vec<(&str, &str)> = rows.iter().map(|r| (r[5].as_str(), r[8].as_str())).collect();
    let want: Vec<(&str, &str)> =
        want.iter().map(|m| (m.entity_id.as_str(), m.reason.as_deref().unwrap_or(""))).collect();
    assert_eq!(
        got.len(),
        1100 + 4,
        "class created, roster imported, session added, the 1100 rows, and this download (recorded before it began)"
    );
    assert!(rows.iter().any(|r| r[3] == "privacy.download"), "the file records its own download");
    assert_eq!(got, want, "every row once, oldest first, ties by id, across pages");
    assert!(!rows.iter().any(|r| r[8] == "导出之后"), "rows recorded after the export began are not in it");
    assert_eq!(body.windows(3).filter(|w| *w == b"\xEF\xBB\xBF").count(), 1, "one BOM, at the start");
    assert_eq!(String::from_utf8(body).unwrap().matches(&HEADERS.join(",")).count(), 1, "one header line");
}

fn sample_change(class_id: uuid::Uuid) -> Change<'static> {
    Change {
        action: "attendance.correct",
        entity: "attendance",
        entity_id: uuid::Uuid::now_v7().to_string(),
        class_id: Some(class_id),
        before: None,
        after: None,
        reason: None,
    }
}

#[tokio::test]
async fn only_administrators_may_export_a_class_audit_trail() {
    let app = spawn_app().await;
    let a = app.checkin_fixture(1, None).await;
    let b = app.checkin_fixture(1, None).await;
    let trainee = app.trainee_token(&a.trainees[0].1, "phone-0000-abcdef").await;
    let (_, other_staff) = app.assigned_staff(&b.admin_token, &b.class_id).await;
    let (_, own_head_teacher) = app.assigned_staff(&a.admin_token, &a.class_id).await;
    let path = format!("/api/v1/classes/{}/audit.csv", a.class_id);
    let cases = [
        (None, 401, "auth_required", "no login"),
        (Some(trainee.as_str()), 403, "forbidden", "a trainee of the class"),
        (Some(other_staff.as_str()), 403, "forbidden", "staff of another class"),
        (Some(own_head_teacher.as_str()), 403, "forbidden", "the class's own 班主任 (the trail oversees them)"),
    ];
    for (token, want_status, want_code, who) in cases {
        let (status, code, _) = error_body(app.get(&path, token).await).await;
        assert_eq!((status, code.as_str()), (want_status, want_code), "{who}");
        let (status, _, _) = error_body(app.get(&format!("/api/v1/audit?class_id={}", a.class_id), token).await).await;
        assert_eq!(status, want_status, "{who}, on the list");
    }
    let (status, code, _) =
        error_body(app.get(&format!("/api/v1/classes/{}/audit.csv", uuid::Uuid::now_v7()), Some(&a.admin_token)).await)
            .await;
    assert_eq!((status, code.as_str()), (404, "not_found"), "no such class");
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
    let paths = [
        "/api/v1/audit".to_owned(),
        format!("/api/v1/audit/{id}"),
        format!("/api/v1/classes/{}/audit.csv", f.class_id),
    ];
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
    assert_eq!(audit_paths.len(), 2, "the list and the class export: {:?}", audit_paths.iter().map(|p| p.0));
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
