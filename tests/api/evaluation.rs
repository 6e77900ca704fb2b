//! Course evaluation on both backends: each part answered once while open, non-respondents chased, results added up
//! with small groups hidden, and anonymity checked on the stored tables themselves.

use sea_orm::{ConnectionTrait, Statement};
use serde_json::{Value, json};

use crate::helpers::{ClockExt, TestApp, error_body, spawn_app_with};

/// The class part of the default form: 组织管理, 食宿, 总体评价, and a comment that names the sheet.
fn class_answers(overall: &str, comment: &str) -> Value {
    json!({"target": "class", "answers": {"organisation": "satisfied", "logistics": "fair", "overall": overall,
        "comment": comment}})
}

async fn submit(app: &TestApp, token: &str, form: &str, body: &Value) -> reqwest::Response {
    app.post_json(&format!("/api/v1/me/evaluations/{form}/answers"), Some(token), body).await
}

async fn json(app: &TestApp, path: &str, token: &str) -> Value {
    let response = app.get(path, Some(token)).await;
    assert_eq!(response.status(), 200, "{path}");
    response.json().await.unwrap()
}

/// Rows of a query as JSON-ish strings, in the order the database returns them without ORDER BY (storage order).
async fn rows(app: &TestApp, sql: &str) -> Vec<sea_orm::QueryResult> {
    let db = &app.state.db;
    db.query_all_raw(Statement::from_string(db.get_database_backend(), sql.to_owned())).await.unwrap()
}

