//! Online live classes: a meeting's attendance export becomes the session's attendance by watched time, on both
//! backends, with unmatched people left for staff and staff corrections kept.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_body, spawn_app};

const ROSTER: &str = "姓名,手机号,单位\n李娜,13800000001,市发改委\n王芳,13800000002,市教育局\n赵强,13800000003,市财政局\n\
张伟,13800000004,市公安局\n张伟,13800000005,市卫健委\n陈静,13800000006,市民政局\n刘洋,13800000007,市商务局\n\
孙丽,13800000008,市司法局\n";

struct Online {
    admin: String,
    class_id: String,
    session_id: String,
    /// Enrolment id by "name phone-suffix" (张伟 is two people).
    people: Vec<(String, String, String)>,
}

impl Online {
    fn id(&self, phone: &str) -> &str {
        &self.people.iter().find(|(_, p, _)| p == phone).unwrap().2
    }
}

/// A class with the roster above and an online session on `date`, 09:00–10:30 China time.
async fn online_class(app: &TestApp, date: &str) -> Online {
    let f = app.class_fixture().await;
    app.import_roster_csv(&f.admin_token, &f.id, ROSTER).await;
    let body = json!({"title": "线上专题辅导", "kind": "online_live", "starts_at": format!("{date}T09:00:00+08:00"),
        "ends_at": format!("{date}T10:30:00+08:00"), "credit_hours": 2});
    let response = app.post_json(&format!("/api/v1/classes/{}/sessions", f.id), Some(&f.admin_token), &body).await;
    assert_eq!(response.status(), 201);
    let session_id = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let roster: Value = app
        .get(&format!("/api/v1/classes/{}/roster?per_page=100", f.id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let people = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["name"].as_str().unwrap().to_owned(),
                e["phone"].as_str().unwrap().to_owned(),
                e["enrollment_id"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    Online { admin: f.admin_token, class_id: f.id, session_id, people }
}

async fn import(app: &TestApp, o: &Online, name: &str, bytes: Vec<u8>, dry_run: bool) -> Value {
    let path = format!("/api/v1/sessions/{}/online/import?dry_run={dry_run}", o.session_id);
    let response = app.upload(&path, &o.admin, name, bytes).await;
    assert_eq!(response.status(), 200, "import {name}");
    response.json().await.unwrap()
}

/// Status by phone from the session's attendance list (`None`: no record).
async fn records(app: &TestApp, o: &Online) -> Vec<(String, Option<String>, Option<String>)> {
    let list: Value =
        app.get(&format!("/api/v1/sessions/{}/attendance", o.session_id), Some(&o.admin)).await.json().await.unwrap();
    o.people
        .iter()
        .map(|(_, phone, id)| {
            let e = list["entries"].as_array().unwrap().iter().find(|e| e["enrollment_id"] == id.as_str()).unwrap();
            (phone.clone(), e["status"].as_str().map(str::to_owned), e["source"].as_str().map(str::to_owned))
        })
        .collect()
}

fn status_of<'a>(records: &'a [(String, Option<String>, Option<String>)], phone: &str) -> Option<&'a str> {
    records.iter().find(|(p, _, _)| p == phone).and_then(|(_, s, _)| s.as_deref())
}

/// Joins on the session's day (the template: 姓名, 手机号, 入会时间, 退会时间).
const JOINS: &str = "姓名,手机号,入会时间,退会时间\n\
李娜,,09:00,09:40\n李娜,,09:58,10:30\n\
王芳的iPad,13800000002,09:06,10:30\n\
赵强,,09:00,10:00\n赵强,,09:30,10:30\n\
孙丽,,08:30,09:45\n\
张伟,,09:00,10:30\n\
刘洋,,09:00,09:20\n";

#[tokio::test]
async fn an_import_gives_each_trainee_the_status_of_their_watched_time_and_never_guesses() {
    let app = spawn_app().await;
    let o = online_class(&app, "2026-11-26").await;
    // Staff already recorded 刘洋 as present (they followed from the classroom): no import overwrites that.
    let path = format!("/api/v1/sessions/{}/attendance/{}", o.session_id, o.id("13800000007"));
    let corrected = app
        .send_json(
            reqwest::Method::PUT,
            &path,
            Some(&o.admin),
            &json!({"status": "present", "reason": "在教室随堂学习"}),
        )
        .await;
    assert_eq!(corrected.status(), 200);

    let preview = import(&app, &o, "joins.csv", JOINS.as_bytes().to_vec(), true).await;
    assert_eq!(preview["dry_run"], true);
    assert_eq!(status_of(&records(&app, &o).await, "13800000001"), None, "a dry run stores nothing");

    let done = import(&app, &o, "joins.csv", JOINS.as_bytes().to_vec(), false).await;
    let trainee = |phone: &str| {
        let id = o.id(phone);
        done["trainees"].as_array().unwrap().iter().find(|t| t["enrollment_id"] == id).unwrap().clone()
    };
    // 72 of 90 minutes is 80 % exactly, there at both ends.
    assert_eq!(
        (trainee("13800000001")["status"].as_str(), trainee("13800000001")["watched_seconds"].as_i64()),
        (Some("present"), Some(72 * 60))
    );
    assert_eq!(trainee("13800000002")["status"], "late", "matched by phone, joined 6 minutes late");
    assert_eq!(trainee("13800000003")["watched_seconds"], 90 * 60, "two devices overlapping: merged, not 120 minutes");
    assert_eq!(trainee("13800000003")["status"], "present");
    assert_eq!(trainee("13800000008")["watched_seconds"], 45 * 60, "the time before the start does not count");
    assert_eq!(trainee("13800000008")["status"], "early_leave", "50 %: between absent and present");
    assert_eq!(trainee("13800000006")["status"], "absent", "no viewer at all");
    assert_eq!(trainee("13800000007")["kept"], "工作人员已修改，导入不覆盖");
    // 张伟 is two trainees: the viewer is left for staff, and neither is given the time.
    assert_eq!(done["unmatched"], 1);
    let zhang = done["viewers"].as_array().unwrap().iter().find(|v| v["display_name"] == "张伟").unwrap().clone();
    assert_eq!((zhang["matched"].as_str(), zhang["enrollment_id"].as_str()), (Some("ambiguous"), None));
    assert_eq!(trainee("13800000004")["status"], "absent");
    assert_eq!(trainee("13800000005")["status"], "absent");

    let stored = records(&app, &o).await;
    assert_eq!(status_of(&stored, "13800000001"), Some("present"));
    assert_eq!(status_of(&stored, "13800000002"), Some("late"));
    assert_eq!(status_of(&stored, "13800000007"), Some("present"), "the staff correction stands");
    assert!(stored.iter().filter(|(p, _, _)| p != "13800000007").all(|(_, _, s)| s.as_deref() == Some("online")));

    // The same file again changes nothing.
    let again = import(&app, &o, "joins.csv", JOINS.as_bytes().to_vec(), false).await;
    assert_eq!(again["changed"], 0, "re-importing is idempotent");
    assert_eq!(records(&app, &o).await, stored);

    // Staff assign the 张伟 of 市卫健委; the class remembers it.
    let assigned = app
        .post_json(
            &format!("/api/v1/sessions/{}/online/assign", o.session_id),
            Some(&o.admin),
            &json!({"display_name": "张伟", "enrollment_id": o.id("13800000005")}),
        )
        .await;
    assert_eq!(assigned.status(), 200);
    let assigned: Value = assigned.json().await.unwrap();
    assert_eq!(assigned["unmatched"], 0);
    let stored = records(&app, &o).await;
    assert_eq!(status_of(&stored, "13800000005"), Some("present"));
    assert_eq!(status_of(&stored, "13800000004"), Some("absent"));
    let third = import(&app, &o, "joins.csv", JOINS.as_bytes().to_vec(), false).await;
    let zhang = third["viewers"].as_array().unwrap().iter().find(|v| v["display_name"] == "张伟").unwrap().clone();
    assert_eq!(zhang["matched"], "assigned", "remembered for the rest of the class");
    assert_eq!(third["changed"], 0);

    // Completion reads the same records: after the session, 陈静's online absence counts and 李娜 earned the 学时.
    app.clock.advance(chrono::Duration::hours(3));
    let list: Value =
        app.get(&format!("/api/v1/classes/{}/completion", o.class_id), Some(&o.admin)).await.json().await.unwrap();
    let entry = |phone: &str| {
        let id = o.id(phone);
        list.as_array().unwrap().iter().find(|e| e["enrollment_id"] == id).unwrap().clone()
    };
    assert_eq!(entry("13800000006")["facts"]["absences"], 1, "{}", entry("13800000006"));
    assert_eq!(entry("13800000001")["facts"]["absences"], 0);
    assert_eq!(
        (entry("13800000001")["attended_hours"].as_str(), entry("13800000006")["attended_hours"].as_str()),
        (Some("2"), Some("0"))
    );
    // A class may cap online 学时: with at most 1.5 counted, 李娜's 2 online 学时 count as 1.5.
    let policy = json!({"policy": {"completion": {"max_online_hours": 1.5}}, "reason": "线上学时最多计 1.5"});
    let path = format!("/api/v1/classes/{}/policy", o.class_id);
    let saved = app.send_json(reqwest::Method::PUT, &path, Some(&o.admin), &policy).await;
    assert_eq!(saved.status(), 200);
    let list: Value =
        app.get(&format!("/api/v1/classes/{}/completion", o.class_id), Some(&o.admin)).await.json().await.unwrap();
    let li = list.as_array().unwrap().iter().find(|e| e["enrollment_id"] == o.id("13800000001")).unwrap();
    assert_eq!(
        (li["attended_hours"].as_str(), li["facts"]["online_attended_centi"].as_i64()),
        (Some("1.5"), Some(150))
    );
    // The certificates carry the same 学时: the class ends, every eligible trainee gets one.
    let class_path = format!("/api/v1/classes/{}", o.class_id);
    let finished =
        app.send_json(reqwest::Method::PATCH, &class_path, Some(&o.admin), &json!({"status": "finished"})).await;
    assert_eq!(finished.status(), 200);
    let issued: Value =
        app.post_json(&format!("{class_path}/certificates"), Some(&o.admin), &json!({})).await.json().await.unwrap();
    let credit = |phone: &str| {
        let id = o.id(phone);
        issued["certificates"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["enrollment_id"] == id)
            .map(|c| c["credit_hours"].clone())
    };
    assert_eq!(credit("13800000001"), Some(json!("1.5")), "{issued}");
    assert_eq!(credit("13800000002"), Some(json!("1.5")), "王芳 was late online: attended, capped");

    let audit: Value = app.get("/api/v1/audit?entity=class_session", Some(&o.admin)).await.json().await.unwrap();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert_eq!(actions.iter().filter(|a| **a == "attendance.online_import").count(), 3, "{actions:?}");
    assert!(actions.contains(&"attendance.online_reapply"));
}

#[tokio::test]
async fn a_tencent_meeting_workbook_imports_through_the_api() {
    let app = spawn_app().await;
    let o = online_class(&app, "2026-12-03").await;
    let bytes =
        std::fs::read(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/online/tencent-meeting-attendance.xlsx"))
            .unwrap();
    let done = import(&app, &o, "参会明细.xlsx", bytes, false).await;
    assert_eq!(done["layout_label"], "腾讯会议参会概况");
    let status = |phone: &str| {
        let id = o.id(phone);
        done["trainees"].as_array().unwrap().iter().find(|t| t["enrollment_id"] == id).unwrap()["status"]
            .as_str()
            .unwrap()
            .to_owned()
    };
    assert_eq!(status("13800000001"), "present", "李娜（市发改委）: the name before the brackets");
    assert_eq!(status("13800000002"), "late", "小王(王芳): the name inside, joined 09:07");
    // 赵强 joined three times: the detail sheet's joins give 64:42 of a 90-minute session (72 %), between the
    // thresholds.
    assert_eq!(status("13800000003"), "early_leave");
    let unmatched: Vec<&str> = done["viewers"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|v| v["enrollment_id"].is_null())
        .map(|v| v["display_name"].as_str().unwrap())
        .collect();
    assert_eq!(unmatched, ["主持人-教务处", "张伟", "13700137000", "iPhone"]);
}

#[tokio::test]
async fn only_online_sessions_import_and_a_file_without_a_known_layout_is_refused() {
    let app = spawn_app().await;
    let o = online_class(&app, "2026-11-26").await;
    let lecture = app.add_session(&o.admin, &o.class_id, "2026-11-27T01:00:00Z", "2026-11-27T02:30:00Z", 2.0).await;
    let response = app
        .upload(&format!("/api/v1/sessions/{lecture}/online/import"), &o.admin, "joins.csv", JOINS.as_bytes().to_vec())
        .await;
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (400, "validation_failed"));
    let response = app
        .upload(
            &format!("/api/v1/sessions/{}/online/import", o.session_id),
            &o.admin,
            "x.csv",
            "序号,备注\n1,x\n".into(),
        )
        .await;
    let (status, code, message) = error_body(response).await;
    assert_eq!((status, code.as_str()), (400, "file_unreadable"));
    assert!(message.contains("腾讯会议"), "{message}");
    let bad = "姓名,入会时间,退会时间\n李娜,九点,10:00\n";
    let response =
        app.upload(&format!("/api/v1/sessions/{}/online/import", o.session_id), &o.admin, "x.csv", bad.into()).await;
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (422, "import_rejected"));
}

