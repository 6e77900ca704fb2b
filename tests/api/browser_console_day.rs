//! The staff console's day's work and the end of a class in a real browser: headless Chromium driven by
//! `e2e/console_day.mjs` (playwright-core) at 1366×768, every screen also shot at 375 px. This test sets up through
//! the API a running class of 34 bound trainees with a 班主任, today's session open for check-in, and two leave
//! requests waiting. The 班主任 opens 今日 and the session's live board; while it is open this test checks 30
//! trainees in, and the board counts them without a reload. The 班主任 sets three of the missing to 请假 with one
//! reason, approves one request and rejects the other with a comment. An administrator then sets the class to
//! 已结业, withholds one trainee with a reason, issues the certificates after the confirmation, downloads the class
//! ZIP and one sending unit's Excel report. This test checks what the server recorded (the corrections and their
//! audit rows, the decisions in each trainee's inbox) and what was downloaded (a PDF per certificate issued, the
//! unit's trainees in the sheet). Needs what `browser.rs` needs; skips without it unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::collections::BTreeSet;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use calamine::Reader;
use rollcall::auth::Role;
use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{TestApp, nonce, spawn_app_with};

/// The whole exchange; the script waits at most 15 s for any one step and 30 s for the check-ins.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);
const STAFF_PASSWORD: &str = "banzhuren-2026-pass";
const STAFF_NAME: &str = "陈静";
const CODE: &str = "2026-KJ-02";
const NAME: &str = "2026年第二期科级干部任职培训班";

/// The sending units; trainee i comes from unit i mod 4.
const UNITS: [&str; 4] = ["市发展和改革委员会", "市财政局", "市教育局", "高新区管委会"];
/// The roster: 34 trainees; no name is part of another (the script finds rows by name).
#[rustfmt::skip]
const TRAINEES: [&str; 34] = [
    "张晓明", "李红梅", "王建国", "赵丽华", "刘志强", "陈思远", "杨秀英", "黄海涛", "周文博", "吴雅琴", "徐国平", "孙丽娟",
    "胡振宇", "朱晓燕", "高建华", "林永康", "何雪梅", "郭俊杰", "马春兰", "罗志刚", "梁晓东", "宋佳怡", "郑宏伟", "谢婉婷",
    "韩立新", "唐明辉", "冯淑芬", "于海波", "董建平", "萧美玲", "程思齐", "曹立军", "袁静怡", "邓子涵",
];
fn unit_of(i: usize) -> &'static str {
    UNITS[i % UNITS.len()]
}
/// The first 30 check in while the board is open; the last four do not.
const ARRIVING: usize = 30;
/// Three of the four missing, set to 请假 on the board with one reason.
const ON_LEAVE: [&str; 3] = ["程思齐", "曹立军", "袁静怡"];
const LEAVE_REASON: &str = "市委临时抽调参加专项督查，已电话确认";
/// Two trainees who checked in have asked for leave from tomorrow morning's session.
const SICK: (&str, &str) = ("张晓明", "发烧 38.5℃，需去医院输液");
const PERSONAL: (&str, &str) = ("李红梅", "单位通知返岗参加防汛值班");
const REJECT_COMMENT: &str = "防汛值班可由单位其他同志承担，请按时参训";
/// Withheld by hand on 结业与证书.
const WITHHELD: &str = "王建国";
const WITHHOLD_REASON: &str = "未按要求提交学习心得体会";
/// The unit whose report is downloaded.
const REPORT_UNIT: &str = "市财政局";

