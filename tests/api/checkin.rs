//! Rotating QR check-in: relay-resistant tokens, exactly-once acknowledgement, status from the scan time,
//! geofence and device checks, absences at close, corrections.

use chrono::{Duration, TimeZone, Utc};
use serde_json::{Value, json};

use crate::helpers::{ClockExt, TestApp, error_body, nonce, spawn_app, spawn_app_with, spawn_on, test_settings};

const CENTRE: (f64, f64) = (30.657_34, 104.065_73); // GCJ-02
const METRES_PER_DEGREE_LAT: f64 = 111_195.0;

fn fence() -> Value {
    json!({"lat": CENTRE.0, "lng": CENTRE.1, "radius_m": 300, "coord": "gcj02"})
}

fn north_of(lat: f64, lng: f64, metres: f64) -> (f64, f64) {
    (lat + metres / METRES_PER_DEGREE_LAT, lng)
}

async fn login(app: &TestApp, code: &str, i: usize) -> String {
    app.trainee_token(code, &format!("phone-{i:04}-abcdef")).await
}

fn at(h: u32, m: u32, s: u32) -> chrono::DateTime<Utc> {
    // China time on the test day.
    Utc.with_ymd_and_hms(2026, 11, 26, h, m, s).unwrap() - Duration::hours(8)
}

#[tokio::test]
async fn a_scan_checks_in_once_and_a_repeat_gets_the_first_result() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let n = nonce();

    let first = app.scan(&token, &qr, &n, None).await;
    assert_eq!(first.status(), 201);
    let first: Value = first.json().await.unwrap();
    assert_eq!(first["status"], "present");
    assert_eq!(first["status_label"], "出勤");
    assert_eq!(first["already_checked_in"], false);

    let replay = app.scan(&token, &qr, &n, None).await;
    assert_eq!(replay.status(), 201, "the same nonce gets the same answer");
    assert_eq!(replay.json::<Value>().await.unwrap(), first);

    app.clock.advance(Duration::minutes(20));
    let later_qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let again = app.scan(&token, &later_qr, &nonce(), None).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!(again["already_checked_in"], true);
    assert_eq!(again["status"], "present", "the first result stands, not late");
    assert_eq!(again["checked_in_at"], first["checked_in_at"]);
}

#[tokio::test]
async fn status_follows_the_scan_time_at_every_boundary() {
    let app = spawn_app().await;
    let cases = [
        (at(8, 29, 59), Err("session_not_open")),
        (at(8, 30, 0), Ok("present")),
        (at(9, 0, 0), Ok("present")),
        (at(9, 5, 0), Ok("present")),
        (at(9, 5, 1), Ok("late")),
        (at(9, 30, 0), Ok("late")),
        (at(9, 30, 1), Err("session_closed")),
    ];
    let f = app.checkin_fixture(cases.len(), None).await;
    for (i, (when, want)) in cases.iter().enumerate() {
        let token = login(&app, &f.trainees[i].1, i).await;
        app.clock.set(*when);
        // The screen shows a code only while open; mint what it showed a moment ago for the closed cases.
        let qr = rollcall::qr::token::mint(
            &app.state.master_secret,
            f.session_id.parse().unwrap(),
            rollcall::qr::token::step_at(*when, 10),
        )
        .unwrap();
        let response = app.scan(&token, &qr, &nonce(), None).await;
        match want {
            Ok(status) => {
                assert_eq!(response.status(), 201, "at {when}");
                assert_eq!(response.json::<Value>().await.unwrap()["status"], *status, "at {when}");
            }
            Err(code) => assert_eq!(error_body(response).await.1, *code, "at {when}"),
        }
    }
}

#[tokio::test]
async fn the_previous_code_is_accepted_and_one_two_steps_old_is_refused() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(3, None).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await; // shown at 08:30:00

    app.clock.advance(Duration::seconds(10)); // the screen has moved on by one step
    let t0 = login(&app, &f.trainees[0].1, 0).await;
    assert_eq!(app.scan(&t0, &qr, &nonce(), None).await.status(), 201);

    app.clock.advance(Duration::seconds(13)); // two steps on, beyond the clock allowance
    let t1 = login(&app, &f.trainees[1].1, 1).await;
    let (status, code, message) = error_body(app.scan(&t1, &qr, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (400, "qr_token_expired"));
    assert!(message.contains("过期"), "{message}");

    let mut tampered = qr.clone().into_bytes();
    tampered[20] = if tampered[20] == b'A' { b'B' } else { b'A' };
    let tampered = String::from_utf8(tampered).unwrap();
    let t2 = login(&app, &f.trainees[2].1, 2).await;
    assert_eq!(error_body(app.scan(&t2, &tampered, &nonce(), None).await).await.1, "qr_token_invalid");
    let url = format!("{}/c/{}", app.address, app.qr_token(&f.admin_token, &f.session_id).await);
    assert_eq!(app.scan(&t2, &url, &nonce(), None).await.status(), 201, "the whole scanned URL works too");
}

