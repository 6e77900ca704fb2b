//! Hostile and careless input: uploads that would exhaust memory or time, formula cells in exports, huge page
//! numbers, NUL bytes, unsafe file names. Each answer is a clear error, and the server keeps answering.

use serde_json::Value;

use crate::helpers::{TestApp, error_body, spawn_app, spawn_app_with};

const CELL_AT_A_BILLION: &[u8] = include_bytes!("../fixtures/cell-at-a1000000000.xlsx");
const INFLATES_TO_64MIB: &[u8] = include_bytes!("../fixtures/inflates-to-64mib.xlsx");

async fn still_answers(app: &TestApp) {
    let response = app.get("/api/v1/health", None).await;
    assert_eq!(response.status(), 200, "the server still answers");
}

#[tokio::test]
async fn a_spreadsheet_with_a_cell_at_row_a_billion_is_refused_and_the_server_keeps_answering() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    for path in ["roster/import", "sessions/import", "roster/import?dry_run=true"] {
        let path = format!("/api/v1/classes/{}/{path}", fixture.id);
        let response = app.upload(&path, &fixture.admin_token, "名单.xlsx", CELL_AT_A_BILLION.to_vec()).await;
        let (status, code, message) = error_body(response).await;
        assert_eq!((status, code.as_str()), (400, "file_unreadable"), "{path}: {message}");
        still_answers(&app).await;
    }
}

#[tokio::test]
async fn a_small_xlsx_that_inflates_past_the_budget_gets_413() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let path = format!("/api/v1/classes/{}/roster/import?dry_run=true", fixture.id);
    let (status, code, message) =
        error_body(app.upload(&path, &fixture.admin_token, "名单.xlsx", INFLATES_TO_64MIB.to_vec()).await).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"), "{message}");
    still_answers(&app).await;
}

fn roster_csv(rows: usize, phone: impl Fn(usize) -> String) -> Vec<u8> {
    let mut csv = String::from("姓名,手机号,单位\n");
    for i in 0..rows {
        csv.push_str(&format!("学员{i},{},市财政局\n", phone(i)));
    }
    csv.into_bytes()
}

#[tokio::test]
async fn files_over_the_configured_row_caps_get_413_naming_the_cap() {
    let app = spawn_app_with(|s| {
        s.import.roster_max_rows = 40;
        s.import.timetable_max_rows = 30;
    })
    .await;
    let fixture = app.class_fixture().await;
    let roster = format!("/api/v1/classes/{}/roster/import?dry_run=true", fixture.id);
    let at_cap = app.upload(&roster, &fixture.admin_token, "a.csv", roster_csv(40, |i| format!("1380000{i:04}"))).await;
    assert_eq!(at_cap.status(), 200, "exactly the cap is accepted");
    let over = app.upload(&roster, &fixture.admin_token, "a.csv", roster_csv(41, |i| format!("1380000{i:04}"))).await;
    let (status, code, message) = error_body(over).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
    assert!(message.contains("40 行"), "{message}");

    let mut timetable = String::from("日期,开始时间,结束时间,课程名称,学时\n");
    for i in 0..31 {
        timetable.push_str(&format!("2026-11-26,08:{:02},08:{:02},课程{i},1\n", i, i + 1));
    }
    let path = format!("/api/v1/classes/{}/sessions/import?dry_run=true", fixture.id);
    let (status, _, message) =
        error_body(app.upload(&path, &fixture.admin_token, "t.csv", timetable.into_bytes()).await).await;
    assert_eq!(status, 413);
    assert!(message.contains("30 行"), "{message}");
}

#[tokio::test]
async fn a_file_with_many_bad_rows_reports_the_first_hundred_and_the_total() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let path = format!("/api/v1/classes/{}/roster/import", fixture.id);
    let bad = roster_csv(150, |_| "12345".to_owned());
    let response = app.upload(&format!("{path}?dry_run=true"), &fixture.admin_token, "a.csv", bad.clone()).await;
    assert_eq!(response.status(), 200);
    let report: Value = response.json().await.unwrap();
    assert_eq!(report["errors"].as_array().unwrap().len(), 100, "only the first hundred are listed");
    assert_eq!(report["error_count"], 150, "but all are counted");
    assert_eq!(report["errors"][0]["row"], 2, "in row order");
    let (status, code, message) = error_body(app.upload(&path, &fixture.admin_token, "a.csv", bad).await).await;
    assert_eq!((status, code.as_str()), (422, "import_rejected"));
    assert!(message.contains("共有 150 处错误"), "{message}");
}

#[tokio::test]
async fn csv_exports_write_formula_like_cells_as_text() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let csv = "姓名,手机号,单位,职务\n张三,13800000001,=HYPERLINK(\"http://evil\"),@SUM(A1)\n";
    app.import_roster_csv(&fixture.admin_token, &fixture.id, csv).await;
    let text = app
        .get(&format!("/api/v1/classes/{}/roster.csv", fixture.id), Some(&fixture.admin_token))
        .await
        .text()
        .await
        .unwrap();
    assert!(text.contains(r#""'=HYPERLINK(""http://evil"")""#), "{text}");
    assert!(text.contains("'@SUM(A1)"), "{text}");
    assert!(!text.contains(",=HYPERLINK") && !text.contains(",@SUM"), "no cell starts with a formula: {text}");
}

#[tokio::test]
async fn the_largest_page_number_gets_an_empty_page_on_every_list() {
    let app = spawn_app().await;
    let fixture = app.class_fixture().await;
    let session =
        app.add_session(&fixture.admin_token, &fixture.id, "2026-11-26T01:00:00Z", "2026-11-26T04:00:00Z", 3.0).await;
    let huge = "page=9223372036854775807&per_page=18446744073709551615";
    for list in [
        "/api/v1/classes".to_owned(),
        "/api/v1/staff".to_owned(),
        "/api/v1/audit".to_owned(),
        format!("/api/v1/classes/{}/roster", fixture.id),
        format!("/api/v1/sessions/{session}/attempts"),
    ] {
        let response = app.get(&format!("{list}?{huge}"), Some(&fixture.admin_token)).await;
        assert_eq!(response.status(), 200, "{list}");
        let page: Value = response.json().await.unwrap();
        assert_eq!(page["items"], serde_json::json!([]), "{list}");
        assert_eq!(page["page"], 100_000, "{list}: the last page there is");
    }
    let (status, code, _) =
        error_body(app.get("/api/v1/classes?page=18446744073709551616", Some(&fixture.admin_token)).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_query"), "a number beyond u64 is a bad query");
}