/// The timetable, China time: today's morning (the board's session) and seven more; 22 学时 in all, so one
/// session's 3 学时 of leave stays within the 1/7 limit and everyone but the withheld trainee is eligible.
const SESSIONS: [(&str, &str, &str, &str, f64); 8] = [
    ("2026-11-26T01:00:00Z", "2026-11-26T04:00:00Z", "专题讲座：干部履职能力提升", "lecture", 3.0),
    ("2026-11-26T06:30:00Z", "2026-11-26T09:00:00Z", "分组研讨：基层治理案例", "discussion", 2.5),
    ("2026-11-27T01:00:00Z", "2026-11-27T04:00:00Z", "专题讲座：依法行政与风险防控", "lecture", 3.0),
    ("2026-11-27T06:30:00Z", "2026-11-27T09:00:00Z", "现场教学：社区网格化管理", "discussion", 2.5),
    ("2026-11-30T01:00:00Z", "2026-11-30T04:00:00Z", "专题讲座：财政预算管理", "lecture", 3.0),
    ("2026-11-30T06:30:00Z", "2026-11-30T09:00:00Z", "案例教学：突发事件应对", "discussion", 2.5),
    ("2026-12-01T01:00:00Z", "2026-12-01T04:00:00Z", "专题讲座：调查研究方法", "lecture", 3.0),
    ("2026-12-01T06:30:00Z", "2026-12-01T09:00:00Z", "结业座谈", "discussion", 2.5),
];

/// The screens the script shoots, each at 1366 and 375 px.
const SCREENS: [&str; 13] = [
    "today",
    "board",
    "board-live",
    "board-marked",
    "leave",
    "leave-decided",
    "inbox",
    "class-edit",
    "completion",
    "withhold",
    "issued",
    "reports",
    "archive",
];

/// One trainee of the roster: name, unit, enrolment id, and their token (bound to a device by an invite login).
struct Trainee {
    name: String,
    unit: String,
    enrollment_id: String,
    token: String,
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

/// The class, its 班主任 (id, username), its timetable (session ids) and its trainees, each logged in on a phone.
async fn running_class(app: &TestApp, admin: &str) -> (String, (String, String), Vec<String>, Vec<Trainee>) {
    let class = json!({"code": CODE, "name": NAME, "kind": "main", "start_date": "2026-11-23",
        "end_date": "2026-12-04", "organiser": "市委组织部", "venue": "党校主楼 205", "status": "open"});
    let class_id = post_created(app, "/api/v1/classes", admin, &class).await["id"].as_str().unwrap().to_owned();

    let username = format!("chenjing-{}", &uuid::Uuid::new_v4().simple().to_string()[..6]);
    let staff = json!({"username": username, "display_name": STAFF_NAME, "password": STAFF_PASSWORD, "role": "staff"});
    let staff_id = post_created(app, "/api/v1/staff", admin, &staff).await["id"].as_str().unwrap().to_owned();
    let assign = json!({"staff_id": staff_id, "role": "head_teacher"});
    let response = app.post_json(&format!("/api/v1/classes/{class_id}/staff"), Some(admin), &assign).await;
    assert_eq!(response.status(), 200, "assign the 班主任");

    let mut csv = String::from("姓名,性别,手机号,单位,职务\n");
    for (i, name) in TRAINEES.iter().enumerate() {
        let sex = if i % 3 == 1 { "女" } else { "男" };
        csv.push_str(&format!("{name},{sex},1391234{i:04},{},科长\n", unit_of(i)));
    }
    let report = app.import_roster_csv(admin, &class_id, &csv).await;
    assert_eq!((report["imported"].as_bool(), report["to_enroll"].as_u64()), (Some(true), Some(34)), "{report}");

    let mut sessions = Vec::new();
    for (starts, ends, title, kind, credit) in SESSIONS {
        let body = json!({"title": title, "kind": kind, "starts_at": starts, "ends_at": ends, "credit_hours": credit,
            "venue": "党校主楼 205"});
        let created = post_created(app, &format!("/api/v1/classes/{class_id}/sessions"), admin, &body).await;
        sessions.push(created["id"].as_str().unwrap().to_owned());
    }

    let roster = get_json(app, &format!("/api/v1/classes/{class_id}/roster?per_page=200"), admin).await;
    let codes = app.invite_codes(admin, &class_id).await;
    let mut trainees = Vec::new();
    for (i, name) in TRAINEES.iter().enumerate() {
        let entry = roster["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["name"] == *name)
            .unwrap_or_else(|| panic!("{name} is not on the roster: {roster}"));
        let code = &codes.iter().find(|(n, _)| n == name).unwrap_or_else(|| panic!("no invite code for {name}")).1;
        trainees.push(Trainee {
            name: (*name).to_owned(),
            unit: entry["unit"].as_str().unwrap().to_owned(),
            enrollment_id: entry["enrollment_id"].as_str().unwrap().to_owned(),
            token: app.trainee_token(code, &format!("phone-day-{i:02}")).await,
        });
    }
    (class_id, (staff_id, username), sessions, trainees)
}

fn trainee<'a>(trainees: &'a [Trainee], name: &str) -> &'a Trainee {
    trainees.iter().find(|t| t.name == name).unwrap_or_else(|| panic!("no trainee {name}"))
}

