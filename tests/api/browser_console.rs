//! The staff console's class set-up in a real browser: headless Chromium driven by `e2e/console.mjs`
//! (playwright-core) at 1366×768, every screen also shot at 375 px. An administrator signs in, creates a class,
//! assigns a 班主任 (an account this test made through the API), imports a roster (a file with two bad rows is
//! refused with each row's problem, the fixed file is confirmed), generates a week's timetable by the repeat rule
//! and opens the invite sheet; then the 班主任 signs in and sees only that class and its roster. This test checks
//! what the server recorded: the class, its staff, the roster, the timetable and the audit trail. Needs what
//! `browser.rs` needs; skips without it unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use rollcall::auth::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{TestApp, spawn_app};

/// The whole run; the script waits at most 15 s for any one step.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(90);
const STAFF_PASSWORD: &str = "banzhuren-2026-pass";
const STAFF_NAME: &str = "陈静";
const CODE: &str = "2026-QN-07";
const NAME: &str = "2026年秋季中青年干部培训班";
/// The class the 班主任 is not on: absent from their list.
const OTHER_CODE: &str = "2026-ZT-03";
const OTHER_NAME: &str = "乡村振兴专题研修班";

/// Five rows, two of them bad: 李红梅's phone has 7 digits, row 5 has no name.
const BAD_CSV: &str = "姓名,性别,手机号,单位,职务\n\
张晓明,男,13912340001,市发展和改革委员会,副主任\n\
李红梅,女,1391234,市财政局,科长\n\
王建国,男,13912340003,高新区管委会,副局长\n\
,女,13912340004,市教育局,科员\n\
赵丽华,女,13912340005,县委组织部,副部长\n";
/// The same file fixed: 李红梅's phone corrected, the nameless row removed.
const GOOD_CSV: &str = "姓名,性别,手机号,单位,职务\n\
张晓明,男,13912340001,市发展和改革委员会,副主任\n\
李红梅,女,13912340002,市财政局,科长\n\
王建国,男,13912340003,高新区管委会,副局长\n\
赵丽华,女,13912340005,县委组织部,副部长\n";
const TRAINEES: [(&str, &str); 4] =
    [("张晓明", "13912340001"), ("李红梅", "13912340002"), ("王建国", "13912340003"), ("赵丽华", "13912340005")];
/// What the bad rows' phones were: neither reaches the roster.
const REFUSED_PHONES: [&str; 2] = ["1391234", "13912340004"];

/// The timetable: the class's second week (the test clock is Thursday 2026-11-26), Monday to Friday, two slots.
const WEEK: [&str; 5] = ["2026-11-30", "2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"];
const MORNING: &str = "专题讲座：干部履职能力提升";
const AFTERNOON: &str = "分组研讨：基层治理案例";

/// The screens the script shoots, each at 1366 and 375 px.
const SCREENS: [&str; 18] = [
    "login",
    "classes",
    "class-new",
    "class",
    "import-errors",
    "import-clean",
    "roster",
    "repeat",
    "timetable",
    "invites",
    "policy",
    "session-edit",
    "screen-links",
    "trainee",
    "admin-staff",
    "admin-audit",
    "admin-outbox",
    "staff-classes",
];