#[tokio::test]
async fn trainees_see_where_to_join_an_online_session_and_only_https_links_are_kept() {
    let app = spawn_app().await;
    let o = online_class(&app, "2026-11-26").await;
    let path = format!("/api/v1/sessions/{}/online/settings", o.session_id);
    let bad = json!({"platform": "tencent_meeting", "join_url": "http://meeting.tencent.com/dm/abc"});
    let (status, code, _) = error_body(app.send_json(reqwest::Method::PUT, &path, Some(&o.admin), &bad).await).await;
    assert_eq!((status, code.as_str()), (400, "validation_failed"));
    let bad_rule = json!({"rule": {"present_percent": 50, "absent_below_percent": 60, "short_status": "early_leave",
        "late_minutes": 5, "early_minutes": 5}});
    let (status, _, message) =
        error_body(app.send_json(reqwest::Method::PUT, &path, Some(&o.admin), &bad_rule).await).await;
    assert_eq!(status, 400);
    assert!(message.contains("缺勤比例"), "{message}");
    let good = json!({"platform": "tencent_meeting", "meeting_number": "736 285 149",
        "join_url": "https://meeting.tencent.com/dm/abc"});
    assert_eq!(app.send_json(reqwest::Method::PUT, &path, Some(&o.admin), &good).await.status(), 200);

    let codes = app.invite_codes(&o.admin, &o.class_id).await;
    let code = &codes.iter().find(|(name, _)| name == "李娜").unwrap().1;
    let token = app.trainee_token(code, "phone-online-li").await;
    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    let session = mine["sessions"].as_array().unwrap().iter().find(|s| s["session_id"] == o.session_id.as_str());
    let session = session.expect("an online session is listed before it starts (09:00; now 08:30)");
    assert_eq!(session["status_label"], "未开始");
    let online = &session["online"];
    assert_eq!(online["platform_label"], "腾讯会议");
    assert_eq!(online["meeting_number"], "736 285 149");
    assert_eq!(online["join_url"], "https://meeting.tencent.com/dm/abc");
}

