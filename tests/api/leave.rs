//! Leave: the approval chain by role and step, approved leave turning sessions (also 旷课 ones) into 请假,
//! overlapping and out-of-range requests, cancellation, 补假 by staff, attachments checked by content.

use serde_json::{Value, json};

use crate::helpers::{ClockExt, TestApp, error_body, nonce, spawn_app};

/// The fixture's class runs 2026-11-23 … 2026-12-04; its session is today 09:00–12:00 China time (3 学时).
/// This adds an afternoon session 14:00–17:00 (3 学时).
async fn afternoon(app: &TestApp, admin: &str, class_id: &str) -> String {
    app.add_session(admin, class_id, "2026-11-26T06:00:00Z", "2026-11-26T09:00:00Z", 3.0).await
}

async fn ask(app: &TestApp, token: &str, body: Value) -> reqwest::Response {
    app.post_json("/api/v1/me/leave-requests", Some(token), &body).await
}

async fn decide(app: &TestApp, token: &str, id: &str, verb: &str, comment: Option<&str>) -> reqwest::Response {
    app.post_json(&format!("/api/v1/leave-requests/{id}/{verb}"), Some(token), &json!({ "comment": comment })).await
}

async fn status_of(app: &TestApp, staff: &str, session_id: &str, enrollment_id: &str) -> Option<String> {
    let list: Value =
        app.get(&format!("/api/v1/sessions/{session_id}/attendance"), Some(staff)).await.json().await.unwrap();
    list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["enrollment_id"] == enrollment_id)
        .and_then(|e| e["status"].as_str().map(str::to_owned))
}

