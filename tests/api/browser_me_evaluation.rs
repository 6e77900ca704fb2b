//! The 评估 tab of the trainee's own page (`/h5/me`). Served in the page and its script; and in a real browser:
//! headless Chromium driven by `e2e/me_evaluation.mjs` (playwright-core) at a 375 × 812 phone viewport. The class has
//! the base's default form (its class part open, its one course's part opening when the course ends at 12:00) and a
//! form of one question of each other kind. The trainee answers two questions, reloads, finds the draft kept on the
//! phone, is told 总体评价 is missing (nothing sent), then submits; and submits the other form. This test then
//! checks what the server holds: one respondent to each, the trainee no longer to remind, one sheet per answered
//! part and none for the rest, and the script's report that no draft is left in localStorage. The browser part needs
//! what `browser.rs` needs; skips without it unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::e2e::{artifacts, manifest_dir};
use crate::helpers::{TestApp, spawn_app, spawn_app_with};

/// The whole run; the script waits at most 15 s for any one step.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);
const DEVICE: &str = "phone-evaluation-e2e-00";
const COMMENT: &str = "建议增加案例研讨的时间，课后资料能提前发放。";
const PRIVACY: &str = "评估匿名提交；未提交的内容只保存在本机。";

#[tokio::test]
async fn the_me_page_has_an_evaluation_tab_that_keeps_drafts_on_the_phone() {
    let app = spawn_app().await;
    let page = app.get("/h5/me", None).await.text().await.unwrap();
    let mut all = page.clone();
    for src in page.split(r#"<script src=""#).skip(1).filter_map(|rest| rest.split('"').next()) {
        let response = app.get(src, None).await;
        assert_eq!(response.status(), 200, "{src}");
        all.push_str(&response.text().await.unwrap());
    }
    for part in [
        r#"data-tab="completion">结业</button><button data-tab="evaluation">评估<"#,
        r#"<section id="tab-evaluation""#,
        PRIVACY,
        "'/me/evaluations'",
        "'/me/evaluations/' + encodeURIComponent(s.form.form_id) + '/answers'",
        "localStorage",
        "待填写",
        "已提交",
        "未开放",
        "非常满意",
        "基本满意",
    ] {
        assert!(all.contains(part), "the page has {part}");
    }
}