/// Posts the export to the console's upload form (multipart, the CSRF token as a field): status and page.
async fn console_upload(app: &TestApp, path: &str, cookie: &str, csrf: &str, bytes: &[u8]) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(bytes.to_vec()).file_name("参会明细.csv");
    let form = reqwest::multipart::Form::new().text("csrf", csrf.to_owned()).part("file", part);
    let response =
        app.client.post(app.url(path)).header(reqwest::header::COOKIE, cookie).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

#[tokio::test]
async fn a_class_teacher_previews_imports_and_assigns_on_the_console_page() {
    use crate::console::{csrf_of, page, post_form, session_cookie};
    let app = spawn_app().await;
    let o = online_class(&app, "2026-11-26").await;
    let (teacher, _) = app.assigned_staff(&o.admin, &o.class_id).await;
    let cookie = session_cookie(&app, &teacher).await;
    let base = format!("/console/sessions/{}/online", o.session_id);

    // The timetable leads to the online page instead of the QR screen.
    let (_, sessions, _) = page(&app, &format!("/console/classes/{}/sessions", o.class_id), Some(&cookie)).await;
    assert!(sessions.contains(&format!(r#"href="{base}">线上考勤</a>"#)), "{sessions}");
    let (status, body, _) = page(&app, &base, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("还没有导入参会记录") && body.contains("观看达到课程时长的 80% 记出勤"), "{body}");
    let csrf = csrf_of(&body);

    // A file that is not an export: refused on the page, at 400, nothing written.
    let (status, refused) = console_upload(&app, &format!("{base}/import"), &cookie, &csrf, b"a,b\n1,2\n").await;
    assert_eq!(status, 400, "{refused}");
    assert!(refused.contains("flash err"), "{refused}");

    // The preview: every figure, the 张伟 two trainees share left to assign, nothing stored.
    let (status, preview) = console_upload(&app, &format!("{base}/import"), &cookie, &csrf, JOINS.as_bytes()).await;
    assert_eq!(status, 200, "{preview}");
    assert!(preview.contains("预览（尚未导入）") && preview.contains("1 个待指定"), "{preview}");
    assert!(preview.contains("72 分钟") && preview.contains("80%"), "李娜: 72 minutes, 80 %: {preview}");
    assert!(preview.contains("重名"), "{preview}");
    assert!(!preview.contains("online/assign"), "no assignment before the import is confirmed");
    assert_eq!(status_of(&records(&app, &o).await, "13800000001"), None, "the preview stored nothing");
    let staged = preview.split(r#"name="staged" value=""#).nth(1).and_then(|r| r.split('"').next()).unwrap();

    // Another session of the class cannot take this kept file.
    let (status, _, _) =
        post_form(&app, &format!("{base}/import/confirm"), &cookie, &[("csrf", &csrf), ("staged", "0123abcd")]).await;
    assert_eq!(status, 400, "an unknown kept file is refused");
    let (status, location, _) =
        post_form(&app, &format!("{base}/import/confirm"), &cookie, &[("csrf", &csrf), ("staged", staged)]).await;
    assert_eq!(status, 303);
    assert!(location.starts_with(&format!("{base}?done=imported&n=")), "{location}");
    let stored = records(&app, &o).await;
    assert_eq!(status_of(&stored, "13800000001"), Some("present"));
    assert_eq!(status_of(&stored, "13800000002"), Some("late"));
    let (_, imported, _) = page(&app, &location, Some(&cookie)).await;
    assert!(imported.contains("已导入") && imported.contains("最近一次导入"), "{imported}");
    assert!(imported.contains(r#"name="display_name" value="张伟""#), "the ambiguous name has its form: {imported}");

    // Assigning needs a trainee chosen; then the 张伟 of 市卫健委 gets the time.
    let (status, _, body) = post_form(
        &app,
        &format!("{base}/assign"),
        &cookie,
        &[("csrf", &csrf), ("display_name", "张伟"), ("enrollment_id", "")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("请为「张伟」选择一名学员"), "{body}");
    let (status, location, _) = post_form(
        &app,
        &format!("{base}/assign"),
        &cookie,
        &[("csrf", &csrf), ("display_name", "张伟"), ("enrollment_id", o.id("13800000005"))],
    )
    .await;
    assert_eq!((status, location.starts_with(&format!("{base}?done=assigned"))), (303, true), "{location}");
    let stored = records(&app, &o).await;
    assert_eq!(
        (status_of(&stored, "13800000005"), status_of(&stored, "13800000004")),
        (Some("present"), Some("absent"))
    );
    let (_, after, _) = page(&app, &location, Some(&cookie)).await;
    assert!(!after.contains("待指定的参会名称"), "nothing left to assign: {after}");
    assert!(after.contains("已匹配 6，待指定 0"), "the import's figures follow the assignment: {after}");
    assert!(after.contains("张伟 · 市卫健委"), "which 张伟 it is: {after}");

    // Settings: the join details and the session's own rule; a contradictory rule comes back with its message.
    let settings = |present: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("platform", "tencent_meeting".to_owned()),
            ("meeting_number", "123 456 789".to_owned()),
            ("join_url", "https://meeting.tencent.com/dm/abc".to_owned()),
            ("rule_mode", "own".to_owned()),
            ("present_percent", present.to_owned()),
            ("absent_below_percent", "30".to_owned()),
            ("short_status", "early_leave".to_owned()),
            ("late_minutes", "10".to_owned()),
            ("early_minutes", "5".to_owned()),
        ]
    };
    let form = settings("20");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = post_form(&app, &format!("{base}/settings"), &cookie, &form).await;
    assert_eq!(status, 400);
    assert!(body.contains("缺勤比例应低于出勤所需观看比例") && body.contains(r#"value="20""#), "kept as typed: {body}");
    let form = settings("75");
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = post_form(&app, &format!("{base}/settings"), &cookie, &form).await;
    assert_eq!((status, location), (303, format!("{base}?done=settings")));
    let settings: Value =
        app.get(&format!("/api/v1/sessions/{}/online", o.session_id), Some(&o.admin)).await.json().await.unwrap();
    assert_eq!(settings["rule"]["present_percent"], 75);
    assert_eq!(settings["rule"]["late_minutes"], 10);

    // Without the page's token nothing changes; a session of another kind has no online page.
    let (status, _, _) = post_form(&app, &format!("{base}/settings"), &cookie, &form[1..]).await;
    assert_eq!(status, 403);
    let body = json!({"title": "专题讲座", "kind": "lecture", "starts_at": "2026-11-26T14:00:00+08:00",
        "ends_at": "2026-11-26T15:30:00+08:00", "credit_hours": 2});
    let response = app.post_json(&format!("/api/v1/classes/{}/sessions", o.class_id), Some(&o.admin), &body).await;
    let lecture = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let (status, body, _) = page(&app, &format!("/console/sessions/{lecture}/online"), Some(&cookie)).await;
    assert_eq!(status, 400);
    assert!(body.contains("不是在线直播课程"), "{body}");
}
