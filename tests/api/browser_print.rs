//! Pages people reach from paper, in a real browser at a phone viewport (`e2e/printables.mjs`): the invite sheet
//! (every card carries the class name and code, also on the pages after the first once printed) and the public
//! certificate check (a box to type a paper certificate's code, on /verify and on its 404 page). Issue 15, items 12
//! and 14. Needs what `browser.rs` needs, and poppler-utils to read the printed sheet back; skips without them
//! unless `ROLLCALL_TEST_REQUIRE_ALL=1`.

use std::process::Command;
use std::time::Duration;

use serde_json::{Value, json};

use crate::helpers::spawn_app;

const SCRIPT_TIMEOUT: Duration = Duration::from_secs(90);
/// Enough cards for three A4 pages (two columns of about five).
const TRAINEES: usize = 24;

#[tokio::test]
async fn the_invite_sheet_names_the_class_on_every_card_and_verify_takes_a_typed_code() {
    use crate::certificates::{attendance, class, finish};

    if !crate::e2e::browser_ready().await {
        return;
    }
    let app = spawn_app().await;
    let f = app.checkin_fixture(TRAINEES, None).await;
    let invites: Value =
        app.get(&format!("/api/v1/classes/{}/invites", f.class_id), Some(&f.admin_token)).await.json().await.unwrap();
    let sheet_url = invites["print_url"].as_str().unwrap();
    let sheet_class: Value =
        app.get(&format!("/api/v1/classes/{}", f.class_id), Some(&f.admin_token)).await.json().await.unwrap();
    let (class_name, class_code) = (sheet_class["name"].as_str().unwrap(), sheet_class["code"].as_str().unwrap());

    // A finished class with certificates, for the check.
    let c = class(&app).await;
    attendance(&app, &c).await;
    finish(&app, &c).await;
    let issued = app.post_json(&format!("/api/v1/classes/{}/certificates", c.id), Some(&c.admin), &json!({})).await;
    assert_eq!(issued.status(), 200);
    let issued: Value = issued.json().await.unwrap();
    let cert = issued["certificates"].as_array().unwrap().iter().find(|x| x["holder_name"] == "李明华").unwrap();
    let code = cert["verification_code"].as_str().unwrap();

    let scenario = json!({"sheet_url": sheet_url, "class_name": class_name, "class_code": class_code,
        "trainees": TRAINEES, "code": code, "holder": "李*华"});
    let shots = ["invite-phone.png", "verify-lookup.png", "verify-valid.png", "verify-unknown.png"];
    crate::e2e::run_scenario("printables.mjs", &app.address, &scenario, SCRIPT_TIMEOUT, &shots).await;
    let artifacts = crate::e2e::artifacts();

    // The printed sheet, read back page by page: more than one page, and on each page as many class labels as
    // invite codes (every card names the class, not only the first page's heading).
    let pdf = artifacts.join("invite-sheet.pdf");
    let Some(pages) = pdf_pages(&pdf) else { return };
    assert!(pages.len() >= 2, "{TRAINEES} cards should take more than one A4 page, took {}", pages.len());
    let label = format!("{class_name}（{class_code}）");
    let mut cards = 0;
    for (i, page) in pages.iter().enumerate() {
        let flat: String = page.split_whitespace().collect();
        let labels = flat.matches(&label.replace(' ', "")).count();
        // A card's 邀请码 is followed by the code itself; the heading's mentions of 邀请码 are followed by text.
        let codes = flat
            .match_indices("邀请码")
            .filter(|(at, m)| flat[at + m.len()..].starts_with(|ch: char| ch.is_ascii_alphanumeric()))
            .count();
        assert!(codes > 0, "page {} holds no card:\n{page}", i + 1);
        assert_eq!(labels, codes, "page {}: every card names the class ({label}):\n{page}", i + 1);
        cards += codes;
    }
    assert_eq!(cards, TRAINEES, "every trainee has a card");
    let png = Command::new("pdftoppm")
        .args(["-png", "-r", "60", "-singlefile", "-f", "2", "-l", "2"])
        .arg(&pdf)
        .arg(artifacts.join("invite-sheet-page2"))
        .output()
        .unwrap();
    assert!(png.status.success(), "pdftoppm: {}", String::from_utf8_lossy(&png.stderr));
}

/// The text of each page of a PDF (pdftotext separates pages with a form feed); None when poppler-utils is missing.
fn pdf_pages(pdf: &std::path::Path) -> Option<Vec<String>> {
    let out = Command::new("pdftotext").arg(pdf).arg("-").output();
    let Ok(out) = out else {
        assert!(!crate::helpers::must_run_everything(), "ROLLCALL_TEST_REQUIRE_ALL=1 but pdftotext is missing");
        eprintln!("SKIPPED: reading the printed sheet needs poppler-utils");
        return None;
    };
    assert!(out.status.success(), "pdftotext: {}", String::from_utf8_lossy(&out.stderr));
    let text = String::from_utf8(out.stdout).unwrap();
    Some(text.split('\u{c}').filter(|p| !p.trim().is_empty()).map(str::to_owned).collect())
}
