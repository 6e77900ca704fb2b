//! Classes: admins create and assign; staff see and act only on their classes.

use reqwest::Method;
use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{SMALL_ROSTER, error_body, spawn_app};

#[tokio::test]
async fn an_admin_creates_a_class_and_staff_cannot() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let body = json!({"code": "2026-QN-01", "name": "2026年中青年干部培训班", "kind": "commissioned",
        "start_date": "2026-11-23", "end_date": "2026-12-04", "organiser": "市委组织部"});
    let response = app.post_json("/api/v1/classes", Some(&admin), &body).await;
    assert_eq!(response.status(), 201);
    let class: Value = response.json().await.unwrap();
    assert_eq!(class["kind_label"], "委托班");
    assert_eq!(class["status"], "draft");

    let (status, code, _) = error_body(app.post_json("/api/v1/classes", Some(&admin), &body).await).await;
    assert_eq!((status, code.as_str()), (409, "class_code_taken"));

    let staff = app.create_account(Role::Staff).await;
    let staff_token = app.token_for(&staff).await;
    let other =
        json!({"code": "X-1", "name": "x", "kind": "main", "start_date": "2026-11-23", "end_date": "2026-11-24"});
    assert_eq!(error_body(app.post_json("/api/v1/classes", Some(&staff_token), &other).await).await.1, "forbidden");
}

#[tokio::test]
async fn bad_class_details_are_refused_with_reasons() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let cases = [
        (
            json!({"code": "a b", "name": "x", "kind": "main", "start_date": "2026-11-23", "end_date": "2026-11-24"}),
            "validation_failed",
            "space in code",
        ),
        (
            json!({"code": "A1", "name": " ", "kind": "main", "start_date": "2026-11-23", "end_date": "2026-11-24"}),
            "validation_failed",
            "blank name",
        ),
        (
            json!({"code": "A1", "name": "x", "kind": "main", "start_date": "2026-11-24", "end_date": "2026-11-23"}),
            "validation_failed",
            "end before start",
        ),
        (
            json!({"code": "A1", "name": "x", "kind": "weekly", "start_date": "2026-11-23", "end_date": "2026-11-24"}),
            "invalid_json",
            "unknown kind",
        ),
        (
            json!({"code": "A1", "name": "x", "kind": "main", "start_date": "2026-13-01", "end_date": "2026-11-24"}),
            "invalid_json",
            "bad date",
        ),
    ];
    for (body, want, why) in cases {
        let (status, code, _) = error_body(app.post_json("/api/v1/classes", Some(&admin), &body).await).await;
        assert_eq!((status, code.as_str()), (400, want), "{why}");
    }
}