#[tokio::test]
async fn fifty_concurrent_scans_by_one_trainee_make_one_record_and_one_answer() {
    let app = spawn_app_for_bursts().await;
    let f = app.checkin_fixture(1, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let scans = (0..50).map(|_| {
        let (app, token, qr) = (&app, token.clone(), qr.clone());
        async move {
            let r = app.scan(&token, &qr, &nonce(), None).await;
            (r.status().as_u16(), r.json::<Value>().await.unwrap())
        }
    });
    let results = futures_util::future::join_all(scans).await;
    assert_eq!(results.iter().filter(|(s, _)| *s == 201).count(), 1, "exactly one scan created the record");
    assert_eq!(results.iter().filter(|(s, _)| *s == 200).count(), 49);
    let first_time = &results[0].1["checked_in_at"];
    assert!(results.iter().all(|(_, b)| &b["checked_in_at"] == first_time && b["status"] == "present"));
    let list: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(list["entries"].as_array().unwrap().len(), 1);
}

async fn spawn_app_for_bursts() -> TestApp {
    crate::helpers::spawn_app_with(|s| {
        s.rate_limits.checkin_per_trainee.burst = 100;
        s.database.max_connections = 10;
    })
    .await
}

#[tokio::test]
async fn the_geofence_holds_at_its_boundary_in_both_coordinate_systems() {
    let app = spawn_app().await;
    let (wlat, wlng) = rollcall::geo::gcj02_to_wgs84(CENTRE.0, CENTRE.1);
    let gcj = |m: f64, acc: f64| {
        let (lat, lng) = north_of(CENTRE.0, CENTRE.1, m);
        json!({"lat": lat, "lng": lng, "accuracy_m": acc, "coord": "gcj02"})
    };
    let wgs = |m: f64, acc: f64| {
        let (lat, lng) = north_of(wlat, wlng, m);
        json!({"lat": lat, "lng": lng, "accuracy_m": acc, "coord": "wgs84"})
    };
    let cases: Vec<(Option<Value>, Result<(), &str>, &str)> = vec![
        (Some(gcj(290.0, 0.0)), Ok(()), "GCJ-02, 290 m"),
        (Some(gcj(310.0, 0.0)), Err("outside_geofence"), "GCJ-02, 310 m"),
        (Some(gcj(310.0, 20.0)), Ok(()), "GCJ-02, 310 m ± 20 m"),
        (Some(gcj(450.0, 5000.0)), Err("outside_geofence"), "accuracy is capped at 100 m"),
        (Some(wgs(290.0, 0.0)), Ok(()), "WGS-84, 290 m after conversion"),
        (Some(wgs(310.0, 0.0)), Err("outside_geofence"), "WGS-84, 310 m after conversion"),
        (
            Some(json!({"lat": CENTRE.0, "lng": CENTRE.1, "accuracy_m": 10, "coord": "wgs84"})),
            Err("outside_geofence"),
            "GCJ-02 numbers sent as WGS-84 land hundreds of metres away",
        ),
        (None, Err("location_required"), "no position"),
    ];
    let f = app.checkin_fixture(cases.len(), Some(fence())).await;
    for (i, (location, want, why)) in cases.into_iter().enumerate() {
        let token = login(&app, &f.trainees[i].1, i).await;
        let qr = app.qr_token(&f.admin_token, &f.session_id).await;
        let response = app.scan(&token, &qr, &nonce(), location).await;
        match want {
            Ok(()) => assert_eq!(response.status(), 201, "{why}"),
            Err(code) => assert_eq!(error_body(response).await.1, code, "{why}"),
        }
    }
}

#[tokio::test]
async fn a_phone_cannot_check_in_two_trainees_nor_a_trainee_check_in_unbound() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    // A friend bound both invite codes on one phone.
    let mine = app.trainee_token(&f.trainees[0].1, "shared-phone-0001").await;
    let friend = app.trainee_token(&f.trainees[1].1, "shared-phone-0001").await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&mine, &qr, &nonce(), None).await.status(), 201);
    let (status, code, _) = error_body(app.scan(&friend, &qr, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (409, "device_shared"));

    // The same person in another class, whose phone is bound only in the first class.
    let (_, admin) = app.admin().await;
    let other = app.create_class(&admin, "OTHER-1").await;
    let same_person = format!("姓名,手机号,单位\n学员00,{}0000,测试单位0\n", f.phone_prefix);
    app.import_roster_csv(&admin, &other, &same_person).await;
    let other_session: Value = app
        .post_json(
            &format!("/api/v1/classes/{other}/sessions"),
            Some(&admin),
            &json!({"title": "研讨", "kind": "discussion", "starts_at": "2026-11-26T01:00:00Z", "ends_at": "2026-11-26T02:00:00Z", "credit_hours": 1}),
        )
        .await
        .json()
        .await
        .unwrap();
    let other_qr = app.qr_token(&admin, other_session["id"].as_str().unwrap()).await;
    let (status, code, _) = error_body(app.scan(&mine, &other_qr, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (403, "device_mismatch"));
}

#[tokio::test]
async fn a_trainee_of_another_class_is_not_enrolled() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let g = app.checkin_fixture(1, None).await;
    let stranger = login(&app, &g.trainees[0].1, 7).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let (status, code, _) = error_body(app.scan(&stranger, &qr, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (403, "not_enrolled"));
}

#[tokio::test]
async fn scanning_too_fast_is_rate_limited() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    for i in 0..10 {
        assert!(app.scan(&token, &qr, &nonce(), None).await.status().is_success(), "scan {i}");
    }
    let response = app.scan(&token, &qr, &nonce(), None).await;
    assert!(response.headers().contains_key("retry-after"));
    assert_eq!(error_body(response).await.1, "rate_limited");
}

