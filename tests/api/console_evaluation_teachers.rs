//! 系统管理 → 教师评价: an administrator gives a course its teacher on the session form, trainees evaluate it, and
//! the teacher's year shows on the console with their score, satisfaction and courses; staff are refused.

use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::console::{csrf_of, page, post_form, session_cookie};
use crate::helpers::spawn_app_with;

#[tokio::test]
async fn an_admin_sets_a_courses_teacher_and_reads_the_teachers_year() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(3, None).await;
    let admin = app.create_account(Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;

    // The session form has 授课教师; saving it shows the teacher in the timetable.
    let edit = format!("/console/sessions/{}/edit", f.session_id);
    let (status, body, _) = page(&app, &edit, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"<label for="teacher">授课教师</label>"#), "{body}");
    let mut form: Vec<(String, String)> = Vec::new();
    for name in ["title", "kind", "date", "start", "end", "credit_hours", "venue"] {
        let value = body
            .split(&format!(r#"name="{name}""#))
            .nth(1)
            .and_then(|rest| rest.split("value=\"").nth(1))
            .and_then(|v| v.split('"').next())
            .unwrap_or_default();
        form.push((name.to_owned(), value.to_owned()));
    }
    form.retain(|(k, _)| k != "kind");
    form.push(("kind".into(), "lecture".into()));
    for (k, v) in
        [("open_before_min", "30"), ("late_after_min", "5"), ("close_after_min", "30"), ("rotation_seconds", "10")]
    {
        form.push((k.into(), v.into()));
    }
    form.push(("counts_toward_attendance".into(), "on".into()));
    form.push(("teacher".into(), "王教授".into()));
    form.push(("csrf".into(), csrf_of(&body)));
    let fields: Vec<(&str, &str)> = form.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let (status, location, body) = post_form(&app, &edit, &cookie, &fields).await;
    assert_eq!(status, 303, "{body}");
    assert!(location.contains("/sessions"), "{location}");
    let (_, timetable, _) = page(&app, &format!("/console/classes/{}/sessions", f.class_id), Some(&cookie)).await;
    assert!(timetable.contains("专题讲授<span class=\"hint\"> · 王教授</span>"), "{timetable}");

    // Three trainees evaluate the course after it ends.
    let window = json!({"opens_at": "2026-11-26T00:00:00Z", "closes_at": "2026-11-30T00:00:00Z"});
    let created: Value = app
        .post_json(&format!("/api/v1/classes/{}/evaluations", f.class_id), Some(&f.admin_token), &window)
        .await
        .json()
        .await
        .unwrap();
    let form_id = created["id"].as_str().unwrap();
    app.clock.advance(chrono::Duration::hours(4));
    for (i, grade) in ["very_satisfied", "satisfied", "fair"].iter().enumerate() {
        let token = app.trainee_token(&f.trainees[i].1, &format!("console-teacher-{i}")).await;
        let answers = json!({"target": f.session_id, "answers": {"fit": grade, "theory": grade, "content": grade,
            "delivery": grade, "manner": grade}});
        let path = format!("/api/v1/me/evaluations/{form_id}/answers");
        assert_eq!(app.post_json(&path, Some(&token), &answers).await.status(), 201);
    }

    // The year's table: (100 + 80 + 60) / 3 = 80 points, 2 of 3 = 66.7 %.
    let cookie = session_cookie(&app, &admin).await; // the console session idled out while the course ran
    let (status, body, _) = page(&app, "/console/admin/teachers?year=2026", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"aria-current="page">教师评价</a>"#), "{body}");
    let row = body.split("<td data-label=\"授课教师\">").nth(1).unwrap();
    assert!(
        row.contains(">王教授</a>") && row.contains(r#"class="num strong">80</td>"#) && row.contains("66.7%"),
        "{row}"
    );
    let link =
        row.split("href=\"").nth(1).unwrap().split('"').next().unwrap().replace("&#38;", "&").replace("&amp;", "&");
    let (status, detail, _) = page(&app, &link, Some(&cookie)).await;
    assert_eq!(status, 200, "{link}");
    assert!(detail.contains("现实针对性") && detail.contains("专题讲授") && detail.contains("3 份评价"), "{detail}");
    let (status, _, _) = page(&app, "/console/admin/teachers/detail?year=2026&teacher=nobody", Some(&cookie)).await;
    assert_eq!(status, 404);
    let (status, empty, _) = page(&app, "/console/admin/teachers?year=2025", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(empty.contains("2025 年还没有已评价的课程"), "{empty}");
    let file = app
        .client
        .get(app.url("/console/admin/teachers/file?year=2026&format=xlsx"))
        .header(reqwest::header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(file.status(), 200);
    let sheets = rollcall::tabular::read_sheets(&file.bytes().await.unwrap(), Default::default()).unwrap();
    assert!(sheets.iter().any(|(name, s)| name == "教师汇总" && s.rows.iter().any(|(_, c)| c[0] == "王教授")));

    // Class staff are refused every page of it.
    let (teacher_account, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let staff_cookie = session_cookie(&app, &teacher_account).await;
    for path in ["/console/admin/teachers", "/console/admin/teachers/file?year=2026"] {
        let (status, _, _) = page(&app, path, Some(&staff_cookie)).await;
        assert_eq!(status, 403, "{path}");
    }
}