#[tokio::test]
async fn trainees_answer_once_staff_see_who_not_what_and_the_tables_cannot_be_joined() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(12, None).await;
    let body = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-28T00:00:00Z"});
    let response =
        app.post_json(&format!("/api/v1/classes/{}/evaluations", f.class_id), Some(&f.admin_token), &body).await;
    assert_eq!(response.status(), 201);
    let form: Value = response.json().await.unwrap();
    let form_id = form["id"].as_str().unwrap().to_owned();
    assert_eq!(form["parts"].as_array().unwrap().len(), 2, "the class and its one course");
    assert!(form["title"].as_str().unwrap().ends_with("培训班教学评估"), "{form}");

    let mut tokens = Vec::new();
    for (i, (_, code, _)) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(code, &format!("eval-device-{i}")).await);
    }
    // The course part opens when the course ends (12:00); the class part is open.
    let mine = json(&app, "/api/v1/me/evaluations", &tokens[0]).await;
    let parts = mine[0]["parts"].as_array().unwrap();
    assert_eq!((parts[0]["open"].as_bool(), parts[1]["open"].as_bool()), (Some(true), Some(false)));
    let course = json!({"target": f.session_id, "answers": {"fit": "very_satisfied", "theory": "satisfied",
        "content": "satisfied", "delivery": "very_satisfied", "manner": "very_satisfied"}});
    let (status, code, _) = error_body(submit(&app, &tokens[0], &form_id, &course).await).await;
    assert_eq!((status, code.as_str()), (409, "evaluation_closed"), "the course has not ended");

    // A missing required answer and an unknown grade are refused; nothing is recorded for them.
    let mut missing = class_answers("satisfied", "");
    missing["answers"].as_object_mut().unwrap().remove("overall");
    let (status, code, message) = error_body(submit(&app, &tokens[0], &form_id, &missing).await).await;
    assert_eq!((status, code.as_str()), (400, "validation_failed"));
    assert!(message.contains("总体评价"), "{message}");
    let bad = class_answers("excellent", "");
    assert_eq!(submit(&app, &tokens[0], &form_id, &bad).await.status(), 400);

    // Two answers: the results hide them (a group of 2 could be told apart).
    let grades = [
        "very_satisfied",
        "satisfied",
        "dissatisfied",
        "very_satisfied",
        "very_satisfied",
        "fair",
        "satisfied",
        "very_satisfied",
        "satisfied",
        "very_satisfied",
    ];
    for (i, grade) in grades.iter().enumerate().take(2) {
        let response = submit(&app, &tokens[i], &form_id, &class_answers(grade, &format!("第{i}份"))).await;
        assert_eq!(response.status(), 201);
    }
    let results = json(&app, &format!("/api/v1/evaluations/{form_id}/results"), &f.admin_token).await;
    let overall = |r: &Value| {
        r["parts"][0]["questions"].as_array().unwrap().iter().find(|q| q["id"] == "overall").unwrap().clone()
    };
    assert_eq!((overall(&results)["hidden"].as_bool(), overall(&results)["answers"].as_u64()), (Some(true), Some(2)));
    assert!(results["overall_satisfaction_percent"].is_null() && overall(&results)["distribution"] == json!([]));

    // Once only.
    let again = submit(&app, &tokens[0], &form_id, &class_answers("dissatisfied", "再来一次")).await;
    let (status, code, _) = error_body(again).await;
    assert_eq!((status, code.as_str()), (409, "already_answered"));

    for (i, grade) in grades.iter().enumerate().skip(2) {
        assert_eq!(submit(&app, &tokens[i], &form_id, &class_answers(grade, &format!("第{i}份"))).await.status(), 201);
    }
    // 10 answers: 5 非常满意 + 3 满意 of 10 = 80 %; the average (5×100 + 3×80 + 60 + 40) / 10 = 84.
    let results = json(&app, &format!("/api/v1/evaluations/{form_id}/results"), &f.admin_token).await;
    assert_eq!(results["overall_satisfaction_percent"], 80.0);
    assert_eq!(overall(&results)["average"], 84.0);
    assert_eq!(
        overall(&results)["distribution"],
        json!([["非常满意", 5], ["满意", 3], ["基本满意", 1], ["不满意", 1]])
    );
    assert_eq!(results["response_rate_percent"], 83.3, "10 of 12");
    let comments = results["parts"][0]["questions"].as_array().unwrap().iter().find(|q| q["id"] == "comment").unwrap()
        ["comments"]
        .as_array()
        .unwrap()
        .len();
    assert_eq!(comments, 10);

    // The files for the teaching office carry the same figures.
    let file = app.get(&format!("/api/v1/evaluations/{form_id}/results/file"), Some(&f.admin_token)).await;
    assert_eq!(file.status(), 200);
    let sheets = rollcall::tabular::read_sheets(&file.bytes().await.unwrap(), Default::default()).unwrap();
    let courses = &sheets.iter().find(|(name, _)| name == "课程评价").unwrap().1;
    let overall_row = courses.rows.iter().find(|(_, cells)| cells[1] == "对本期培训班的总体评价").unwrap();
    assert_eq!(overall_row.1, ["全班总体评价", "对本期培训班的总体评价", "10", "84", "80%", "5", "3", "1", "1"]);
    let advice = &sheets.iter().find(|(name, _)| name == "意见建议").unwrap().1;
    assert_eq!(advice.rows.len(), 10, "ten comments");
    let pdf = app.get(&format!("/api/v1/evaluations/{form_id}/results/file?format=pdf"), Some(&f.admin_token)).await;
    assert_eq!(pdf.status(), 200);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("results.pdf");
    std::fs::write(&path, pdf.bytes().await.unwrap()).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => {
            let text = String::from_utf8(out.stdout).unwrap();
            assert!(text.contains("学员总体满意度：80%") && text.contains("参评率：83.3%"), "{text}");
            assert!(text.contains("第3份"), "comments printed: {text}");
        }
        Err(_) => {
            assert!(!crate::helpers::must_run_everything(), "ROLLCALL_TEST_REQUIRE_ALL=1 but pdftotext is missing")
        }
    }

    // Staff see who has not answered, and remind only them.
    let progress = json(&app, &format!("/api/v1/evaluations/{form_id}/progress"), &f.admin_token).await;
    let pending: Vec<&str> =
        progress["non_respondents"].as_array().unwrap().iter().map(|p| p["enrollment_id"].as_str().unwrap()).collect();
    let expected: Vec<&str> = f.trainees[10..].iter().map(|(_, _, e)| e.as_str()).collect();
    assert_eq!(pending.len(), 2);
    assert!(expected.iter().all(|e| pending.contains(e)), "{pending:?}");
    let reminded =
        app.post_json(&format!("/api/v1/evaluations/{form_id}/remind"), Some(&f.admin_token), &json!({})).await;
    assert_eq!(reminded.json::<Value>().await.unwrap()["reminded"], 2);
    let inbox_of = |i: usize| {
        let token = tokens[i].clone();
        let app = &app;
        async move { json(app, "/api/v1/inbox", &token).await.to_string() }
    };
    assert!(inbox_of(11).await.contains("请完成教学评估"));
    assert!(!inbox_of(0).await.contains("请完成教学评估"), "a respondent is not reminded");

    // The stored tables: the sheets carry no trainee and no time, random ids, and not the submission order; the
    // respondents carry the day only.
    let columns: Vec<String> = match app.state.db.get_database_backend() {
        sea_orm::DatabaseBackend::Postgres => {
            rows(
                &app,
                "SELECT column_name AS name FROM information_schema.columns WHERE table_name = 'evaluation_sheet'",
            )
            .await
        }
        _ => rows(&app, "SELECT name FROM pragma_table_info('evaluation_sheet')").await,
    }
    .iter()
    .map(|r| r.try_get::<String>("", "name").unwrap())
    .collect();
    let mut sorted = columns.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        ["answers", "form_id", "id", "target"],
        "no trainee, no time, nothing shared with respondents but the form"
    );
    let sheets = rows(&app, "SELECT id, answers FROM evaluation_sheet WHERE target = 'class'").await;
    let order: Vec<String> = sheets
        .iter()
        .map(|r| {
            let answers: Value = match r.try_get::<Value>("", "answers") {
                Ok(v) => v,
                Err(_) => serde_json::from_str(&r.try_get::<String>("", "answers").unwrap()).unwrap(),
            };
            answers["comment"].as_str().unwrap().to_owned()
        })
        .collect();
    let mut stored = order.clone();
    stored.sort();
    let mut submitted: Vec<String> = (0..10).map(|i| format!("第{i}份")).collect();
    submitted.sort();
    assert_eq!(stored, submitted, "every sheet stored once, none lost in the shuffle");
    let in_order: Vec<String> = (0..10).map(|i| format!("第{i}份")).collect();
    assert_ne!(order, in_order, "storage order is not submission order");
    for r in &sheets {
        let id: uuid::Uuid = match r.try_get::<uuid::Uuid>("", "id") {
            Ok(id) => id,
            Err(_) => r.try_get::<String>("", "id").unwrap().parse().unwrap(),
        };
        assert_eq!(id.get_version(), Some(uuid::Version::Random), "no time in the id");
    }
    let respondents = rows(&app, "SELECT CAST(submitted_on AS TEXT) AS day FROM evaluation_respondent").await;
    let days: Vec<String> = respondents.iter().map(|r| r.try_get::<String>("", "day").unwrap()).collect();
    assert_eq!(days, vec!["2026-11-26".to_owned(); 10], "ten respondents, the day only");

    // After the course ends its part opens; after the deadline nothing does.
    app.clock.advance(chrono::Duration::hours(4));
    assert_eq!(submit(&app, &tokens[0], &form_id, &course).await.status(), 201);
    app.clock.advance(chrono::Duration::days(2));
    let late = submit(&app, &tokens[11], &form_id, &class_answers("satisfied", "迟到的评估")).await;
    let (status, code, _) = error_body(late).await;
    assert_eq!((status, code.as_str()), (409, "evaluation_closed"));
}

