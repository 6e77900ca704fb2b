//! The staff monitor in a real browser: headless Chromium driven by `e2e/monitor.mjs` (playwright-core) at a phone
//! viewport. A staff member assigned to the class logs in through the page's form; the script waits for every trainee
//! to be listed as missing and prints `READY`, this test checks the first trainee in, and the script waits for the
//! page to drop them, then marks the second one 请假 with one tap and a reason; the third scans from 5 km away and
//! the page names them (name, unit, reason, distance) among the failed attempts. This test then checks what the
//! server recorded: the leave, its reason, and the audit entry. Needs what `browser.rs` needs; skips without it unless
//! `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{nonce, spawn_app};

/// The whole exchange; the script waits at most 15 s for any one step (the page polls every 3 s).
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(90);
const EXPECTED: usize = 3;
const REASON: &str = "因公出差，已交请假条";
/// The geofence centre, GCJ-02 (as in checkin.rs).
const CENTRE: (f64, f64) = (30.657_34, 104.065_73);

#[tokio::test]
async fn the_staff_monitor_drops_an_arrival_and_marks_leave_with_one_tap() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let fence = json!({"lat": CENTRE.0, "lng": CENTRE.1, "radius_m": 300, "coord": "gcj02"});
    let f = app.checkin_fixture(EXPECTED, Some(fence)).await;
    assert_eq!(f.trainees.len(), EXPECTED, "the fixture's trainees");
    let (staff, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let (arriving, arriving_code, _) = f.trainees[0].clone();
    let (leaving, _, leaving_enrollment) = f.trainees[1].clone();
    // Logging in happens before the script starts, so the exchange below is only the scan.
    let trainee_token = app.trainee_token(&arriving_code, "phone-monitor-e2e-00").await;
    let (far_name, far_code, _) = f.trainees[2].clone();
    let far_token = app.trainee_token(&far_code, "phone-monitor-e2e-02").await;
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/monitor.mjs")
        .args([&app.address, &f.session_id, &staff.username, &staff.password, REASON])
        .arg(&artifacts)
        .args(f.trainees.iter().map(|(name, _, enrollment)| format!("{enrollment}={name}")))
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/monitor.mjs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut lines_seen: Vec<String> = Vec::new();
    let mut checked_in = false;
    let exchange = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.expect("read the script's stdout") {
            if line.trim() == "READY" {
                let qr = app.qr_token(&f.admin_token, &f.session_id).await;
                let here = json!({"lat": CENTRE.0, "lng": CENTRE.1, "accuracy_m": 15, "coord": "gcj02"});
                let scan = app.scan(&trainee_token, &qr, &nonce(), Some(here)).await;
                assert_eq!(scan.status(), 201, "{arriving} checks in: {}", scan.text().await.unwrap());
                // 0.05° north: about 5.6 km away, refused and logged as a failed attempt.
                let far = json!({"lat": CENTRE.0 + 0.05, "lng": CENTRE.1, "accuracy_m": 15, "coord": "gcj02"});
                let scan = app.scan(&far_token, &qr, &nonce(), Some(far)).await;
                assert_eq!(scan.status(), 403, "{far_name} scans from far away: {}", scan.text().await.unwrap());
                checked_in = true;
            }
            lines_seen.push(line);
        }
        child.wait().await.expect("wait for node e2e/monitor.mjs")
    };
    let status: Option<ExitStatus> = tokio::time::timeout(SCRIPT_TIMEOUT, exchange).await.ok();
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let stderr = stderr.await.unwrap_or_default();
    let report =
        format!("after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}", started.elapsed(), lines_seen.join("\n"));
    let status = status.unwrap_or_else(|| panic!("e2e/monitor.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/monitor.mjs failed ({status}) {report}");
    assert!(checked_in, "e2e/monitor.mjs never printed READY {report}");
    println!("{}", lines_seen.join("\n"));
    for shot in ["monitor-before.png", "monitor-after.png", "monitor-attempts.png"] {
        let path = artifacts.join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
    }

    // The server recorded what the page did: the second trainee was marked 请假, then the mark was undone, so they
    // have no record again; both steps are audited with the reason, the undo newest.
    let response = app.get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token)).await;
    assert_eq!(response.status(), 200, "attendance list");
    let list: Value = response.json().await.unwrap();
    let entries = list["entries"].as_array().unwrap();
    let entry = entries
        .iter()
        .find(|e| e["enrollment_id"] == leaving_enrollment.as_str())
        .unwrap_or_else(|| panic!("{leaving} ({leaving_enrollment}) is not in the attendance list: {list}"));
    assert_eq!(entry["status"], Value::Null, "{leaving}'s 请假 was undone on the monitor: {entry}");

    let response = app.get("/api/v1/audit?entity=attendance", Some(&f.admin_token)).await;
    assert_eq!(response.status(), 200, "audit trail");
    let audit: Value = response.json().await.unwrap();
    let (newest, correction) = (&audit["items"][0], &audit["items"][1]);
    assert_eq!(newest["action"], "attendance.undo", "the newest attendance audit entry: {audit}");
    assert_eq!(newest["reason"], REASON, "the undo's reason is audited: {newest}");
    assert_eq!(correction["action"], "attendance.correct", "{audit}");
    assert_eq!(correction["reason"], REASON, "the correction's reason is audited: {correction}");
    assert_eq!(
        correction["after"]["enrollment_id"],
        leaving_enrollment.as_str(),
        "the audited correction: {correction}"
    );
    assert_eq!(correction["after"]["status"], "leave", "the audited correction: {correction}");
    assert_eq!(newest["actor_id"], staff.id.to_string(), "the staff member who tapped is the actor: {newest}");
    assert_eq!(correction["actor_id"], staff.id.to_string(), "{correction}");
}
