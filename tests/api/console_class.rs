//! The console's class tabs: the timetable (add one, the repeat rule, import with a preview, edit with a reason,
//! open/close, delete, big-screen links), the roster (import with a preview that saves nothing, add, withdraw and
//! restore, a new invite code, exports, the invite sheet, a trainee's page) and the rules form. Each action goes
//! through the same services as the API; refusals come back next to their field.

use reqwest::header;
use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::console::{csrf_of, page, post_form, session_cookie};
use crate::helpers::{Account, TestApp, spawn_app};

/// An admin (account and token), a class, and a 班主任 of it.
struct Setup {
    admin: Account,
    admin_token: String,
    class_id: String,
    staff: Account,
}

async fn setup(app: &TestApp) -> Setup {
    let admin = app.create_account(Role::Admin).await;
    let admin_token = app.token_for(&admin).await;
    let class_id = app.create_class(&admin_token, "QN-2026-01").await;
    let (staff, _) = app.assigned_staff(&admin_token, &class_id).await;
    Setup { admin, admin_token, class_id, staff }
}

/// Posts a file to a console import form (multipart, the CSRF token as a field) and answers status and page.
async fn upload(app: &TestApp, path: &str, cookie: &str, csrf: Option<&str>, csv: &str) -> (u16, String) {
    let part = reqwest::multipart::Part::bytes(csv.as_bytes().to_vec()).file_name("file.csv");
    let mut form = reqwest::multipart::Form::new();
    if let Some(t) = csrf {
        form = form.text("csrf", t.to_owned());
    }
    let form = form.part("file", part);
    let response = app.client.post(app.url(path)).header(header::COOKIE, cookie).multipart(form).send().await.unwrap();
    let status = response.status().as_u16();
    (status, response.text().await.unwrap())
}