#[tokio::test]
async fn a_class_may_require_the_evaluation_for_completion() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(2, None).await;
    let body = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-28T00:00:00Z"});
    let path = format!("/api/v1/classes/{}/evaluations", f.class_id);
    let form: Value = app.post_json(&path, Some(&f.admin_token), &body).await.json().await.unwrap();
    let token = app.trainee_token(&f.trainees[0].1, "eval-required-0").await;
    let form_id = form["id"].as_str().unwrap();
    assert_eq!(submit(&app, &token, form_id, &class_answers("satisfied", "")).await.status(), 201);
    let reasons = |list: &Value, i: usize| -> Vec<String> {
        let e = list.as_array().unwrap().iter().find(|e| e["enrollment_id"] == f.trainees[i].2.as_str()).unwrap();
        e["reasons"].as_array().unwrap().iter().map(|r| r["code"].as_str().unwrap().to_owned()).collect()
    };
    let completion = format!("/api/v1/classes/{}/completion", f.class_id);
    let list = json(&app, &completion, &f.admin_token).await;
    assert!(!reasons(&list, 1).contains(&"evaluation_not_answered".to_owned()), "off by default");
    let policy = json!({"policy": {"completion": {"require_evaluation": true}}, "reason": "须完成评估"});
    let path = format!("/api/v1/classes/{}/policy", f.class_id);
    assert_eq!(app.send_json(reqwest::Method::PUT, &path, Some(&f.admin_token), &policy).await.status(), 200);
    let list = json(&app, &completion, &f.admin_token).await;
    assert!(reasons(&list, 1).contains(&"evaluation_not_answered".to_owned()), "{list}");
    assert!(!reasons(&list, 0).contains(&"evaluation_not_answered".to_owned()), "answered: {list}");
}