#[tokio::test]
async fn failed_attempts_are_recorded_for_staff() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, Some(fence())).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let far = json!({"lat": CENTRE.0 + 0.05, "lng": CENTRE.1, "accuracy_m": 15, "coord": "gcj02"});
    assert_eq!(error_body(app.scan(&token, &qr, &nonce(), Some(far)).await).await.1, "outside_geofence");
    let path = format!("/api/v1/sessions/{}/attempts?result=outside_geofence", f.session_id);
    let mut page = Value::Null;
    for _ in 0..100 {
        page = app.get(&path, Some(&f.admin_token)).await.json().await.unwrap();
        if page["total"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the batch writer is asynchronous
    }
    assert_eq!(page["total"], 1, "{page}");
    let attempt = &page["items"][0];
    assert!(attempt["distance_m"].as_f64().unwrap() > 5000.0);
    assert_eq!(attempt["device"], "phone-0000-abcdef");
    assert!(attempt["token_step"].is_i64());
    // Staff read who failed and why (the phone monitor shows them).
    assert_eq!(attempt["name"], f.trainees[0].0.as_str(), "{attempt}");
    assert!(attempt["unit"].is_string() && attempt["result_label"] == "不在签到范围内", "{attempt}");

    let ok = json!({"lat": CENTRE.0, "lng": CENTRE.1, "accuracy_m": 15, "coord": "gcj02"});
    assert_eq!(app.scan(&token, &qr, &nonce(), Some(ok)).await.status(), 201);
    let all: Value = app
        .get(&format!("/api/v1/sessions/{}/attempts", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(all["items"][0]["result"], "ok", "the success is stored with the check-in itself");
}

#[tokio::test]
async fn a_forged_qr_token_is_logged_against_the_session_it_names_and_marked_forged() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let session: uuid::Uuid = f.session_id.parse().unwrap();
    let step = rollcall::qr::token::step_at(app.clock.now_utc(), 10);
    let wrong_key = secrecy::SecretString::from("an attacker's guess at the secret, 32+ chars".to_owned());
    let forged = rollcall::qr::token::mint(&wrong_key, session, step).unwrap();
    let (status, code, _) = error_body(app.scan(&token, &forged, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (400, "qr_token_invalid"), "the trainee is told the code is invalid");
    assert_eq!(error_body(app.scan(&token, "not-a-token", &nonce(), None).await).await.1, "qr_token_invalid");

    let path = format!("/api/v1/sessions/{}/attempts?result=qr_token_forged", f.session_id);
    let mut page = Value::Null;
    for _ in 0..100 {
        page = app.get(&path, Some(&f.admin_token)).await.json().await.unwrap();
        if page["total"] == 1 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await; // the batch writer is asynchronous
    }
    assert_eq!(page["total"], 1, "the forged scan shows on the session it targeted, the garbage one nowhere: {page}");
    assert_eq!(page["items"][0]["device"], "phone-0000-abcdef");
}

#[tokio::test]
async fn a_correction_needs_a_reason_is_audited_and_shows_to_the_trainee() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);

    let (status, code, _) = error_body(
        app.send_json(reqwest::Method::PUT, &path, Some(&f.admin_token), &json!({"status": "leave", "reason": "  "}))
            .await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "reason_required"));

    let response = app
        .send_json(
            reqwest::Method::PUT,
            &path,
            Some(&f.admin_token),
            &json!({"status": "leave", "reason": "因公出差，已补请假条"}),
        )
        .await;
    assert_eq!(response.status(), 200);
    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    assert_eq!(mine["sessions"][0]["status"], "leave");
    assert_eq!(mine["sessions"][0]["note"], "因公出差，已补请假条");
    assert_eq!(mine["totals"]["leave"], 1);

    let audit: Value = app.get("/api/v1/audit?entity=attendance", Some(&f.admin_token)).await.json().await.unwrap();
    let entry = &audit["items"][0];
    assert_eq!(entry["action"], "attendance.correct");
    assert_eq!(entry["before"], Value::Null, "there was no record before");
    assert_eq!(entry["after"]["status"], "leave");
    assert_eq!(entry["after"]["enrollment_id"], f.trainees[0].2.as_str());
    assert_eq!(entry["reason"], "因公出差，已补请假条");
}

