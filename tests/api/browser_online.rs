//! The staff console's page for an online live session in a real browser: headless Chromium driven by
//! `e2e/console_online.mjs` (playwright-core) at 1366×768, every screen also shot at 375 px. This test sets up
//! through the API a class of eight trainees (two of them named 张伟) with a 班主任 and an online session today.
//! The 班主任 opens the session's 线上考勤 from the timetable, uploads the meeting's export, reads the preview,
//! confirms the import, assigns the shared name 张伟 to the one from 市卫健委 and saves where the session is
//! streamed. This test checks what the server recorded (each trainee's status, nothing left to assign, one import
//! and one reapplication by the 班主任, the join details a trainee sees) and that no screen is wider than a phone.
//! Needs what `browser.rs` needs; skips without it unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rollcall::auth::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{TestApp, spawn_app};

/// The whole run; the script waits at most 15 s for any one step.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);
const CODE: &str = "2026-XS-05";
const NAME: &str = "2026年县处级干部线上专题培训班";
const TITLE: &str = "线上专题辅导：数字政府建设";

/// The roster (as in `online.rs`): two trainees named 张伟, from different units.
const ROSTER: &str = "姓名,手机号,单位\n李娜,13800000001,市发改委\n王芳,13800000002,市教育局\n赵强,13800000003,市财政局\n\
张伟,13800000004,市公安局\n张伟,13800000005,市卫健委\n陈静,13800000006,市民政局\n刘洋,13800000007,市商务局\n\
孙丽,13800000008,市司法局\n";

/// Joins on the session's day (the template: 姓名, 手机号, 入会时间, 退会时间), as in `online.rs`.
const JOINS: &str = "姓名,手机号,入会时间,退会时间\n\
李娜,,09:00,09:40\n李娜,,09:58,10:30\n\
王芳的iPad,13800000002,09:06,10:30\n\
赵强,,09:00,10:00\n赵强,,09:30,10:30\n\
孙丽,,08:30,09:45\n\
张伟,,09:00,10:30\n\
刘洋,,09:00,09:20\n";

/// Each trainee: name, phone, unit, the status the import gives, and the status after 张伟 is assigned to the
/// one from 市卫健委 (the 90-minute session, 80 % for 出勤, below 30 % 旷课, 5 minutes' grace).
#[rustfmt::skip]
const EXPECTED: [(&str, &str, &str, &str, &str); 8] = [
    ("李娜", "13800000001", "市发改委", "present", "present"),         // 40 + 32 minutes: 80 % exactly
    ("王芳", "13800000002", "市教育局", "late", "late"),               // by phone, joined 6 minutes late
    ("赵强", "13800000003", "市财政局", "present", "present"),         // two devices overlapping: 90 minutes
    ("张伟", "13800000004", "市公安局", "absent", "absent"),           // the name is shared: never guessed
    ("张伟", "13800000005", "市卫健委", "absent", "present"),          // assigned by the 班主任
    ("陈静", "13800000006", "市民政局", "absent", "absent"),           // not in the file
    ("刘洋", "13800000007", "市商务局", "absent", "absent"),           // 20 minutes: below 30 %
    ("孙丽", "13800000008", "市司法局", "early_leave", "early_leave"), // 45 minutes counted: between
];
const ASSIGNED_UNIT: &str = "市卫健委";

const PLATFORM_LABEL: &str = "腾讯会议";
const MEETING_NUMBER: &str = "736 285 149";
const JOIN_URL: &str = "https://meeting.tencent.com/dm/x7Kd29QpLm";

/// The screens the script shoots, each at 1366 and 375 px.
const SCREENS: [&str; 5] = ["empty", "preview", "imported", "assigned", "settings"];

fn label(status: &str) -> &'static str {
    match status {
        "present" => "出勤",
        "late" => "迟到",
        "early_leave" => "早退",
        "absent" => "旷课",
        other => panic!("no label for {other}"),
    }
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