/// Posts and expects `status`; returns the body.
async fn post_ok(app: &TestApp, path: &str, token: &str, body: &Value, status: u16) -> Value {
    let response = app.post_json(path, Some(token), body).await;
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

async fn get_ok(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_trainee_fills_in_the_evaluation_on_the_phone_with_the_draft_kept_only_there() {
    if !crate::e2e::browser_ready().await {
        return;
    }
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(2, None).await;
    let class: Value = get_ok(&app, &format!("/api/v1/classes/{}", f.class_id), &f.admin_token).await;
    let class_name = class["name"].as_str().unwrap().to_owned();
    let forms = format!("/api/v1/classes/{}/evaluations", f.class_id);
    // The base's default form: the class part open since 08:00, the course's part once it ends at 12:00.
    let main = post_ok(
        &app,
        &forms,
        &f.admin_token,
        &json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-28T00:00:00Z"}),
        201,
    )
    .await;
    // One question of each other kind, about the class only.
    let questions = json!([
        {"id": "stars", "text": "授课效果", "kind": "stars", "required": true},
        {"id": "score", "text": "综合打分", "kind": "score"},
        {"id": "single", "text": "您最喜欢的授课方式", "kind": "single", "options": ["专题讲授", "案例教学", "现场教学"]},
        {"id": "multiple", "text": "希望增加的内容（可多选）", "kind": "multiple",
         "options": ["理论学习", "实务操作", "经验交流"]},
        {"id": "text", "text": "其他建议", "kind": "text"},
    ]);
    let body = json!({"title": "课程满意度调查", "opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-30T10:00:00Z",
        "session_ids": [], "questions": questions});
    let kinds = post_ok(&app, &forms, &f.admin_token, &body, 201).await;
    let (main_id, kinds_id) = (main["id"].as_str().unwrap().to_owned(), kinds["id"].as_str().unwrap().to_owned());

    let (_, code, enrollment_id) = f.trainees[0].clone();
    let token = app.trainee_token(&code, DEVICE).await;
    // The reminder (what links to /h5/me#evaluation): an unread message, so both badges are on the tabs.
    let reminded =
        post_ok(&app, &format!("/api/v1/evaluations/{main_id}/remind"), &f.admin_token, &json!({}), 200).await;
    assert_eq!(reminded["reminded"], 2, "{reminded}");
    let inbox = get_ok(&app, "/api/v1/inbox", &token).await;
    assert_eq!(inbox["unread"], 1, "{inbox}");
    let mine = get_ok(&app, "/api/v1/me/evaluations", &token).await;
    let course_label = mine[0]["parts"][1]["label"].as_str().unwrap().to_owned();
    assert_eq!(course_label, "2026-11-26 专题讲授", "{mine}");

    let scenario = json!({
        "token": token, "device_id": DEVICE, "class_name": class_name, "unread": 1,
        "main": {"form_id": main_id, "title": main["title"], "deadline": "11月28日 08:00", "comment": COMMENT,
                 "course": {"target": f.session_id, "label": "11月26日 专题讲授", "opens": "11月26日 12:00"}},
        "kinds": {"form_id": kinds_id, "title": "课程满意度调查", "deadline": "11月30日 18:00",
                  "stars": 4, "score": 85, "single": 1, "multiple": [0, 2]},
    });

    let started = Instant::now();
    let run = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/me_evaluation.mjs")
        .arg(&app.address)
        .arg(artifacts())
        .arg(scenario.to_string())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(SCRIPT_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("e2e/me_evaluation.mjs did not finish within {SCRIPT_TIMEOUT:?}"))
        .expect("run node e2e/me_evaluation.mjs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let report = format!(
        "after {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{}",
        started.elapsed(),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "e2e/me_evaluation.mjs failed ({}) {report}", out.status);
    println!("{report}");
    for shot in
        ["me-evaluation-list.png", "me-evaluation-form.png", "me-evaluation-submitted.png", "me-evaluation-kinds.png"]
    {
        let path = artifacts().join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "{} was not written", path.display());
    }

    // What the script saw left in localStorage: no draft, once submitted.
    let result: Value = stdout
        .lines()
        .find_map(|l| l.strip_prefix("RESULT "))
        .map(|r| serde_json::from_str(r).expect("RESULT is JSON"))
        .unwrap_or_else(|| panic!("the script printed no RESULT {report}"));
    assert_eq!(result["drafts_left"], json!([]), "no draft is left on the phone: {result}");
    assert_eq!(result["posts"], 2, "one POST per submitted part, no draft sent: {result}");
    assert!(result["draft_key"].as_str().unwrap().ends_with(&format!(".{main_id}.class")), "{result}");

    // The server: the trainee answered each form's class part once, and is no longer among those to remind.
    let progress = get_ok(&app, &format!("/api/v1/evaluations/{main_id}/progress"), &f.admin_token).await;
    assert_eq!(progress["parts"][0]["target"], "class", "{progress}");
    assert_eq!(progress["parts"][0]["respondents"], 1, "{progress}");
    assert_eq!(progress["parts"][1]["respondents"], 0, "the course part was not open: {progress}");
    let pending: Vec<&str> =
        progress["non_respondents"].as_array().unwrap().iter().map(|p| p["enrollment_id"].as_str().unwrap()).collect();
    assert_eq!(pending, [f.trainees[1].2.as_str()], "only the other trainee is left to remind: {progress}");
    assert!(!pending.contains(&enrollment_id.as_str()));
    let progress = get_ok(&app, &format!("/api/v1/evaluations/{kinds_id}/progress"), &f.admin_token).await;
    assert_eq!(progress["parts"][0]["respondents"], 1, "{progress}");

    // One sheet per submitted part and nothing else: no draft reached the server.
    let results = get_ok(&app, &format!("/api/v1/evaluations/{main_id}/results"), &f.admin_token).await;
    let sheets: Vec<(String, u64)> = results["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| (p["target"].as_str().unwrap().to_owned(), p["answers"].as_u64().unwrap()))
        .collect();
    assert_eq!(sheets, [("class".to_owned(), 1), (f.session_id.clone(), 0)], "{results}");
    let results = get_ok(&app, &format!("/api/v1/evaluations/{kinds_id}/results"), &f.admin_token).await;
    assert_eq!(results["parts"][0]["answers"], 1, "{results}");

    // And the trainee's own list agrees: both class parts 已提交.
    let mine = get_ok(&app, "/api/v1/me/evaluations", &token).await;
    for form in mine.as_array().unwrap() {
        assert_eq!(form["parts"][0]["answered"], true, "{mine}");
    }
}