#[tokio::test]
async fn checking_out_early_marks_early_leave_and_earns_the_hours() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);

    let out = |qr: String| json!({"qr_token": qr, "nonce": nonce(), "kind": "out"});
    app.clock.set(at(11, 30, 0));
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let response = app.post_json("/api/v1/checkins", Some(&token), &out(qr.clone())).await;
    assert_eq!(response.status(), 201);
    assert_eq!(response.json::<Value>().await.unwrap()["status"], "early_leave");
    assert_eq!(app.post_json("/api/v1/checkins", Some(&token), &out(qr)).await.status(), 200, "one check-out");

    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    assert_eq!(mine["totals"]["early_leave"], 1);
    assert_eq!(mine["totals"]["credit_hours_earned"], 3.0);
}

#[tokio::test]
async fn the_screen_gets_a_code_only_while_check_in_is_open_and_staff_can_open_early() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    app.clock.set(at(8, 0, 0));
    let path = format!("/api/v1/sessions/{}/qr", f.session_id);
    assert_eq!(error_body(app.get(&path, Some(&f.admin_token)).await).await.1, "session_not_open");

    let opened: Value = app
        .post_json(&format!("/api/v1/sessions/{}/open", f.session_id), Some(&f.admin_token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(opened["window"], "open");
    let qr: Value = app.get(&path, Some(&f.admin_token)).await.json().await.unwrap();
    assert!(qr["url"].as_str().unwrap().ends_with(&format!("/c/{}", qr["token"].as_str().unwrap())));
    assert_eq!(qr["rotation_seconds"], 10);

    let svg = app.get(&format!("{path}.svg"), Some(&f.admin_token)).await;
    assert_eq!(svg.headers()["content-type"], "image/svg+xml");
    assert!(svg.text().await.unwrap().contains("<svg"));
    let png = app.get(&format!("{path}.png"), Some(&f.admin_token)).await;
    assert_eq!(png.headers()["content-type"], "image/png");
    assert!(png.bytes().await.unwrap().starts_with(b"\x89PNG"));

    app.post_json(&format!("/api/v1/sessions/{}/close", f.session_id), Some(&f.admin_token), &json!({})).await;
    assert_eq!(error_body(app.get(&path, Some(&f.admin_token)).await).await.1, "session_closed");
}

#[tokio::test]
async fn absences_are_marked_once_at_close_with_two_instances_running() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(5, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);

    // A second instance on the same database (and, on the PostgreSQL run, the same Redis).
    let mut settings = test_settings(&app._db);
    settings.redis.key_prefix = app.state.settings.redis.key_prefix.clone();
    let second_db = app._db.shared_view();
    let other = spawn_on(second_db, settings).await;

    let before_close = at(9, 30, 0);
    assert!(rollcall::attendance::close::run_once(&app.state.db, before_close).await.unwrap().is_empty());

    let after_close = at(9, 30, 1);
    app.clock.set(after_close);
    let (a, b) = tokio::join!(
        rollcall::attendance::close::run_once(&app.state.db, after_close),
        rollcall::attendance::close::run_once(&other.state.db, after_close)
    );
    let handled = a.unwrap().len() + b.unwrap().len();
    assert!(handled >= 1, "the session was handled");
    let list: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let statuses: Vec<&str> =
        list["entries"].as_array().unwrap().iter().map(|e| e["status"].as_str().unwrap_or("none")).collect();
    assert_eq!(statuses, vec!["present", "absent", "absent", "absent", "absent"]);
    assert_eq!(list["window"], "closed");

    // Running again (a restart, another instance) changes nothing.
    rollcall::attendance::close::run_once(&other.state.db, at(10, 0, 0)).await.unwrap();
    let again: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(again["entries"], list["entries"]);
}

#[tokio::test]
async fn a_restart_catches_up_on_sessions_that_closed_while_it_was_down() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let second: Value = app
        .post_json(
            &format!("/api/v1/classes/{}/sessions", f.class_id),
            Some(&f.admin_token),
            &json!({"title": "下午研讨", "kind": "discussion", "starts_at": "2026-11-26T06:30:00Z", "ends_at": "2026-11-26T09:30:00Z", "credit_hours": 3}),
        )
        .await
        .json()
        .await
        .unwrap();
    // Nothing ran all day; the first run in the evening handles both sessions.
    let handled = rollcall::attendance::close::run_once(&app.state.db, at(20, 0, 0)).await.unwrap();
    assert_eq!(handled.len(), 2);
    let list: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", second["id"].as_str().unwrap()), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    assert!(list["entries"].as_array().unwrap().iter().all(|e| e["status"] == "absent" && e["source"] == "auto"));
}