/// The text of a PDF through pdftotext; `None` when poppler-utils is missing (allowed unless everything must run).
fn pdf_text(bytes: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("file.pdf");
    std::fs::write(&path, bytes).unwrap();
    match std::process::Command::new("pdftotext").arg(&path).arg("-").output() {
        Ok(out) => Some(String::from_utf8(out.stdout).unwrap()),
        Err(_) => {
            assert!(!crate::helpers::must_run_everything(), "ROLLCALL_TEST_REQUIRE_ALL=1 but pdftotext is missing");
            None
        }
    }
}

/// Every course indicator of the default form given the same grade.
fn course_answers(session_id: &str, grade: &str) -> Value {
    json!({"target": session_id, "answers": {"fit": grade, "theory": grade, "content": grade, "delivery": grade,
        "manner": grade}})
}

#[tokio::test]
async fn results_are_added_up_per_teacher_across_classes_and_a_small_group_stays_hidden() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let a = app.checkin_fixture(4, None).await;
    let b = app.checkin_fixture(3, None).await;
    let admin = a.admin_token.clone();
    // 王教授 teaches the morning course of both classes (set by an edit); 李老师 an afternoon course of class A
    // (given when the course is created).
    for session in [&a.session_id, &b.session_id] {
        let edit = json!({"teacher": " 王教授 "});
        let path = format!("/api/v1/sessions/{session}");
        let response = app.send_json(reqwest::Method::PATCH, &path, Some(&admin), &edit).await;
        let view: Value = response.json().await.unwrap();
        assert_eq!(view["teacher"], "王教授", "trimmed: {view}");
    }
    let body = json!({"title": "案例研讨", "kind": "lecture", "starts_at": "2026-11-26T05:00:00Z",
        "ends_at": "2026-11-26T06:00:00Z", "credit_hours": 1, "teacher": "李老师"});
    let response = app.post_json(&format!("/api/v1/classes/{}/sessions", a.class_id), Some(&admin), &body).await;
    assert_eq!(response.status(), 201);
    let afternoon = response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned();
    let window = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-30T00:00:00Z"});
    let mut forms = Vec::new();
    for class in [&a.class_id, &b.class_id] {
        let form: Value = app
            .post_json(&format!("/api/v1/classes/{class}/evaluations"), Some(&admin), &window)
            .await
            .json()
            .await
            .unwrap();
        forms.push(form["id"].as_str().unwrap().to_owned());
    }
    app.clock.advance(chrono::Duration::hours(6));
    // Class A: 非常满意 ×2, 满意, 基本满意 (100, 100, 80, 60: 85 points, 75 %); class B: 非常满意, 满意, 不满意
    // (100, 80, 40: 73.3, 66.7 %). Together 7 sheets: 560 / 7 = 80 points, 5 of 7 = 71.4 %.
    for (fixture, form, grades) in [
        (&a, &forms[0], &["very_satisfied", "very_satisfied", "satisfied", "fair"][..]),
        (&b, &forms[1], &["very_satisfied", "satisfied", "dissatisfied"][..]),
    ] {
        for (i, grade) in grades.iter().enumerate() {
            let token = app.trainee_token(&fixture.trainees[i].1, &format!("teacher-{}-{i}", fixture.class_id)).await;
            assert_eq!(submit(&app, &token, form, &course_answers(&fixture.session_id, grade)).await.status(), 201);
            if fixture.class_id == a.class_id && i < 2 {
                let answer = course_answers(&afternoon, "very_satisfied");
                assert_eq!(submit(&app, &token, form, &answer).await.status(), 201);
            }
        }
    }

    let report = json(&app, "/api/v1/evaluation/teachers?year=2026", &admin).await;
    let teachers = report["teachers"].as_array().unwrap();
    assert_eq!(teachers.len(), 2, "{report}");
    let wang = &teachers[0];
    assert_eq!(wang["teacher"], "王教授");
    assert_eq!(
        (wang["courses"].as_u64(), wang["classes"].as_u64(), wang["answers"].as_u64()),
        (Some(2), Some(2), Some(7))
    );
    assert_eq!((wang["score"].as_f64(), wang["satisfaction_percent"].as_f64()), (Some(80.0), Some(71.4)));
    let indicators = wang["indicators"].as_array().unwrap();
    assert_eq!(indicators.len(), 5, "the five indicators of the default form");
    assert!(indicators.iter().all(|i| i["answers"] == 7 && i["average"] == 80.0), "{indicators:?}");
    let li = &teachers[1];
    assert_eq!(
        (li["teacher"].as_str(), li["answers"].as_u64(), li["hidden"].as_bool()),
        (Some("李老师"), Some(2), Some(true))
    );
    assert!(li["score"].is_null() && li["satisfaction_percent"].is_null(), "two sheets are not shown: {li}");
    assert!(li["indicators"].as_array().unwrap().iter().all(|i| i["average"].is_null()), "{li}");

    let detail =
        json(&app, "/api/v1/evaluation/teachers/detail?year=2026&teacher=%E7%8E%8B%E6%95%99%E6%8E%88", &admin).await;
    let courses = detail["courses"].as_array().unwrap();
    let figures: Vec<(u64, f64, f64)> = courses
        .iter()
        .map(|c| {
            (c["answers"].as_u64().unwrap(), c["score"].as_f64().unwrap(), c["satisfaction_percent"].as_f64().unwrap())
        })
        .collect();
    let mut sorted = figures.clone();
    sorted.sort_by_key(|f| f.0);
    assert_eq!(sorted, [(3, 73.3, 66.7), (4, 85.0, 75.0)], "{detail}");
    let unknown = app.get("/api/v1/evaluation/teachers/detail?year=2026&teacher=nobody", Some(&admin)).await;
    assert_eq!(error_body(unknown).await.1, "not_found");
    let other_year = json(&app, "/api/v1/evaluation/teachers?year=2025", &admin).await;
    assert_eq!(other_year["teachers"], json!([]), "the courses were in 2026");
    let (status, code, _) = error_body(app.get("/api/v1/evaluation/teachers?year=1999", Some(&admin)).await).await;
    assert_eq!((status, code.as_str()), (400, "validation_failed"));

    // The workbook and the PDF carry the same figures.
    let file = app.get("/api/v1/evaluation/teachers/file?year=2026", Some(&admin)).await;
    assert_eq!(file.status(), 200);
    let sheets = rollcall::tabular::read_sheets(&file.bytes().await.unwrap(), Default::default()).unwrap();
    let summary = &sheets.iter().find(|(name, _)| name == "教师汇总").unwrap().1;
    let row = summary.rows.iter().find(|(_, cells)| cells[0] == "王教授").unwrap();
    assert_eq!(row.1[..7], ["王教授", "2", "2", "7", "80", "71.4%", "80"]);
    let hidden = summary.rows.iter().find(|(_, cells)| cells[0] == "李老师").unwrap();
    assert_eq!(hidden.1[4], "不足 3 份，不显示");
    let detail_sheet = &sheets.iter().find(|(name, _)| name == "课程明细").unwrap().1;
    assert_eq!(detail_sheet.rows.len(), 3, "three courses");
    let pdf = app.get("/api/v1/evaluation/teachers/file?year=2026&format=pdf", Some(&admin)).await;
    assert_eq!(pdf.status(), 200);
    if let Some(text) = pdf_text(&pdf.bytes().await.unwrap()) {
        assert!(text.contains("2026 年授课教师教学评估汇总") && text.contains("王教授"), "{text}");
        assert!(text.contains("71.4%"), "{text}");
    }
}