/// The value of the hidden `staged` field of an import preview.
fn staged_of(body: &str) -> Option<String> {
    body.split(r#"name="staged" value=""#).nth(1).and_then(|r| r.split('"').next()).map(str::to_owned)
}

async fn api_list(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

#[tokio::test]
async fn a_roster_file_is_previewed_row_by_row_and_saved_only_when_confirmed() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let cookie = session_cookie(&app, &s.staff).await;
    let base = format!("/console/classes/{}/roster", s.class_id);
    let (status, body, _) = page(&app, &format!("{base}/import"), Some(&cookie)).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&body);

    let bad = "姓名,性别,手机号,单位\n张三,男,13800000001,县委组织部\n李四,女,1380000,县财政局\n,男,13800000003,县教育局\n\
               <script>alert(1)</script>,男,13800000004,县农业局\n";
    let (status, no_token) = upload(&app, &format!("{base}/import"), &cookie, None, bad).await;
    assert_eq!(status, 403, "no CSRF token: {no_token}");
    let (status, body) = upload(&app, &format!("{base}/import"), &cookie, Some(&csrf), bad).await;
    assert_eq!(status, 200);
    assert!(body.contains("共 4 行") && body.contains("2 处问题"), "{body}");
    assert!(body.contains("手机号应为 11 位数字") && body.contains("姓名不能为空"), "each bad row says why: {body}");
    assert!(body.contains("整个文件都没有导入") && staged_of(&body).is_none(), "no confirmation offered");
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62;") && !body.contains("<script>alert"), "escaped");
    let roster = api_list(&app, &format!("/api/v1/classes/{}/roster", s.class_id), &s.admin_token).await;
    assert_eq!(roster["total"], 0, "the preview saved nothing");

    let good = "姓名,性别,手机号,单位\n张三,男,13800000001,县委组织部\n李四,女,13800000002,县财政局\n";
    let (status, body) = upload(&app, &format!("{base}/import"), &cookie, Some(&csrf), good).await;
    assert_eq!(status, 200);
    assert!(body.contains("没有发现问题") && body.contains("确认导入 2 行"), "{body}");
    let staged = staged_of(&body).expect("a kept file");
    let roster = api_list(&app, &format!("/api/v1/classes/{}/roster", s.class_id), &s.admin_token).await;
    assert_eq!(roster["total"], 0, "still nothing before the confirmation");

    // Another staff member of the class cannot confirm this person's kept file.
    let (other, _) = app.assigned_staff(&s.admin_token, &s.class_id).await;
    let other_cookie = session_cookie(&app, &other).await;
    let (_, other_page, _) = page(&app, &format!("{base}/import"), Some(&other_cookie)).await;
    let form = [("csrf", csrf_of(&other_page)), ("staged", staged.clone())];
    let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = post_form(&app, &format!("{base}/import/confirm"), &other_cookie, &form).await;
    assert_eq!(status, 400, "{body}");
    assert!(body.contains("已过期"), "{body}");

    let (status, location, _) =
        post_form(&app, &format!("{base}/import/confirm"), &cookie, &[("csrf", &csrf), ("staged", &staged)]).await;
    assert_eq!((status, location.as_str()), (303, format!("{base}?added=2").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已加入 2 名学员") && body.contains("张三") && body.contains("共 2 名学员"), "{body}");
    let roster = api_list(&app, &format!("/api/v1/classes/{}/roster", s.class_id), &s.admin_token).await;
    assert_eq!(roster["total"], 2);
    // The kept file is gone once imported.
    let (status, _, _) =
        post_form(&app, &format!("{base}/import/confirm"), &cookie, &[("csrf", &csrf), ("staged", &staged)]).await;
    assert_eq!(status, 400, "a second confirmation imports nothing");
    let audit = api_list(&app, &format!("/api/v1/audit?class_id={}", s.class_id), &s.admin_token).await;
    assert!(audit.to_string().contains("roster.import"), "{audit}");
}

#[tokio::test]
async fn the_roster_is_searched_trainees_are_added_withdrawn_restored_and_get_a_new_invite_code() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    app.import_roster_csv(
        &s.admin_token,
        &s.class_id,
        "姓名,手机号,单位\n王五,13900000001,市发改委\n赵六,13900000002,市财政局\n",
    )
    .await;
    let cookie = session_cookie(&app, &s.staff).await;
    let base = format!("/console/classes/{}/roster", s.class_id);
    let (status, body, _) = page(&app, &format!("{base}?q=财政"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("赵六") && !body.contains("王五") && body.contains("共 1 名学员"), "{body}");
    let csrf = csrf_of(&body);

    let (status, _, body) = post_form(
        &app,
        &base,
        &cookie,
        &[("csrf", &csrf), ("name", "孙七"), ("phone", "1390000"), ("unit", "市教育局")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains(r#"id="phone" name="phone" value="1390000""#) && body.contains("手机号应为 11 位数字"),
        "{body}"
    );
    let (status, location, _) = post_form(
        &app,
        &base,
        &cookie,
        &[("csrf", &csrf), ("name", "孙七"), ("gender", "男"), ("phone", "13900000003"), ("unit", "市教育局")],
    )
    .await;
    assert_eq!(status, 303);
    let trainee = location.split('?').next().unwrap().to_owned();
    let (status, body, _) = page(&app, &location, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("孙七") && body.contains("已加入本班名单") && body.contains("考勤汇总"), "{body}");
    let (status, _, body) = post_form(
        &app,
        &base,
        &cookie,
        &[("csrf", &csrf), ("name", "孙七"), ("phone", "13900000003"), ("unit", "市教育局")],
    )
    .await;
    assert_eq!(status, 409, "already on the roster: {body}");

    // A new invite code needs a reason, and is shown once.
    let (status, _, body) = post_form(&app, &format!("{trainee}/invite"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("请填写重新生成邀请码的原因"), "{body}");
    let (status, _, body) =
        post_form(&app, &format!("{trainee}/invite"), &cookie, &[("csrf", &csrf), ("reason", "更换手机")]).await;
    assert_eq!(status, 200);
    let code = body.split(r#"<p class="bigcode">"#).nth(1).and_then(|r| r.split('<').next()).unwrap().to_owned();
    assert_eq!(code.len(), 10, "{body}");
    let codes = app.invite_codes(&s.admin_token, &s.class_id).await;
    assert!(codes.iter().any(|(name, c)| name == "孙七" && *c == code), "the code shown is the one issued");

    let (status, _, _) =
        post_form(&app, &format!("{trainee}/withdraw"), &cookie, &[("csrf", &csrf), ("reason", "因工作原因退学")])
            .await;
    assert_eq!(status, 303);
    let (_, body, _) = page(&app, &format!("{base}?status=withdrawn"), Some(&cookie)).await;
    assert!(body.contains("孙七") && body.contains("已移出") && !body.contains("王五"), "{body}");
    let (status, _, _) = post_form(&app, &format!("{trainee}/restore"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (_, body, _) = page(&app, &format!("{base}?status=active"), Some(&cookie)).await;
    assert!(body.contains("孙七") && body.contains("共 3 名学员"), "{body}");
    let audit = api_list(&app, &format!("/api/v1/audit?class_id={}", s.class_id), &s.admin_token).await.to_string();
    assert!(audit.contains("因工作原因退学") && audit.contains("更换手机"), "reasons audited: {audit}");

    // Exports and the invite sheet.
    let xlsx = app.client.get(app.url(&format!("{base}.xlsx"))).header(header::COOKIE, &cookie).send().await.unwrap();
    assert_eq!(xlsx.status(), 200);
    assert!(xlsx.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains("xlsx"));
    let csv = app.client.get(app.url(&format!("{base}.csv"))).header(header::COOKIE, &cookie).send().await.unwrap();
    assert!(csv.text().await.unwrap().contains("孙七"));
    let (status, _, headers) = page(&app, &format!("/console/classes/{}/invites", s.class_id), Some(&cookie)).await;
    assert_eq!(status, 303);
    let sheet = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(sheet.starts_with(&format!("/print/classes/{}/invites?exp=", s.class_id)), "{sheet}");
    let (status, body, _) = page(&app, &sheet, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("王五") && body.contains(&code), "the sheet carries the new code");
    // Every card carries the class, so a card cut from page 3 still says which class it is for.
    let cards = body.matches(r#"<div class="card">"#).count();
    assert!(cards >= 2, "{body}");
    assert_eq!(body.matches(r#"<div class="cls">"#).count(), cards, "each card names the class: {body}");
}

#[tokio::test]
async fn staff_of_another_class_get_404_on_every_class_tab_and_trainee_tokens_get_nothing() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let other_class = app.create_class(&s.admin_token, "ZT-2026-09").await;
    let (outsider, _) = app.assigned_staff(&s.admin_token, &other_class).await;
    let cookie = session_cookie(&app, &outsider).await;
    let id = &s.class_id;
    for path in [
        format!("/console/classes/{id}/sessions"),
        format!("/console/classes/{id}/sessions/new"),
        format!("/console/classes/{id}/sessions/repeat"),
        format!("/console/classes/{id}/sessions/import"),
        format!("/console/classes/{id}/roster"),
        format!("/console/classes/{id}/roster/new"),
        format!("/console/classes/{id}/roster/import"),
        format!("/console/classes/{id}/roster.csv"),
        format!("/console/classes/{id}/invites"),
        format!("/console/classes/{id}/policy"),
    ] {
        let (status, body, _) = page(&app, &path, Some(&cookie)).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("找不到培训班"), "{path}: {body}");
    }
    let session = app
        .post_json(
            &format!("/api/v1/classes/{id}/sessions"),
            Some(&s.admin_token),
            &json!({"title": "专题讲授", "kind": "lecture", "starts_at": "2026-11-27T01:00:00Z",
                "ends_at": "2026-11-27T04:00:00Z", "credit_hours": 3}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap()["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for path in [format!("/console/sessions/{session}/edit"), format!("/console/sessions/{session}/screens")] {
        let (status, body, _) = page(&app, &path, Some(&cookie)).await;
        assert_eq!(status, 404, "{path}");
        assert!(body.contains("找不到课程"), "{body}");
    }
    let fixture = app.checkin_fixture(1, None).await;
    let trainee = app.trainee_token(&fixture.trainees[0].1, &format!("{}0000", fixture.phone_prefix)).await;
    let (status, _, headers) = page(
        &app,
        &format!("/console/classes/{}/roster", fixture.class_id),
        Some(&format!("rollcall_console={trainee}")),
    )
    .await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"));
}

#[tokio::test]
async fn the_timetable_is_built_by_the_repeat_rule_and_one_by_one_with_refusals_next_to_their_field() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let cookie = session_cookie(&app, &s.staff).await;
    let base = format!("/console/classes/{}/sessions", s.class_id);
    let (status, body, _) = page(&app, &base, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("还没有课程"), "empty state: {body}");
    let csrf = csrf_of(&body);

    // The week of 2026-11-30 (Mon–Fri) × two slots, skipping Wednesday.
    let repeat = [
        ("csrf", csrf.as_str()),
        ("from", "2026-11-30"),
        ("to", "2026-12-04"),
        ("weekday", "1"),
        ("weekday", "2"),
        ("weekday", "3"),
        ("weekday", "4"),
        ("weekday", "5"),
        ("skip", "2026-12-02"),
        ("s1_start", "08:30"),
        ("s1_end", "11:30"),
        ("s1_title", "专题讲座"),
        ("s1_kind", "lecture"),
        ("s1_credit", "3"),
        ("s2_start", "14:30"),
        ("s2_end", "17:30"),
        ("s2_title", "结构化研讨"),
        ("s2_kind", "discussion"),
        ("s2_credit", "3"),
    ];
    let (status, location, _) = post_form(&app, &format!("{base}/repeat"), &cookie, &repeat).await;
    assert_eq!((status, location.as_str()), (303, format!("{base}?added=8").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已添加 8 节课程") && body.contains("共 8 节课程，计入考勤 24 学时"), "{body}");
    assert!(body.contains("2026-12-01 星期二") && !body.contains("2026-12-02 星期三"), "by day, Wednesday skipped");

    let mut bad_weekdays = repeat.to_vec();
    bad_weekdays.retain(|(k, _)| *k != "weekday");
    let (status, _, body) = post_form(&app, &format!("{base}/repeat"), &cookie, &bad_weekdays).await;
    assert_eq!(status, 400);
    assert!(body.contains("请至少选择一天") && body.contains(r#"value="结构化研讨""#), "the form comes back: {body}");

    let one = |end: &'static str, day: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", "现场教学：红色教育基地".to_owned()),
            ("kind", "onsite".to_owned()),
            ("date", day.to_owned()),
            ("start", "14:00".to_owned()),
            ("end", end.to_owned()),
            ("credit_hours", "3".to_owned()),
            ("open_before_min", "30".to_owned()),
            ("late_after_min", "5".to_owned()),
            ("close_after_min", "30".to_owned()),
            ("rotation_seconds", "10".to_owned()),
            ("counts_toward_attendance", "on".to_owned()),
        ]
    };
    let as_refs = |v: &Vec<(&'static str, String)>| v.iter().map(|(k, v)| (*k, v.clone())).collect::<Vec<_>>();
    let post = |form: Vec<(&'static str, String)>| {
        let app = &app;
        let cookie = cookie.clone();
        let base = base.clone();
        async move {
            let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, &base, &cookie, &form).await
        }
    };
    let (status, _, body) = post(as_refs(&one("13:00", "2026-11-28"))).await;
    assert_eq!(status, 400);
    assert!(body.contains("结束时间必须晚于开始时间"), "{body}");
    assert!(body.contains(r#"id="end" name="end" type="time" value="13:00" aria-invalid="true""#), "on its field");
    let (status, _, body) = post(as_refs(&one("17:00", "2026-12-20"))).await;
    assert_eq!(status, 400);
    assert!(body.contains("不在培训班日期"), "{body}");
    let (status, location, _) = post(as_refs(&one("17:00", "2026-11-28"))).await;
    assert_eq!((status, location.as_str()), (303, format!("{base}?added=1").as_str()));
    let sessions = api_list(&app, &format!("/api/v1/classes/{}/sessions", s.class_id), &s.admin_token).await;
    let onsite = sessions.as_array().unwrap().iter().find(|v| v["kind"] == "onsite").expect("the one added");
    assert_eq!(onsite["starts_at"], "2026-11-28T06:00:00Z", "14:00 China time");
    assert_eq!(sessions.as_array().unwrap().len(), 9);
}

#[tokio::test]
async fn a_session_whose_check_in_opened_needs_a_reason_to_change_and_cannot_be_deleted() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let cookie = session_cookie(&app, &s.staff).await;
    // 2026-11-26 09:00–12:00 China time; the test clock is 08:30 that day, so check-in is open.
    let created = app
        .post_json(
            &format!("/api/v1/classes/{}/sessions", s.class_id),
            Some(&s.admin_token),
            &json!({"title": "专题讲授", "kind": "lecture", "starts_at": "2026-11-26T01:00:00Z",
                "ends_at": "2026-11-26T04:00:00Z", "credit_hours": 3}),
        )
        .await
        .json::<Value>()
        .await
        .unwrap();
    let id = created["id"].as_str().unwrap();
    let (status, body, _) = page(&app, &format!("/console/sessions/{id}/edit"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("修改原因（必填）") && body.contains(r#"value="09:00""#), "{body}");
    let csrf = csrf_of(&body);
    let form = |reason: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", "专题讲授".to_owned()),
            ("kind", "lecture".to_owned()),
            ("date", "2026-11-26".to_owned()),
            ("start", "09:00".to_owned()),
            ("end", "12:00".to_owned()),
            ("credit_hours", "2.5".to_owned()),
            ("open_before_min", "30".to_owned()),
            ("late_after_min", "5".to_owned()),
            ("close_after_min", "30".to_owned()),
            ("rotation_seconds", "10".to_owned()),
            ("counts_toward_attendance", "on".to_owned()),
            ("reason", reason.to_owned()),
        ]
    };
    let send = |f: Vec<(&'static str, String)>| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let f: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            post_form(app, &format!("/console/sessions/{id}/edit"), &cookie, &f).await
        }
    };
    let (status, _, body) = send(form("")).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("必须填写原因")
            && body.contains(r#"id="reason" name="reason" value="" maxlength="500" aria-invalid="true""#),
        "{body}"
    );
    let (status, _, _) = send(form("教务处调整学时")).await;
    assert_eq!(status, 303);
    let audit = api_list(&app, &format!("/api/v1/audit?class_id={}", s.class_id), &s.admin_token).await.to_string();
    assert!(audit.contains("教务处调整学时"), "{audit}");

    let (status, _, body) =
        post_form(&app, &format!("/console/sessions/{id}/delete"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 409, "{body}");
    let (status, _, _) = post_form(&app, &format!("/console/sessions/{id}/close"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);
    let (_, body, _) = page(&app, &format!("/console/classes/{}/sessions", s.class_id), Some(&cookie)).await;
    assert!(body.contains("已结束") && body.contains("开始签到"), "closed by hand: {body}");

    // Big-screen links: made, shown once, revoked.
    let (status, _, body) =
        post_form(&app, &format!("/console/sessions/{id}/screens"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 200);
    let url = body.split(r#"id="new-link" value=""#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
    assert!(url.contains(&format!("/screen/{id}#key=")), "{url}");
    let (_, body, _) = page(&app, &format!("/console/sessions/{id}/screens"), Some(&cookie)).await;
    assert!(!body.contains(&url) && body.contains("有效"), "the key is not shown again");
    let link_id =
        body.split("/screens/").nth(1).and_then(|r| r.split("/revoke").next()).expect("a revoke form").to_owned();
    let (status, location, _) =
        post_form(&app, &format!("/console/sessions/{id}/screens/{link_id}/revoke"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, format!("/console/sessions/{id}/screens?revoked=1").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已撤销"), "{body}");
}

#[tokio::test]
async fn a_timetable_file_is_previewed_and_imported_on_confirmation() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let cookie = session_cookie(&app, &s.staff).await;
    let base = format!("/console/classes/{}/sessions", s.class_id);
    let (_, body, _) = page(&app, &format!("{base}/import"), Some(&cookie)).await;
    let csrf = csrf_of(&body);
    let bad = "日期,开始时间,结束时间,课程名称,类型,学时,地点\n2026-11-30,08:30,11:30,专题讲座,讲授,3,301\n\
               2026-11-30,14:30,13:30,研讨,研讨,3,302\n";
    let (status, body) = upload(&app, &format!("{base}/import"), &cookie, Some(&csrf), bad).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("1 处问题") && body.contains("结束时间必须晚于开始时间") && staged_of(&body).is_none(),
        "{body}"
    );
    let good = "日期,开始时间,结束时间,课程名称,类型,学时,地点\n2026-11-30,08:30,11:30,专题讲座,讲授,3,301\n\
                2026-11-30,14:30,17:30,研讨,研讨,3,302\n";
    let (_, body) = upload(&app, &format!("{base}/import"), &cookie, Some(&csrf), good).await;
    let staged = staged_of(&body).expect("kept");
    let sessions = api_list(&app, &format!("/api/v1/classes/{}/sessions", s.class_id), &s.admin_token).await;
    assert_eq!(sessions.as_array().unwrap().len(), 0, "nothing before the confirmation");
    let (status, location, _) =
        post_form(&app, &format!("{base}/import/confirm"), &cookie, &[("csrf", &csrf), ("staged", &staged)]).await;
    assert_eq!((status, location.as_str()), (303, format!("{base}?added=2").as_str()));
    let sessions = api_list(&app, &format!("/api/v1/classes/{}/sessions", s.class_id), &s.admin_token).await;
    assert_eq!(sessions.as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn staff_read_the_rules_and_administrators_change_them_with_a_reason() {
    let app = spawn_app().await;
    let s = setup(&app).await;
    let path = format!("/console/classes/{}/policy", s.class_id);
    let staff_cookie = session_cookie(&app, &s.staff).await;
    let (status, body, _) = page(&app, &path, Some(&staff_cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("只有管理员可以修改") && body.contains("<fieldset disabled>"), "{body}");
    assert!(body.contains(r#"name="leave_den" value="7""#) && body.contains("《干部教育培训工作条例》"), "{body}");
    let csrf = csrf_of(&body);
    let (status, _, body) = post_form(&app, &path, &staff_cookie, &[("csrf", &csrf), ("leave_num", "1")]).await;
    assert_eq!(status, 403, "{body}");

    let admin_cookie = session_cookie(&app, &s.admin).await;
    let (_, body, _) = page(&app, &path, Some(&admin_cookie)).await;
    let csrf = csrf_of(&body);
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("leave_num", "1"),
        ("leave_den", "0"),
        ("max_absences", "1"),
        ("absence_unit", "half_days"),
        ("lates_per_absence", "3"),
        ("max_lates", ""),
        ("late_warning_at", "2"),
        ("withhold_severity", "grave"),
        ("min_attended_hours", ""),
        ("max_online_hours", "6"),
        ("present_percent", "90"),
        ("absent_below_percent", "40"),
        ("short_status", "absent"),
        ("late_minutes", "10"),
        ("early_minutes", "5"),
        ("first_step", "class_staff"),
        ("admin_over_hours", "8"),
        ("trainee_backdate_hours", "48"),
        ("reason", "按委托单位要求调整"),
    ];
    let (status, _, body) = post_form(&app, &path, &admin_cookie, &form).await;
    assert_eq!(status, 400);
    assert!(
        body.contains("请假上限须为 0 到 1 之间的分数") && body.contains(r#"value="half_days" selected"#),
        "{body}"
    );
    form[2] = ("leave_den", "10");
    let (status, location, body) = post_form(&app, &path, &admin_cookie, &form).await;
    assert!(status == 303, "{body}");
    assert_eq!((status, location.as_str()), (303, format!("{path}?saved=1").as_str()));
    let policy = api_list(&app, &format!("/api/v1/classes/{}/policy", s.class_id), &s.admin_token).await;
    assert_eq!(policy["completion"]["leave_limit"], json!({"num": 1, "den": 10}));
    assert_eq!(policy["completion"]["absence_unit"], "half_days");
    assert_eq!(policy["completion"]["max_lates"], Value::Null);
    assert_eq!(policy["completion"]["withhold_severity"], "grave");
    assert_eq!(policy["leave_approval"]["first_step"], "class_staff");
    assert_eq!(policy["leave_approval"]["trainee_backdate_hours"], 48);
    let audit = api_list(&app, &format!("/api/v1/audit?class_id={}", s.class_id), &s.admin_token).await.to_string();
    assert!(audit.contains("class.policy") && audit.contains("按委托单位要求调整"), "{audit}");
    assert_eq!(policy["completion"]["max_online_hours"], 6.0);
    // The class's online rule was saved with it (its own audit entry) and the form shows it again.
    assert!(audit.contains("class.online_rule") && audit.contains(r#""present_percent":90"#), "{audit}");
    let (_, body, _) = page(&app, &path, Some(&admin_cookie)).await;
    assert!(body.contains(r#"name="present_percent" value="90""#) && body.contains(r#"value="absent" selected"#));
    // A rule that contradicts itself is refused with nothing saved.
    form.retain(|(k, _)| *k != "present_percent");
    form.push(("present_percent", "30"));
    let (status, _, body) = post_form(&app, &path, &admin_cookie, &form).await;
    assert_eq!(status, 400);
    assert!(body.contains("缺勤比例应低于出勤所需观看比例"), "{body}");
}

/// Statements the app runs while answering one console page.
async fn queries_for(app: &TestApp, path: &str, cookie: &str) -> u64 {
    use std::sync::atomic::Ordering;
    let before = app.state.queries.load(Ordering::SeqCst);
    let (status, body, _) = page(app, path, Some(cookie)).await;
    assert_eq!(status, 200, "{path}: {body}");
    app.state.queries.load(Ordering::SeqCst) - before
}

/// A class of `trainees` on the roster and `days` days × 2 sessions, each session with everyone's record.
async fn seeded_class(app: &TestApp, token: &str, code: &str, trainees: usize, days: u32) -> (String, String) {
    let class_id = app.create_class(token, code).await;
    let mut csv = String::from("姓名,手机号,单位\n");
    for i in 0..trainees {
        csv.push_str(&format!("学员{i:03},136{:08},单位{}\n", rand_phone(code, i), i % 7));
    }
    app.import_roster_csv(token, &class_id, &csv).await;
    let batch = json!({"from": "2026-11-23", "to": (chrono::NaiveDate::from_ymd_opt(2026, 11, 22).unwrap() + chrono::Duration::days(i64::from(days))).to_string(), "weekdays": [1,2,3,4,5,6,7],
        "slots": [{"start": "08:30", "end": "11:30", "title": "上午课程", "kind": "lecture", "credit_hours": 3},
                  {"start": "14:30", "end": "17:30", "title": "下午课程", "kind": "discussion", "credit_hours": 3}]});
    let response = app.post_json(&format!("/api/v1/classes/{class_id}/sessions/batch"), Some(token), &batch).await;
    assert_eq!(response.status(), 201, "{}", response.text().await.unwrap());
    let roster = api_list(app, &format!("/api/v1/classes/{class_id}/roster?per_page=1"), token).await;
    let first = roster["items"][0]["enrollment_id"].as_str().unwrap().to_owned();
    (class_id, first)
}

fn rand_phone(code: &str, i: usize) -> u64 {
    let salt: u64 = code.bytes().map(u64::from).sum::<u64>() * 1000;
    (salt + i as u64) % 100_000_000
}

#[tokio::test]
async fn the_roster_timetable_and_trainee_pages_make_as_many_queries_for_60_rows_as_for_3() {
    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let token = app.token_for(&admin).await;
    let (small, small_trainee) = seeded_class(&app, &token, "Q-SMALL", 3, 2).await;
    let (large, large_trainee) = seeded_class(&app, &token, "Q-LARGE", 60, 10).await;
    let cookie = session_cookie(&app, &admin).await;
    // The sessions of 2026-11-23..25 have started by the clock (2026-11-26 08:30), so the trainee page lists rows.
    for (what, small_path, large_path) in [
        ("roster", format!("/console/classes/{small}/roster"), format!("/console/classes/{large}/roster")),
        ("timetable", format!("/console/classes/{small}/sessions"), format!("/console/classes/{large}/sessions")),
        (
            "trainee",
            format!("/console/classes/{small}/roster/{small_trainee}"),
            format!("/console/classes/{large}/roster/{large_trainee}"),
        ),
    ] {
        let few = queries_for(&app, &small_path, &cookie).await;
        let many = queries_for(&app, &large_path, &cookie).await;
        assert!(few > 0, "the counter counts");
        assert_eq!(few, many, "{what}: {few} statements for the small class, {many} for the large one");
    }
}
