//! Reports to sending units (XLSX rows, CSV with BOM, PDF read back and rendered), the class summary, and the 学时
//! archive against the rank's requirements.

use calamine::Reader;
use serde_json::{Value, json};

use crate::certificates::{attendance, class, read_pdf};
use crate::helpers::{must_run_everything, spawn_app};

#[tokio::test]
async fn a_unit_report_lists_its_trainees_attendance_discipline_and_decision() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    let (_, head) = app.assigned_staff(&c.admin, &c.id).await;

    let units: Value =
        app.get(&format!("/api/v1/classes/{}/reports/units", c.id), Some(&head)).await.json().await.unwrap();
    let dev = units.as_array().unwrap().iter().find(|u| u["unit"] == "某县发展和改革局").unwrap();
    assert_eq!(
        (dev["trainees"].as_u64(), dev["eligible"].as_u64(), dev["withheld"].as_u64()),
        (Some(2), Some(1), Some(1))
    );

    let unit = "某县发展和改革局";
    let url = |format: &str| format!("/api/v1/classes/{}/reports/unit?unit={}&format={format}", c.id, urlencode(unit));
    let xlsx = app.get(&url("xlsx"), Some(&head)).await;
    assert_eq!(xlsx.status(), 200);
    let sheet = rollcall::tabular::read(&xlsx.bytes().await.unwrap(), Default::default()).unwrap();
    assert_eq!(sheet.headers, rollcall::report::unit::UNIT_HEADERS);
    assert_eq!(sheet.rows.len(), 2, "only this unit's trainees");
    let row = |name: &str| sheet.rows.iter().map(|r| &r.1).find(|r| r[1] == name).unwrap().clone();
    let li = row("李明华");
    // 课程数, 出勤, 迟到, 早退, 请假, 旷课, 获得学时, 请假学时, 违纪, 结业审核, 原因
    assert_eq!(&li[3..], ["7", "7", "0", "0", "0", "0", "24.5", "0", "无", "准予结业", ""]);
    let zhang = row("张晓燕");
    assert_eq!(zhang[11], "11月25日 违反廉洁纪律（较重）");
    assert_eq!(zhang[12], "不予结业");
    assert_eq!(zhang[13], "有 1 条较重及以上违纪记录");

    let csv = app.get(&url("csv"), Some(&head)).await.bytes().await.unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    let text = String::from_utf8(csv[3..].to_vec()).unwrap();
    assert!(text.starts_with("序号,姓名,学号,课程数"), "{text}");
    assert!(text.contains("李明华"));
    assert!(!text.contains("王建国"), "another unit's trainee");

    let pdf = app.get(&url("pdf"), Some(&head)).await;
    if pdf.status() == 503 {
        assert!(!must_run_everything(), "no CJK font for PDFs");
        return;
    }
    assert_eq!(pdf.status(), 200);
    let bytes = pdf.bytes().await.unwrap().to_vec();
    assert!(bytes.starts_with(b"%PDF"));
    if let Some((text, _png)) = read_pdf(&bytes, "unit_report.png") {
        let flat: String = text.split_whitespace().collect();
        for expected in
            ["学员培训情况报告", "致：某县发展和改革局", "李明华", "张晓燕", "不予结业", "有1条较重及以上违纪记录"]
        {
            assert!(flat.contains(expected), "{expected} in:\n{text}");
        }
        assert!(!flat.contains("王建国"));
    }

    // A unit not in the class; a trainee asking.
    assert_eq!(
        app.get(&format!("/api/v1/classes/{}/reports/unit?unit=nowhere", c.id), Some(&head)).await.status(),
        404
    );
    let trainee = app.trainee_token(&c.invite("李明华"), "phone-report-li").await;
    assert_eq!(app.get(&url("xlsx"), Some(&trainee)).await.status(), 403);
}

fn urlencode(s: &str) -> String {
    s.bytes().map(|b| format!("%{b:02X}")).collect()
}