/// A trainee in two classes sees each class's own totals, the running class first (issue 15, item 9).
#[tokio::test]
async fn my_attendance_is_per_class_with_the_running_class_first() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(1, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);
    // The same person (same phone) was in a class that finished earlier.
    let old = app.create_class(&f.admin_token, "OLD-2026-01").await;
    let csv = format!("姓名,手机号,单位\n{},{}0000,测试单位0\n", f.trainees[0].0, f.phone_prefix);
    app.import_roster_csv(&f.admin_token, &old, &csv).await;
    let path = format!("/api/v1/classes/{old}");
    let finished = json!({"status": "finished"});
    assert_eq!(app.send_json(reqwest::Method::PATCH, &path, Some(&f.admin_token), &finished).await.status(), 200);

    let mine: Value = app.get("/api/v1/me/attendance", Some(&token)).await.json().await.unwrap();
    let classes = mine["classes"].as_array().unwrap();
    assert_eq!(classes.len(), 2, "{mine}");
    assert_eq!(
        (classes[0]["class_id"].as_str(), classes[0]["finished"].as_bool()),
        (Some(f.class_id.as_str()), Some(false))
    );
    assert_eq!(classes[0]["totals"]["present"], 1, "the running class's own totals: {mine}");
    assert_eq!((classes[1]["class_id"].as_str(), classes[1]["finished"].as_bool()), (Some(old.as_str()), Some(true)));
    assert_eq!(classes[1]["totals"]["present"], 0);
}

/// One batch of the group writer resolves each row by itself: a trainee twice in the batch is stored once, a phone
/// that already checked in someone else stores nothing, the rest are stored with their success attempts (issue 16).
#[tokio::test]
async fn one_batch_stores_each_row_that_does_not_conflict_and_only_their_attempts() {
    use rollcall::entity::attendance::AttendanceSource;
    use rollcall::entity::{attendance, checkin_attempt};
    use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

    let app = spawn_app().await;
    let f = app.checkin_fixture(4, None).await;
    let session: uuid::Uuid = f.session_id.parse().unwrap();
    // Nanoseconds past a whole microsecond that would round up: the stored time must be the one answered, cut to
    // microseconds as a bound parameter is, not rounded (the PostgreSQL batch sends times as text).
    let now = chrono::Timelike::with_nanosecond(&rollcall::clock::Clock::now(&*app.clock), 123_456_789).unwrap();
    let scan = |i: usize, device: &str| {
        let enrollment: uuid::Uuid = f.trainees[i].2.parse().unwrap();
        let row = attendance::Model {
            id: uuid::Uuid::now_v7(),
            session_id: session,
            enrollment_id: enrollment,
            status: rollcall::attendance::model::AttendanceStatus::Present,
            checked_in_at: Some(now),
            checked_out_at: None,
            source: AttendanceSource::Scan,
            nonce: Some(nonce()),
            device: Some(device.to_owned()),
            note: None,
            created_at: now,
            updated_at: now,
        };
        let attempt = checkin_attempt::Model {
            id: uuid::Uuid::now_v7(),
            at: now,
            session_id: Some(session),
            enrollment_id: Some(enrollment),
            person_id: None,
            kind: checkin_attempt::CheckinKind::In,
            result: "ok".to_owned(),
            client_addr: None,
            user_agent: None,
            device: Some(device.to_owned()),
            lat: None,
            lng: None,
            accuracy_m: None,
            coord: None,
            distance_m: None,
            token_step: None,
            nonce: None,
        };
        (row, attempt)
    };
    // Trainee 3 checked in earlier with phone D.
    let earlier = scan(3, "phone-D");
    let stored = rollcall::checkin::writer::write_batch(&app.state.db, &[earlier]).await.unwrap();
    assert_eq!(stored.len(), 1);

    // Trainee 0 twice (two nonces), trainee 1, trainee 2 on phone D (already used for trainee 3).
    let batch = vec![scan(0, "phone-A"), scan(0, "phone-A"), scan(1, "phone-B"), scan(2, "phone-D")];
    let ids: Vec<uuid::Uuid> = batch.iter().map(|(r, _)| r.id).collect();
    let stored = rollcall::checkin::writer::write_batch(&app.state.db, &batch).await.unwrap();
    assert!(stored.contains(&ids[0]) && stored.contains(&ids[2]), "trainees 0 and 1 stored: {stored:?}");
    assert!(!stored.contains(&ids[1]), "trainee 0's second scan is not a second row");
    assert!(!stored.contains(&ids[3]), "phone D cannot check in a second trainee");
    assert_eq!(stored.len(), 2);

    let rows = attendance::Entity::find().filter(attendance::Column::SessionId.eq(session)).count(&app.state.db);
    assert_eq!(rows.await.unwrap(), 3, "trainees 3, 0 and 1");
    let stored_row = attendance::Entity::find_by_id(ids[0]).one(&app.state.db).await.unwrap().unwrap();
    if sea_orm::ConnectionTrait::get_database_backend(&app.state.db) == sea_orm::DbBackend::Postgres {
        let at = stored_row.checked_in_at.unwrap();
        assert_eq!(chrono::Timelike::nanosecond(&at), 123_456_000, "cut to microseconds, not rounded");
    }
    assert_eq!(stored_row.created_at.timestamp(), now.timestamp());
    let attempts = checkin_attempt::Entity::find()
        .filter(checkin_attempt::Column::SessionId.eq(session))
        .filter(checkin_attempt::Column::Result.eq("ok"));
    assert_eq!(attempts.count(&app.state.db).await.unwrap(), 3, "one success attempt per stored row");
}