async fn post_created(app: &TestApp, path: &str, token: &str, body: &Value) -> Value {
    let response = app.post_json(path, Some(token), body).await;
    let status = response.status();
    let answer: Value = response.json().await.unwrap();
    assert_eq!(status, 201, "POST {path}: {answer}");
    answer
}

/// The class with the roster above and its online session today 09:00–10:30 China time: (class id, session id).
async fn online_class(app: &TestApp, admin: &str) -> (String, String) {
    let class = json!({"code": CODE, "name": NAME, "kind": "topic", "start_date": "2026-11-23",
        "end_date": "2026-12-04", "organiser": "市委组织部", "status": "open"});
    let class_id = post_created(app, "/api/v1/classes", admin, &class).await["id"].as_str().unwrap().to_owned();
    let report = app.import_roster_csv(admin, &class_id, ROSTER).await;
    assert_eq!(report["imported"], true, "{report}");
    let body = json!({"title": TITLE, "kind": "online_live", "starts_at": "2026-11-26T09:00:00+08:00",
        "ends_at": "2026-11-26T10:30:00+08:00", "credit_hours": 2});
    let session = post_created(app, &format!("/api/v1/classes/{class_id}/sessions"), admin, &body).await;
    (class_id, session["id"].as_str().unwrap().to_owned())
}

