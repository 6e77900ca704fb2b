//! The timetable: one session, a repeat rule, an import; edits once check-in has opened need a reason.

use chrono::Duration;
use reqwest::Method;
use serde_json::{Value, json};

use crate::helpers::{SMALL_ROSTER, error_body, spawn_app};

fn lecture(starts: &str, ends: &str) -> Value {
    json!({"title": "专题讲授", "kind": "lecture", "starts_at": starts, "ends_at": ends, "credit_hours": 3,
           "venue": "301 教室", "geofence": {"lat": 30.6573, "lng": 104.0657, "radius_m": 300, "coord": "gcj02"}})
}

#[tokio::test]
async fn staff_create_a_session_with_defaults_for_the_window() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let (_, staff) = app.assigned_staff(&fixture.admin_token, &fixture.id).await;
    let path = format!("/api/v1/classes/{}/sessions", fixture.id);
    let response = app.post_json(&path, Some(&staff), &lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z")).await;
    assert_eq!(response.status(), 201);
    let s: Value = response.json().await.unwrap();
    assert_eq!(s["credit_hours"], 3.0);
    assert_eq!(s["kind_label"], "讲授");
    assert_eq!(s["window"], json!({"open_before_min": 30, "late_after_min": 5, "close_after_min": 30}));
    assert_eq!(s["geofence"]["coord"], "gcj02");
    assert_eq!(s["rotation_seconds"], 10);
}

#[tokio::test]
async fn bad_sessions_are_refused_with_reasons() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let path = format!("/api/v1/classes/{}/sessions", fixture.id);
    let mut outside = lecture("2026-12-10T00:30:00Z", "2026-12-10T03:30:00Z");
    outside["title"] = json!("班外课程");
    let mut backwards = lecture("2026-11-27T03:30:00Z", "2026-11-27T00:30:00Z");
    backwards["title"] = json!("倒序");
    let mut credit = lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z");
    credit["credit_hours"] = json!(0.333);
    let mut radius = lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z");
    radius["geofence"]["radius_m"] = json!(5);
    let mut window = lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z");
    window["window"] = json!({"open_before_min": 30, "late_after_min": 20, "close_after_min": 10});
    let cases = [
        (outside, "outside the class dates"),
        (backwards, "ends before it starts"),
        (credit, "three decimals"),
        (radius, "tiny geofence"),
        (window, "closes before late"),
    ];
    for (body, why) in cases {
        let (status, code, message) = error_body(app.post_json(&path, Some(&fixture.admin_token), &body).await).await;
        assert_eq!((status, code.as_str()), (400, "validation_failed"), "{why}: {message}");
    }
}

#[tokio::test]
async fn a_repeat_rule_creates_weekday_mornings_and_afternoons() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let body = json!({
        "from": "2026-11-23", "to": "2026-12-04", "weekdays": [1, 2, 3, 4, 5], "skip_dates": ["2026-12-01"],
        "slots": [
            {"start": "08:30", "end": "11:30", "title": "上午课程", "kind": "lecture", "credit_hours": 3},
            {"start": "14:30", "end": "17:30", "title": "下午课程", "kind": "discussion", "credit_hours": 3}
        ]
    });
    let response = app
        .post_json(&format!("/api/v1/classes/{}/sessions/batch", fixture.id), Some(&fixture.admin_token), &body)
        .await;
    assert_eq!(response.status(), 201);
    let created: Vec<Value> = response.json().await.unwrap();
    assert_eq!(created.len(), 18, "9 weekdays (10 less one skipped) × 2 slots");
    assert_eq!(created[0]["starts_at"], "2026-11-23T00:30:00Z", "08:30 China time");

    let day: Vec<Value> = app
        .get(&format!("/api/v1/classes/{}/sessions?date=2026-11-26", fixture.id), Some(&fixture.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(day.len(), 2);
    assert_eq!(day[1]["title"], "下午课程");
}

#[tokio::test]
async fn a_timetable_imports_from_csv_after_a_dry_run() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let path = format!("/api/v1/classes/{}/sessions/import", fixture.id);
    let bad = "日期,开始时间,结束时间,课程名称,类型,学时,地点\n2026-11-27,08:30,11:30,讲授,讲授,3,301\n2026/11/28,25:00,11:30,错,讲授,3,301\n2026-11-29,08:30,11:30,错类型,唱歌,3,301\n";
    let report: Value = app
        .upload(&format!("{path}?dry_run=true"), &fixture.admin_token, "课表.csv", bad.into())
        .await
        .json()
        .await
        .unwrap();
    let rows: Vec<u64> = report["errors"].as_array().unwrap().iter().map(|e| e["row"].as_u64().unwrap()).collect();
    assert_eq!(rows, vec![3, 4]);
    assert_eq!(
        error_body(app.upload(&path, &fixture.admin_token, "课表.csv", bad.into()).await).await.1,
        "import_rejected"
    );

    let good = "日期,开始时间,结束时间,课程名称,类型,学时,地点,主讲人,纬度,经度,半径,坐标系\n\
                2026-11-27,08:30,11:30,专题讲授,讲授,3,301 教室,王教授,,,,\n\
                2026年11月27日,14:30,17:30,现场教学,现场教学,3,纪念馆,,30.6721,104.0812,500,GCJ-02\n";
    let report: Value = app.upload(&path, &fixture.admin_token, "课表.csv", good.into()).await.json().await.unwrap();
    assert_eq!(report["imported"], true, "{report}");
    let sessions: Vec<Value> = app
        .get(&format!("/api/v1/classes/{}/sessions", fixture.id), Some(&fixture.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.len(), 2);
    assert_eq!(sessions[1]["kind"], "onsite");
    assert_eq!(sessions[1]["geofence"]["radius_m"], 500);
    assert_eq!((sessions[0]["teacher"].as_str(), sessions[1]["teacher"].as_str()), (Some("王教授"), None), "主讲人");
}

#[tokio::test]
async fn once_check_in_opens_result_changing_edits_need_a_reason_and_are_audited() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let token = &fixture.admin_token;
    // Today 09:00–12:00 China time; the test clock says 08:30, and check-in opens at 08:30.
    let created: Value = app
        .post_json(
            &format!("/api/v1/classes/{}/sessions", fixture.id),
            Some(token),
            &lecture("2026-11-26T01:00:00Z", "2026-11-26T04:00:00Z"),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/sessions/{}", created["id"].as_str().unwrap());

    let retitle = app.send_json(Method::PATCH, &path, Some(token), &json!({"title": "专题讲授（调整）"})).await;
    assert_eq!(retitle.status(), 200, "title does not change results");

    let (status, code, _) =
        error_body(app.send_json(Method::PATCH, &path, Some(token), &json!({"credit_hours": 2})).await).await;
    assert_eq!((status, code.as_str()), (400, "reason_required"));

    let ok = app
        .send_json(Method::PATCH, &path, Some(token), &json!({"credit_hours": 2, "reason": "授课时间缩短为两小时"}))
        .await;
    assert_eq!(ok.status(), 200);
    assert_eq!(ok.json::<Value>().await.unwrap()["credit_hours"], 2.0);

    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=class_session&entity_id={}", created["id"].as_str().unwrap()), Some(token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(audit["items"][0]["reason"], "授课时间缩短为两小时");
    assert_eq!(audit["items"][0]["before"]["credit_hours"], 3.0);

    let (status, code, _) =
        error_body(app.client.delete(app.url(&path)).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "session_locked"));
}

