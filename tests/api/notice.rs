//! The daily attendance notice (考勤公示).

use serde_json::{Value, json};

use crate::helpers::{error_body, nonce, spawn_app};

#[tokio::test]
async fn the_daily_notice_names_who_was_late_absent_or_on_leave_and_prints() {
    let app = spawn_app().await;
    let f = app.checkin_fixture(4, None).await;
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let on_time = app.trainee_token(&f.trainees[0].1, "phone-notice-00").await;
    assert_eq!(app.scan(&on_time, &qr, &nonce(), None).await.status(), 201);
    app.clock.advance(chrono::Duration::minutes(40)); // 09:10 China time: late
    let qr = app.qr_token(&f.admin_token, &f.session_id).await;
    let late = app.trainee_token(&f.trainees[1].1, "phone-notice-01").await;
    assert_eq!(app.scan(&late, &qr, &nonce(), None).await.status(), 201);
    let path = format!("/api/v1/sessions/{}/attendance/{}", f.session_id, f.trainees[2].2);
    let leave = json!({"status": "leave", "reason": "公假：参加市委会议"});
    assert_eq!(app.send_json(reqwest::Method::PUT, &path, Some(&f.admin_token), &leave).await.status(), 200);
    app.clock.advance(chrono::Duration::hours(1));
    rollcall::attendance::close::run_once(&app.state.db, rollcall::clock::Clock::now(&*app.clock)).await.unwrap();

    let body: Value = app
        .get(&format!("/api/v1/classes/{}/notice?date=2026-11-26", f.class_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let notice = &body["notice"];
    assert_eq!(notice["sessions"][0]["expected"], 4);
    assert_eq!(notice["sessions"][0]["present"], 1);
    assert_eq!(notice["late"][0]["name"], f.trainees[1].0.as_str());
    assert_eq!(notice["leave"][0]["note"], "公假：参加市委会议");
    assert_eq!(notice["absent"][0]["name"], f.trainees[3].0.as_str());

    let url = body["print_url"].as_str().unwrap();
    let page = app.client.get(url).send().await.unwrap();
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("考勤公示") && html.contains(&f.trainees[3].0) && html.contains("旷课（1）"), "{html}");

    let font = &app.state.settings.report.cjk_font_path;
    if !font.exists() {
        assert!(!crate::helpers::must_run_everything(), "the PDF needs {} (fonts-noto-cjk)", font.display());
        eprintln!("SKIPPED the PDF part: {} is not installed", font.display());
        return;
    }
    let pdf = app.client.get(body["pdf_url"].as_str().unwrap()).send().await.unwrap();
    assert_eq!(pdf.status(), 200);
    assert_eq!(pdf.headers()["content-type"], "application/pdf");
    let bytes = pdf.bytes().await.unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF");
    assert!(bytes.len() < 2_000_000, "the CJK font is subset, not embedded whole: {} bytes", bytes.len());
    let artifacts = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/artifacts");
    std::fs::create_dir_all(&artifacts).unwrap();
    std::fs::write(artifacts.join("notice.pdf"), &bytes).unwrap();

    let forged = url.replace("date=2026-11-26", "date=2026-11-25");
    let (status, code, _) = error_body(app.client.get(forged).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (403, "forbidden"), "a link signs its date");
}
