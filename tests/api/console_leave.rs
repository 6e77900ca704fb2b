//! 请假审批 in the console: the queue of requests waiting for the signed-in person (by role and step, oldest first,
//! with the trainee's leave against the 1/7 limit and the sick note), decisions with comments through the leave
//! service, refusals on their card, and the requests decided lately.

use reqwest::header;
use serde_json::{Value, json};

use crate::authz::world::png;
use crate::console::{csrf_of, page, post_form, session_cookie};
use crate::helpers::spawn_app;

#[tokio::test]
async fn the_queue_follows_the_approval_chain_and_decisions_reach_the_trainee() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let admin_token = f.admin_token.clone();
    // A second session (14:00–17:00, 3 学时): the class has 6 学时, so its 1/7 limit is 0.86 学时.
    let pm = app.add_session(&admin_token, &f.class_id, "2026-11-26T06:00:00Z", "2026-11-26T09:00:00Z", 3.0).await;
    let (head, _) = app.assigned_staff(&admin_token, &f.class_id).await;
    let (organiser, _) = app.staff_with_role(&admin_token, &f.class_id, "organiser").await;
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;

    let first = app.trainee_token(&f.trainees[0].1, "phone-console-leave-1").await;
    let second = app.trainee_token(&f.trainees[1].1, "phone-console-leave-2").await;
    let note = app.upload("/api/v1/attachments", &first, "note.png", png()).await.json::<Value>().await.unwrap();
    let long = json!({"class_id": f.class_id, "kind": "sick", "reason": "发烧就医<script>", "session_ids": [f.session_id, pm],
        "attachment_id": note["id"]});
    let long: Value = app.post_json("/api/v1/me/leave-requests", Some(&first), &long).await.json().await.unwrap();
    app.clock.advance(chrono::Duration::minutes(5));
    let short = json!({"class_id": f.class_id, "kind": "personal", "reason": "单位有急事", "session_ids": [pm]});
    let short: Value = app.post_json("/api/v1/me/leave-requests", Some(&second), &short).await.json().await.unwrap();
    let (long_id, short_id) = (long["id"].as_str().unwrap(), short["id"].as_str().unwrap());

    let head_cookie = session_cookie(&app, &head).await;
    let (status, body, _) = page(&app, "/console/leave", Some(&head_cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("2 件待审批"), "{body}");
    let (at_long, at_short) =
        (body.find(&format!("leave-{long_id}")).unwrap(), body.find(&format!("leave-{short_id}")).unwrap());
    assert!(at_long < at_short, "oldest first");
    assert!(body.contains("发烧就医&#60;script&#62;") && !body.contains("发烧就医<script>"), "escaped");
    assert!(body.contains("共 6 学时") && body.contains("第 1 / 2 步"), "{body}");
    assert!(body.contains("上限 0.86 学时（总学时 6 的 1/7）") && body.contains("批准后将超过上限"), "{body}");
    assert!(body.contains(&format!("/console/leave/{long_id}/attachment")), "the sick note is shown");
    let image = app
        .client
        .get(app.url(&format!("/console/leave/{long_id}/attachment")))
        .header(header::COOKIE, &head_cookie)
        .send()
        .await
        .unwrap();
    assert_eq!((image.status().as_u16(), image.headers()["content-type"].to_str().unwrap()), (200, "image/png"));

    // The organiser is not the first approver under the default rules; staff of another class see nothing.
    let (_, body, _) = page(&app, "/console/leave", Some(&session_cookie(&app, &organiser).await)).await;
    assert!(body.contains("没有等待您审批的请假申请"), "{body}");
    let stranger_cookie = session_cookie(&app, &stranger).await;
    let (_, body, _) = page(&app, "/console/leave", Some(&stranger_cookie)).await;
    assert!(body.contains("没有等待您审批的请假申请") && !body.contains("发烧就医"), "{body}");
    let (status, _, _) = page(&app, &format!("/console/leave/{long_id}/attachment"), Some(&stranger_cookie)).await;
    assert_eq!(status, 404);

    let csrf = csrf_of(&page(&app, "/console/leave", Some(&head_cookie)).await.1);
    let (status, _, _) = post_form(&app, &format!("/console/leave/{long_id}/approve"), &head_cookie, &[]).await;
    assert_eq!(status, 403, "no CSRF token");
    let (status, location, _) = post_form(
        &app,
        &format!("/console/leave/{long_id}/approve"),
        &head_cookie,
        &[("csrf", &csrf), ("comment", "同意，报教务")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/console/leave?done=advanced"));
    let (status, _, body) =
        post_form(&app, &format!("/console/leave/{short_id}/reject"), &head_cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("不批准请假须填写意见"), "the refusal sits on its card: {body}");
    let (status, location, _) = post_form(
        &app,
        &format!("/console/leave/{short_id}/reject"),
        &head_cookie,
        &[("csrf", &csrf), ("comment", "该时段为结业考试，不能请假")],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/console/leave?done=rejected"));
    let (_, body, _) = page(&app, &location, Some(&head_cookie)).await;
    assert!(body.contains("没有等待您审批的请假申请") && body.contains("已驳回"), "{body}");
    assert!(body.contains("该时段为结业考试，不能请假"), "decided lately, with the comment: {body}");

    // The administrator takes the second step.
    let admin = app.create_account(rollcall::auth::Role::Admin).await;
    let admin_cookie = session_cookie(&app, &admin).await;
    let (_, body, _) = page(&app, "/console/leave", Some(&admin_cookie)).await;
    assert!(body.contains("1 件待审批") && body.contains("第 2 / 2 步"), "{body}");
    let csrf = csrf_of(&body);
    let (status, location, _) =
        post_form(&app, &format!("/console/leave/{long_id}/approve"), &admin_cookie, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/console/leave?done=approved"));
    let (status, _, body) =
        post_form(&app, &format!("/console/leave/{long_id}/approve"), &admin_cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 409, "decided already: {body}");

    let inbox: Value = app.get("/api/v1/inbox", Some(&first)).await.json().await.unwrap();
    assert!(inbox.to_string().contains("批准"), "the trainee is told: {inbox}");
    let inbox: Value = app.get("/api/v1/inbox", Some(&second)).await.json().await.unwrap();
    assert!(inbox.to_string().contains("该时段为结业考试"), "with the comment: {inbox}");
}

#[tokio::test]
async fn today_lists_the_running_classes_sessions_with_their_counts_and_the_waiting_leave() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    let arriving = app.trainee_token(&f.trainees[0].1, "phone-today-0001").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&arriving, &qr, &crate::helpers::nonce(), None).await.status(), 201);
    let leaving = app.trainee_token(&f.trainees[1].1, "phone-today-0002").await;
    let ask = json!({"class_id": f.class_id, "kind": "personal", "reason": "单位会议", "session_ids": [f.session_id]});
    assert_eq!(app.post_json("/api/v1/me/leave-requests", Some(&leaving), &ask).await.status(), 201);

    let cookie = session_cookie(&app, &head).await;
    let (status, body, _) = page(&app, "/console/today", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("2026年11月26日 星期四") && body.contains("签到中"), "{body}");
    let row = body.split("专题讲授").nth(1).expect("today's session").split("</tr>").next().unwrap().to_owned();
    assert!(row.contains(r#"<td class="num">3</td>"#) && row.contains("<strong>1</strong>"), "应到 3, 实到 1: {row}");
    assert!(body.contains("有 1 件请假申请等待您审批"), "{body}");
    assert!(body.contains(r#"data-live="/console/today/live""#) && body.contains("live, every 60s"), "hears changes");

    let (_, body, _) = page(&app, "/console/today", Some(&session_cookie(&app, &stranger).await)).await;
    assert!(!body.contains(&f.class_id) && !body.contains("等待您审批"), "another class's staff see their own: {body}");
}

#[tokio::test]
async fn the_live_board_counts_lists_phones_names_failed_attempts_and_corrects_several_with_one_reason() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(4, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    let arriving = app.trainee_token(&f.trainees[0].1, "phone-board-0001").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&arriving, &qr, &crate::helpers::nonce(), None).await.status(), 201);
    // A made-up code from another trainee: refused and logged against them.
    let relay = app.trainee_token(&f.trainees[1].1, "phone-board-0002").await;
    let session: uuid::Uuid = f.session_id.parse().unwrap();
    let step = rollcall::qr::token::step_at(crate::helpers::ClockExt::now_utc(&*app.clock), 10);
    let wrong_key = secrecy::SecretString::from("an attacker's guess at the secret, 32+ chars".to_owned());
    let forged = rollcall::qr::token::mint(&wrong_key, session, step).unwrap();
    assert!(app.scan(&relay, &forged, &crate::helpers::nonce(), None).await.status().is_client_error());

    let path = format!("/console/sessions/{}/board", f.session_id);
    let cookie = session_cookie(&app, &head).await;
    let mut body = String::new();
    for _ in 0..50 {
        body = page(&app, &path, Some(&cookie)).await.1;
        if !body.contains("没有失败的签到") {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        body.contains("<b>4</b>应到") && body.contains("<b>1</b>实到") && body.contains("<b>3</b>未签到"),
        "{body}"
    );
    assert!(body.contains(&format!("{}0001", f.phone_prefix)), "phones are listed for staff: {body}");
    let second = &f.trainees[1].0;
    assert!(body.contains(&format!("{second}（")) && body.contains("疑似转发二维码"), "who failed and why: {body}");
    let (_, missing, _) = page(&app, &format!("{path}?show=missing"), Some(&cookie)).await;
    assert!(!missing.contains(&format!(r#"aria-label="选择 {}""#, f.trainees[0].0)), "the arrived are not missing");

    let csrf = csrf_of(&body);
    let (e1, e2, e3) = (&f.trainees[1].2, &f.trainees[2].2, &f.trainees[3].2);
    let (status, _, body) = post_form(&app, &path, &cookie, &[("csrf", &csrf), ("status", "leave"), ("e", e1)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("修改考勤必须填写原因"), "{body}");
    let form =
        [("csrf", csrf.as_str()), ("status", "leave"), ("reason", "电话确认因公请假"), ("e", e1), ("e", e2), ("e", e3)];
    let (status, location, _) = post_form(&app, &path, &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?done=3").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(
        body.contains("已修改 3 名学员的考勤") && body.contains("<b>3</b>请假") && body.contains("<b>0</b>未签到"),
        "{body}"
    );
    let audit: Value =
        app.get(&format!("/api/v1/audit?class_id={}", f.class_id), Some(&f.admin_token)).await.json().await.unwrap();
    let corrections = audit["items"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|a| a["action"] == "attendance.correct" && a["reason"] == "电话确认因公请假")
        .count();
    assert_eq!(corrections, 3, "one audit row per trainee: {audit}");

    let (status, _, _) = page(&app, &path, Some(&session_cookie(&app, &stranger).await)).await;
    assert_eq!(status, 404, "staff of another class");
}

#[tokio::test]
async fn the_board_and_today_hear_each_check_in_and_fetch_only_the_part_that_changed() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    let cookie = session_cookie(&app, &head).await;
    let live = |path: String, cookie: Option<String>| {
        let mut request = app.client.get(app.url(&path));
        if let Some(c) = cookie {
            request = request.header(header::COOKIE, c);
        }
        request.send()
    };
    let board_live = format!("/console/sessions/{}/live", f.session_id);
    assert_eq!(live(board_live.clone(), None).await.unwrap().status(), 401, "no session, no events");
    let stranger_cookie = session_cookie(&app, &stranger).await;
    assert_eq!(live(board_live.clone(), Some(stranger_cookie)).await.unwrap().status(), 404, "another class's staff");
    let response = live(board_live, Some(cookie.clone())).await.unwrap();
    assert_eq!(response.status(), 200);
    assert!(response.headers()["content-type"].to_str().unwrap().starts_with("text/event-stream"));
    let mut board = crate::helpers::SseReader::new(response);
    let today = live("/console/today/live".to_owned(), Some(cookie.clone())).await.unwrap();
    assert_eq!(today.status(), 200);
    let mut today = crate::helpers::SseReader::new(today);
    // The streams start with nothing: the page was just rendered.
    assert!(board.next(std::time::Duration::from_millis(300)).await.is_none(), "no snapshot on a console stream");

    let token = app.trainee_token(&f.trainees[0].1, "phone-board-live-1").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &crate::helpers::nonce(), None).await.status(), 201);
    let heard = board.next(std::time::Duration::from_secs(1)).await.expect("the board hears the check-in within 1 s");
    assert_eq!(
        (heard.event.as_str(), heard.data["enrollment_id"].as_str()),
        ("checked_in", Some(f.trainees[0].2.as_str()))
    );
    let heard = today.next(std::time::Duration::from_secs(1)).await.expect("今日 hears it too");
    assert_eq!(heard.event, "checked_in");

    // What the page then fetches: each part alone, the same markup as in the whole page.
    let path = format!("/console/sessions/{}/board", f.session_id);
    let (status, counts, _) = page(&app, &format!("{path}?part=counts"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(counts.trim_start().starts_with(r#"<section id="board-counts""#), "only the counts: {counts}");
    assert!(
        counts.contains("<b>1</b>实到") && counts.contains("<b>2</b>未签到") && !counts.contains("<html"),
        "{counts}"
    );
    let (_, list, _) = page(&app, &format!("{path}?part=list&show=missing"), Some(&cookie)).await;
    assert!(list.trim_start().starts_with(r#"<div id="board-list""#), "{list}");
    assert!(
        !list.contains(&format!("选择 {}", f.trainees[0].0)) && list.contains(&format!("选择 {}", f.trainees[1].0))
    );
    let (_, attempts, _) = page(&app, &format!("{path}?part=attempts"), Some(&cookie)).await;
    assert!(attempts.contains("没有失败的签到") && !attempts.contains("board-counts"), "{attempts}");
    let (_, whole, _) = page(&app, &path, Some(&cookie)).await;
    for part in [&counts, &list] {
        let first = part.trim().lines().next().unwrap();
        assert!(
            whole.contains(first.replace("&show=missing", "").replace("&amp;show=missing", "").as_str())
                || whole.contains(first),
            "the part is the page's own: {first}"
        );
    }
    assert!(whole.contains(&format!(r#"data-live="/console/sessions/{}/live""#, f.session_id)), "{whole}");
}

#[tokio::test]
async fn staff_record_leave_after_the_fact_from_the_trainee_page_with_both_reasons() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    app.clock.advance(chrono::Duration::hours(3)); // the session is over: the trainee never came
    let cookie = session_cookie(&app, &head).await;
    let (name, _, enrollment) = &f.trainees[0];
    let path = format!("/console/classes/{}/roster/{enrollment}", f.class_id);
    let (status, body, _) = page(&app, &path, Some(&cookie)).await;
    assert_eq!(status, 200);
    let tick = format!(r#"name="s" value="{}""#, f.session_id);
    assert!(
        body.contains(&tick) && body.contains("补假</button>") && body.contains("设为不计考勤"),
        "a box per session: {body}"
    );
    let csrf = csrf_of(&body);
    let leave = format!("{path}/leave");
    let (status, _, body) = post_form(
        &app,
        &leave,
        &cookie,
        &[("csrf", &csrf), ("kind", "official"), ("reason", "市委临时会议"), ("record_reason", "电话请假")],
    )
    .await;
    assert_eq!(status, 400);
    assert!(body.contains("补假请先在考勤记录中勾选课程"), "{body}");
    let form = [
        ("csrf", csrf.as_str()),
        ("s", f.session_id.as_str()),
        ("kind", "official"),
        ("reason", "市委临时会议"),
        ("record_reason", ""),
    ];
    let (status, _, body) = post_form(&app, &leave, &cookie, &form).await;
    assert_eq!(status, 400, "the reason for recording it late is required: {body}");
    assert!(body.contains("补假须填写原因"), "{body}");
    let mut form = form;
    form[4].1 = "学员当天电话请假，事后补办";
    let (status, location, _) = post_form(&app, &leave, &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?leave=1").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已补假") && body.contains("市委临时会议") && !body.contains(&tick), "{body}");
    let summary: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let line = summary["entries"].as_array().unwrap().iter().find(|e| e["name"] == name.as_str()).unwrap().clone();
    assert_eq!(line["status"], "leave", "{summary}");
    let audit: Value =
        app.get(&format!("/api/v1/audit?class_id={}", f.class_id), Some(&f.admin_token)).await.json().await.unwrap();
    assert!(
        audit["items"]
            .as_array()
            .unwrap()
            .iter()
            .any(|a| a["action"] == "leave.record" && a["reason"] == "学员当天电话请假，事后补办"),
        "{audit}"
    );
}

#[tokio::test]
async fn staff_see_new_leave_requests_in_their_messages_with_a_count_in_the_menu() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let cookie = session_cookie(&app, &head).await;
    let (status, badge, _) = page(&app, "/console/inbox/badge", Some(&cookie)).await;
    assert_eq!((status, badge.as_str()), (200, ""), "nothing unread yet");
    let (_, body, _) = page(&app, "/console/today", Some(&cookie)).await;
    assert!(body.contains(r#"hx-get="/console/inbox/badge""#), "every page's menu fetches the count: {body}");

    let trainee = app.trainee_token(&f.trainees[0].1, "phone-inbox-1").await;
    let ask =
        json!({"class_id": f.class_id, "kind": "personal", "reason": "家中有事<b>", "session_ids": [f.session_id]});
    assert_eq!(app.post_json("/api/v1/me/leave-requests", Some(&trainee), &ask).await.status(), 201);
    let (_, badge, _) = page(&app, "/console/inbox/badge", Some(&cookie)).await;
    assert_eq!(badge, r#"<span class="badge">1</span>"#);

    let (status, body, _) = page(&app, "/console/inbox", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("1 条新消息") && body.contains(r#"class="unread""#), "{body}");
    assert!(body.contains(r#"<a href="/console/leave">去处理</a>"#), "to where it is dealt with: {body}");
    assert!(!body.contains("家中有事<b>"), "escaped: {body}");
    let (_, badge, _) = page(&app, "/console/inbox/badge", Some(&cookie)).await;
    assert_eq!(badge, "", "opened: read");
    let (_, body, _) = page(&app, "/console/inbox", Some(&cookie)).await;
    assert!(!body.contains("条新消息") && !body.contains(r#"class="unread""#), "{body}");
    let (status, _, headers) = page(&app, "/console/inbox", None).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"));
}

#[tokio::test]
async fn administrators_export_the_hours_archive_of_a_year_from_the_console() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let (status, _, _) = page(&app, "/console/admin/archive", Some(&session_cookie(&app, &head).await)).await;
    assert_eq!(status, 403, "staff do not export everyone's archive");
    let admin = app.create_account(rollcall::auth::Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let (status, body, _) = page(&app, "/console/admin/archive", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"value="2026""#) && body.contains("学时档案"), "this year by default: {body}");
    let get = |path: &'static str| {
        let request = app.client.get(app.url(path)).header(header::COOKIE, cookie.clone());
        async move {
            let r = request.send().await.unwrap();
            (r.status().as_u16(), r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, xlsx) = get("/console/admin/archive/hours?year=2026&format=xlsx").await;
    assert!(status == 200 && xlsx.starts_with(b"PK"), "{status}");
    let (status, csv) = get("/console/admin/archive/hours?year=2026&format=csv").await;
    let csv = String::from_utf8_lossy(&csv).to_string();
    assert_eq!(status, 200);
    assert!(csv.contains("年度学时") && csv.contains(&f.trainees[0].0), "{csv}");
    let (status, body) = get("/console/admin/archive/hours?year=1999&format=csv").await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&body).contains("年度须在 2000 到 2100 之间"));
}

#[tokio::test]
async fn a_wrong_correction_is_undone_from_the_board_back_to_what_it_was_with_a_reason() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let cookie = session_cookie(&app, &head).await;
    let arrived = app.trainee_token(&f.trainees[0].1, "phone-undo-1").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&arrived, &qr, &crate::helpers::nonce(), None).await.status(), 201);
    let path = format!("/console/sessions/{}/board", f.session_id);
    let csrf = csrf_of(&page(&app, &path, Some(&cookie)).await.1);
    let (scanned, missing) = (f.trainees[0].2.as_str(), f.trainees[1].2.as_str());
    // Both marked 请假 by mistake: one had scanned in, one had no record.
    let form = [("csrf", csrf.as_str()), ("status", "leave"), ("reason", "点错了人"), ("e", scanned), ("e", missing)];
    assert_eq!(post_form(&app, &path, &cookie, &form).await.0, 303);
    let (_, body, _) = page(&app, &path, Some(&cookie)).await;
    assert_eq!(body.matches("撤销修改</button>").count(), 2, "each corrected row offers an undo: {body}");

    let undo = format!("{path}/undo");
    let (status, _, body) = post_form(&app, &undo, &cookie, &[("csrf", &csrf), ("undo", scanned)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("撤销修改必须填写原因"), "{body}");
    let (status, location, _) =
        post_form(&app, &undo, &cookie, &[("csrf", &csrf), ("undo", scanned), ("undo_reason", "误标请假")]).await;
    assert_eq!(
        (status, location.as_str()),
        (303, format!("{path}?undone=%E5%87%BA%E5%8B%A4").as_str()),
        "back to 出勤"
    );
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(body.contains("已撤销修改，该学员现为“出勤”"), "{body}");
    let (status, _, body) =
        post_form(&app, &undo, &cookie, &[("csrf", &csrf), ("undo", scanned), ("undo_reason", "再撤一次")]).await;
    assert_eq!(status, 409, "an undo is not undone");
    assert!(body.contains("没有可撤销的修改"), "{body}");

    // Through the API (what the phone monitor calls): the one without a record has none again.
    let api = format!("/api/v1/sessions/{}/attendance/{missing}/undo", f.session_id);
    let response = app.post_json(&api, Some(&f.admin_token), &json!({"reason": "误标请假"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap(), json!({"status": null}));
    let list: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let status_of = |id: &str| {
        list["entries"].as_array().unwrap().iter().find(|e| e["enrollment_id"] == id).unwrap()["status"].clone()
    };
    assert_eq!((status_of(scanned), status_of(missing)), (json!("present"), Value::Null), "{list}");
    let response = app.post_json(&api, Some(&f.admin_token), &json!({"reason": "x"})).await;
    assert_eq!(response.status(), 409);
    assert_eq!(response.json::<Value>().await.unwrap()["code"], "nothing_to_undo");
    let audit: Value =
        app.get(&format!("/api/v1/audit?class_id={}", f.class_id), Some(&f.admin_token)).await.json().await.unwrap();
    let undos: Vec<&Value> =
        audit["items"].as_array().unwrap().iter().filter(|a| a["action"] == "attendance.undo").collect();
    assert_eq!(undos.len(), 2, "{audit}");
    assert!(undos.iter().all(|a| a["reason"] == "误标请假"), "{audit}");
}

#[tokio::test]
async fn discipline_is_recorded_with_a_photo_listed_and_annulled_by_an_administrator_with_a_reason() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (head, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    let path = format!("/console/classes/{}/discipline", f.class_id);
    let cookie = session_cookie(&app, &head).await;
    let (status, body, _) = page(&app, &path, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("本班没有违纪记录") && body.contains(&f.trainees[0].0), "{body}");
    // The photo is chosen with a Chinese button (the input hidden behind it) and its name shown beside it.
    assert!(
        body.contains(r#"<label class="file-button" for="photo">选择照片</label>"#)
            && body.contains(r#"data-file-name-for="photo""#)
            && body.contains(r#"<input id="photo" class="offscreen" name="file" type="file""#),
        "{body}"
    );
    let csrf = csrf_of(&body);

    let post = |fields: Vec<(&'static str, String)>, photo: Option<Vec<u8>>| {
        let app = &app;
        let cookie = cookie.clone();
        let path = path.clone();
        async move {
            let mut form = reqwest::multipart::Form::new();
            for (k, v) in fields {
                form = form.text(k, v);
            }
            if let Some(bytes) = photo {
                form = form.part("file", reqwest::multipart::Part::bytes(bytes).file_name("p.png"));
            }
            let r =
                app.client.post(app.url(&path)).header(header::COOKIE, cookie).multipart(form).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.text().await.unwrap())
        }
    };
    let fields = |description: &str| {
        vec![
            ("csrf", csrf.clone()),
            ("enrollment_id", f.trainees[0].2.clone()),
            ("category", "classroom".to_owned()),
            ("severity", "serious".to_owned()),
            ("date", "2026-11-26".to_owned()),
            ("time", "08:10".to_owned()),
            ("description", description.to_owned()),
            ("evidence", "组织员在场".to_owned()),
        ]
    };
    let (status, body) = post(fields(""), None).await;
    assert_eq!(status, 400, "a description is required: {body}");
    assert!(body.contains("违纪情况"), "{body}");
    let (status, _) = post(fields("课堂上多次使用手机<b>"), Some(png())).await;
    assert_eq!(status, 303, "recorded");
    let (_, body, _) = page(&app, &path, Some(&cookie)).await;
    assert!(
        body.contains("课堂上多次使用手机&#60;b&#62;") && body.contains("较重") && body.contains("查看照片"),
        "{body}"
    );
    let id = body.split("/console/discipline/").nth(1).and_then(|r| r.split('/').next()).unwrap().to_owned();
    let image = app
        .client
        .get(app.url(&format!("/console/discipline/{id}/photo")))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(image.headers()["content-type"], "image/png");
    let stranger_cookie = session_cookie(&app, &stranger).await;
    assert_eq!(page(&app, &path, Some(&stranger_cookie)).await.0, 404);
    assert_eq!(page(&app, &format!("/console/discipline/{id}/photo"), Some(&stranger_cookie)).await.0, 404);

    let annul = format!("/console/discipline/{id}/annul");
    let (status, _, _) = post_form(&app, &annul, &cookie, &[("csrf", &csrf), ("reason", "误记")]).await;
    assert_eq!(status, 403, "staff do not annul");
    let admin = app.create_account(rollcall::auth::Role::Admin).await;
    let admin_cookie = session_cookie(&app, &admin).await;
    let admin_csrf = csrf_of(&page(&app, &path, Some(&admin_cookie)).await.1);
    let (status, _, body) = post_form(&app, &annul, &admin_cookie, &[("csrf", &admin_csrf)]).await;
    assert_eq!(status, 400);
    assert!(body.contains("撤销违纪记录必须填写原因"), "{body}");
    let (status, location, _) =
        post_form(&app, &annul, &admin_cookie, &[("csrf", &admin_csrf), ("reason", "经核实系误记")]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?done=annulled").as_str()));
    let (_, body, _) = page(&app, &path, Some(&cookie)).await;
    assert!(body.contains("已撤销") && body.contains("经核实系误记"), "{body}");
}

#[tokio::test]
async fn the_completion_tab_shows_each_decision_with_its_reasons_and_administrators_decide_issue_and_revoke() {
    use crate::certificates::{attendance, class, finish};
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let (head, _) = app.assigned_staff(&c.admin, &c.id).await;
    let path = format!("/console/classes/{}/completion", c.id);

    let staff_cookie = session_cookie(&app, &head).await;
    let (status, body, _) = page(&app, &path, Some(&staff_cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("<b>2</b>准予结业") && body.contains("<b>2</b>不予结业"), "{body}");
    assert!(body.contains("超过总学时") && body.contains("违纪"), "every reason with its numbers: {body}");
    assert!(body.contains("才能发放证书") && !body.contains("人工决定</th>"), "staff read it; not finished yet");
    // Before the end, those over a limit that only grows are marked as no longer able to complete.
    let lost_row = body.split(r#"<tr class="lost">"#).nth(1).map(|r| r.split("</tr>").next().unwrap()).unwrap_or("");
    assert!(lost_row.contains("请假超过上限"), "the lost row says why: {body}");
    assert!(body.contains("</b>已无法结业") && !body.contains("<b>0</b>已无法结业"), "{body}");
    let csrf = csrf_of(&body);
    let zhao = c.enrollment("赵志强");
    let decide = format!("{path}/{zhao}");
    let (status, _, _) =
        post_form(&app, &decide, &staff_cookie, &[("csrf", &csrf), ("decision", "withhold"), ("reason", "x")]).await;
    assert_eq!(status, 403, "staff do not decide by hand");

    let admin = app.create_account(rollcall::auth::Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let csrf = csrf_of(&page(&app, &path, Some(&cookie)).await.1);
    let (status, _, body) = post_form(&app, &decide, &cookie, &[("csrf", &csrf), ("decision", "withhold")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("必须填写原因"), "{body}");
    let form = [("csrf", csrf.as_str()), ("decision", "withhold"), ("reason", "结业考核未通过")];
    let (status, location, _) = post_form(&app, &decide, &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?done=decided").as_str()));
    let (_, body, _) = page(&app, &path, Some(&cookie)).await;
    assert!(body.contains("<b>1</b>准予结业") && body.contains("结业考核未通过"), "{body}");
    let (status, _, body) =
        post_form(&app, &format!("/console/classes/{}/certificates", c.id), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 409, "not finished: {body}");

    finish(&app, &c).await;
    let (_, body, _) = page(&app, &path, Some(&cookie)).await;
    assert!(body.contains("将为 1 人发放结业证书，3 人不予结业"), "the confirmation says how many: {body}");
    assert!(!body.contains("已无法结业") && !body.contains(r#"class="lost""#), "after the end only decisions: {body}");
    let (status, location, _) =
        post_form(&app, &format!("/console/classes/{}/certificates", c.id), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?issued=1").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(
        body.contains("已发放 1 份结业证书") && body.contains("/verify/") && body.contains("下载全部证书"),
        "{body}"
    );
    let cert = body.split("/console/certificates/").nth(1).and_then(|r| r.split('/').next()).unwrap().to_owned();
    let pdf = app
        .client
        .get(app.url(&format!("/console/certificates/{cert}/pdf")))
        .header(header::COOKIE, &staff_cookie)
        .send()
        .await
        .unwrap();
    assert!(pdf.bytes().await.unwrap().starts_with(b"%PDF"));
    let zip = app
        .client
        .get(app.url(&format!("/console/classes/{}/certificates.zip", c.id)))
        .header(header::COOKIE, &staff_cookie)
        .send()
        .await
        .unwrap();
    assert!(zip.bytes().await.unwrap().starts_with(b"PK"));

    let revoke = format!("/console/certificates/{cert}/revoke");
    let (status, _, _) = post_form(
        &app,
        &revoke,
        &staff_cookie,
        &[("csrf", &csrf_of(&page(&app, &path, Some(&staff_cookie)).await.1)), ("reason", "x")],
    )
    .await;
    assert_eq!(status, 403, "staff do not revoke");
    let (status, location, _) = post_form(&app, &revoke, &cookie, &[("csrf", &csrf), ("reason", "信息有误")]).await;
    assert_eq!((status, location.as_str()), (303, format!("{path}?done=revoked").as_str()));
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    assert_eq!(page(&app, &path, Some(&session_cookie(&app, &stranger).await)).await.0, 404);
}

#[tokio::test]
async fn the_reports_tab_downloads_unit_reports_the_summary_and_opens_the_daily_notice() {
    use crate::certificates::{attendance, class};
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let (head, _) = app.assigned_staff(&c.admin, &c.id).await;
    let cookie = session_cookie(&app, &head).await;
    let base = format!("/console/classes/{}", c.id);
    let (status, body, _) = page(&app, &format!("{base}/reports"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("某县发展和改革局") && body.contains("某镇人民政府"), "{body}");
    // The chart: one bar per held session, with its numbers on hover.
    let chart = body.split("<svg").nth(1).and_then(|r| r.split("</svg>").next()).expect("the attendance chart");
    let bars = chart.matches("<g><title>").count();
    assert!(bars >= 1 && chart.contains("应到 ") && chart.contains("出勤 "), "{chart}");
    assert!(body.contains(&format!("已上 {bars} 节课")), "the heading counts the bars: {body}");
    assert!(!body.contains("/console/admin/archive"), "the base-wide archive is for administrators");
    let unit: String = form_urlencoded::byte_serialize("某县发展和改革局".as_bytes()).collect();
    let get = |path: String| {
        let app = &app;
        let cookie = cookie.clone();
        async move {
            let r = app.client.get(app.url(&path)).header(header::COOKIE, cookie).send().await.unwrap();
            let status = r.status().as_u16();
            (status, r.bytes().await.unwrap().to_vec())
        }
    };
    let (status, xlsx) = get(format!("{base}/reports/unit?unit={unit}&format=xlsx")).await;
    assert!(status == 200 && xlsx.starts_with(b"PK"), "{status}");
    let (status, pdf) = get(format!("{base}/reports/unit?unit={unit}&format=pdf")).await;
    assert!(status == 200 && pdf.starts_with(b"%PDF"), "{status}");
    let (_, csv) = get(format!("{base}/reports/unit?unit={unit}&format=csv")).await;
    assert!(String::from_utf8_lossy(&csv).contains("李明华"), "the unit's trainees");
    let (status, bad) = get(format!("{base}/reports/unit?unit={unit}&format=doc")).await;
    assert_eq!(status, 400);
    assert!(String::from_utf8_lossy(&bad).contains("格式须为 xlsx、pdf 或 csv"));
    let (status, summary) = get(format!("{base}/reports/summary?format=xlsx")).await;
    assert!(status == 200 && summary.starts_with(b"PK"));
    let (status, _, headers) = page(&app, &format!("{base}/notice?date=2026-11-23"), Some(&cookie)).await;
    assert_eq!(status, 303);
    let print = headers[header::LOCATION].to_str().unwrap().to_owned();
    assert!(print.starts_with(&format!("/print/classes/{}/notice?date=2026-11-23", c.id)), "{print}");
    let (status, body, _) = page(&app, &print, None).await;
    assert_eq!(status, 200);
    assert!(body.contains("王建国") && body.contains("考勤公示"), "the day's leave is posted: {body}");
    let other = app.checkin_fixture(1, None).await;
    let (stranger, _) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    assert_eq!(page(&app, &format!("{base}/reports"), Some(&session_cookie(&app, &stranger).await)).await.0, 404);
}