#[tokio::test]
async fn the_approval_chain_takes_each_role_at_its_step() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let admin = f.admin_token.clone();
    let pm = afternoon(&app, &admin, &f.class_id).await;
    let (_, head) = app.assigned_staff(&admin, &f.class_id).await;
    let (_, organiser) = app.staff_with_role(&admin, &f.class_id, "organiser").await;
    let other = app.checkin_fixture(1, None).await;
    let (_, stranger) = app.assigned_staff(&other.admin_token, &other.class_id).await;
    let (_, code, enrollment) = f.trainees[0].clone();
    let trainee = app.trainee_token(&code, "phone-leave-0001").await;

    // 6 学时 is over the default 4: 班主任 first, then an administrator.
    let response = ask(
        &app,
        &trainee,
        json!({"class_id": f.class_id, "kind": "sick", "reason": "发烧就医", "session_ids": [f.session_id, pm]}),
    )
    .await;
    assert_eq!(response.status(), 201);
    let long: Value = response.json().await.unwrap();
    assert_eq!(long["status"], "pending");
    assert_eq!(long["credit_hours"], 6.0);
    assert_eq!(long["steps_required"], 2);
    assert_eq!(long["waiting_for"], "head_teacher");
    let id = long["id"].as_str().unwrap();

    // Trainees do not decide; an organiser is not the 班主任; staff of another class do not see it.
    assert_eq!(decide(&app, &trainee, id, "approve", None).await.status(), 403);
    let (status, code_, message) = error_body(decide(&app, &organiser, id, "approve", None).await).await;
    assert_eq!((status, code_.as_str()), (403, "not_your_step"), "{message}");
    assert_eq!(error_body(decide(&app, &stranger, id, "approve", None).await).await.0, 404);

    let step1: Value = decide(&app, &head, id, "approve", Some("同意，报教务")).await.json().await.unwrap();
    assert_eq!(step1["status"], "pending");
    assert_eq!(step1["step"], 2);
    assert_eq!(step1["waiting_for"], "admin");
    assert_eq!(step1["steps"][0]["role"], "head_teacher");
    assert_eq!(step1["steps"][0]["comment"], "同意，报教务");
    // Nothing changes attendance before the last step.
    assert_eq!(status_of(&app, &admin, &f.session_id, &enrollment).await, None);
    // The 班主任 cannot take the administrator's step.
    let (status, code_, _) = error_body(decide(&app, &head, id, "approve", None).await).await;
    assert_eq!((status, code_.as_str()), (403, "not_your_step"));

    let done: Value = decide(&app, &admin, id, "approve", None).await.json().await.unwrap();
    assert_eq!(done["status"], "approved");
    assert_eq!(done["steps"].as_array().unwrap().len(), 2);
    assert_eq!(done["steps"][1]["role"], "admin");
    assert_eq!(status_of(&app, &admin, &f.session_id, &enrollment).await.as_deref(), Some("leave"));
    assert_eq!(status_of(&app, &admin, &pm, &enrollment).await.as_deref(), Some("leave"));
    // On leave, a scan is not a check-in: staff cancel the leave first.
    let qr = app.qr_token(&admin, &f.session_id).await;
    let (status, code_, message) = error_body(app.scan(&trainee, &qr, &nonce(), None).await).await;
    assert_eq!((status, code_.as_str()), (409, "on_leave"), "{message}");
    // Decided is decided.
    let (status, code_, _) = error_body(decide(&app, &admin, id, "reject", Some("晚了")).await).await;
    assert_eq!((status, code_.as_str()), (409, "leave_not_pending"));

    // 3 学时 is within the 班主任's reach: one step.
    let (_, code1, enrollment1) = f.trainees[1].clone();
    let trainee1 = app.trainee_token(&code1, "phone-leave-0002").await;
    let short: Value = ask(
        &app,
        &trainee1,
        json!({"class_id": f.class_id, "kind": "personal", "reason": "家中有事", "session_ids": [pm]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(short["steps_required"], 1);
    let done: Value = decide(&app, &head, short["id"].as_str().unwrap(), "approve", None).await.json().await.unwrap();
    assert_eq!(done["status"], "approved");
    assert_eq!(status_of(&app, &admin, &pm, &enrollment1).await.as_deref(), Some("leave"));

    // With "any class staff" at step 1, the organiser may decide; rejecting needs a comment.
    let policy = json!({"policy": {"leave_approval": {"first_step": "class_staff", "admin_over_hours": null}}});
    let response = app
        .send_json(reqwest::Method::PUT, &format!("/api/v1/classes/{}/policy", f.class_id), Some(&admin), &policy)
        .await;
    assert_eq!(response.status(), 200);
    let (_, code2, enrollment2) = f.trainees[2].clone();
    let trainee2 = app.trainee_token(&code2, "phone-leave-0003").await;
    let req: Value = ask(
        &app,
        &trainee2,
        json!({"class_id": f.class_id, "kind": "official", "reason": "单位临时公务", "session_ids": [f.session_id, pm]}),
    )
    .await
    .json()
    .await
    .unwrap();
    assert_eq!(req["steps_required"], 1, "no second step when admin_over_hours is null");
    let rid = req["id"].as_str().unwrap();
    let (status, code_, _) = error_body(decide(&app, &organiser, rid, "reject", None).await).await;
    assert_eq!((status, code_.as_str()), (400, "reason_required"));
    let rejected: Value =
        decide(&app, &organiser, rid, "reject", Some("公务请提供单位证明")).await.json().await.unwrap();
    assert_eq!(rejected["status"], "rejected");
    assert_eq!(rejected["steps"][0]["role"], "class_staff");
    assert_eq!(status_of(&app, &admin, &pm, &enrollment2).await, None);
    // A rejected request frees its sessions for a new one.
    let again = ask(
        &app,
        &trainee2,
        json!({"class_id": f.class_id, "kind": "official", "reason": "补交单位证明", "session_ids": [pm]}),
    )
    .await;
    assert_eq!(again.status(), 201);

    // The trainee sees every decision with its comment, and the audit names who decided.
    let mine: Value = app.get("/api/v1/me/leave-requests", Some(&trainee2)).await.json().await.unwrap();
    let statuses: Vec<&str> = mine.as_array().unwrap().iter().map(|r| r["status"].as_str().unwrap()).collect();
    assert_eq!(statuses, ["pending", "rejected"]);
    assert_eq!(mine[1]["steps"][0]["comment"], "公务请提供单位证明");
    let audit: Value = app.get("/api/v1/audit?entity=leave_request", Some(&admin)).await.json().await.unwrap();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().map(|e| e["action"].as_str().unwrap()).collect();
    for action in ["leave.request", "leave.approve_step", "leave.approve", "leave.reject"] {
        assert!(actions.contains(&action), "{action} in {actions:?}");
    }
}

#[tokio::test]
async fn approved_leave_turns_absence_into_leave_and_keeps_attendance() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let admin = f.admin_token.clone();
    let (_, head) = app.assigned_staff(&admin, &f.class_id).await;
    let (_, absent_code, absent) = f.trainees[0].clone();
    let (_, present_code, present) = f.trainees[1].clone();
    let absent_token = app.trainee_token(&absent_code, "phone-absent-01").await;
    let present_token = app.trainee_token(&present_code, "phone-present-01").await;

    // One trainee checks in; the other does not, and is marked 旷课 when check-in closes.
    let qr = app.qr_token(&admin, &f.session_id).await;
    assert_eq!(app.scan(&present_token, &qr, &nonce(), None).await.status(), 201);
    app.clock.set_china(2026, 11, 26, 12, 30);
    rollcall::attendance::close::sweep(&app.state, app.clock.now_utc()).await.unwrap();
    assert_eq!(status_of(&app, &admin, &f.session_id, &absent).await.as_deref(), Some("absent"));

    // Both ask for the day (09:00–17:00) afterwards: the absent one's request covers the session and is approved;
    // the one who checked in is told they were there (leave_already_attended) and keeps the record.
    let day = json!({"class_id": f.class_id, "kind": "sick", "reason": "上午就医",
        "starts_at": "2026-11-26T01:00:00Z", "ends_at": "2026-11-26T09:00:00Z"});
    let (status, code, message) = error_body(ask(&app, &present_token, day.clone()).await).await;
    assert_eq!((status, code.as_str()), (409, "leave_already_attended"));
    assert!(message.contains("已有签到记录"), "{message}");
    let response = ask(&app, &absent_token, day).await;
    assert_eq!(response.status(), 201);
    let req: Value = response.json().await.unwrap();
    assert_eq!(req["sessions"].as_array().unwrap().len(), 1);
    assert_eq!(decide(&app, &head, req["id"].as_str().unwrap(), "approve", None).await.status(), 200);
    assert_eq!(status_of(&app, &admin, &f.session_id, &absent).await.as_deref(), Some("leave"));
    assert_eq!(status_of(&app, &admin, &f.session_id, &present).await.as_deref(), Some("present"));

    let mine: Value = app.get("/api/v1/me/attendance", Some(&absent_token)).await.json().await.unwrap();
    assert_eq!(mine["totals"]["leave"], 1);
    assert_eq!(mine["totals"]["absent"], 0);
    assert_eq!(mine["sessions"][0]["note"], "病假（已批准）");
}

#[tokio::test]
async fn overlapping_out_of_range_and_empty_requests_are_refused() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let (_, code, _) = f.trainees[0].clone();
    let trainee = app.trainee_token(&code, "phone-range-001").await;
    let body = |extra: Value| {
        let mut b = json!({"class_id": f.class_id, "kind": "personal", "reason": "家中有事"});
        b.as_object_mut().unwrap().extend(extra.as_object().unwrap().clone());
        b
    };
    assert_eq!(ask(&app, &trainee, body(json!({"session_ids": [f.session_id]}))).await.status(), 201);

    let cases = [
        // The same session again, as a span around it.
        (json!({"starts_at": "2026-11-26T00:00:00Z", "ends_at": "2026-11-26T02:00:00Z"}), 409, "leave_overlap"),
        (json!({"session_ids": [f.session_id]}), 409, "leave_overlap"),
        // Past the class's last day (2026-12-04).
        (json!({"starts_at": "2026-12-04T01:00:00Z", "ends_at": "2026-12-05T09:00:00Z"}), 422, "leave_out_of_range"),
        // Before its first day.
        (json!({"starts_at": "2026-11-22T01:00:00Z", "ends_at": "2026-11-23T09:00:00Z"}), 422, "leave_out_of_range"),
        // A span with no session in it.
        (json!({"starts_at": "2026-11-27T01:00:00Z", "ends_at": "2026-11-27T09:00:00Z"}), 422, "leave_no_sessions"),
        (json!({"session_ids": []}), 422, "leave_no_sessions"),
        // Ends before it starts; neither sessions nor a span; a session of another class.
        (json!({"starts_at": "2026-11-27T09:00:00Z", "ends_at": "2026-11-27T01:00:00Z"}), 400, "validation_failed"),
        (json!({}), 400, "validation_failed"),
        (json!({"session_ids": [uuid::Uuid::new_v4()]}), 404, "not_found"),
    ];
    for (extra, status, code_) in cases {
        let (got, got_code, message) = error_body(ask(&app, &trainee, body(extra.clone())).await).await;
        assert_eq!((got, got_code.as_str()), (status, code_), "{extra}: {message}");
        assert!(!message.is_empty() && !message.is_ascii(), "a Chinese message for {code_}");
    }

    // Too long ago for the trainee (over 24 h after the session ended): staff record it instead.
    app.clock.set_china(2026, 11, 28, 9, 0);
    let cancelled: Value = app.get("/api/v1/me/leave-requests", Some(&trainee)).await.json().await.unwrap();
    let id = cancelled[0]["id"].as_str().unwrap();
    let response = app.post_json(&format!("/api/v1/me/leave-requests/{id}/cancel"), Some(&trainee), &json!({})).await;
    assert_eq!(response.status(), 200);
    let (status, code_, _) =
        error_body(app.post_json(&format!("/api/v1/me/leave-requests/{id}/cancel"), Some(&trainee), &json!({})).await)
            .await;
    assert_eq!((status, code_.as_str()), (409, "leave_not_pending"));
    let (status, code_, message) =
        error_body(ask(&app, &trainee, body(json!({"session_ids": [f.session_id]}))).await).await;
    assert_eq!((status, code_.as_str()), (422, "leave_out_of_range"));
    assert!(message.contains("补假"), "{message}");
}