/// Many trainees scanning at once are each answered after their row is stored, in either write mode, and the
/// group mode shares statements between them (fewer than one transaction per scan).
#[tokio::test]
async fn a_burst_of_scans_is_stored_exactly_in_both_write_modes_and_grouped_in_one() {
    use rollcall::checkin::writer::WriteMode;

    let mut statements = Vec::new();
    for mode in [WriteMode::Single, WriteMode::Group] {
        let app = crate::helpers::spawn_app_with(|s| {
            s.checkin.write_mode = mode;
            s.rate_limits.checkin_per_address.burst = 10_000;
            s.rate_limits.invite_per_address.burst = 10_000;
        })
        .await;
        let f = app.checkin_fixture(40, None).await;
        let mut tokens = Vec::new();
        for i in 0..f.trainees.len() {
            tokens.push(login(&app, &f.trainees[i].1, i).await);
        }
        let qr = app.qr_token(&f.admin_token, &f.session_id).await;
        let before = app.state.queries.load(std::sync::atomic::Ordering::Relaxed);
        let scans = tokens.iter().map(|token| {
            let (app, qr) = (&app, qr.clone());
            async move { app.scan(token, &qr, &nonce(), None).await.status().as_u16() }
        });
        let answers = futures_util::future::join_all(scans).await;
        let used = app.state.queries.load(std::sync::atomic::Ordering::Relaxed) - before;
        assert!(answers.iter().all(|s| *s == 201), "{mode:?}: every scan created its record: {answers:?}");
        let list: Value = app
            .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
            .await
            .json()
            .await
            .unwrap();
        let present = list["entries"].as_array().unwrap().iter().filter(|e| e["status"] == "present").count();
        assert_eq!(present, 40, "{mode:?}: every acknowledged check-in is stored");
        statements.push(used);
    }
    println!("statements for 40 simultaneous scans: single {}, group {}", statements[0], statements[1]);
    assert!(
        statements[1] < statements[0],
        "the group writer shares statements between scans: {} (group) vs {} (single) for 40 scans",
        statements[1],
        statements[0]
    );
}

/// The "already checked in" path is the storm a base sees when phones retry: it is answered from the cache (one
/// Redis script) with no database statement, and a staff correction drops the cached answer at once.
#[tokio::test]
async fn a_repeat_scan_is_answered_without_the_database_and_a_correction_shows_at_once() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(2, None).await;
    let token = login(&app, &f.trainees[0].1, 0).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(app.scan(&token, &qr, &nonce(), None).await.status(), 201);

    let queries = || app.state.queries.load(std::sync::atomic::Ordering::Relaxed);
    let before = queries();
    let again = app.scan(&token, &qr, &nonce(), None).await;
    assert_eq!(again.status(), 200);
    let again: Value = again.json().await.unwrap();
    assert_eq!((again["already_checked_in"].as_bool(), again["status"].as_str()), (Some(true), Some("present")));
    assert_eq!(again["enrollment_id"], f.trainees[0].2.as_str());
    assert_eq!(queries() - before, 0, "a repeat scan reads nothing from the database");

    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[0].2);
    let corrected = app
        .send_json(
            reqwest::Method::PUT,
            &path,
            Some(&f.admin_token),
            &json!({"status": "late", "reason": "监控显示 8:35 入场"}),
        )
        .await;
    assert_eq!(corrected.status(), 200);
    let after: Value = app.scan(&token, &qr, &nonce(), None).await.json().await.unwrap();
    assert_eq!(after["status"], "late", "the correction shows to the next scan: {after}");
}

