//! The console's 教学评估 pages: an administrator creates a form (refusals next to their field), trainees answer
//! through the API, a 班主任 follows the response rate and the non-respondents, reminds them (CSRF checked), and sees
//! the results only once a group has 3 answers; staff of another class get 404 on every page.

use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::console::{csrf_of, page, post_form, session_cookie};
use crate::helpers::spawn_app_with;

/// The class part of the default form.
fn class_answers(overall: &str, comment: &str) -> Value {
    json!({"target": "class", "answers": {"organisation": "satisfied", "logistics": "fair", "overall": overall,
        "comment": comment}})
}

#[tokio::test]
async fn an_admin_creates_a_form_and_a_class_teacher_follows_answers_reminds_and_reads_results() {
    let app = spawn_app_with(|s| s.rate_limits.invite_per_address.burst = 1_000).await;
    let f = app.checkin_fixture(12, None).await;
    let admin = app.create_account(Role::Admin).await;
    let admin_cookie = session_cookie(&app, &admin).await;
    let (teacher, _) = app.assigned_staff(&f.admin_token, &f.class_id).await;
    let teacher_cookie = session_cookie(&app, &teacher).await;
    let other_class = app.create_class(&f.admin_token, "OTHER-01").await;
    let (stranger, _) = app.assigned_staff(&f.admin_token, &other_class).await;
    let stranger_cookie = session_cookie(&app, &stranger).await;
    let list = format!("/console/classes/{}/evaluations", f.class_id);

    // The class tab, and the create form with the class's course ticked and the question set in one line.
    let (status, body, _) = page(&app, &list, Some(&admin_cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains(&format!(r#"href="{list}" aria-current="page">教学评估</a>"#)), "{body}");
    assert!(body.contains("本班还没有发起教学评估") && body.contains("发起教学评估"), "{body}");
    assert!(body.contains(&format!(r#"name="session" value="{}" checked"#, f.session_id)), "{body}");
    assert!(body.contains("现实针对性、理论性、信息量、语言表达、教风教态") && body.contains("食宿与后勤保障"));
    let csrf = csrf_of(&body);
    let form = |closes_date: &'static str, closes_time: &'static str| {
        vec![
            ("csrf", csrf.clone()),
            ("title", String::new()),
            ("opens_date", "2026-11-26".to_owned()),
            ("opens_time", "08:00".to_owned()),
            ("closes_date", closes_date.to_owned()),
            ("closes_time", closes_time.to_owned()),
            ("session", f.session_id.clone()),
        ]
    };

    // 截止时间 before 开放时间: refused next to the field, the form kept as typed, nothing created.
    let bad = form("2026-11-26", "07:00");
    let bad: Vec<(&str, &str)> = bad.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, _, body) = post_form(&app, &list, &admin_cookie, &bad).await;
    assert_eq!(status, 400, "{body}");
    let closes_field = body.split(r#"<label for="closes_date">"#).nth(1).unwrap();
    assert!(closes_field.contains(r#"<p class="field-error">截止时间应晚于开放时间</p>"#), "next to 截止时间: {body}");
    assert!(body.contains(r#"name="closes_time" type="time" value="07:00""#), "kept as typed");
    let api = format!("/api/v1/classes/{}/evaluations", f.class_id);
    let forms: Value = app.get(&api, Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(forms, json!([]), "nothing created");

    let good = form("2026-11-28", "18:00");
    let good: Vec<(&str, &str)> = good.iter().map(|(k, v)| (*k, v.as_str())).collect();
    let (status, location, _) = post_form(&app, &list, &admin_cookie, &good).await;
    assert_eq!(status, 303);
    let form_id = location
        .strip_prefix("/console/evaluations/")
        .and_then(|r| r.strip_suffix("?done=created"))
        .unwrap_or_else(|| panic!("{location}"))
        .to_owned();
    let forms: Value = app.get(&api, Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(forms[0]["id"], form_id.as_str());
    assert_eq!(forms[0]["opens_at"], "2026-11-26T00:00:00Z", "08:00 China time");
    assert_eq!(forms[0]["closes_at"], "2026-11-28T10:00:00Z");
    assert!(forms[0]["title"].as_str().unwrap().ends_with("培训班教学评估"), "the default title");
    assert_eq!(forms[0]["parts"].as_array().unwrap().len(), 2, "the class and the ticked course");

    // The 班主任 sees the list without the create form.
    let (status, body, _) = page(&app, &list, Some(&teacher_cookie)).await;
    assert_eq!(status, 200);
    assert!(!body.contains("发起教学评估") && !body.contains(r#"name="session""#), "{body}");
    assert!(
        body.contains(&format!(r#"href="/console/evaluations/{form_id}""#)) && body.contains("已提交 0 / 12（0%）")
    );
    let teacher_csrf = csrf_of(&body);
    let mut attempt = good.clone();
    attempt[0] = ("csrf", teacher_csrf.as_str());
    let (status, _, refused) = post_form(&app, &list, &teacher_cookie, &attempt).await;
    assert_eq!(status, 403, "only administrators create forms: {refused}");
    assert!(refused.contains("只有管理员可以发起教学评估"));
    let forms: Value = app.get(&api, Some(&f.admin_token)).await.json().await.unwrap();
    assert_eq!(forms.as_array().unwrap().len(), 1);

    // Two answers: the response rate, ten non-respondents, and no figures yet.
    let mut tokens = Vec::new();
    for (i, (_, code, _)) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(code, &format!("console-eval-{i}")).await);
    }
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
    let submit = |i: usize| {
        let (app, token, form_id) = (&app, tokens[i].clone(), form_id.clone());
        let comment = if i == 3 {
            "<script>alert(1)</script>希望多安排研讨".to_owned()
        } else {
            format!("第{i}份意见")
        };
        async move {
            let path = format!("/api/v1/me/evaluations/{form_id}/answers");
            let response = app.post_json(&path, Some(&token), &class_answers(grades[i], &comment)).await;
            assert_eq!(response.status(), 201, "trainee {i}");
        }
    };
    for i in 0..2 {
        submit(i).await;
    }
    let base = format!("/console/evaluations/{form_id}");
    let (status, body, _) = page(&app, &base, Some(&teacher_cookie)).await;
    assert_eq!(status, 200, "{body}");
    assert!(body.contains("已提交 2 / 12（16.7%）"), "{body}");
    assert!(body.contains("学员总体满意度") && body.contains("不足 3 份，暂不显示"), "{body}");
    assert!(!body.contains(r#"class="big""#), "no figure with 2 answers");
    assert!(body.contains("不足 3 份，不显示") && !body.contains("第0份意见"), "the class part is hidden");
    assert!(body.contains("课程结束后（2026-11-26 12:00）"), "the course part opens when it ends: {body}");
    assert!(body.contains("未提交全班评价的学员 <span class=\"small hint\">10 人</span>"), "{body}");
    for (i, (name, _, _)) in f.trainees.iter().enumerate() {
        assert_eq!(body.contains(&format!("<li>{name} ")), i >= 2, "{name} is listed only while pending");
    }
    assert!(body.contains("提醒未提交的学员"));

    // Ten answers: 5 非常满意 + 3 满意 of 10 = 80 %, average 84; the comments escaped.
    for i in 2..10 {
        submit(i).await;
    }
    let (_, body, _) = page(&app, &base, Some(&teacher_cookie)).await;
    assert!(body.contains(r#"<b class="big">80%</b>"#), "{body}");
    assert!(!body.contains("不足 3 份，暂不显示"));
    assert!(body.contains("已提交 10 / 12（83.3%）"), "{body}");
    assert!(body.contains("84 分") && body.contains("非常满意 5") && body.contains("不满意 1"), "{body}");
    assert!(
        body.contains("<li>第9份意见</li>") && body.contains("&#60;script&#62;alert(1)&#60;/script&#62;希望多安排研讨")
    );
    assert!(!body.contains("<script>alert(1)"), "never raw");
    assert!(body.contains("未提交全班评价的学员 <span class=\"small hint\">2 人</span>"), "{body}");

    // The results as a file for the teaching office.
    let (status, _, headers) = page(&app, &format!("{base}/results/file?format=xlsx"), Some(&teacher_cookie)).await;
    assert_eq!(status, 200);
    assert!(headers[reqwest::header::CONTENT_TYPE].to_str().unwrap().contains("spreadsheetml"), "{headers:?}");

    // The reminder: without the page's token nothing happens; with it the two are reminded, and the page says so.
    let remind = format!("{base}/remind");
    let (status, _, _) = post_form(&app, &remind, &teacher_cookie, &[]).await;
    assert_eq!(status, 403);
    let inbox = |i: usize| {
        let (app, token) = (&app, tokens[i].clone());
        async move { app.get("/api/v1/inbox", Some(&token)).await.text().await.unwrap() }
    };
    assert!(!inbox(11).await.contains("请完成教学评估"), "no reminder without the token");
    let csrf = csrf_of(&body);
    let (status, location, _) = post_form(&app, &remind, &teacher_cookie, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, format!("{base}?done=reminded&n=2").as_str()));
    let (_, body, _) = page(&app, &location, Some(&teacher_cookie)).await;
    assert!(body.contains("已提醒 2 名学员") && body.contains("上次提醒：2026-11-26 08:30"), "{body}");
    assert!(inbox(11).await.contains("请完成教学评估") && !inbox(0).await.contains("请完成教学评估"));

    // Staff of another class: 404 on both pages and on the reminder, like a form that does not exist.
    let (status, body, _) = page(&app, &base, Some(&stranger_cookie)).await;
    assert_eq!(status, 404);
    assert!(body.contains("找不到评估表") && !body.contains("学员总体满意度"), "{body}");
    let (status, _, _) = page(&app, &list, Some(&stranger_cookie)).await;
    assert_eq!(status, 404);
    let (status, _, _) = page(&app, &format!("{base}/results/file?format=xlsx"), Some(&stranger_cookie)).await;
    assert_eq!(status, 404);
    let (_, own, _) = page(&app, &format!("/console/classes/{other_class}/evaluations"), Some(&stranger_cookie)).await;
    let (status, _, _) = post_form(&app, &remind, &stranger_cookie, &[("csrf", &csrf_of(&own))]).await;
    assert_eq!(status, 404);
    let missing = format!("/console/evaluations/{}", uuid::Uuid::new_v4());
    let (status, _, _) = page(&app, &missing, Some(&teacher_cookie)).await;
    assert_eq!(status, 404);

    // The list shows the form with its response rate; after the deadline the reminder is gone.
    let (_, body, _) = page(&app, &list, Some(&teacher_cookie)).await;
    assert!(body.contains("已提交 10 / 12（83.3%）") && body.contains("进行中"), "{body}");
    app.clock.advance(chrono::Duration::days(3));
    let teacher_cookie = session_cookie(&app, &teacher).await;
    let (_, body, _) = page(&app, &base, Some(&teacher_cookie)).await;
    assert!(body.contains("已截止") && !body.contains("提醒未提交的学员"), "{body}");
    let csrf = csrf_of(&body);
    let (status, _, body) = post_form(&app, &remind, &teacher_cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 409);
    assert!(body.contains("评估已截止，不能再提醒"), "{body}");
}