#[tokio::test]
async fn staff_record_leave_after_the_fact_with_a_reason() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let (_, head) = app.staff_with_role(&f.admin_token, &f.class_id, "organiser").await;
    let (_, _, enrollment) = f.trainees[0].clone();
    let path = format!("/api/v1/classes/{}/leave-records", f.class_id);
    let mut body = json!({"enrollment_id": enrollment, "kind": "official", "reason": "参加县委常委会",
        "session_ids": [f.session_id], "record_reason": " "});
    let (status, code_, _) = error_body(app.post_json(&path, Some(&head), &body).await).await;
    assert_eq!((status, code_.as_str()), (400, "reason_required"));

    body["record_reason"] = json!("单位来函说明，事后补假");
    let response = app.post_json(&path, Some(&head), &body).await;
    assert_eq!(response.status(), 201);
    let recorded: Value = response.json().await.unwrap();
    assert_eq!(recorded["status"], "approved");
    assert_eq!(recorded["source"], "staff");
    assert_eq!(status_of(&app, &head, &f.session_id, &enrollment).await.as_deref(), Some("leave"));
    // Recording it twice is an overlap.
    let (status, code_, _) = error_body(app.post_json(&path, Some(&head), &body).await).await;
    assert_eq!((status, code_.as_str()), (409, "leave_overlap"));

    let audit: Value = app.get("/api/v1/audit?entity=leave_request", Some(&f.admin_token)).await.json().await.unwrap();
    let entry = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "leave.record").unwrap().clone();
    assert_eq!(entry["reason"], "单位来函说明，事后补假");
    assert_eq!(entry["actor_name"], "测试用户");
}