/// The in-process enrolment index reads a class in slices and lets the other scans on its thread run between them:
/// a class larger than several slices is still held whole, on the first read and on a read again after the TTL, and a
/// trainee withdrawn while a read is under way is not brought back by it. The first lookup does not wait for the
/// first read: it says "not known here" (the scan asks the database) and the read lands in the background.
#[tokio::test]
async fn a_class_larger_than_one_read_slice_is_held_whole_by_the_enrolment_index() {
    use rollcall::entity::{enrollment, person};
    use sea_orm::{ActiveValue::Set, EntityTrait, IntoActiveModel};

    let app = spawn_app_with(|s| s.checkin.enrolment_cache_seconds = 1).await;
    let f = app.checkin_fixture(1, None).await;
    let class_id: uuid::Uuid = f.class_id.parse().unwrap();
    let now = rollcall::clock::Clock::now(&*app.clock);
    // 2,600 more active enrolments (between two and three slices of 1,024), written directly.
    let people: Vec<(uuid::Uuid, uuid::Uuid)> =
        (0..2600).map(|_| (uuid::Uuid::now_v7(), uuid::Uuid::now_v7())).collect();
    for (chunk_no, chunk) in people.chunks(200).enumerate() {
        let persons = chunk.iter().enumerate().map(|(i, (pid, _))| {
            person::Model {
                id: *pid,
                name: format!("学员{chunk_no}-{i}"),
                gender: None,
                phone: format!("139{:08}", chunk_no * 200 + i),
                unit: "某单位".to_owned(),
                post: None,
                rank: None,
                erased_at: None,
                created_at: now,
                updated_at: now,
            }
            .into_active_model()
        });
        person::Entity::insert_many(persons).exec(&app.state.db).await.unwrap();
        let enrolments = chunk.iter().map(|(pid, eid)| enrollment::ActiveModel {
            id: Set(*eid),
            class_id: Set(class_id),
            person_id: Set(*pid),
            student_no: Set(None),
            status: Set(enrollment::EnrollmentStatus::Active),
            invite_salt: Set(eid.simple().to_string()),
            invite_code_hash: Set(eid.simple().to_string()),
            device_id: Set(Some(format!("phone-{eid}"))),
            wechat_openid: Set(None),
            bound_at: Set(Some(now)),
            notice_version: Set(None),
            notice_shown_at: Set(None),
            created_at: Set(now),
            updated_at: Set(now),
        });
        enrollment::Entity::insert_many(enrolments).exec(&app.state.db).await.unwrap();
    }
    let (index, db, people) = (&app.state.caches.enrolments, &app.state.db, &people);
    let held = |at: usize| async move {
        let (pid, eid) = people[at];
        index.get(db, class_id, pid).map(|e| (e.id == eid, e.device_id))
    };
    assert_eq!(held(0).await, None, "the first lookup starts the class's read and does not wait for it");
    assert!(!index.holds(class_id));
    held_soon(index, class_id).await;
    for at in [0, 1023, 1024, 2047, 2048, 2599] {
        let expected = Some((true, Some(format!("phone-{}", people[at].1))));
        assert_eq!(held(at).await, expected, "trainee {at} on the first read");
    }
    // After the TTL the next lookup starts a read again in the background; one trainee is withdrawn meanwhile.
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
    assert!(held(5).await.is_some(), "the held entry serves while the class is read again");
    index.drop_person(class_id, people[7].0);
    let mut refreshed = false;
    for _ in 0..100 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        // The lookup that found the class stale started the read; a later one that finds it fresh again means it
        // landed (a lookup of a stale class would start another).
        if held(2599).await.is_some() && held(7).await.is_none() {
            refreshed = true;
            break;
        }
    }
    assert!(refreshed, "the class read again holds every trainee but the one dropped during the read");
    assert_eq!(held(1500).await, Some((true, Some(format!("phone-{}", people[1500].1)))));
}

