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
