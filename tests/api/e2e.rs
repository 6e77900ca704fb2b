//! What the headless-Chromium tests share: finding their tools, and skipping (or, in CI, failing) without them.

use std::path::Path;

pub const CHROMIUM: &str = "/usr/bin/chromium";

pub fn manifest_dir() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What the browser tests need and is not there.
async fn missing_prerequisites() -> Vec<String> {
    let mut missing = Vec::new();
    let node = tokio::process::Command::new("node").arg("--version").output().await;
    if !node.is_ok_and(|o| o.status.success()) {
        missing.push("node (Node.js 20+) on PATH".to_owned());
    }
    if !Path::new(CHROMIUM).exists() {
        missing.push(format!("{CHROMIUM} (apt-get install chromium fonts-noto-cjk)"));
    }
    if !manifest_dir().join("e2e/node_modules/playwright-core").is_dir() {
        missing.push("e2e/node_modules/playwright-core (npm ci --prefix e2e)".to_owned());
    }
    missing
}

/// True when a browser test can run. Without its tools it prints why and returns false, or fails when
/// `ROLLCALL_TEST_REQUIRE_ALL=1` (as in CI).
pub async fn browser_ready() -> bool {
    let missing = missing_prerequisites().await;
    if missing.is_empty() {
        return true;
    }
    let what = missing.join(", ");
    assert!(
        !crate::helpers::must_run_everything(),
        "ROLLCALL_TEST_REQUIRE_ALL=1 but the browser test is missing: {what}"
    );
    eprintln!("SKIPPED: the browser test is missing: {what}");
    false
}

/// Where the browser tests write their screenshots and files.
pub fn artifacts() -> std::path::PathBuf {
    manifest_dir().join("tests/artifacts")
}

/// Runs `node e2e/SCRIPT BASE_URL ARTIFACT_DIR SCENARIO_JSON` to its end (at most `timeout`), fails the test with the
/// script's output unless it exits 0, and checks that each of `shots` was written under the artifacts.
pub async fn run_scenario(
    script: &str,
    base: &str,
    scenario: &serde_json::Value,
    timeout: std::time::Duration,
    shots: &[&str],
) {
    let run = tokio::process::Command::new("node")
        .current_dir(manifest_dir())
        .arg(format!("e2e/{script}"))
        .arg(base)
        .arg(artifacts())
        .arg(scenario.to_string())
        .kill_on_drop(true)
        .output();
    let out = tokio::time::timeout(timeout, run)
        .await
        .unwrap_or_else(|_| panic!("e2e/{script} did not finish within {timeout:?}"))
        .unwrap_or_else(|e| panic!("run node e2e/{script}: {e}"));
    let report = format!(
        "--- stdout ---\n{}\n--- stderr ---\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "e2e/{script} failed ({}) {report}", out.status);
    println!("{report}");
    for shot in shots {
        let path = artifacts().join(shot);
        assert!(path.metadata().is_ok_and(|m| m.len() > 0), "{} was not written", path.display());
    }
}
