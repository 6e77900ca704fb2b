//! The trainee's own page (`/h5/me`). Served as HTML with the server's date; and in a real browser: headless
//! Chromium driven by `e2e/me.mjs` (playwright-core) at a 375 px phone viewport. The trainee (logged in before the
//! script starts) asks for 病假 with an image and for 事假, withdraws the 事假, and the script prints
//! `SUBMITTED <id>`; this test checks what the server holds, approves the 病假 as the class's 班主任 and writes
//! `APPROVED <unread>` on the script's stdin; the script reloads and sees 已批准, the session as 请假, that many
//! unread messages, and the approval message, which it reads. This test then checks the server recorded the read. The browser part needs what
//! `browser.rs` needs; skips without it unless `ROLLCALL_TEST_REQUIRE_ALL=1`. The 结业 tab has its own scenario,
//! `e2e/me_cert.mjs`: completion decisions, the certificate download and its verification link.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{TestApp, spawn_app};

/// The whole exchange; the script waits at most 15 s for any one step and 30 s for the approval.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const SICK_REASON: &str = "发烧 38.5℃，需去医院就诊";
const PERSONAL_REASON: &str = "家中有事，需回单位处理";
const DEVICE: &str = "phone-me-e2e-00";

#[tokio::test]
async fn the_me_page_is_html_with_the_servers_date_and_the_check_in_page_links_to_it() {
    let app = spawn_app().await;
    let response = app.get("/h5/me", None).await;
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    assert!(content_type.starts_with("text/html"), "{content_type}");
    assert_eq!(response.headers()["cache-control"], "no-store");
    let page = response.text().await.unwrap();
    let shown = with_scripts(&app, &page).await;
    for part in ["请假", "考勤", "违纪", "消息", "撤回", "病假", "事假", "公假"] {
        assert!(shown.contains(part), "the page mentions {part}");
    }
    // The test clock is 2026-11-26 08:30 China time: the session picker's default is the server's day.
    assert!(page.contains(r#"data-today="2026-11-26""#), "the server's date is on the page");
    assert!(!page.contains("{{"), "no placeholder is left");

    let scan = app.get("/c/any-token", None).await.text().await.unwrap();
    assert!(scan.contains(r#"href="/h5/me""#), "the check-in page's result links to /h5/me");
}

#[tokio::test]
async fn the_me_page_has_a_completion_tab_with_the_certificate_actions() {
    let app = spawn_app().await;
    let page = app.get("/h5/me", None).await.text().await.unwrap();
    let page = with_scripts(&app, &page).await;
    for part in
        [r#"data-tab="completion">结业<"#, "当前结业审核状态", "结业审核结果", "下载证书 PDF", "在线验证", "已撤销"]
    {
        assert!(page.contains(part), "the page has {part}");
    }
    for path in ["'/me/completion'", "'/me/certificates'", "'/me/certificates/' + c.id + '/pdf'", "'/me/data.pdf'"] {
        assert!(page.contains(path), "the page fetches {path}");
    }
}

/// The page followed by the scripts it loads (its text lives in them), each fetched as the browser would.
async fn with_scripts(app: &TestApp, page: &str) -> String {
    let mut all = page.to_owned();
    for src in page.split(r#"<script src=""#).skip(1).filter_map(|rest| rest.split('"').next()) {
        let response = app.get(src, None).await;
        assert_eq!(response.status(), 200, "{src}");
        all.push_str(&response.text().await.unwrap());
    }
    all
}

/// Posts and expects `status`; returns the body.
async fn post_ok(app: &crate::helpers::TestApp, path: &str, token: &str, body: &Value, status: u16) -> Value {
    let response = app.post_json(path, Some(token), body).await;
    let got = response.status().as_u16();
    let text = response.text().await.unwrap();
    assert_eq!(got, status, "POST {path}: {text}");
    serde_json::from_str(&text).unwrap()
}

#[tokio::test]
async fn a_trainee_asks_for_leave_withdraws_one_and_sees_the_approval_on_the_phone() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let (name, code, enrollment_id) = f.trainees[0].clone();
    let (_, head_teacher) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    // A second session today, 14:00–17:00 China time, to withdraw a request for.
    let afternoon = post_ok(
        &app,
        &format!("/api/v1/classes/{}/sessions", f.class_id),
        &f.admin_token,
        &json!({"title": "分组研讨", "kind": "lecture", "starts_at": "2026-11-26T06:00:00Z",
            "ends_at": "2026-11-26T09:00:00Z", "credit_hours": 3}),
        201,
    )
    .await;
    let afternoon_id = afternoon["id"].as_str().unwrap().to_owned();
    // Two discipline records, the later one annulled: both reach the inbox.
    let discipline = format!("/api/v1/classes/{}/discipline", f.class_id);
    post_ok(
        &app,
        &discipline,
        &f.admin_token,
        &json!({"enrollment_id": enrollment_id, "category": "classroom", "severity": "minor",
            "occurred_at": "2026-11-25T02:10:00Z", "description": "课堂上多次使用手机"}),
        201,
    )
    .await;
    let late_night = post_ok(
        &app,
        &discipline,
        &f.admin_token,
        &json!({"enrollment_id": enrollment_id, "category": "schedule", "severity": "serious",
            "occurred_at": "2026-11-25T14:40:00Z", "description": "晚归超过规定时间"}),
        201,
    )
    .await;
    let annul = format!("/api/v1/discipline/{}/annul", late_night["id"].as_str().unwrap());
    post_ok(&app, &annul, &f.admin_token, &json!({"reason": "经核实系门禁记录错误"}), 200).await;

    let token = app.trainee_token(&code, DEVICE).await;
    let inbox: Value = app.get("/api/v1/inbox", Some(&token)).await.json().await.unwrap();
    let unread_before = inbox["unread"].as_u64().unwrap();
    assert_eq!(unread_before, 2, "the two discipline records are unread messages: {inbox}");
    let me: Value = app.get("/api/v1/me", Some(&token)).await.json().await.unwrap();
    let unit = me["trainee"]["unit"].as_str().unwrap().to_owned();

    let scenario = json!({
        "token": token, "device_id": DEVICE, "name": name, "unit": unit, "today": "2026-11-26",
        "class_id": f.class_id,
        "sessions": [
            {"id": f.session_id, "title": "专题讲授", "time": "09:00–12:00", "day": "11月26日"},
            {"id": afternoon_id, "title": "分组研讨", "time": "14:00–17:00", "day": "11月26日"},
        ],
        "sick_reason": SICK_REASON, "personal_reason": PERSONAL_REASON, "unread_before": unread_before,
        "discipline": [
            {"category_label": "违反作息制度", "severity_label": "较重", "description": "晚归超过规定时间",
             "when": "11月25日 22:40", "annul_reason": "经核实系门禁记录错误"},
            {"category_label": "违反课堂纪律（含使用手机）", "severity_label": "轻微", "description": "课堂上多次使用手机",
             "when": "11月25日 10:10", "annul_reason": null},
        ],
    });
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/me.mjs")
        .arg(&app.address)
        .arg(&artifacts)
        .arg(scenario.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/me.mjs");
    let mut stdin = Some(child.stdin.take().expect("piped stdin"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut lines_seen: Vec<String> = Vec::new();
    let mut approved: Option<String> = None;
    let mut unread_after = 0;
    let exchange = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.expect("read the script's stdout") {
            if let Some(id) = line.trim().strip_prefix("SUBMITTED ") {
                // What the page sent is what the server holds: pending at the 班主任, with the image.
                let path = format!("/api/v1/leave-requests/{id}");
                let held: Value = app.get(&path, Some(&head_teacher)).await.json().await.unwrap();
                assert_eq!(held["status"], "pending", "{held}");
                assert_eq!(held["kind"], "sick", "{held}");
                assert_eq!(held["reason"], SICK_REASON, "{held}");
                assert_eq!(held["enrollment_id"], enrollment_id.as_str(), "{held}");
                assert_eq!(held["waiting_for"], "head_teacher", "{held}");
                assert_eq!(held["has_attachment"], true, "{held}");
                let covered: Vec<&str> =
                    held["sessions"].as_array().unwrap().iter().map(|s| s["session_id"].as_str().unwrap()).collect();
                assert_eq!(covered, [f.session_id.as_str()], "{held}");
                let decided =
                    post_ok(&app, &format!("{path}/approve"), &head_teacher, &json!({"comment": "同意"}), 200).await;
                assert_eq!(decided["status"], "approved", "one step is enough for 3 学时: {decided}");
                approved = Some(id.to_owned());
                // The result message, and the warnings 3 of the class's 6 学时 on leave set off.
                let inbox: Value = app.get("/api/v1/inbox", Some(&token)).await.json().await.unwrap();
                unread_after = inbox["unread"].as_u64().unwrap();
                assert!(unread_after > unread_before, "the approval reached the inbox: {inbox}");
                let mut pipe = stdin.take().expect("SUBMITTED only once");
                let line = format!("APPROVED {unread_after}\n");
                pipe.write_all(line.as_bytes()).await.expect("write to the script's stdin");
                pipe.flush().await.expect("flush the script's stdin");
                stdin = Some(pipe);
            }
            lines_seen.push(line);
        }
        child.wait().await.expect("wait for node e2e/me.mjs")
    };
    let status: Option<ExitStatus> = tokio::time::timeout(SCRIPT_TIMEOUT, exchange).await.ok();
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    drop(stdin);
    let stderr = stderr.await.unwrap_or_default();
    let report =
        format!("after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}", started.elapsed(), lines_seen.join("\n"));
    let status = status.unwrap_or_else(|| panic!("e2e/me.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/me.mjs failed ({status}) {report}");
    let sick_id = approved.unwrap_or_else(|| panic!("e2e/me.mjs never printed SUBMITTED {report}"));
    println!("{}", lines_seen.join("\n"));
    for shot in ["me-pending.png", "me-approved.png", "me-inbox.png"] {
        let path = artifacts.join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
    }

    // The class's requests: the approved 病假 and the withdrawn 事假 for the afternoon, nothing else.
    let list: Value = app
        .get(&format!("/api/v1/classes/{}/leave-requests", f.class_id), Some(&head_teacher))
        .await
        .json()
        .await
        .unwrap();
    let mut states: Vec<(String, String, String)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            let covered = l["sessions"].as_array().unwrap().iter().map(|s| s["title"].as_str().unwrap()).collect();
            (l["kind"].as_str().unwrap().to_owned(), l["status"].as_str().unwrap().to_owned(), covered)
        })
        .collect();
    states.sort();
    let want = [
        ("personal".to_owned(), "cancelled".to_owned(), "分组研讨".to_owned()),
        ("sick".to_owned(), "approved".to_owned(), "专题讲授".to_owned()),
    ];
    assert_eq!(states, want, "{list}");
    assert!(list.as_array().unwrap().iter().any(|l| l["id"] == sick_id.as_str()), "{list}");

    // The tap on the approval message was recorded: read on the server, the unread count one down.
    let inbox: Value = app.get("/api/v1/inbox?per_page=50", Some(&token)).await.json().await.unwrap();
    assert_eq!(inbox["unread"], unread_after - 1, "{inbox}");
    let results: Vec<&Value> =
        inbox["items"].as_array().unwrap().iter().filter(|m| m["title"] == "请假已批准").collect();
    assert_eq!(results.len(), 1, "{inbox}");
    assert_eq!(results[0]["read"], true, "the page marked the approval read: {inbox}");
    assert_eq!(results[0]["kind"], "leave_result", "{inbox}");

    // And the morning session is on leave in the trainee's record.
    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    let morning = mine["sessions"].as_array().unwrap().iter().find(|s| s["session_id"] == f.session_id.as_str());
    assert_eq!(morning.map(|s| &s["status"]), Some(&json!("leave")), "{mine}");
}

const CERT_TIMEOUT: Duration = Duration::from_secs(90);
const REISSUE_REASON: &str = "单位名称更正";
const LEAVE_REASON: &str = "请假 7 学时，超过总学时 24.5 的 1/7（3.50 学时）";

/// The 结业 tab in Chromium (`e2e/me_cert.mjs`): in a finished class with certificates issued (李明华's re-issued
/// once, so one valid and one revoked), 王建国 sees 不予结业 with the leave reason; 李明华 sees 准予结业, the new
/// serial, downloads a PDF with the token and follows 在线验证; the old certificate shows greyed as 已撤销 with the
/// reason. In a class still running, 王建国 sees the same reason as the 当前结业审核状态.
#[tokio::test]
async fn a_trainee_sees_completion_and_downloads_the_certificate_on_the_phone() {
    use crate::certificates::{attendance, class, finish, read_pdf};

    if !crate::e2e::browser_ready().await {
        return;
    }
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    finish(&app, &c).await;
    let issued = post_ok(&app, &format!("/api/v1/classes/{}/certificates", c.id), &c.admin, &json!({}), 200).await;
    assert_eq!(issued["issued"], 2, "{issued}");
    let first = issued["certificates"].as_array().unwrap().iter().find(|x| x["holder_name"] == "李明华").unwrap();
    let old_serial = first["serial"].as_str().unwrap().to_owned();
    let reissue = format!("/api/v1/certificates/{}/reissue", first["id"].as_str().unwrap());
    let cert = post_ok(&app, &reissue, &c.admin, &json!({"reason": REISSUE_REASON}), 200).await;
    assert_ne!(cert["serial"], old_serial.as_str(), "{cert}");
    // A class still running, with the same attendance: the decision is live.
    let running = class(&app).await;
    attendance(&app, &running).await;

    let li = app.trainee_token(&c.invite("李明华"), "phone-cert-e2e-li").await;
    let wang = app.trainee_token(&c.invite("王建国"), "phone-cert-e2e-wang").await;
    let wang_live = app.trainee_token(&running.invite("王建国"), "phone-cert-e2e-wang-live").await;
    let pdf = app.get(&format!("/api/v1/me/certificates/{}/pdf", cert["id"].as_str().unwrap()), Some(&li)).await;
    if pdf.status() == 503 {
        assert!(!crate::helpers::must_run_everything(), "no CJK font for PDFs");
        eprintln!("SKIPPED: no CJK font for certificate PDFs");
        return;
    }
    assert_eq!(pdf.status(), 200);

    // What the API says, which the page must show; the reason is also checked against the rule's own wording.
    let mine = |token: String| {
        let app = &app;
        async move {
            let list: Value = app.get("/api/v1/me/completion", Some(&token)).await.json().await.unwrap();
            assert_eq!(list.as_array().unwrap().len(), 1, "{list}");
            list[0].clone()
        }
    };
    let messages = |entry: &Value| -> Vec<String> {
        entry["reasons"].as_array().unwrap().iter().map(|r| r["message"].as_str().unwrap().to_owned()).collect()
    };
    let (li_done, wang_done, wang_running) =
        (mine(li.clone()).await, mine(wang.clone()).await, mine(wang_live.clone()).await);
    assert_eq!(li_done["status"], "eligible", "{li_done}");
    assert_eq!(li_done["certificate"]["id"], cert["id"], "{li_done}");
    for entry in [&wang_done, &wang_running] {
        assert_eq!(entry["status"], "withheld", "{entry}");
        assert_eq!(messages(entry), [LEAVE_REASON], "{entry}");
    }
    let code = cert["verification_code"].as_str().unwrap();
    let verify_url = cert["verify_url"].as_str().unwrap();
    assert!(verify_url.ends_with(&format!("/verify/{code}")), "{cert}");

    let scenario = json!({"trainees": [
        {"key": "withheld", "token": wang, "device_id": "phone-cert-e2e-wang", "via": "tab", "class_id": c.id,
         "phase": "结业审核结果", "status": "withheld", "status_label": "不予结业",
         "attended_hours": wang_done["attended_hours"], "reasons": messages(&wang_done),
         "reason_contains": "请假 7 学时", "certificate": null, "revoked": null, "present": 5},
        {"key": "live", "token": wang_live, "device_id": "phone-cert-e2e-wang-live", "via": "hash",
         "class_id": running.id, "phase": "当前结业审核状态", "status": "withheld", "status_label": "不予结业",
         "attended_hours": wang_running["attended_hours"], "reasons": messages(&wang_running),
         "reason_contains": "请假 7 学时", "certificate": null, "revoked": null, "present": 5},
        {"key": "issued", "token": li, "device_id": "phone-cert-e2e-li", "via": "hash", "class_id": c.id,
         "phase": "结业审核结果", "status": "eligible", "status_label": "准予结业", "attended_hours": "24.5",
         "reasons": [], "reason_contains": null,
         "certificate": {"id": cert["id"], "serial": cert["serial"], "issue_date": "2026年11月26日",
            "credit_hours": "24.5", "verify_url": verify_url, "code": code},
         "revoked": {"serial": old_serial, "reason": REISSUE_REASON}, "present": 7},
    ]});
    let shots = ["me-cert-withheld.png", "me-cert-live.png", "me-cert-issued.png"];
    crate::e2e::run_scenario("me_cert.mjs", &app.address, &scenario, CERT_TIMEOUT, &shots).await;
    let artifacts = crate::e2e::artifacts();
    // The file the browser saved is the certificate: a PDF with the holder and the new serial.
    let saved = std::fs::read(artifacts.join("me-certificate.pdf")).expect("the downloaded PDF was saved");
    assert!(saved.starts_with(b"%PDF"), "the download is a PDF");
    if let Some((text, _)) = read_pdf(&saved, "me-certificate.png") {
        let flat: String = text.split_whitespace().collect();
        for expected in ["李明华", cert["serial"].as_str().unwrap()] {
            assert!(flat.contains(expected), "{expected} in the downloaded PDF:\n{text}");
        }
        assert!(!flat.contains(&old_serial), "the downloaded PDF is the new certificate:\n{text}");
    }
}

/// A trainee in a running class and a finished one (`e2e/me_classes.mjs`): 考勤 shows the running class's own
/// totals under its name, and each class's sessions under a heading of their own, the running class first (issue
/// 15, item 9).
#[tokio::test]
async fn a_trainee_in_two_classes_sees_each_class_apart_on_the_phone() {
    use reqwest::Method;

    if !crate::e2e::browser_ready().await {
        return;
    }
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let (name, code, _) = f.trainees[0].clone();
    let device = "phone-classes-e2e-00";
    let token = app.trainee_token(&code, device).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &crate::helpers::nonce(), None).await.status(), 201);

    // The same person (same phone) was in a class that finished earlier, present at its one session by a staff entry.
    let old = app.create_class(&f.admin_token, "OLD-2026-02").await;
    let csv = format!("姓名,手机号,单位\n{name},{}0000,测试单位0\n", f.phone_prefix);
    app.import_roster_csv(&f.admin_token, &old, &csv).await;
    let session = post_ok(
        &app,
        &format!("/api/v1/classes/{old}/sessions"),
        &f.admin_token,
        &json!({"title": "开班动员", "kind": "lecture", "starts_at": "2026-11-23T01:00:00Z",
                "ends_at": "2026-11-23T03:00:00Z", "credit_hours": 2}),
        201,
    )
    .await;
    let roster: Value =
        app.get(&format!("/api/v1/classes/{old}/roster"), Some(&f.admin_token)).await.json().await.unwrap();
    let enrollment = roster["items"][0]["enrollment_id"].as_str().unwrap();
    let path = format!("/api/v1/sessions/{}/attendance/{enrollment}", session["id"].as_str().unwrap());
    let present = json!({"status": "present", "reason": "签到机故障，按签到表补录"});
    let response = app.send_json(Method::PUT, &path, Some(&f.admin_token), &present).await;
    assert_eq!(response.status(), 200, "{}", response.text().await.unwrap());
    let finished = json!({"status": "finished"});
    let response =
        app.send_json(Method::PATCH, &format!("/api/v1/classes/{old}"), Some(&f.admin_token), &finished).await;
    assert_eq!(response.status(), 200);

    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    let classes = mine["classes"].as_array().unwrap();
    let earned: Vec<f64> = classes.iter().map(|c| c["totals"]["credit_hours_earned"].as_f64().unwrap()).collect();
    assert_eq!(earned, [3.0, 2.0], "each class's own 学时: {mine}");
    let mut names = Vec::new();
    for id in [&f.class_id, &old] {
        let class: Value = app.get(&format!("/api/v1/classes/{id}"), Some(&f.admin_token)).await.json().await.unwrap();
        names.push(class["name"].as_str().unwrap().to_owned());
    }
    let scenario = json!({"token": token, "device_id": device, "classes": [
        {"name": names[0], "finished": false, "present": 1, "credit_hours": earned[0],
         "sessions": ["专题讲授"]},
        {"name": names[1], "finished": true, "present": 1, "credit_hours": earned[1],
         "sessions": ["开班动员"]},
    ]});
    crate::e2e::run_scenario("me_classes.mjs", &app.address, &scenario, CERT_TIMEOUT, &["me-classes.png"]).await;
}
