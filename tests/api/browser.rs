//! The H5 check-in page in a real browser: headless Chromium driven by `e2e/checkin.mjs` (playwright-core), at
//! a phone viewport with a faked position inside the session's geofence. Needs node, /usr/bin/chromium and
//! `npm ci --prefix e2e`; skips without them unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use crate::e2e::manifest_dir;
use crate::helpers::spawn_app;

/// The geofence centre, GCJ-02 (as in checkin.rs).
const CENTRE: (f64, f64) = (30.657_34, 104.065_73);
/// The whole script, both scenarios; it waits at most 15 s for any one step.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(120);

#[tokio::test]
async fn the_h5_page_binds_a_phone_checks_in_and_shows_an_expired_code() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let fence = json!({"lat": CENTRE.0, "lng": CENTRE.1, "radius_m": 300, "coord": "gcj02"});
    let f = app.checkin_fixture(2, Some(fence)).await;
    let (name, invite_code, enrollment_id) = f.trainees[0].clone();
    // The second trainee binds from their invite card's link, then lands on their own page.
    let (card_name, card_code, _) = f.trainees[1].clone();
    let current = app.qr_token(&f.admin_token, &f.session_id).await;
    let now = rollcall::clock::Clock::now(&*app.clock);
    let expired = rollcall::qr::token::mint(
        &app.state.master_secret,
        f.session_id.parse().unwrap(),
        rollcall::qr::token::step_at(now, 10) - 5,
    )
    .unwrap();
    // The phone reports WGS-84 (what browsers give); the server converts it into the GCJ-02 fence.
    let (lat, lng) = rollcall::geo::gcj02_to_wgs84(CENTRE.0, CENTRE.1);
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let run = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/checkin.mjs")
        .args([&app.address, &invite_code, &current, &expired, &lat.to_string(), &lng.to_string()])
        .arg(&artifacts)
        .args([&card_code, &card_name])
        .kill_on_drop(true)
        .output();
    let output = tokio::time::timeout(SCRIPT_TIMEOUT, run)
        .await
        .unwrap_or_else(|_| panic!("e2e/checkin.mjs did not finish within {SCRIPT_TIMEOUT:?}"))
        .expect("run node e2e/checkin.mjs");
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        output.status.success(),
        "e2e/checkin.mjs failed ({}) after {:?}\n--- stdout ---\n{stdout}\n--- stderr ---\n{stderr}",
        output.status,
        started.elapsed()
    );
    println!("{}", stdout.trim_end());
    assert!(stdout.contains("bind from a card -> /h5/me"), "{stdout}");
    for shot in ["checkin-success.png", "checkin-expired.png", "checkin-bound.png"] {
        let path = artifacts.join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
    }

    // The server recorded what the page showed: the trainee is present, once.
    let response = app.get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token)).await;
    assert_eq!(response.status(), 200, "attendance list");
    let list: Value = response.json().await.unwrap();
    let entries = list["entries"].as_array().unwrap();
    let entry = entries
        .iter()
        .find(|e| e["enrollment_id"] == enrollment_id.as_str())
        .unwrap_or_else(|| panic!("{name} ({enrollment_id}) is not in the attendance list: {list}"));
    assert_eq!(entry["status"], "present", "{name} checked in through the page: {entry}");
    assert_eq!(entry["source"], "scan", "{name} checked in by scanning: {entry}");
}