#[tokio::test]
async fn a_head_teacher_imports_an_online_sessions_attendance_and_assigns_a_shared_name_in_the_console() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let admin_token = app.token_for(&admin).await;
    let (class_id, session_id) = online_class(&app, &admin_token).await;
    let (teacher, _) = app.assigned_staff(&admin_token, &class_id).await;

    let files = tempfile::tempdir().expect("temp dir");
    let joins_file = files.path().join("参会明细.csv");
    std::fs::write(&joins_file, JOINS).expect("write the export");

    let trainees: Vec<Value> = EXPECTED
        .iter()
        .map(|(name, _, unit, imported, assigned)| {
            json!({"name": name, "unit": unit, "preview": label(imported), "assigned": label(assigned)})
        })
        .collect();
    let scenario = json!({
        "staff": {"username": teacher.username, "password": teacher.password},
        "class": {"id": class_id, "name": NAME},
        "session": {"id": session_id, "title": TITLE},
        "joins_file": joins_file,
        "trainees": trainees,
        "watched": {"name": "李娜", "unit": "市发改委", "minutes": 72, "percent": "80%"},
        "unmatched": {"name": "张伟", "reason": "重名"},
        "assign": {"unit": ASSIGNED_UNIT},
        "settings": {"platform": PLATFORM_LABEL, "meeting_number": MEETING_NUMBER, "join_url": JOIN_URL},
    });
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/console_online.mjs")
        .arg(&app.address)
        .arg(&artifacts)
        .arg(scenario.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/console_online.mjs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut lines_seen: Vec<String> = Vec::new();
    let exchange = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.expect("read the script's stdout") {
            lines_seen.push(line);
        }
        child.wait().await.expect("wait for node e2e/console_online.mjs")
    };
    let status: Option<ExitStatus> = tokio::time::timeout(SCRIPT_TIMEOUT, exchange).await.ok();
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let stderr = stderr.await.unwrap_or_default();
    let report =
        format!("after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}", started.elapsed(), lines_seen.join("\n"));
    let status =
        status.unwrap_or_else(|| panic!("e2e/console_online.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/console_online.mjs failed ({status}) {report}");
    println!("{}", lines_seen.join("\n"));
    for screen in SCREENS {
        for width in [1366, 375] {
            let path = artifacts.join(format!("console-online-{screen}-{width}.png"));
            assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
        }
    }

    // No screen is wider than the phone: the wide tables scroll inside their own box, the page does not.
    let widths = lines_seen
        .iter()
        .find_map(|l| l.strip_prefix("WIDTHS "))
        .unwrap_or_else(|| panic!("e2e/console_online.mjs never printed WIDTHS {report}"));
    let widths: Value = serde_json::from_str(widths).expect("WIDTHS is JSON");
    for screen in SCREENS {
        let width = widths[screen].as_u64().unwrap_or_else(|| panic!("no width for {screen}: {widths}"));
        assert!(width <= 375 + 1, "{screen} is {width} px wide at 375 px: {widths}");
    }

    // Each trainee's record: the import's status, and the assigned 张伟's time.
    let list = get_json(&app, &format!("/api/v1/sessions/{session_id}/attendance"), &admin_token).await;
    let roster = get_json(&app, &format!("/api/v1/classes/{class_id}/roster?per_page=100"), &admin_token).await;
    let enrollment = |phone: &str| {
        roster["items"].as_array().unwrap().iter().find(|e| e["phone"] == phone).unwrap_or_else(|| panic!("{phone}"))
            ["enrollment_id"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    let mut got = Vec::new();
    let mut want = Vec::new();
    for (name, phone, _, _, assigned) in EXPECTED {
        let id = enrollment(phone);
        let entry = list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["enrollment_id"] == id.as_str())
            .unwrap_or_else(|| panic!("{name} {phone} is not in the attendance list: {list}"));
        got.push((
            name,
            phone,
            entry["status"].as_str().map(str::to_owned),
            entry["source"].as_str().map(str::to_owned),
        ));
        want.push((name, phone, Some(assigned.to_owned()), Some("online".to_owned())));
    }
    assert_eq!(got, want, "{list}");

    // Nothing left to assign; 张伟 is the one from 市卫健委, by the 班主任's assignment.
    let online = get_json(&app, &format!("/api/v1/sessions/{session_id}/online"), &admin_token).await;
    assert_eq!(online["unmatched"], 0, "{online}");
    let zhang: Vec<&Value> =
        online["viewers"].as_array().unwrap().iter().filter(|v| v["display_name"] == "张伟").collect();
    assert_eq!(zhang.len(), 1, "{online}");
    assert_eq!(
        (zhang[0]["matched"].as_str(), zhang[0]["enrollment_id"].as_str()),
        (Some("assigned"), Some(enrollment("13800000005").as_str())),
        "{online}"
    );

    // One import (the preview stored nothing), one reapplication for the assignment and the settings, all by the
    // 班主任, with the join details as typed.
    let audit =
        get_json(&app, &format!("/api/v1/audit?entity=class_session&class_id={class_id}&per_page=100"), &admin_token)
            .await;
    let rows = |action: &str| -> Vec<Value> {
        audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == action).cloned().collect()
    };
    for action in ["attendance.online_import", "attendance.online_reapply", "session.online_settings"] {
        let found = rows(action);
        assert_eq!(found.len(), 1, "one {action}: {audit}");
        assert_eq!(found[0]["actor_id"], teacher.id.to_string(), "the 班主任 did {action}: {audit}");
    }
    let settings = &rows("session.online_settings")[0]["after"];
    assert_eq!(
        (settings["platform"].as_str(), settings["meeting_number"].as_str(), settings["join_url"].as_str()),
        (Some("tencent_meeting"), Some(MEETING_NUMBER), Some(JOIN_URL)),
        "{settings}"
    );
    assert_eq!(settings["rule"], Value::Null, "the class's rule was left in place: {settings}");

    // What a trainee sees beside the session on their phone.
    let codes = app.invite_codes(&admin_token, &class_id).await;
    let code = &codes.iter().find(|(name, _)| name == "李娜").expect("李娜's invite code").1;
    let token = app.trainee_token(code, "phone-online-browser").await;
    let mine = get_json(&app, "/api/v1/me/attendance", &token).await;
    let session = mine["sessions"].as_array().unwrap().iter().find(|s| s["session_id"] == session_id.as_str());
    let online = &session.unwrap_or_else(|| panic!("the session is not in 李娜's list: {mine}"))["online"];
    assert_eq!(
        (online["platform_label"].as_str(), online["meeting_number"].as_str(), online["join_url"].as_str()),
        (Some(PLATFORM_LABEL), Some(MEETING_NUMBER), Some(JOIN_URL)),
        "{mine}"
    );
}