#[tokio::test]
async fn the_class_summary_gives_rates_per_session_and_per_trainee() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    // Every session has started by 30 Nov.
    app.clock.set(chrono::DateTime::parse_from_rfc3339("2026-11-30T12:00:00Z").unwrap().to_utc());
    let (_, admin) = app.admin().await;
    let response = app.get(&format!("/api/v1/classes/{}/reports/summary", c.id), Some(&admin)).await;
    assert_eq!(response.status(), 200);
    let bytes = response.bytes().await.unwrap().to_vec();
    let mut book: calamine::Xlsx<_> = calamine::open_workbook_from_rs(std::io::Cursor::new(bytes)).unwrap();
    assert_eq!(book.sheet_names(), ["按课程", "按学员"]);
    let sessions = book.worksheet_range("按课程").unwrap();
    let rows: Vec<Vec<String>> = sessions.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    assert_eq!(rows.len(), 1 + 7);
    // The first two sessions: three of four attended (王建国 on leave).
    assert_eq!(rows[1][3..], ["4", "3", "0", "0", "1", "0", "75.0%"]);
    assert_eq!(rows[3][9], "100.0%");
    let trainees = book.worksheet_range("按学员").unwrap();
    let rows: Vec<Vec<String>> = trainees.rows().map(|r| r.iter().map(|c| c.to_string()).collect()).collect();
    let wang = rows.iter().find(|r| r[0] == "王建国").unwrap();
    assert_eq!(wang[2..], ["7", "5", "0", "0", "2", "0", "71.4%", "17.5", "不予结业"]);

    let csv = app
        .get(&format!("/api/v1/classes/{}/reports/summary?format=trainees.csv", c.id), Some(&admin))
        .await
        .bytes()
        .await
        .unwrap();
    assert!(csv.starts_with(b"\xEF\xBB\xBF"));
    assert!(String::from_utf8_lossy(&csv).contains("王建国,某县财政局,7,5,0,0,2,0,71.4%,17.5,不予结业"));
}

#[tokio::test]
async fn the_hours_archive_adds_up_classes_and_checks_the_rank_requirement() {
    let app = spawn_app().await;
    let c = class(&app).await;
    attendance(&app, &c).await;
    // 李明华 also attends a second class's 6 学时 session; her rank is 乡科级 (90 学时 a year).
    let (_, admin) = app.admin().await;
    let other = app.create_class(&admin, &format!("H{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
    let roster: Value =
        app.get(&format!("/api/v1/classes/{}/roster", c.id), Some(&c.admin)).await.json().await.unwrap();
    let phone = roster["items"].as_array().unwrap().iter().find(|e| e["name"] == "李明华").unwrap()["phone"]
        .as_str()
        .unwrap()
        .to_owned();
    app.import_roster_csv(
        &admin,
        &other,
        &format!("姓名,手机号,单位,职级\n李明华,{phone},某县发展和改革局,乡科级正职\n"),
    )
    .await;
    let s = app.add_session(&admin, &other, "2026-12-01T01:00:00Z", "2026-12-01T07:00:00Z", 6.0).await;
    let other_roster: Value =
        app.get(&format!("/api/v1/classes/{other}/roster"), Some(&admin)).await.json().await.unwrap();
    let e = other_roster["items"][0]["enrollment_id"].as_str().unwrap();
    let body = json!({"status": "late", "reason": "补录"});
    let response =
        app.send_json(reqwest::Method::PUT, &format!("/api/v1/sessions/{s}/attendance/{e}"), Some(&admin), &body).await;
    assert_eq!(response.status(), 200);

    let li = app.trainee_token(&c.invite("李明华"), "phone-hours-li").await;
    let hours: Value = app.get("/api/v1/me/hours", Some(&li)).await.json().await.unwrap();
    assert_eq!(hours["rank"], "乡科级正职");
    assert_eq!(hours["requirement"]["yearly_hours"], 90.0);
    let mut per_class: Vec<&str> =
        hours["classes"].as_array().unwrap().iter().map(|c| c["hours"].as_str().unwrap()).collect();
    per_class.sort();
    assert_eq!(per_class, ["24.5", "6"]);
    assert_eq!(hours["years"][0], json!({"year": 2026, "hours": "30.5", "required": "90", "met": false}));
    assert_eq!(hours["five_years"]["hours"], "30.5");
    assert!(hours["five_years"]["met"].is_null(), "乡科级 has no five-year figure by default");

    let export = app.get("/api/v1/archive/hours?year=2026&format=csv", Some(&admin)).await;
    assert_eq!(export.status(), 200);
    let text = String::from_utf8(export.bytes().await.unwrap()[3..].to_vec()).unwrap();
    assert!(text.contains("李明华,某县发展和改革局,,乡科级正职,2026,30.5,90,否,30.5,-,-"), "{text}");
    assert!(text.contains("王建国,某县财政局,,,2026,17.5,-,-,17.5,-,-"), "{text}");
    assert_eq!(app.get("/api/v1/archive/hours", Some(&li)).await.status(), 403);
}