fn png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(8, 8, image::Luma([200u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

#[tokio::test]
async fn a_sick_note_is_checked_by_its_bytes_and_shown_to_staff_only() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let (_, head) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let trainee = app.trainee_token(&f.trainees[0].1, "phone-note-0001").await;
    let neighbour = app.trainee_token(&f.trainees[1].1, "phone-note-0002").await;

    // A text file named like a picture is refused.
    let (status, code_, _) =
        error_body(app.upload("/api/v1/attachments", &trainee, "note.png", b"not an image at all".to_vec()).await)
            .await;
    assert_eq!((status, code_.as_str()), (415, "attachment_invalid"));
    // A PNG named like a text file is accepted, as a PNG.
    let response = app.upload("/api/v1/attachments", &trainee, "note.txt", png()).await;
    assert_eq!(response.status(), 201);
    let stored: Value = response.json().await.unwrap();
    assert_eq!(stored["mime"], "image/png");
    let attachment_id = stored["id"].as_str().unwrap();

    // Someone else cannot attach it.
    let body = |id: &str| {
        json!({"class_id": f.class_id, "kind": "sick", "reason": "就医", "session_ids": [f.session_id],
               "attachment_id": id})
    };
    assert_eq!(error_body(ask(&app, &neighbour, body(attachment_id)).await).await.0, 404);
    let req: Value = ask(&app, &trainee, body(attachment_id)).await.json().await.unwrap();
    assert_eq!(req["has_attachment"], true);
    let id = req["id"].as_str().unwrap();

    let image = app.get(&format!("/api/v1/leave-requests/{id}/attachment"), Some(&head)).await;
    assert_eq!(image.status(), 200);
    assert_eq!(image.headers()["content-type"], "image/png");
    assert_eq!(image.bytes().await.unwrap().to_vec(), png());
    let own = app.get(&format!("/api/v1/me/leave-requests/{id}/attachment"), Some(&trainee)).await;
    assert_eq!(own.status(), 200);
    let other = app.get(&format!("/api/v1/me/leave-requests/{id}/attachment"), Some(&neighbour)).await;
    assert_eq!(other.status(), 404);
}

#[tokio::test]
async fn two_decisions_at_once_and_a_cancel_racing_an_approval_leave_one_outcome() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let (_, head) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let trainee = app.trainee_token(&f.trainees[0].1, "phone-race-0001").await;
    for round in 0..3 {
        let session = app
            .add_session(
                &f.admin_token,
                &f.class_id,
                &format!("2026-11-2{}T06:00:00Z", 7 + round),
                &format!("2026-11-2{}T08:00:00Z", 7 + round),
                2.0,
            )
            .await;
        let body = json!({"class_id": f.class_id, "kind": "personal", "reason": "家中有事", "session_ids": [session]});
        let req: Value = ask(&app, &trainee, body).await.json().await.unwrap();
        let id = req["id"].as_str().unwrap().to_owned();
        let cancel = format!("/api/v1/me/leave-requests/{id}/cancel");
        let empty = json!({});
        let (a, b, c) = tokio::join!(
            decide(&app, &head, &id, "approve", None),
            decide(&app, &f.admin_token, &id, "reject", Some("不同意")),
            app.post_json(&cancel, Some(&trainee), &empty),
        );
        let mut codes = [a.status().as_u16(), b.status().as_u16(), c.status().as_u16()];
        codes.sort();
        assert_eq!(codes, [200, 409, 409], "round {round}: exactly one outcome");
        let mine: Value = app.get("/api/v1/me/leave-requests", Some(&trainee)).await.json().await.unwrap();
        let this = mine.as_array().unwrap().iter().find(|r| r["id"] == id.as_str()).unwrap();
        let steps = this["steps"].as_array().unwrap().len();
        match this["status"].as_str().unwrap() {
            "cancelled" => assert_eq!(steps, 0),
            "approved" | "rejected" => assert_eq!(steps, 1),
            other => panic!("unexpected {other}"),
        }
    }
}