#[tokio::test]
async fn the_automatic_reminder_goes_to_non_respondents_once_before_the_deadline() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(3, None).await;
    // Open now (00:30 UTC), closing in two days at 00:00 UTC.
    let body = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-28T00:00:00Z"});
    let form: Value = app
        .post_json(&format!("/api/v1/classes/{}/evaluations", f.class_id), Some(&f.admin_token), &body)
        .await
        .json()
        .await
        .unwrap();
    let form_id = form["id"].as_str().unwrap().to_owned();
    let mut tokens = Vec::new();
    for (i, (_, code, _)) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(code, &format!("auto-remind-{i}")).await);
    }
    assert_eq!(submit(&app, &tokens[0], &form_id, &class_answers("satisfied", "")).await.status(), 201);
    let day = chrono::Duration::hours(24);
    let sweep = |now| rollcall::evaluation::reminders::sweep(&app.state, now, day);
    let reminders = |i: usize| {
        let token = tokens[i].clone();
        let app = &app;
        async move {
            let inbox = json(app, "/api/v1/inbox", &token).await.to_string();
            inbox.matches("请完成教学评估").count()
        }
    };

    // More than a day before the deadline: nothing.
    assert!(sweep(app.clock.now_utc()).await.unwrap().is_empty());
    assert_eq!(reminders(1).await, 0);
    // Within the day: the two who have not answered, once, even when the job runs again (or on another instance).
    app.clock.advance(chrono::Duration::hours(25));
    let now = app.clock.now_utc();
    let sent = sweep(now).await.unwrap();
    assert_eq!(sent, [(form_id.parse().unwrap(), 2)]);
    assert!(sweep(now).await.unwrap().is_empty(), "once");
    assert_eq!((reminders(0).await, reminders(1).await, reminders(2).await), (0, 1, 1));
    let (_, admin) = app.admin().await;
    let audit =
        json(&app, &format!("/api/v1/audit?entity=evaluation_form&entity_id={form_id}"), &admin).await.to_string();
    assert!(audit.contains(r#""automatic":true"#) && audit.contains("evaluation-reminder"), "{audit}");
    // A closed form is never reminded.
    app.clock.advance(day);
    assert!(sweep(app.clock.now_utc()).await.unwrap().is_empty());
}
