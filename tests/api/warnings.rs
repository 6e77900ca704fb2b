//! Warnings: the 1/7 leave rule at its boundaries with fractional 学时 (through the API, on real sessions), each
//! threshold announced once to the trainee and the class's staff, 旷课 and lateness lines, the at-risk list.

use serde_json::{Value, json};

use crate::helpers::{ClockExt, TestApp, spawn_app};

/// A class with one trainee and sessions of the given 学时 on successive days from 2026-11-23 (09:00–12:00
/// China time); returns (class id, admin token, enrollment id, trainee token, session ids).
async fn class_with_sessions(app: &TestApp, credits: &[f64]) -> (String, String, String, String, Vec<String>) {
    let (_, admin) = app.admin().await;
    let class_id = app.create_class(&admin, &format!("W{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
    let phone = format!("139{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    app.import_roster_csv(&admin, &class_id, &format!("姓名,手机号,单位\n张三,{phone},某县发改局\n")).await;
    let mut ids = Vec::new();
    for (i, credit) in credits.iter().enumerate() {
        let day = 23 + i as u32;
        let (m, d) = if day > 30 { (12, day - 30) } else { (11, day) };
        let starts = format!("2026-{m:02}-{d:02}T01:00:00Z");
        let ends = format!("2026-{m:02}-{d:02}T04:00:00Z");
        ids.push(app.add_session(&admin, &class_id, &starts, &ends, *credit).await);
    }
    let codes = app.invite_codes(&admin, &class_id).await;
    let roster: Value =
        app.get(&format!("/api/v1/classes/{class_id}/roster"), Some(&admin)).await.json().await.unwrap();
    let enrollment = roster["items"][0]["enrollment_id"].as_str().unwrap().to_owned();
    let trainee = app.trainee_token(&codes[0].1, &format!("phone-w-{}", &class_id[..8])).await;
    (class_id, admin, enrollment, trainee, ids)
}

async fn record_leave(app: &TestApp, admin: &str, class_id: &str, enrollment: &str, sessions: &[String]) {
    let body = json!({"enrollment_id": enrollment, "kind": "personal", "reason": "家中有事",
        "session_ids": sessions, "record_reason": "事后补假"});
    let response = app.post_json(&format!("/api/v1/classes/{class_id}/leave-records"), Some(admin), &body).await;
    assert_eq!(response.status(), 201, "record leave");
}

async fn at_risk(app: &TestApp, token: &str, class_id: &str) -> Vec<Value> {
    let list: Value = app.get(&format!("/api/v1/classes/{class_id}/at-risk"), Some(token)).await.json().await.unwrap();
    list.as_array().unwrap().clone()
}

async fn warning_titles(app: &TestApp, token: &str) -> Vec<String> {
    let inbox: Value = app.get("/api/v1/inbox?per_page=200", Some(token)).await.json().await.unwrap();
    inbox["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|m| m["kind"] == "warning")
        .map(|m| m["title"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn the_one_seventh_rule_at_its_boundaries_with_fractional_hours() {
    let app = spawn_app().await;
    // (学时 of each session, sessions on leave (indexes), lines expected)
    let table: &[(&[f64], &[usize], &[&str])] = &[
        // 24.5 total: the limit is exactly 3.5; 3.5 of leave reaches it without going over.
        (&[3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.5], &[0], &["leave_70", "leave_100"]),
        // 24.51 total (limit 3.501…): 3.51 is over.
        (&[3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.51], &[6], &["leave_70", "leave_100", "leave_over"]),
        // 24.49 total (limit 3.498…): 3.5 is over.
        (&[3.5, 3.5, 3.5, 3.5, 3.5, 3.5, 3.49], &[0], &["leave_70", "leave_100", "leave_over"]),
        // 35 total (limit 5): 3.5 is exactly 70 %.
        (&[3.5, 10.0, 10.0, 11.5], &[0], &["leave_70"]),
        // 35 total: 3.49 is 69.8 %: nothing.
        (&[3.49, 10.0, 10.0, 11.51], &[0], &[]),
        // 35 total: two sessions, 2.5 + 2.5 = 5: at the limit.
        (&[2.5, 2.5, 10.0, 10.0, 10.0], &[0, 1], &["leave_70", "leave_100"]),
        // 35 total: 2.5 + 2.51 = 5.01: over.
        (&[2.5, 2.51, 10.0, 9.99, 10.0], &[0, 1], &["leave_70", "leave_100", "leave_over"]),
    ];
    for (credits, on_leave, expected) in table {
        let (class_id, admin, enrollment, _, sessions) = class_with_sessions(&app, credits).await;
        let chosen: Vec<String> = on_leave.iter().map(|i| sessions[*i].clone()).collect();
        record_leave(&app, &admin, &class_id, &enrollment, &chosen).await;
        let list = at_risk(&app, &admin, &class_id).await;
        let got: Vec<String> = list
            .first()
            .map(|r| r["thresholds"].as_array().unwrap().iter().map(|t| t.as_str().unwrap().to_owned()).collect())
            .unwrap_or_default();
        assert_eq!(got, *expected, "credits {credits:?}, leave {on_leave:?}");
        if let Some(r) = list.first() {
            let total: f64 = credits.iter().sum();
            let leave: f64 = on_leave.iter().map(|i| credits[*i]).sum();
            assert_eq!(r["leave_hours"], format!("{leave:.2}"));
            assert_eq!(r["leave_limit_hours"], format!("{:.2}", total / 7.0));
        }
    }
}

#[tokio::test]
async fn each_threshold_is_announced_once_to_the_trainee_and_the_staff() {
    let app = spawn_app().await;
    // 35 学时: the limit is 5. Sessions of 1.75, 1.75, 1.5, 0.5 and the rest.
    let (class_id, admin, enrollment, trainee, s) =
        class_with_sessions(&app, &[1.75, 1.75, 1.5, 0.5, 14.75, 14.75]).await;
    let (_, head) = app.assigned_staff(&admin, &class_id).await;

    // 1.75: 35 % — nothing.
    record_leave(&app, &admin, &class_id, &enrollment, &s[0..1]).await;
    assert!(warning_titles(&app, &trainee).await.is_empty());
    // 3.5: 70 % — one warning to the trainee and one to the 班主任.
    record_leave(&app, &admin, &class_id, &enrollment, &s[1..2]).await;
    let titles = warning_titles(&app, &trainee).await;
    assert_eq!(titles, ["考勤预警：请假达上限 70%"]);
    assert_eq!(warning_titles(&app, &head).await.len(), 1);
    // A correction elsewhere re-evaluates, but 70 % was already announced.
    let response = app
        .send_json(
            reqwest::Method::PUT,
            &format!("/api/v1/sessions/{}/attendance/{enrollment}", s[4]),
            Some(&head),
            &json!({"status": "present", "reason": "补签"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    assert_eq!(warning_titles(&app, &trainee).await.len(), 1);
    // 5.0: the limit — announced once; 5.5: over — announced once.
    record_leave(&app, &admin, &class_id, &enrollment, &s[2..3]).await;
    record_leave(&app, &admin, &class_id, &enrollment, &s[3..4]).await;
    let titles = warning_titles(&app, &trainee).await;
    assert_eq!(titles.len(), 3, "{titles:?}");
    assert!(titles[0].contains("超过上限"), "{titles:?}");
    assert!(titles[1].ends_with("请假达上限"), "{titles:?}");
    assert_eq!(warning_titles(&app, &head).await.len(), 3);
    let inbox: Value = app.get("/api/v1/inbox", Some(&trainee)).await.json().await.unwrap();
    let over =
        inbox["items"].as_array().unwrap().iter().find(|m| m["title"].as_str().unwrap().contains("超过")).unwrap();
    assert!(
        over["body"].as_str().unwrap().contains("累计请假 5.50 学时，超过总学时 35.00 的 1/7（5.00 学时）"),
        "{}",
        over["body"]
    );
    // Re-evaluating the whole class again announces nothing new.
    let fired = rollcall::warning::evaluate(&app.state, class_id.parse().unwrap(), None).await.unwrap();
    assert!(fired.is_empty());
    assert_eq!(warning_titles(&app, &trainee).await.len(), 3);

    // The at-risk list shows the numbers.
    let list = at_risk(&app, &head, &class_id).await;
    assert_eq!(list.len(), 1);
    assert_eq!(list[0]["leave_hours"], "5.50");
    assert_eq!(list[0]["leave_limit_hours"], "5.00");
    assert_eq!(list[0]["leave_percent_of_limit"], 110.0);
    assert_eq!(list[0]["breach"], true);
}

#[tokio::test]
async fn absences_at_close_and_repeated_lateness_reach_their_lines() {
    let app = spawn_app().await;
    let (class_id, admin, enrollment, trainee, s) = class_with_sessions(&app, &[3.0, 3.0, 3.0, 3.0]).await;
    let (_, head) = app.assigned_staff(&admin, &class_id).await;
    let policy = json!({"policy": {"completion": {"max_absences": 1, "late_warning_at": 2}}, "reason": "本班从严"});
    let response =
        app.send_json(reqwest::Method::PUT, &format!("/api/v1/classes/{class_id}/policy"), Some(&admin), &policy).await;
    assert_eq!(response.status(), 200);
    let saved: Value = app.get(&format!("/api/v1/classes/{class_id}/policy"), Some(&head)).await.json().await.unwrap();
    assert_eq!(saved["completion"]["max_absences"], 1);
    assert_eq!(saved["completion"]["leave_limit"], json!({"num": 1, "den": 7}), "defaults fill the rest");
    // Only administrators set the policy.
    let response =
        app.send_json(reqwest::Method::PUT, &format!("/api/v1/classes/{class_id}/policy"), Some(&head), &policy).await;
    assert_eq!(response.status(), 403);

    // The first session (23 Nov) closes without the trainee: 旷课, reaching the limit of 1.
    app.clock.set_china(2026, 11, 23, 12, 30);
    rollcall::attendance::close::sweep(&app.state, app.clock.now_utc()).await.unwrap();
    assert_eq!(warning_titles(&app, &trainee).await, ["考勤预警：旷课达上限"]);
    // Running the sweep again changes nothing.
    rollcall::attendance::close::sweep(&app.state, app.clock.now_utc()).await.unwrap();
    assert_eq!(warning_titles(&app, &trainee).await.len(), 1);

    // Two lates (entered as corrections) reach the lateness line once.
    for sid in &s[1..3] {
        let response = app
            .send_json(
                reqwest::Method::PUT,
                &format!("/api/v1/sessions/{sid}/attendance/{enrollment}"),
                Some(&head),
                &json!({"status": "late", "reason": "迟到 20 分钟"}),
            )
            .await;
        assert_eq!(response.status(), 200);
    }
    let titles = warning_titles(&app, &trainee).await;
    assert_eq!(titles.len(), 2, "{titles:?}");
    assert_eq!(titles[0], "考勤预警：迟到早退次数较多");
    let list = at_risk(&app, &head, &class_id).await;
    assert_eq!(list[0]["absences"], 1);
    assert_eq!(list[0]["lates"], 2);
    assert_eq!(list[0]["breach"], false);
}