/// A staff account made through the API, as an administrator would: (id, username).
async fn staff_account(app: &TestApp, admin: &str) -> (String, String) {
    let username = format!("chenjing-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let body = json!({"username": username, "display_name": STAFF_NAME, "password": STAFF_PASSWORD, "role": "staff"});
    let response = app.post_json("/api/v1/staff", Some(admin), &body).await;
    assert_eq!(response.status(), 201, "create the staff account");
    let created: Value = response.json().await.unwrap();
    (created["id"].as_str().unwrap().to_owned(), username)
}

async fn get_json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "GET {path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn an_administrator_sets_up_a_class_in_the_console_and_its_head_teacher_sees_it() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let admin_token = app.token_for(&admin).await;
    let (staff_id, staff_username) = staff_account(&app, &admin_token).await;
    // A class the 班主任 is not on, so their list has something to leave out.
    let other = json!({"code": OTHER_CODE, "name": OTHER_NAME, "kind": "topic", "start_date": "2026-11-23",
        "end_date": "2026-11-27", "status": "open"});
    assert_eq!(app.post_json("/api/v1/classes", Some(&admin_token), &other).await.status(), 201, "the other class");

    let files = tempfile::tempdir().expect("temp dir");
    let bad_file = files.path().join("学员名单-有误.csv");
    let good_file = files.path().join("学员名单.csv");
    std::fs::write(&bad_file, BAD_CSV).expect("write the bad CSV");
    std::fs::write(&good_file, GOOD_CSV).expect("write the fixed CSV");

    let scenario = json!({
        "admin": {"username": admin.username, "password": admin.password},
        "staff": {"username": staff_username, "password": STAFF_PASSWORD, "display_name": STAFF_NAME},
        "class": {"code": CODE, "name": NAME, "kind": "main", "start_date": "2026-11-23", "end_date": "2026-12-04",
            "organiser": "市委组织部", "venue": "党校主楼 301"},
        "other_class": {"code": OTHER_CODE, "name": OTHER_NAME},
        "roster": {
            "bad_file": bad_file, "good_file": good_file, "bad_total": 5,
            // Row numbers count the header as row 1, as in Excel.
            "bad_rows": [
                {"row": 3, "cell": "1391234", "problem": "手机号：手机号应为 11 位数字，以 1 开头"},
                {"row": 5, "cell": "13912340004", "problem": "姓名：姓名不能为空"},
            ],
            "trainees": TRAINEES.iter().map(|(name, _)| name).collect::<Vec<_>>(),
        },
        "timetable": {
            "from": WEEK[0], "to": WEEK[4], "weekdays": [1, 2, 3, 4, 5], "days": WEEK,
            "slots": [
                {"start": "09:00", "end": "11:30", "title": MORNING, "kind": "lecture", "credit": "2.5",
                 "venue": "党校主楼 301"},
                {"start": "14:30", "end": "17:00", "title": AFTERNOON, "kind": "discussion", "credit": "2",
                 "venue": "研讨室 A"},
            ],
            "sessions": 10, "credit": "22.5",
        },
    });
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/console.mjs")
        .arg(&app.address)
        .arg(&artifacts)
        .arg(scenario.to_string())
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/console.mjs");
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
        child.wait().await.expect("wait for node e2e/console.mjs")
    };
    let status: Option<ExitStatus> = tokio::time::timeout(SCRIPT_TIMEOUT, exchange).await.ok();
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let stderr = stderr.await.unwrap_or_default();
    let report =
        format!("after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}", started.elapsed(), lines_seen.join("\n"));
    let status = status.unwrap_or_else(|| panic!("e2e/console.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/console.mjs failed ({status}) {report}");
    println!("{}", lines_seen.join("\n"));
    for screen in SCREENS {
        for width in [1366, 375] {
            let path = artifacts.join(format!("console-{screen}-{width}.png"));
            assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
        }
    }
    let said = |prefix: &str| {
        lines_seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("e2e/console.mjs never printed {prefix}… {report}"))
    };
    let class_id = said("CLASS ");
    let shown_invites: Value = serde_json::from_str(&said("INVITES ")).expect("INVITES is JSON");

    // The class the form created, with the details typed, and the other class untouched beside it.
    let classes = get_json(&app, "/api/v1/classes?per_page=100", &admin_token).await;
    let items = classes["items"].as_array().unwrap();
    assert_eq!(items.len(), 2, "the class made in the browser and the other one: {classes}");
    let class = items.iter().find(|c| c["code"] == CODE).unwrap_or_else(|| panic!("no class {CODE}: {classes}"));
    assert_eq!(class["id"], class_id.as_str(), "the page the script landed on is the class's: {class}");
    let details = ["name", "kind", "start_date", "end_date", "organiser", "venue", "status"].map(|k| class[k].clone());
    let typed = [NAME, "main", "2026-11-23", "2026-12-04", "市委组织部", "党校主楼 301", "open"].map(|v| json!(v));
    assert_eq!(details, typed, "the details typed into the form: {class}");

    // Its staff: the one 班主任 assigned on the class page.
    let staff = get_json(&app, &format!("/api/v1/classes/{class_id}/staff"), &admin_token).await;
    let assigned: Vec<(&str, &str)> = staff
        .as_array()
        .unwrap()
        .iter()
        .map(|s| (s["staff_id"].as_str().unwrap(), s["role"].as_str().unwrap()))
        .collect();
    assert_eq!(assigned, [(staff_id.as_str(), "head_teacher")], "{staff}");

    // The roster: exactly the fixed file's trainees, with the corrected phone; nothing of the refused rows.
    let roster = get_json(&app, &format!("/api/v1/classes/{class_id}/roster?per_page=200"), &admin_token).await;
    assert_eq!(roster["total"], TRAINEES.len(), "{roster}");
    let mut enrolled: Vec<(String, String)> = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| (e["name"].as_str().unwrap().to_owned(), e["phone"].as_str().unwrap().to_owned()))
        .collect();
    enrolled.sort();
    let mut want: Vec<(String, String)> = TRAINEES.iter().map(|(n, p)| ((*n).to_owned(), (*p).to_owned())).collect();
    want.sort();
    assert_eq!(enrolled, want, "{roster}");
    assert!(roster["items"].as_array().unwrap().iter().all(|e| e["status"] == "active"), "{roster}");
    let text = roster.to_string();
    for phone in REFUSED_PHONES {
        assert!(!text.contains(&format!("\"{phone}\"")), "the refused row's phone {phone} is not enrolled: {roster}");
    }

    // The invite sheet showed each trainee's own code.
    let mut codes = app.invite_codes(&admin_token, &class_id).await;
    codes.sort();
    let mut shown: Vec<(String, String)> = shown_invites
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (c["name"].as_str().unwrap().to_owned(), c["code"].as_str().unwrap().to_owned()))
        .collect();
    shown.sort();
    assert_eq!(shown, codes, "the invite sheet's cards are the class's invite codes");

    // The timetable: Monday to Friday, 09:00–11:30 and 14:30–17:00 China time, nothing on other days.
    let sessions = get_json(&app, &format!("/api/v1/classes/{class_id}/sessions"), &admin_token).await;
    let mut got: Vec<(String, String, String, String, f64)> = sessions
        .as_array()
        .unwrap()
        .iter()
        .map(|s| {
            (
                s["starts_at"].as_str().unwrap().to_owned(),
                s["ends_at"].as_str().unwrap().to_owned(),
                s["title"].as_str().unwrap().to_owned(),
                s["kind"].as_str().unwrap().to_owned(),
                s["credit_hours"].as_f64().unwrap(),
            )
        })
        .collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    // In UTC: China time is 8 hours ahead.
    let slots = [("01:00", "03:30", MORNING, "lecture", 2.5), ("06:30", "09:00", AFTERNOON, "discussion", 2.0)];
    let expected: Vec<_> = WEEK
        .iter()
        .flat_map(|day| {
            slots.map(|(from, to, title, kind, credit)| {
                (format!("{day}T{from}:00Z"), format!("{day}T{to}:00Z"), title.to_owned(), kind.to_owned(), credit)
            })
        })
        .collect();
    assert_eq!(got, expected, "{sessions}");

    // The audit trail: the import and the batch, by the administrator, on this class.
    let audit = get_json(&app, &format!("/api/v1/audit?class_id={class_id}&per_page=100"), &admin_token).await;
    let entries = audit["items"].as_array().unwrap();
    let entry = |action: &str| {
        let found: Vec<&Value> = entries.iter().filter(|e| e["action"] == action).collect();
        assert_eq!(found.len(), 1, "one {action} entry: {audit}");
        let e = found[0];
        assert_eq!(e["actor_id"], admin.id.to_string(), "the administrator did {action}: {e}");
        assert_eq!(e["class_id"], class_id.as_str(), "{e}");
        e.clone()
    };
    // One import: the two previews (dry runs) wrote nothing.
    let import = entry("roster.import");
    assert_eq!(import["after"]["enrolled"], TRAINEES.len(), "the import's summary: {import}");
    let batch = entry("session.create_batch");
    assert_eq!(batch["after"]["sessions"], 10, "the batch's size: {batch}");
    assert_eq!(entry("class.create")["after"]["code"], CODE);
    assert_eq!(entry("class.staff_assign")["after"], json!({"staff_id": staff_id, "role": "head_teacher"}));
}
