//! The classroom big screen in a real browser: headless Chromium driven by `e2e/screen.mjs` (playwright-core) at a
//! projector's viewport. The QR rotates on the server's test clock, so the two take turns: the script shows the first
//! code and prints `READY <token>`, this test turns the clock by one rotation and checks a trainee in, and the script
//! waits for the page to show a new code and the arrival. Needs what `browser.rs` needs; skips without it unless
//! `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::path::PathBuf;
use std::process::{ExitStatus, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::io::{AsyncBufReadExt, AsyncReadExt, BufReader};

use crate::e2e::manifest_dir;
use crate::helpers::{nonce, spawn_app};

/// The whole exchange; the script waits at most 15 s for any one step.
const SCRIPT_TIMEOUT: Duration = Duration::from_secs(60);
/// The session's QR rotation (the default).
const ROTATION: chrono::Duration = chrono::Duration::seconds(10);
const EXPECTED: usize = 3;

#[tokio::test]
async fn the_big_screen_rotates_its_qr_and_counts_an_arrival() {
    if !crate::e2e::browser_ready().await {
        return;
    }

    let app = spawn_app().await;
    let f = app.checkin_fixture(EXPECTED, None).await;
    let (name, invite_code, _) = f.trainees[0].clone();
    assert_eq!(name, "学员00", "the fixture's first trainee");
    let response = app
        .post_json(&format!("/api/v1/sessions/{}/screen-links", f.session_id), Some(&f.admin_token), &json!({}))
        .await;
    assert_eq!(response.status(), 201, "create a screen link");
    let link: Value = response.json().await.unwrap();
    let url = link["url"].as_str().expect("the screen link's url").to_owned();
    assert!(url.starts_with(&app.address), "the screen link points at the test server: {url}");
    // A second session this afternoon (14:00 China time): its screen counts down to check-in opening.
    let later = app.add_session(&f.admin_token, &f.class_id, "2026-11-26T06:00:00Z", "2026-11-26T09:00:00Z", 3.0).await;
    let later_link: Value = app
        .post_json(&format!("/api/v1/sessions/{later}/screen-links"), Some(&f.admin_token), &json!({}))
        .await
        .json()
        .await
        .unwrap();
    let later_url = later_link["url"].as_str().unwrap().to_owned();
    let opens_at = {
        use sea_orm::EntityTrait;
        let id: uuid::Uuid = later.parse().unwrap();
        let s = rollcall::entity::class_session::Entity::find_by_id(id).one(&app.state.db).await.unwrap().unwrap();
        rollcall::clock::local_hhmm(rollcall::timetable::window::opens_at(&s))
    };
    // Logging in happens before the script starts, so the exchange below is only the clock turn and the scan.
    let trainee_token = app.trainee_token(&invite_code, "phone-screen-e2e-00").await;
    let artifacts: PathBuf = manifest_dir().join("tests/artifacts");

    let started = Instant::now();
    let mut child = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg("e2e/screen.mjs")
        .args([url.as_str(), &EXPECTED.to_string(), "学**0"])
        .arg(&artifacts)
        .args([later_url.as_str(), opens_at.as_str()])
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("run node e2e/screen.mjs");
    let stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let stderr = tokio::spawn(async move {
        let mut text = String::new();
        let _ = stderr.read_to_string(&mut text).await;
        text
    });

    let mut lines_seen: Vec<String> = Vec::new();
    let mut shown_first: Option<String> = None;
    let exchange = async {
        let mut lines = BufReader::new(stdout).lines();
        while let Some(line) = lines.next_line().await.expect("read the script's stdout") {
            if let Some(token) = line.strip_prefix("READY ") {
                let token = token.trim().to_owned();
                // The page shows the code the server currently issues.
                assert_eq!(token, app.qr_token(&f.admin_token, &f.session_id).await, "the screen's first QR");
                app.clock.advance(ROTATION);
                let fresh = app.qr_token(&f.admin_token, &f.session_id).await;
                assert_ne!(fresh, token, "one rotation on the server's clock gives a new code");
                let scan = app.scan(&trainee_token, &fresh, &nonce(), None).await;
                assert_eq!(scan.status(), 201, "{name} checks in with the new code: {}", scan.text().await.unwrap());
                shown_first = Some(token);
            }
            lines_seen.push(line);
        }
        child.wait().await.expect("wait for node e2e/screen.mjs")
    };
    let status: Option<ExitStatus> = tokio::time::timeout(SCRIPT_TIMEOUT, exchange).await.ok();
    if status.is_none() {
        let _ = child.start_kill();
        let _ = child.wait().await;
    }
    let stderr = stderr.await.unwrap_or_default();
    let report =
        format!("after {:?}\n--- stdout ---\n{}\n--- stderr ---\n{stderr}", started.elapsed(), lines_seen.join("\n"));
    let status = status.unwrap_or_else(|| panic!("e2e/screen.mjs did not finish within {SCRIPT_TIMEOUT:?}, {report}"));
    assert!(status.success(), "e2e/screen.mjs failed ({status}) {report}");
    assert!(shown_first.is_some(), "e2e/screen.mjs never printed READY {report}");
    println!("{}", lines_seen.join("\n"));
    assert!(lines_seen.iter().any(|l| l.contains("before opening: 还有")), "{report}");
    for shot in ["screen-before.png", "screen-after.png", "screen-not-open.png"] {
        let path = artifacts.join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "screenshot {} was not written", path.display());
    }
}