/// A trainee asks for leave from a session; returns the request's id.
async fn ask_leave(app: &TestApp, who: &Trainee, class_id: &str, session_id: &str, kind: &str, reason: &str) -> String {
    let body = json!({"class_id": class_id, "kind": kind, "reason": reason, "session_ids": [session_id]});
    let asked = post_created(app, "/api/v1/me/leave-requests", &who.token, &body).await;
    assert_eq!((asked["status"].as_str(), asked["steps_required"].as_u64()), (Some("pending"), Some(1)), "{asked}");
    asked["id"].as_str().unwrap().to_owned()
}

/// The entries of a ZIP: (name, bytes).
fn zip_entries(path: &Path) -> Vec<(String, Vec<u8>)> {
    let file = std::fs::File::open(path).unwrap_or_else(|e| panic!("open {}: {e}", path.display()));
    let mut zip = zip::ZipArchive::new(file).expect("the download is a ZIP");
    (0..zip.len())
        .map(|i| {
            let mut entry = zip.by_index(i).unwrap();
            let mut bytes = Vec::new();
            entry.read_to_end(&mut bytes).unwrap();
            (entry.name().expect("a UTF-8 entry name").into_owned(), bytes)
        })
        .collect()
}

#[tokio::test]
async fn a_head_teacher_runs_the_day_and_an_administrator_ends_the_class_in_the_console() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    // 34 invite logins from one address: more than a guesser's allowance.
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let admin = app.create_account(Role::Admin).await;
    let admin_token = app.token_for(&admin).await;
    let (class_id, (staff_id, staff_username), sessions, trainees) = running_class(&app, &admin_token).await;
    let session_id = sessions[0].clone();
    let tomorrow = &sessions[2];
    let sick = ask_leave(&app, trainee(&trainees, SICK.0), &class_id, tomorrow, "sick", SICK.1).await;
    let personal = ask_leave(&app, trainee(&trainees, PERSONAL.0), &class_id, tomorrow, "personal", PERSONAL.1).await;
    let absent: Vec<&str> = TRAINEES[ARRIVING..].to_vec();
    let withheld = trainee(&trainees, WITHHELD);
    let unit_names: BTreeSet<&str> =
        trainees.iter().filter(|t| t.unit == REPORT_UNIT).map(|t| t.name.as_str()).collect();

    let scenario = json!({
        "admin": {"username": admin.username, "password": admin.password},
        "staff": {"username": staff_username, "password": STAFF_PASSWORD, "display_name": STAFF_NAME},
        "class": {"id": class_id, "name": NAME, "code": CODE},
        "session": {"id": session_id, "title": SESSIONS[0].2, "expected": TRAINEES.len()},
        "arriving": ARRIVING,
        "absent": absent,
        "leave": {"names": ON_LEAVE, "reason": LEAVE_REASON},
        "requests": [
            {"name": SICK.0, "kind": "病假", "reason": SICK.1, "decision": "approve", "comment": ""},
            {"name": PERSONAL.0, "kind": "事假", "reason": PERSONAL.1, "decision": "reject", "comment": REJECT_COMMENT},
        ],
        "completion": {
            "withhold": {"name": WITHHELD, "enrollment_id": withheld.enrollment_id, "reason": WITHHOLD_REASON},
            "issue": TRAINEES.len() - 1, "withheld": 1,
        },
        "unit": {"name": REPORT_UNIT, "trainees": unit_names.len()},
    });
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/console_day.mjs")
        .arg(&app.address)
        .arg(&artifacts)
        .arg(scenario.to_string())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/console_day.mjs");
    let mut stdin = Some(child.stdin.take().expect("piped stdin"));
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut lines_seen: Vec<String> = Vec::new();
    let mut checked_in = 0;
    let exchange = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.expect("read the script's stdout") {
            if line.trim() == "BOARD OPEN" {
                // The classroom screen's code, scanned by the first 30 on their own phones.
                let qr = app.qr_token(&admin_token, &session_id).await;
                for t in &trainees[..ARRIVING] {
                    let scan = app.scan(&t.token, &qr, &nonce(), None).await;
                    assert_eq!(scan.status(), 201, "{} checks in: {}", t.name, scan.text().await.unwrap());
                    checked_in += 1;
                }
                let mut pipe = stdin.take().expect("BOARD OPEN only once");
                pipe.write_all(format!("CHECKED IN {checked_in}\n").as_bytes()).await.expect("write to the script");
                pipe.flush().await.expect("flush the script's stdin");
                stdin = Some(pipe);
            }
            lines_seen.push(line);
        }
        child.wait().await.expect("wait for node e2e/console_day.mjs")
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
    let status =
        status.unwrap_or_else(|| panic!("e2e/console_day.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/console_day.mjs failed ({status}) {report}");
    assert_eq!(checked_in, ARRIVING, "e2e/console_day.mjs never printed BOARD OPEN {report}");
    println!("{}", lines_seen.join("\n"));
    for screen in SCREENS {
        for width in [1366, 375] {
            let path = artifacts.join(format!("console-day-{screen}-{width}.png"));
            assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
        }
    }
    let said = |prefix: &str| {
        lines_seen
            .iter()
            .find_map(|l| l.strip_prefix(prefix).map(str::to_owned))
            .unwrap_or_else(|| panic!("e2e/console_day.mjs never printed {prefix}… {report}"))
    };
    let marked: Vec<String> = serde_json::from_str(&said("MARKED ")).expect("MARKED is JSON");
    assert_eq!(marked, ON_LEAVE, "the trainees ticked on the board");

    // The session: 30 present, the three ticked on leave with the reason as their note, the last one still missing.
    let list = get_json(&app, &format!("/api/v1/sessions/{session_id}/attendance"), &admin_token).await;
    let status_of = |t: &Trainee| {
        list["entries"]
            .as_array()
            .unwrap()
            .iter()
            .find(|e| e["enrollment_id"] == t.enrollment_id.as_str())
            .unwrap_or_else(|| panic!("{} is not in the attendance list: {list}", t.name))
            .clone()
    };
    for t in &trainees[..ARRIVING] {
        assert_eq!(status_of(t)["status"], "present", "{} checked in: {list}", t.name);
    }
    let on_leave: Vec<&Trainee> = ON_LEAVE.iter().map(|n| trainee(&trainees, n)).collect();
    for t in &on_leave {
        let entry = status_of(t);
        assert_eq!((entry["status"].as_str(), entry["note"].as_str()), (Some("leave"), Some(LEAVE_REASON)), "{entry}");
    }
    assert_eq!(status_of(&trainees[TRAINEES.len() - 1])["status"], Value::Null, "the fourth missing one: {list}");

    // One audit row per trainee set to 请假, by the 班主任, with the one reason.
    let audit =
        get_json(&app, &format!("/api/v1/audit?entity=attendance&class_id={class_id}&per_page=200"), &admin_token)
            .await;
    let corrections: Vec<&Value> =
        audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "attendance.correct").collect();
    assert_eq!(corrections.len(), 3, "three corrections: {audit}");
    let mut corrected = BTreeSet::new();
    for row in &corrections {
        assert_eq!(row["reason"], LEAVE_REASON, "{row}");
        assert_eq!(row["actor_id"], staff_id.as_str(), "the 班主任 made it: {row}");
        assert_eq!(row["after"]["status"], "leave", "{row}");
        assert_eq!(row["after"]["session_id"], session_id.as_str(), "{row}");
        corrected.insert(row["after"]["enrollment_id"].as_str().unwrap().to_owned());
    }
    let want: BTreeSet<String> = on_leave.iter().map(|t| t.enrollment_id.clone()).collect();
    assert_eq!(corrected, want, "one row for each trainee ticked: {audit}");

    // The decisions, in each trainee's inbox.
    let held = get_json(&app, &format!("/api/v1/leave-requests/{sick}"), &admin_token).await;
    assert_eq!(held["status"], "approved", "{held}");
    let held = get_json(&app, &format!("/api/v1/leave-requests/{personal}"), &admin_token).await;
    assert_eq!(held["status"], "rejected", "{held}");
    assert_eq!(held["steps"][0]["comment"], REJECT_COMMENT, "{held}");
    let inbox_of = |name: &str| {
        let token = trainee(&trainees, name).token.clone();
        let app = &app;
        async move { get_json(app, "/api/v1/inbox?per_page=50", &token).await }
    };
    let inbox = inbox_of(SICK.0).await;
    let message = inbox["items"].as_array().unwrap().iter().find(|m| m["title"] == "请假已批准");
    let message = message.unwrap_or_else(|| panic!("{}'s inbox has no 请假已批准: {inbox}", SICK.0));
    assert!(message["body"].as_str().unwrap().contains("病假申请已批准"), "{message}");
    let inbox = inbox_of(PERSONAL.0).await;
    let message = inbox["items"].as_array().unwrap().iter().find(|m| m["title"] == "请假未批准");
    let message = message.unwrap_or_else(|| panic!("{}'s inbox has no 请假未批准: {inbox}", PERSONAL.0));
    let body = message["body"].as_str().unwrap();
    assert!(body.contains("事假申请未批准") && body.contains(&format!("审批意见：{REJECT_COMMENT}")), "{message}");

    // The class ended: a certificate for everyone but the withheld trainee, and the ZIP holds exactly their PDFs.
    let class = get_json(&app, &format!("/api/v1/classes/{class_id}"), &admin_token).await;
    assert_eq!(class["status"], "finished", "{class}");
    let certificates = get_json(&app, &format!("/api/v1/classes/{class_id}/certificates"), &admin_token).await;
    let certificates = certificates.as_array().unwrap();
    assert_eq!(certificates.len(), TRAINEES.len() - 1, "{certificates:?}");
    assert!(
        certificates.iter().all(|c| c["enrollment_id"] != withheld.enrollment_id.as_str()),
        "{WITHHELD} was withheld and has no certificate: {certificates:?}"
    );
    let zip = PathBuf::from(said("ZIP "));
    let entries = zip_entries(&zip);
    assert_eq!(entries.len(), certificates.len(), "one PDF per certificate issued in {}", zip.display());
    for (name, bytes) in &entries {
        assert!(name.ends_with(".pdf") && bytes.starts_with(b"%PDF"), "{name} is a PDF");
    }
    let serials: BTreeSet<&str> = certificates.iter().map(|c| c["serial"].as_str().unwrap()).collect();
    let in_zip: BTreeSet<&str> = entries.iter().map(|(name, _)| name.split('_').next().unwrap()).collect();
    assert_eq!(in_zip, serials, "the ZIP's files are named after the serials issued");
    assert!(entries.iter().all(|(name, _)| !name.contains(WITHHELD)), "no certificate for {WITHHELD} in the ZIP");

    // The unit's report: one row per trainee of that unit, by name.
    let xlsx = PathBuf::from(said("XLSX "));
    let mut book: calamine::Xlsx<_> = calamine::open_workbook(&xlsx).expect("the unit report opens as XLSX");
    let sheet = book.worksheet_range("学员培训情况").expect("the sheet 学员培训情况");
    let rows: Vec<Vec<String>> = sheet.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows[0][..2], ["序号", "姓名"], "the header row: {:?}", rows[0]);
    let names: Vec<&str> = rows[1..].iter().map(|r| r[1].as_str()).collect();
    assert_eq!(names.len(), unit_names.len(), "one row per trainee of {REPORT_UNIT}: {names:?}");
    assert_eq!(names.iter().copied().collect::<BTreeSet<_>>(), unit_names, "the unit's trainees");
}
