//! Trainees' personal information: the notice shown and recorded at binding, the least position kept at check-in,
//! and each retention rule purging exactly what it should (with the clock moved) and nothing else, counted in the
//! audit trail.

use rollcall::entity::{attachment, attendance, auth_token, checkin_attempt, enrollment, leave_request};
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{Value, json};

use crate::helpers::{ClockExt, TestApp, error_body, nonce, spawn_app_with};

fn png() -> Vec<u8> {
    let img = image::GrayImage::from_pixel(8, 8, image::Luma([200u8]));
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, image::ImageFormat::Png).unwrap();
    out.into_inner()
}

async fn invite(app: &TestApp, code: &str, device: &str, notice: Option<&str>) -> reqwest::Response {
    let mut body = json!({"invite_code": code, "device_id": device});
    if let Some(v) = notice {
        body["notice_version"] = json!(v);
    }
    app.post_json("/api/v1/auth/invite", None, &body).await
}

#[tokio::test]
async fn the_notice_is_shown_before_binding_and_its_version_recorded_with_the_binding() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(1, None).await;
    let notice: Value = app.get("/api/v1/privacy/notice", None).await.json().await.unwrap();
    let version = notice["version"].as_str().unwrap().to_owned();
    let text = notice["paragraphs"].to_string();
    for said in ["签到时的位置", "病假条", "30 天后删除", "培训班结束一年后删除", "选派单位"]
    {
        assert!(text.contains(said), "the notice says {said}: {text}");
    }
    let (status, code, _) = error_body(app.post_json("/api/v1/privacy/notice", None, &json!({})).await).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"), "read-only");
    // The binding pages show it, with the version the page sends back.
    for page in ["/h5/bind", "/h5/me", "/c/anything"] {
        let html = app.get(page, None).await.text().await.unwrap();
        assert!(html.contains(&format!(r#"data-version="{version}""#)) && html.contains("个人信息处理告知"), "{page}");
    }

    let code = &f.trainees[0].1;
    let (status, error, _) = error_body(invite(&app, code, "privacy-phone-1", None).await).await;
    assert_eq!((status, error.as_str()), (400, "notice_not_acknowledged"));
    let (status, error, message) = error_body(invite(&app, code, "privacy-phone-1", Some("2020-01")).await).await;
    assert_eq!((status, error.as_str()), (409, "notice_outdated"));
    assert!(message.contains("重新阅读"), "{message}");
    let row = || enrollment::Entity::find().filter(enrollment::Column::PersonId.is_not_null()).all(&app.state.db);
    assert!(row().await.unwrap().iter().all(|e| e.device_id.is_none() && e.notice_version.is_none()), "not bound");

    assert_eq!(invite(&app, code, "privacy-phone-1", Some(&version)).await.status(), 200);
    let bound = row().await.unwrap().into_iter().find(|e| e.device_id.is_some()).unwrap();
    assert_eq!(bound.notice_version.as_deref(), Some(version.as_str()));
    assert_eq!(bound.notice_shown_at, Some(app.clock.now_utc()));
    // Logging in again on the bound phone is not a binding: no notice needed.
    assert_eq!(invite(&app, code, "privacy-phone-1", None).await.status(), 200);
    let audit: Value = app
        .get(&format!("/api/v1/audit?entity=enrollment&entity_id={}", bound.id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let entry = audit["items"].as_array().unwrap().iter().find(|e| e["action"] == "enrollment.bind_device").unwrap();
    assert_eq!(entry["after"]["notice_version"], version.as_str(), "{entry}");
}

#[tokio::test]
async fn retention_purges_exactly_what_each_rule_says_and_counts_it_in_the_audit_trail() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let fence = json!({"lat": 30.657_34, "lng": 104.065_73, "radius_m": 300, "coord": "gcj02"});
    let f = app.checkin_fixture(3, Some(fence)).await;
    let db = &app.state.db;
    let tokens: Vec<String> = {
        let mut t = Vec::new();
        for (i, (_, code, _)) in f.trainees.iter().enumerate() {
            t.push(app.trainee_token(code, &format!("retention-phone-{i}")).await);
        }
        t
    };
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let near = json!({"lat": 30.657_34, "lng": 104.065_73, "accuracy_m": 12, "coord": "gcj02"});
    let far = json!({"lat": 30.707_34, "lng": 104.065_73, "accuracy_m": 15, "coord": "gcj02"});
    assert_eq!(app.scan(&tokens[0], &qr, &nonce(), Some(near)).await.status(), 201);
    assert_eq!(error_body(app.scan(&tokens[1], &qr, &nonce(), Some(far)).await).await.1, "outside_geofence");
    let upload: Value = app.upload("/api/v1/attachments", &tokens[2], "note.png", png()).await.json().await.unwrap();
    let leave = json!({"class_id": f.class_id, "kind": "sick", "reason": "发烧就医", "session_ids": [f.session_id],
        "attachment_id": upload["id"]});
    let asked = app.post_json("/api/v1/me/leave-requests", Some(&tokens[2]), &leave).await;
    assert_eq!(asked.status(), 201);
    for _ in 0..100 {
        if checkin_attempt::Entity::find().count(db).await.unwrap() == 2 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the failed-attempt writer is asynchronous
    }

    // Least data at check-in: the successful attempt keeps the distance and accuracy, not the position; the
    // failed one keeps the position for staff to review.
    let attempts = checkin_attempt::Entity::find().all(db).await.unwrap();
    let ok = attempts.iter().find(|a| a.result == "ok").unwrap();
    assert!(ok.lat.is_none() && ok.lng.is_none(), "{ok:?}");
    assert!(ok.distance_m.is_some() && ok.accuracy_m == Some(12.0), "{ok:?}");
    let failed = attempts.iter().find(|a| a.result == "outside_geofence").unwrap();
    assert!(failed.lat.is_some() && failed.lng.is_some() && failed.client_addr.is_some(), "{failed:?}");

    let state = &app.state;
    let start = app.clock.now_utc();
    let run = |days: i64| async move {
        rollcall::privacy::retention::run_once(state, start + chrono::Duration::days(days)).await.unwrap()
    };
    let audits = || async {
        let (_, admin) = app.admin().await;
        let audit: Value = app.get("/api/v1/audit?entity=retention", Some(&admin)).await.json().await.unwrap();
        audit["items"].as_array().unwrap().clone()
    };

    // Today: nothing is due (the class runs until 2026-12-04, the attempts are fresh, every token is live).
    let today = run(0).await;
    assert_eq!(today, Default::default(), "nothing due today");
    assert!(audits().await.is_empty(), "a run that removes nothing leaves no entry");

    // 31 days on: attempt details (both attempts' address and browser, the failed one's position), the device ids
    // of the ended class's records (one attendance record, two attempts), every token (all expired); the image
    // stays for a year.
    let expired = auth_token::Entity::find()
        .filter(auth_token::Column::ExpiresAt.lt(app.clock.now_utc() + chrono::Duration::days(31)))
        .count(db)
        .await
        .unwrap();
    assert!(expired >= 4, "three trainees' and the admins' tokens");
    let month = run(31).await;
    assert_eq!((month.attempt_details, month.device_ids, month.images, month.tokens), (2, 3, 0, expired), "{month:?}");
    let attempts = checkin_attempt::Entity::find().all(db).await.unwrap();
    assert!(attempts.iter().all(|a| a.lat.is_none()
        && a.lng.is_none()
        && a.user_agent.is_none()
        && a.client_addr.is_none()
        && a.device.is_none()));
    let failed = attempts.iter().find(|a| a.result == "outside_geofence").unwrap();
    assert!(failed.distance_m.is_some() && failed.accuracy_m == Some(15.0), "the decision's figures stay");
    let record = attendance::Entity::find().one(db).await.unwrap().unwrap();
    assert!(record.device.is_none() && record.checked_in_at.is_some(), "{record:?}");
    let binding = enrollment::Entity::find().all(db).await.unwrap();
    assert_eq!(binding.iter().filter(|e| e.device_id.is_some()).count(), 3, "the login binding stays");
    assert_eq!(attachment::Entity::find().count(db).await.unwrap(), 1);
    assert_eq!(run(31).await, Default::default(), "again: nothing more");

    // A year after the class ended (2026-12-04 + 365 days): the sick note goes, the request and its reason stay.
    assert_eq!(run(372).await.images, 0, "2027-12-03: not yet a year");
    let year = run(375).await;
    assert_eq!((year.images, year.attempt_details, year.device_ids), (1, 0, 0), "{year:?}");
    assert_eq!(attachment::Entity::find().count(db).await.unwrap(), 0);
    let request = leave_request::Entity::find().one(db).await.unwrap().unwrap();
    assert!(request.attachment_id.is_none() && request.reason == "发烧就医", "{request:?}");

    let entries = audits().await;
    assert_eq!(entries.len(), 2, "one entry per run that removed something: {entries:?}");
    let counts: Vec<&Value> = entries.iter().map(|e| &e["after"]).collect();
    assert!(counts.contains(&&json!({"attempt_details": 2, "device_ids": 3, "images": 0, "tokens": expired})));
    assert!(counts.contains(&&json!({"attempt_details": 0, "device_ids": 0, "images": 1, "tokens": 0})));
    assert!(entries.iter().all(|e| e["actor_name"] == "retention" && e["action"] == "privacy.retention"));
}

#[tokio::test]
async fn every_download_of_a_file_with_phone_numbers_is_recorded_with_who_took_it() {
    let app = spawn_app_with(|_| {}).await;
    let f = app.checkin_fixture(4, None).await;
    let (teacher, teacher_token) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let roster = app.get(&format!("/api/v1/classes/{}/roster.xlsx", f.class_id), Some(&teacher_token)).await;
    assert_eq!(roster.status(), 200);
    let csv = app.get(&format!("/api/v1/classes/{}/roster.csv", f.class_id), Some(&f.admin_token)).await;
    assert!(csv.text().await.unwrap().contains(&f.phone_prefix), "the file does carry phone numbers");
    assert_eq!(app.get(&format!("/api/v1/classes/{}/audit.csv", f.class_id), Some(&f.admin_token)).await.status(), 200);
    // The console's download is the same file, recorded the same way.
    let cookie = crate::console::session_cookie(&app, &teacher).await;
    let (status, _, _) =
        crate::console::page(&app, &format!("/console/classes/{}/roster.csv", f.class_id), Some(&cookie)).await;
    assert_eq!(status, 200);
    // Someone who may not download gets nothing, and nothing is recorded for them.
    let (_, stranger) = app.assigned_staff(&f.admin_token, &app.create_class(&f.admin_token, "PRIV-OTHER").await).await;
    assert_eq!(app.get(&format!("/api/v1/classes/{}/roster.csv", f.class_id), Some(&stranger)).await.status(), 404);

    let me: Value = app.get("/api/v1/me", Some(&f.admin_token)).await.json().await.unwrap();
    let admin_id = me["user"]["id"].as_str().unwrap().to_owned();
    let teacher_id = teacher.id.to_string();
    let audit: Value =
        app.get("/api/v1/audit?entity=download&per_page=50", Some(&f.admin_token)).await.json().await.unwrap();
    let items = audit["items"].as_array().unwrap();
    let mut seen: Vec<(&str, &str, Value)> = items
        .iter()
        .map(|e| (e["entity_id"].as_str().unwrap(), e["actor_id"].as_str().unwrap(), e["after"]["rows"].clone()))
        .collect();
    seen.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    let mut expected = vec![
        ("audit.csv", admin_id.as_str(), Value::Null),
        ("roster.csv", admin_id.as_str(), json!(4)),
        ("roster.csv", teacher_id.as_str(), json!(4)),
        ("roster.xlsx", teacher_id.as_str(), json!(4)),
    ];
    expected.sort_by(|a, b| (a.0, a.1).cmp(&(b.0, b.1)));
    assert_eq!(seen, expected, "one entry per download, with who took it: {audit}");
    assert!(items.iter().all(|e| e["class_id"] == f.class_id.as_str() && e["after"]["contains"] == "手机号"));
}

#[tokio::test]
async fn a_trainees_copy_holds_all_their_data_and_nobody_elses() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let fence = json!({"lat": 30.657_34, "lng": 104.065_73, "radius_m": 300, "coord": "gcj02"});
    let f = app.checkin_fixture(2, Some(fence)).await;
    let (me_token, other_token) = (
        app.trainee_token(&f.trainees[0].1, "copy-phone-0").await,
        app.trainee_token(&f.trainees[1].1, "copy-phone-1").await,
    );
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let near = json!({"lat": 30.657_34, "lng": 104.065_73, "accuracy_m": 12, "coord": "gcj02"});
    let far = json!({"lat": 30.707_34, "lng": 104.065_73, "accuracy_m": 15, "coord": "gcj02"});
    assert_eq!(error_body(app.scan(&me_token, &qr, &nonce(), Some(far.clone())).await).await.1, "outside_geofence");
    assert_eq!(app.scan(&me_token, &qr, &nonce(), Some(near)).await.status(), 201);
    assert_eq!(error_body(app.scan(&other_token, &qr, &nonce(), Some(far)).await).await.1, "outside_geofence");
    let afternoon = json!({"title": "下午研讨", "kind": "discussion", "starts_at": "2026-11-26T06:00:00Z",
        "ends_at": "2026-11-26T08:00:00Z", "credit_hours": 2});
    let afternoon: Value = app
        .post_json(&format!("/api/v1/classes/{}/sessions", f.class_id), Some(&f.admin_token), &afternoon)
        .await
        .json()
        .await
        .unwrap();
    for (token, reason) in [(&me_token, "本人因公出差"), (&other_token, "另一位学员就医")] {
        let leave =
            json!({"class_id": f.class_id, "kind": "personal", "reason": reason, "session_ids": [afternoon["id"]]});
        assert_eq!(app.post_json("/api/v1/me/leave-requests", Some(token), &leave).await.status(), 201);
    }
    let form = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-30T00:00:00Z"});
    let created: Value = app
        .post_json(&format!("/api/v1/classes/{}/evaluations", f.class_id), Some(&f.admin_token), &form)
        .await
        .json()
        .await
        .unwrap();
    let answers = json!({"target": "class", "answers": {"organisation": "satisfied", "logistics": "fair",
        "overall": "very_satisfied", "comment": "食堂很好"}});
    let path = format!("/api/v1/me/evaluations/{}/answers", created["id"].as_str().unwrap());
    assert_eq!(app.post_json(&path, Some(&me_token), &answers).await.status(), 201);
    for _ in 0..100 {
        if checkin_attempt::Entity::find().count(&app.state.db).await.unwrap() == 3 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the failed-attempt writer is asynchronous
    }

    let copy = app.get("/api/v1/me/data", Some(&me_token)).await;
    assert_eq!(copy.status(), 200);
    let copy: Value = copy.json().await.unwrap();
    let (mine, theirs) = (&f.trainees[0], &f.trainees[1]);
    assert_eq!(copy["person"]["name"], mine.0.as_str());
    assert_eq!(copy["person"]["phone"], format!("{}0000", f.phone_prefix));
    let enrolment = &copy["enrolments"][0];
    assert_eq!((enrolment["phone_bound"].as_bool(), enrolment["status"].as_str()), (Some(true), Some("active")));
    assert_eq!(enrolment["notice_version"], app.state.settings.privacy.notice_version.as_str());
    assert_eq!(copy["attendance"]["sessions"].as_array().unwrap().len(), 1, "{copy}");
    let attempts = copy["checkin_attempts"].as_array().unwrap();
    let results: Vec<&str> = attempts.iter().map(|a| a["result"].as_str().unwrap()).collect();
    assert_eq!(results, ["outside_geofence", "ok"], "both of mine, oldest first");
    assert!(attempts[0]["lat"].is_number() && attempts[1]["lat"].is_null(), "positions as kept: {attempts:?}");
    let leave = copy["leave_requests"].to_string();
    assert!(leave.contains("本人因公出差"), "{leave}");
    assert_eq!(copy["evaluations_answered"][0]["part"], "class");
    assert!(!copy.to_string().contains("食堂很好"), "the answers are anonymous, not in the copy");
    assert!(copy["hours"].is_object() && copy["completion"].is_array() && copy["certificates"].is_array());
    let text = copy.to_string();
    assert!(!text.contains(theirs.0.as_str()) && !text.contains(&format!("{}0001", f.phone_prefix)), "{text}");
    assert!(!text.contains("另一位学员就医") && !text.contains("copy-phone-1"), "nobody else's records");

    // An administrator gets the same copy of one person, and taking it is recorded.
    let me: Value = app.get("/api/v1/me", Some(&me_token)).await.json().await.unwrap();
    let person = me["trainee"]["person_id"].as_str().unwrap();
    let admin_copy: Value =
        app.get(&format!("/api/v1/people/{person}/data"), Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!((&admin_copy["person"], &admin_copy["enrolments"]), (&copy["person"], &copy["enrolments"]));
    let audit: Value = app.get("/api/v1/audit?entity=download", Some(&f.admin_token)).await.json().await.unwrap();
    assert!(audit["items"].as_array().unwrap().iter().any(|e| e["entity_id"] == "person-data"), "{audit}");
}

#[tokio::test]
async fn erasure_keeps_the_certificate_verifiable_while_the_phone_and_device_are_gone() {
    use crate::certificates::{attendance, class, finish};
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let db = &app.state.db;
    let c = class(&app).await;
    attendance(&app, &c).await;
    // A trainee added by hand: the audit entry of the addition quotes the phone number.
    let sun_phone = format!("139{:08}", uuid::Uuid::new_v4().as_u128() % 100_000_000);
    let added = json!({"name": "孙丽", "gender": "女", "phone": sun_phone, "unit": "某县民政局", "post": "科员"});
    let added = app.post_json(&format!("/api/v1/classes/{}/roster", c.id), Some(&c.admin), &added).await;
    assert_eq!(added.status(), 201);
    let sun: Value = added.json().await.unwrap();
    // 李明华 binds a phone, tries a stale QR (a failed attempt is logged) and uploads a sick note.
    let li = app.trainee_token(&c.invite("李明华"), "erase-phone-li").await;
    let wang = app.trainee_token(&c.invite("王建国"), "erase-phone-wang").await;
    assert_eq!(error_body(app.scan(&li, "not-a-qr-token", &nonce(), None).await).await.0, 400);
    let upload = app.upload("/api/v1/attachments", &li, "note.png", png()).await;
    assert_eq!(upload.status(), 201);
    let me: Value = app.get("/api/v1/me", Some(&li)).await.json().await.unwrap();
    let li_person = me["trainee"]["person_id"].as_str().unwrap().to_owned();
    let li_uuid: uuid::Uuid = li_person.parse().unwrap();
    for _ in 0..100 {
        let logged = checkin_attempt::Entity::find()
            .filter(checkin_attempt::Column::PersonId.eq(li_uuid))
            .count(db)
            .await
            .unwrap();
        if logged > 0 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the failed-attempt writer is asynchronous
    }
    let before: Value =
        app.get(&format!("/api/v1/people/{li_person}/data"), Some(&c.admin)).await.json().await.unwrap();
    let li_phone = before["person"]["phone"].as_str().unwrap().to_owned();
    assert!(!before["checkin_attempts"].as_array().unwrap().is_empty(), "{before}");

    // Not while the class runs: withdraw or finish first.
    let erase = format!("/api/v1/people/{li_person}/erase");
    let (status, code, message) =
        error_body(app.post_json(&erase, Some(&c.admin), &json!({"reason": "本人申请"})).await).await;
    assert_eq!((status, code.as_str()), (409, "person_in_open_class"));
    assert!(message.contains("培训班"), "{message}");
    finish(&app, &c).await;
    let issued: Value = app
        .post_json(&format!("/api/v1/classes/{}/certificates", c.id), Some(&c.admin), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let cert = issued["certificates"].as_array().unwrap().iter().find(|x| x["holder_name"] == "李明华").unwrap();
    let verify = format!("/api/v1/public/certificates/{}", cert["verification_code"].as_str().unwrap());
    let verified_before: Value = app.get(&verify, None).await.json().await.unwrap();
    let (status, code, _) = error_body(app.post_json(&erase, Some(&c.admin), &json!({"reason": "  "})).await).await;
    assert_eq!((status, code.as_str()), (400, "reason_required"));
    let (_, staff) = app.assigned_staff(&c.admin, &c.id).await;
    assert_eq!(app.post_json(&erase, Some(&staff), &json!({"reason": "本人申请"})).await.status(), 403);

    let done = app.post_json(&erase, Some(&c.admin), &json!({"reason": "本人书面申请删除个人信息"})).await;
    assert_eq!(done.status(), 200);
    let done: Value = done.json().await.unwrap();
    assert_eq!(done["erased"]["bindings"], 1, "{done}");
    assert!(done["erased"]["attempts"].as_u64().unwrap() >= 1 && done["erased"]["images"] == 1, "{done}");
    assert!(done["erased"]["tokens"].as_u64().unwrap() >= 1, "{done}");

    // The certificate verifies exactly as before.
    assert_eq!(app.get(&verify, None).await.json::<Value>().await.unwrap(), verified_before);
    // The phone, the device and every login are gone; the printed invite code is dead.
    assert_eq!(error_body(app.get("/api/v1/me", Some(&li)).await).await.1, "invalid_token");
    let (_, code, _) = error_body(invite(&app, &c.invite("李明华"), "erase-phone-li", None).await).await;
    assert_eq!(code, "invite_code_invalid", "the old code no longer logs in");
    let person = rollcall::entity::person::Entity::find_by_id(li_uuid).one(db).await.unwrap().unwrap();
    assert!(person.phone != li_phone && person.erased_at.is_some() && person.name == "李明华", "{person:?}");
    let theirs = enrollment::Entity::find().filter(enrollment::Column::PersonId.eq(li_uuid)).all(db).await.unwrap();
    assert!(theirs.iter().all(|e| e.device_id.is_none() && e.wechat_openid.is_none()), "{theirs:?}");
    assert_eq!(
        checkin_attempt::Entity::find().filter(checkin_attempt::Column::PersonId.eq(li_uuid)).count(db).await.unwrap(),
        0
    );
    assert_eq!(attachment::Entity::find().count(db).await.unwrap(), 0);
    let ids: Vec<uuid::Uuid> = theirs.iter().map(|e| e.id).collect();
    let records = attendance::Entity::find().filter(attendance::Column::EnrollmentId.is_in(ids)).all(db).await.unwrap();
    assert_eq!(records.len(), 7, "the attendance the archive needs stays");
    assert!(records.iter().all(|r| r.device.is_none()));
    let after: Value = app.get(&format!("/api/v1/people/{li_person}/data"), Some(&c.admin)).await.json().await.unwrap();
    assert_eq!(after["person"]["phone"], "（已删除）");
    assert_eq!(
        (after["person"]["name"].as_str(), &after["hours"]["five_years"], &after["certificates"][0]["serial"]),
        (Some("李明华"), &before["hours"]["five_years"], &cert["serial"])
    );
    assert!(!after.to_string().contains(&li_phone) && !after.to_string().contains("erase-phone-li"), "{after}");
    let roster: Value =
        app.get(&format!("/api/v1/classes/{}/roster", c.id), Some(&c.admin)).await.json().await.unwrap();
    let row = |name: &str| roster["items"].as_array().unwrap().iter().find(|r| r["name"] == name).unwrap().clone();
    assert_eq!(row("李明华")["phone"], "（已删除）");
    // Nobody else is touched.
    assert!(row("王建国")["phone"].as_str().unwrap().starts_with("137"));
    assert_eq!(app.get("/api/v1/me", Some(&wang)).await.status(), 200);

    // The audit trail is append-only and is never rewritten, so it never held the full number: the hand-added
    // trainee's entry quotes it masked, and erasing them leaves every entry of the class as it was.
    let sun_person = sun["person_id"].as_str().unwrap();
    let trail = || async {
        let path = format!("/api/v1/audit?per_page=200&class_id={}", c.id);
        let audit: Value = app.get(&path, Some(&c.admin)).await.json().await.unwrap();
        audit["items"].as_array().unwrap().clone()
    };
    let entries_before = trail().await;
    let masked = format!("{}****{}", &sun_phone[..3], &sun_phone[7..]);
    let addition = entries_before.iter().find(|e| e["action"] == "roster.add").unwrap();
    assert_eq!(addition["after"]["phone"], masked.as_str(), "{addition}");
    let everything = app.get("/api/v1/audit?per_page=200", Some(&c.admin)).await.text().await.unwrap();
    assert!(!everything.contains(&sun_phone) && !everything.contains(&li_phone), "no full number in the trail");
    let done = app
        .post_json(&format!("/api/v1/people/{sun_person}/erase"), Some(&c.admin), &json!({"reason": "超过保存期限"}))
        .await;
    assert_eq!(done.status(), 200);
    assert_eq!(trail().await, entries_before, "the class's entries are untouched");
    let (status, code, _) =
        error_body(app.post_json(&erase, Some(&c.admin), &json!({"reason": "再次申请"})).await).await;
    assert_eq!((status, code.as_str()), (409, "already_erased"));

    // Each erasure is one entry with who, why and how much, and without the phone it removed.
    let audit: Value = app.get("/api/v1/audit?entity=person", Some(&c.admin)).await.json().await.unwrap();
    let erasures: Vec<&Value> =
        audit["items"].as_array().unwrap().iter().filter(|e| e["action"] == "privacy.erase").collect();
    assert_eq!(erasures.len(), 2, "{audit}");
    let li_entry = erasures.iter().find(|e| e["entity_id"] == li_person.as_str()).unwrap();
    assert_eq!(li_entry["reason"], "本人书面申请删除个人信息");
    assert_eq!(li_entry["before"]["name"], "李明华");
    assert!(!li_entry.to_string().contains(&li_phone), "{li_entry}");
}

#[tokio::test]
async fn the_readable_copy_and_the_console_find_copy_and_erase_a_person() {
    use crate::certificates::{attendance, class, finish, read_pdf};
    use crate::console::{csrf_of, page, post_form, session_cookie};
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let li = app.trainee_token(&c.invite("李明华"), "copy-pdf-li").await;
    let me: Value = app.get("/api/v1/me", Some(&li)).await.json().await.unwrap();
    let person = me["trainee"]["person_id"].as_str().unwrap().to_owned();
    let copy: Value = app.get("/api/v1/me/data", Some(&li)).await.json().await.unwrap();
    let phone = copy["person"]["phone"].as_str().unwrap().to_owned();

    // The trainee's readable copy: the same content as the JSON, as a PDF, with nobody else in it.
    let pdf = app.get("/api/v1/me/data.pdf", Some(&li)).await;
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    if let Some((text, _)) = read_pdf(&bytes, "person-copy.pdf") {
        for said in ["个人信息副本", "李明华", phone.as_str(), "某县发展和改革局", "参加的培训班", "考勤", "学时档案"]
        {
            assert!(text.contains(said), "the copy says {said}: {text}");
        }
        assert!(!text.contains("王建国") && !text.contains("张晓燕"), "nobody else: {text}");
    }

    // The console: 个人信息 finds the person by phone or name; staff cannot reach it.
    let (admin, _) = app.admin().await;
    let cookie = session_cookie(&app, &admin).await;
    let (status, body, _) = page(&app, &format!("/console/admin/people?q={}", &phone[..7]), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("李明华") && body.contains(&format!("/console/admin/people/{person}")), "{body}");
    let (_, body, _) = page(&app, "/console/admin/people?q=%E6%9D%8E%E6%98%8E%E5%8D%8E", Some(&cookie)).await;
    assert!(body.contains(&phone), "found by name too: {body}");
    let staff = app.create_account(rollcall::auth::Role::Staff).await;
    let staff_cookie = session_cookie(&app, &staff).await;
    let (status, _, _) = page(&app, &format!("/console/admin/people/{person}"), Some(&staff_cookie)).await;
    assert_eq!(status, 403);

    // While the class runs the page says why erasure must wait, and offers no form.
    let detail = format!("/console/admin/people/{person}");
    let (_, body, _) = page(&app, &detail, Some(&cookie)).await;
    assert!(body.contains("仍在未结业的培训班") && !body.contains("/erase"), "{body}");
    let (status, _, _) = page(&app, &format!("{detail}/data.pdf"), Some(&cookie)).await;
    assert_eq!(status, 200);
    finish(&app, &c).await;
    let (_, body, _) = page(&app, &detail, Some(&cookie)).await;
    let csrf = csrf_of(&body);
    let erase = format!("{detail}/erase");
    let (status, _, body) = post_form(&app, &erase, &cookie, &[("csrf", &csrf), ("reason", "本人申请")]).await;
    assert_eq!(status, 400, "the box must be ticked");
    assert!(body.contains("请勾选确认"), "{body}");
    let (status, _, body) = post_form(&app, &erase, &cookie, &[("csrf", &csrf), ("confirm", "yes")]).await;
    assert_eq!(status, 400, "a reason is required");
    assert!(body.contains("删除个人信息必须填写原因"), "{body}");
    let form = [("csrf", csrf.as_str()), ("reason", "本人书面申请"), ("confirm", "yes")];
    let (status, location, _) = post_form(&app, &erase, &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("{detail}?done=erased").as_str()));
    let (_, body, _) = page(&app, &location, Some(&cookie)).await;
    assert!(
        body.contains("已删除 李明华 的个人信息") && body.contains("（已删除）") && !body.contains(&phone),
        "{body}"
    );
    let (_, body, _) = page(&app, &format!("/console/admin/people?q={}", &phone[..7]), Some(&cookie)).await;
    assert!(!body.contains(&format!("/console/admin/people/{person}")), "no longer found by the phone: {body}");

    // Both console downloads and the erasure are in the audit trail with who did them.
    let (_, token) = app.admin().await;
    let audit: Value = app.get("/api/v1/audit?per_page=50", Some(&token)).await.json().await.unwrap();
    let items = audit["items"].as_array().unwrap();
    let by_admin = |action: &str, entity_id: &str| {
        items.iter().any(|e| {
            e["action"] == action && e["entity_id"] == entity_id && e["actor_id"] == admin.id.to_string().as_str()
        })
    };
    assert!(by_admin("privacy.download", "person-data.pdf"), "{audit}");
    assert!(by_admin("privacy.erase", &person), "{audit}");
}