#[tokio::test]
async fn a_session_whose_check_in_has_not_opened_can_change_freely_and_be_deleted() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let token = &fixture.admin_token;
    let created: Value = app
        .post_json(
            &format!("/api/v1/classes/{}/sessions", fixture.id),
            Some(token),
            &lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z"),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/sessions/{}", created["id"].as_str().unwrap());
    let moved = app
        .send_json(Method::PATCH, &path, Some(token), &json!({"starts_at": "2026-11-27T01:00:00Z", "geofence": null}))
        .await;
    assert_eq!(moved.status(), 200);
    assert_eq!(moved.json::<Value>().await.unwrap()["geofence"], Value::Null);

    app.clock.advance(Duration::hours(1));
    let deleted = app.client.delete(app.url(&path)).bearer_auth(token).send().await.unwrap();
    assert_eq!(deleted.status(), 204);
    assert_eq!(app.get(&path, Some(token)).await.status(), 404);
}

#[tokio::test]
async fn a_trainee_sees_the_days_timetable_of_their_classes_only() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let mine = app.create_class(&admin, "MINE").await;
    let other = app.create_class(&admin, "OTHER").await;
    for class in [&mine, &other] {
        app.post_json(
            &format!("/api/v1/classes/{class}/sessions"),
            Some(&admin),
            &lecture("2026-11-26T06:30:00Z", "2026-11-26T09:30:00Z"),
        )
        .await;
    }
    app.post_json(
        &format!("/api/v1/classes/{mine}/sessions"),
        Some(&admin),
        &lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z"),
    )
    .await;
    app.import_roster_csv(&admin, &mine, SMALL_ROSTER).await;
    let code = app.invite_codes(&admin, &mine).await[0].1.clone();
    let trainee = app.trainee_token(&code, "device-0001").await;

    let today: Vec<Value> = app.get("/api/v1/me/sessions", Some(&trainee)).await.json().await.unwrap();
    assert_eq!(today.len(), 1, "today (test clock) only, own class only");
    assert_eq!(today[0]["class_id"], mine.as_str());
    let tomorrow: Vec<Value> =
        app.get("/api/v1/me/sessions?date=2026-11-27", Some(&trainee)).await.json().await.unwrap();
    assert_eq!(tomorrow.len(), 1);
    let (status, code, _) = error_body(app.get("/api/v1/me/sessions?date=tomorrow", Some(&trainee)).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_query"));
}

#[tokio::test]
async fn a_session_opened_early_by_hand_is_locked_like_one_whose_window_opened() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let token = &fixture.admin_token;
    let created: Value = app
        .post_json(
            &format!("/api/v1/classes/{}/sessions", fixture.id),
            Some(token),
            &lecture("2026-11-27T00:30:00Z", "2026-11-27T03:30:00Z"),
        )
        .await
        .json()
        .await
        .unwrap();
    let path = format!("/api/v1/sessions/{}", created["id"].as_str().unwrap());
    assert_eq!(app.post_json(&format!("{path}/open"), Some(token), &json!({})).await.status(), 200);

    let (status, code, _) =
        error_body(app.send_json(Method::PATCH, &path, Some(token), &json!({"credit_hours": 2})).await).await;
    assert_eq!((status, code.as_str()), (400, "reason_required"));
    let (status, code, _) =
        error_body(app.client.delete(app.url(&path)).bearer_auth(token).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (409, "session_locked"), "check-ins may exist: deleting would lose them");
}