#[tokio::test]
async fn an_admin_edits_a_class_and_the_change_is_audited() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let response = app
        .send_json(
            Method::PATCH,
            &format!("/api/v1/classes/{}", fixture.id),
            Some(&fixture.admin_token),
            &json!({"name": "改名后的班", "venue": null, "status": "finished"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let class: Value = response.json().await.unwrap();
    assert_eq!(class["name"], "改名后的班");
    assert_eq!(class["status"], "finished");
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=training_class&entity_id={}", fixture.id), Some(&fixture.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["action"], "class.update");
    assert_eq!(audit["items"][0]["before"]["name"], "T-01 培训班");
}

#[tokio::test]
async fn staff_list_only_their_classes() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_class(&admin, "A-1").await;
    let _b = app.create_class(&admin, "B-1").await;
    let (_, staff) = app.assigned_staff(&admin, &a).await;

    let mine: Value = app.get("/api/v1/classes", Some(&staff)).await.json().await.unwrap();
    assert_eq!(mine["total"], 1);
    assert_eq!(mine["items"][0]["id"], a.as_str());
    let all: Value = app.get("/api/v1/classes", Some(&admin)).await.json().await.unwrap();
    assert_eq!(all["total"], 2);

    let assigned: Value = app.get(&format!("/api/v1/classes/{a}/staff"), Some(&staff)).await.json().await.unwrap();
    assert_eq!(assigned[0]["role"], "head_teacher");
}

#[tokio::test]
async fn staff_of_class_a_get_404_or_403_on_every_class_b_route() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let a = app.create_class(&admin, "A-1").await;
    let b = app.create_class(&admin, "B-1").await;
    let (_, staff_a) = app.assigned_staff(&admin, &a).await;
    let (_, staff_b) = app.assigned_staff(&admin, &b).await;
    app.import_roster_csv(&staff_b, &b, SMALL_ROSTER).await;
    let roster: Value = app.get(&format!("/api/v1/classes/{b}/roster"), Some(&staff_b)).await.json().await.unwrap();
    let enrollment = roster["items"][0]["enrollment_id"].as_str().unwrap().to_owned();
    let session: Value = app
        .post_json(
            &format!("/api/v1/classes/{b}/sessions"),
            Some(&staff_b),
            &json!({"title": "讲授", "kind": "lecture", "starts_at": "2026-11-27T00:30:00Z", "ends_at": "2026-11-27T03:30:00Z", "credit_hours": 3}),
        )
        .await
        .json()
        .await
        .unwrap();
    let session = session["id"].as_str().unwrap().to_owned();
    let staff_id = uuid::Uuid::now_v7();

    let routes: Vec<(Method, String, Value, u16)> = vec![
        (Method::GET, format!("/api/v1/classes/{b}"), Value::Null, 404),
        (Method::PATCH, format!("/api/v1/classes/{b}"), json!({"name": "x"}), 403),
        (Method::GET, format!("/api/v1/classes/{b}/staff"), Value::Null, 404),
        (Method::POST, format!("/api/v1/classes/{b}/staff"), json!({"staff_id": staff_id, "role": "organiser"}), 403),
        (Method::DELETE, format!("/api/v1/classes/{b}/staff/{staff_id}"), Value::Null, 403),
        (Method::GET, format!("/api/v1/classes/{b}/sessions"), Value::Null, 404),
        (
            Method::POST,
            format!("/api/v1/classes/{b}/sessions"),
            json!({"title": "x", "kind": "lecture", "starts_at": "2026-11-27T00:30:00Z", "ends_at": "2026-11-27T01:30:00Z", "credit_hours": 1}),
            404,
        ),
        (
            Method::POST,
            format!("/api/v1/classes/{b}/sessions/batch"),
            json!({"from": "2026-11-23", "to": "2026-11-24", "slots": [{"start": "08:30", "end": "11:30", "title": "x", "kind": "lecture", "credit_hours": 3}]}),
            404,
        ),
        (Method::GET, format!("/api/v1/sessions/{session}"), Value::Null, 404),
        (Method::PATCH, format!("/api/v1/sessions/{session}"), json!({"title": "x"}), 404),
        (Method::DELETE, format!("/api/v1/sessions/{session}"), Value::Null, 404),
        (Method::GET, format!("/api/v1/classes/{b}/roster"), Value::Null, 404),
        (
            Method::POST,
            format!("/api/v1/classes/{b}/roster"),
            json!({"name": "甲", "phone": "13700000000", "unit": "某局"}),
            404,
        ),
        (Method::DELETE, format!("/api/v1/classes/{b}/roster/{enrollment}"), Value::Null, 404),
        (Method::GET, format!("/api/v1/classes/{b}/roster.xlsx"), Value::Null, 404),
        (Method::GET, format!("/api/v1/classes/{b}/roster.csv"), Value::Null, 404),
        (Method::GET, format!("/api/v1/classes/{b}/invites"), Value::Null, 404),
        (Method::POST, format!("/api/v1/classes/{b}/roster/{enrollment}/invite/reset"), json!({}), 404),
    ];
    for (method, path, body, want) in routes {
        let mut request = app.client.request(method.clone(), app.url(&path)).bearer_auth(&staff_a);
        if !body.is_null() {
            request = request.json(&body);
        }
        let (status, _, _) = error_body(request.send().await.unwrap()).await;
        assert_eq!(status, want, "{method} {path}");
    }
    for (path, file) in [
        (format!("/api/v1/classes/{b}/roster/import"), "r.csv"),
        (format!("/api/v1/classes/{b}/sessions/import"), "t.csv"),
    ] {
        let (status, _, _) =
            error_body(app.upload(&path, &staff_a, file, SMALL_ROSTER.as_bytes().to_vec()).await).await;
        assert_eq!(status, 404, "POST {path}");
    }

    // Nothing of class B changed.
    let after: Value = app.get(&format!("/api/v1/classes/{b}/roster"), Some(&staff_b)).await.json().await.unwrap();
    assert_eq!(after["total"], 3);
    assert_eq!(after["items"][0]["status"], "active");
}

#[tokio::test]
async fn unassigning_staff_takes_the_class_away() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let (staff, token) = app.assigned_staff(&fixture.admin_token, &fixture.id).await;
    assert_eq!(app.get(&format!("/api/v1/classes/{}", fixture.id), Some(&token)).await.status(), 200);
    let response = app
        .client
        .delete(app.url(&format!("/api/v1/classes/{}/staff/{}", fixture.id, staff.id)))
        .bearer_auth(&fixture.admin_token)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 204);
    assert_eq!(app.get(&format!("/api/v1/classes/{}", fixture.id), Some(&token)).await.status(), 404);
}