/// Waits (up to 5 s) until the enrolment index's read of the class has landed.
async fn held_soon(index: &rollcall::cache::EnrolmentIndex, class_id: uuid::Uuid) {
    for _ in 0..250 {
        if index.holds(class_id) {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    panic!("the enrolment index did not read the class within 5 s");
}

/// A class of 3 whose first trainee has checked in (the class's enrolments are read) and whose second trainee's
/// login is held (looked up once, kept a few seconds): that trainee's next scan is a warm one, so what a test counts
/// is the scan's own work. Returns the fixture, the session's QR token and the second trainee's token.
async fn warmed(app: &TestApp) -> (crate::helpers::CheckinFixture, String, String) {
    let f = app.checkin_fixture(3, None).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let first = login(app, &f.trainees[0].1, 0).await;
    let token = login(app, &f.trainees[1].1, 1).await;
    assert_eq!(app.scan(&first, &qr, &nonce(), None).await.status(), 201, "the class's first scan");
    let index = &app.state.caches.enrolments;
    if index.enabled() {
        held_soon(index, f.class_id.parse().unwrap()).await;
    }
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200, "the login is held");
    (f, qr, token)
}

/// A warm check-in takes the trainee's enrolment from the in-process index: with the index on, a scan makes one
/// database statement fewer than with it off (the enrolment read), and the answer is the same.
#[tokio::test]
async fn a_warm_check_in_reads_its_enrolment_from_memory() {
    let mut statements = Vec::new();
    for seconds in [0, 60] {
        let app = spawn_app_with(|s| s.checkin.enrolment_cache_seconds = seconds).await;
        let (f, qr, token) = warmed(&app).await;
        let queries = || app.state.queries.load(std::sync::atomic::Ordering::Relaxed);
        let before = queries();
        let answer = app.scan(&token, &qr, &nonce(), None).await;
        statements.push(queries() - before);
        assert_eq!(answer.status(), 201);
        let answer: Value = answer.json().await.unwrap();
        assert_eq!(answer["enrollment_id"], f.trainees[1].2.as_str(), "index {seconds} s");
    }
    println!("statements for a warm scan: index off {}, on {}", statements[0], statements[1]);
    assert_eq!(statements[1] + 1, statements[0], "the index saves the enrolment read and nothing else changes");
}

/// A warm check-in makes two Redis round trips: the gate before the database (nonce, limits, cached answer) and one
/// after it (the nonce's answer, the trainee's cached answer, the event counter and the live event). A retry with the
/// same nonce gets the first answer from the gate alone and announces nothing again. (Embedded: no Redis, so no round
/// trips; the events are checked the same.)
#[tokio::test]
async fn a_warm_check_in_makes_one_redis_round_trip_before_the_database_and_one_after() {
    use crate::helpers::{Backend, backend};
    use std::sync::atomic::Ordering;

    let app = spawn_app().await;
    let (f, qr, token) = warmed(&app).await;
    let mut events = app.state.infra.events.subscribe(&format!("session:{}", f.session_id));
    let trips = || app.state.infra.redis_round_trips.load(Ordering::Relaxed);

    let before = trips();
    let same = nonce();
    let answer = app.scan(&token, &qr, &same, None).await;
    let scan_trips = trips() - before;
    assert_eq!(answer.status(), 201);
    let answer: Value = answer.json().await.unwrap();
    let event = tokio::time::timeout(std::time::Duration::from_secs(2), events.recv()).await.expect("an event");
    let event: Value = serde_json::from_str(&event.unwrap()).unwrap();
    assert_eq!(
        (event["type"].as_str(), event["enrollment_id"].as_str()),
        (Some("checked_in"), Some(f.trainees[1].2.as_str()))
    );

    let before = trips();
    let retry = app.scan(&token, &qr, &same, None).await;
    let retry_trips = trips() - before;
    assert_eq!(retry.status(), 201, "the same nonce gets the first answer");
    assert_eq!(retry.json::<Value>().await.unwrap(), answer);
    let again = tokio::time::timeout(std::time::Duration::from_millis(300), events.recv()).await;
    assert!(again.is_err(), "a retry announces nothing: {again:?}");

    println!("Redis round trips: a warm scan {scan_trips}, its retry {retry_trips}");
    if backend() == Backend::Postgres {
        assert_eq!((scan_trips, retry_trips), (2, 1), "gate + one after; the retry: the gate only");
    } else {
        assert_eq!((scan_trips, retry_trips), (0, 0), "no Redis");
    }
}

/// The index only ever says yes: a trainee added to the roster after the class was read checks in at once, and a
/// withdrawal or an invite reset stops the next scan, on this instance and (with Redis) on every other one.
#[tokio::test]
async fn changes_to_the_roster_reach_the_held_enrolments_at_once_on_every_instance() {
    use crate::helpers::{Backend, backend};
    let app = spawn_app().await;
    let f = app.checkin_fixture(4, None).await;
    let tokens = [
        login(&app, &f.trainees[0].1, 0).await,
        login(&app, &f.trainees[1].1, 1).await,
        login(&app, &f.trainees[2].1, 2).await,
        login(&app, &f.trainees[3].1, 3).await,
    ];
    // On PostgreSQL + Redis a second instance shares the database and the Redis prefix; the embedded backend runs
    // one instance, so there both roles are the same one.
    let other = if backend() == Backend::Postgres {
        let mut settings = test_settings(&app._db);
        settings.redis.key_prefix = app.state.settings.redis.key_prefix.clone();
        Some(spawn_on(app._db.shared_view(), settings).await)
    } else {
        None
    };
    let scanner = other.as_ref().unwrap_or(&app);
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    assert_eq!(scanner.scan(&tokens[0], &qr, &nonce(), None).await.status(), 201, "the class is now held");

    // Added after the class was read: the database is asked before a refusal.
    let body = json!({"name": "钱新来", "phone": "13900009999", "unit": "某县财政局"});
    let added = app.post_json(&format!("/api/v1/classes/{}/roster", f.class_id), Some(&f.admin_token), &body).await;
    assert_eq!(added.status(), 201);
    let codes = app.invite_codes(&f.admin_token, &f.class_id).await;
    let code = &codes.iter().find(|(name, _)| name == "钱新来").unwrap().1;
    let newcomer = scanner.trainee_token(code, "phone-new-abcdef").await;
    assert_eq!(scanner.scan(&newcomer, &qr, &nonce(), None).await.status(), 201, "a newcomer checks in at once");

    // Withdrawn on the first instance: the held enrolment goes on both.
    let path = format!("/api/v1/classes/{}/roster/{}", f.class_id, f.trainees[1].2);
    let withdrawn =
        app.send_json(reqwest::Method::DELETE, &path, Some(&f.admin_token), &json!({"reason": "单位召回"})).await;
    assert_eq!(withdrawn.status(), 200);
    // The other instance hears of it over Redis, asynchronously (well under a millisecond here).
    settle().await;
    let (status, code, _) = error_body(scanner.scan(&tokens[1], &qr, &nonce(), None).await).await;
    assert_eq!((status, code.as_str()), (403, "not_enrolled"), "a withdrawn trainee cannot check in");

    // A new invite code: the old phone's login ends, on every instance, before its token's cached lookup expires.
    let reset = format!("/api/v1/classes/{}/roster/{}/invite/reset", f.class_id, f.trainees[2].2);
    let reset = app.post_json(&reset, Some(&f.admin_token), &json!({"reason": "手机丢失"})).await;
    assert_eq!(reset.status(), 200);
    settle().await;
    assert_eq!(scanner.scan(&tokens[2], &qr, &nonce(), None).await.status(), 401, "the old phone is logged out");

    // Nobody else is affected.
    assert_eq!(scanner.scan(&tokens[3], &qr, &nonce(), None).await.status(), 201);
}

/// Time for a message between instances to arrive.
async fn settle() {
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
}
