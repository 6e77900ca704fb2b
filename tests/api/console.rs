//! The staff console: cookie sign-in, the CSRF token on state-changing requests, and the class list (what each
//! person may see, search and status filter, escaping).

use reqwest::header;
use rollcall::auth::Role;
use serde_json::json;

use crate::helpers::{Account, TestApp, spawn_app};

/// Signs in through the console's form; returns the answer (a redirect with the cookie, or the form again).
pub(crate) async fn sign_in(app: &TestApp, username: &str, password: &str) -> reqwest::Response {
    app.client
        .post(app.url("/console/login"))
        .form(&[("username", username), ("password", password)])
        .send()
        .await
        .unwrap()
}

/// The session cookie set by a successful sign-in, as `name=value`.
pub(crate) async fn session_cookie(app: &TestApp, account: &Account) -> String {
    let response = sign_in(app, &account.username, &account.password).await;
    assert_eq!(response.status(), 303, "signed in");
    assert_eq!(response.headers()[header::LOCATION], "/console/classes");
    let set = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    set.split(';').next().unwrap().to_owned()
}

pub(crate) async fn page(app: &TestApp, path: &str, cookie: Option<&str>) -> (u16, String, reqwest::header::HeaderMap) {
    let mut request = app.client.get(app.url(path));
    if let Some(c) = cookie {
        request = request.header(header::COOKIE, c);
    }
    let response = request.send().await.unwrap();
    let (status, headers) = (response.status().as_u16(), response.headers().clone());
    (status, response.text().await.unwrap(), headers)
}

async fn create_class(app: &TestApp, admin: &str, code: &str, name: &str, status: &str) -> String {
    let body = json!({"code": code, "name": name, "kind": "main", "start_date": "2026-11-23",
        "end_date": "2026-12-04", "status": status});
    let response = app.post_json("/api/v1/classes", Some(admin), &body).await;
    assert_eq!(response.status(), 201);
    response.json::<serde_json::Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn without_a_session_the_console_sends_people_to_the_sign_in_page() {
    let app = spawn_app().await;
    for path in ["/console", "/console/", "/console/classes"] {
        let (status, _, headers) = page(&app, path, None).await;
        assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"), "{path}");
    }
    let (status, _, headers) = page(&app, "/console/classes", Some("rollcall_console=not-a-token")).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"));
    let htmx = app.client.get(app.url("/console/classes")).header("HX-Request", "true").send().await.unwrap();
    assert_eq!(htmx.headers()["hx-redirect"], "/console/login", "htmx follows HX-Redirect");

    let (status, body, headers) = page(&app, "/console/login", None).await;
    assert_eq!(status, 200);
    assert!(body.contains("管理后台") && body.contains(r#"name="password""#), "{body}");
    assert_eq!(headers[header::CACHE_CONTROL], "no-store");
}

#[tokio::test]
async fn a_wrong_password_shows_the_reason_in_chinese_and_sets_no_cookie() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let response = sign_in(&app, &staff.username, "not the password").await;
    assert_eq!(response.status(), 401);
    assert!(response.headers().get(header::SET_COOKIE).is_none());
    let body = response.text().await.unwrap();
    assert!(body.contains("用户名或密码错误"), "{body}");
    assert!(body.contains(&format!(r#"value="{}""#, staff.username)), "the username stays in the form");
}

#[tokio::test]
async fn the_session_cookie_is_http_only_strict_and_limited_to_the_console() {
    let app = spawn_app().await;
    let (admin, _) = app.admin().await;
    let response = sign_in(&app, &admin.username, &admin.password).await;
    let set = response.headers()[header::SET_COOKIE].to_str().unwrap().to_owned();
    for part in ["HttpOnly", "SameSite=Strict", "Path=/console", "Max-Age="] {
        assert!(set.contains(part), "{part} in {set}");
    }
    assert!(!set.contains("Secure"), "http in tests: no Secure flag, else the browser would drop it");
    let cross_site = app
        .client
        .post(app.url("/console/login"))
        .header("Sec-Fetch-Site", "cross-site")
        .form(&[("username", admin.username.as_str()), ("password", admin.password.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(cross_site.status(), 403, "a sign-in posted from another site is refused");
}

#[tokio::test]
async fn staff_see_only_their_classes_and_names_are_shown_escaped() {
    let app = spawn_app().await;
    let (_, admin_token) = app.admin().await;
    let admin = app.create_account(Role::Admin).await;
    let mine = create_class(&app, &admin_token, "QN-01", "<script>alert(1)</script>中青班", "open").await;
    create_class(&app, &admin_token, "ZT-02", "乡村振兴专题班", "draft").await;
    let staff = app.create_account(Role::Staff).await;
    let assign = json!({"staff_id": staff.id, "role": "head_teacher"});
    assert_eq!(
        app.post_json(&format!("/api/v1/classes/{mine}/staff"), Some(&admin_token), &assign).await.status(),
        200
    );

    let staff_cookie = session_cookie(&app, &staff).await;
    let (status, body, _) = page(&app, "/console/classes", Some(&staff_cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("QN-01") && !body.contains("ZT-02"), "only the assigned class: {body}");
    assert!(body.contains("&#60;script&#62;alert(1)&#60;/script&#62;中青班"), "escaped: {body}");
    assert!(!body.contains("<script>alert(1)"), "never raw");
    assert!(body.contains("班级工作人员") && body.contains("进行中"));

    let admin_cookie = session_cookie(&app, &admin).await;
    let (_, body, _) = page(&app, "/console/classes", Some(&admin_cookie)).await;
    assert!(body.contains("QN-01") && body.contains("ZT-02") && body.contains("共 2 个班级"), "{body}");
    let (_, body, _) = page(&app, "/console/classes?q=%E4%B9%A1%E6%9D%91", Some(&admin_cookie)).await;
    assert!(body.contains("ZT-02") && !body.contains("QN-01"), "search by name (乡村)");
    let (_, body, _) = page(&app, "/console/classes?status=open", Some(&admin_cookie)).await;
    assert!(body.contains("QN-01") && !body.contains("ZT-02"), "filter by status");
    let (_, body, _) = page(&app, "/console/classes?q=nothing-like-this", Some(&admin_cookie)).await;
    assert!(body.contains("没有符合条件的培训班"), "an empty state that says why");
    let topic = json!({"code": "ZT-03", "name": "数字政府专题班", "kind": "topic", "start_date": "2026-11-23",
        "end_date": "2026-11-27", "status": "open"});
    assert_eq!(app.post_json("/api/v1/classes", Some(&admin_token), &topic).await.status(), 201);
    let (_, body, _) = page(&app, "/console/classes?kind=topic", Some(&admin_cookie)).await;
    assert!(
        body.contains("ZT-03") && !body.contains("QN-01") && body.contains("共 1 个班级"),
        "filter by kind: {body}"
    );
}

#[tokio::test]
async fn a_trainee_token_in_the_cookie_gets_nothing() {
    let app = spawn_app().await;
    let fixture = app.checkin_fixture(1, None).await;
    let trainee = app.trainee_token(&fixture.trainees[0].1, &format!("{}0000", fixture.phone_prefix)).await;
    let cookie = format!("rollcall_console={trainee}");
    let (status, body, headers) = page(&app, "/console/classes", Some(&cookie)).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"), "{body}");
}

#[tokio::test]
async fn signing_out_needs_the_pages_csrf_token_and_ends_the_session() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let cookie = session_cookie(&app, &staff).await;
    let (_, body, _) = page(&app, "/console/classes", Some(&cookie)).await;
    let csrf = body.split(r#"name="csrf" value=""#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned();
    assert_eq!(csrf.len(), 32);
    // The attribute holds JSON; the quotes are escaped as entities, which the browser turns back into quotes.
    let header_json = format!(r#"hx-headers='{{&#34;X-CSRF-Token&#34;:&#34;{csrf}&#34;}}'"#);
    assert!(body.contains(&header_json), "htmx sends it too: {body}");

    let logout = |token: Option<&str>| {
        let mut form = vec![];
        if let Some(t) = token {
            form.push(("csrf", t.to_owned()));
        }
        app.client.post(app.url("/console/logout")).header(header::COOKIE, &cookie).form(&form).send()
    };
    let refused = logout(None).await.unwrap();
    assert_eq!(refused.status(), 403, "no token");
    let refused = logout(Some("0123456789abcdef0123456789abcdef")).await.unwrap();
    assert_eq!(refused.status(), 403, "someone else's token");
    assert_eq!(page(&app, "/console/classes", Some(&cookie)).await.0, 200, "still signed in");

    let by_header = app
        .client
        .post(app.url("/console/logout"))
        .header(header::COOKIE, &cookie)
        .header("X-CSRF-Token", &csrf)
        .form(&[("x", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(by_header.status(), 303);
    assert_eq!(by_header.headers()[header::LOCATION], "/console/login?bye=1");
    assert!(by_header.headers()[header::SET_COOKIE].to_str().unwrap().contains("Max-Age=0"), "cookie removed");
    let (status, _, headers) = page(&app, "/console/classes", Some(&cookie)).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"), "token revoked");
    let (_, body, _) = page(&app, "/console/login?bye=1", None).await;
    assert!(body.contains("您已退出登录"));
}

/// The CSRF token a console page carries for its forms.
pub(crate) fn csrf_of(body: &str) -> String {
    body.split(r#"name="csrf" value=""#).nth(1).and_then(|r| r.split('"').next()).unwrap().to_owned()
}

pub(crate) async fn post_form(app: &TestApp, path: &str, cookie: &str, form: &[(&str, &str)]) -> (u16, String, String) {
    let response = app.client.post(app.url(path)).header(header::COOKIE, cookie).form(form).send().await.unwrap();
    let status = response.status().as_u16();
    let location = response.headers().get(header::LOCATION).map(|v| v.to_str().unwrap().to_owned()).unwrap_or_default();
    (status, location, response.text().await.unwrap())
}

#[tokio::test]
async fn an_admin_creates_a_class_from_the_form_and_refusals_sit_next_to_their_field() {
    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let (status, body, _) = page(&app, "/console/classes/new", Some(&cookie)).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&body);
    let mut form = vec![
        ("csrf", csrf.as_str()),
        ("code", "a b"),
        ("name", "2026年中青年干部培训班"),
        ("kind", "commissioned"),
        ("start_date", "2026-11-23"),
        ("end_date", "2026-12-04"),
        ("organiser", "市委组织部"),
        ("venue", ""),
        ("status", "open"),
    ];
    let (status, _, body) = post_form(&app, "/console/classes", &cookie, &form).await;
    assert_eq!(status, 400);
    let code_field = body.split(r#"<input id="code""#).nth(1).unwrap().split("</div>").next().unwrap();
    assert!(code_field.contains(r#"aria-invalid="true""#) && code_field.contains("field-error"), "{code_field}");
    assert!(body.contains("2026年中青年干部培训班"), "what was typed stays");

    form[1] = ("code", "2026-QN-01");
    form[5] = ("end_date", "2026-11-01");
    let (status, _, body) = post_form(&app, "/console/classes", &cookie, &form).await;
    assert_eq!(status, 400);
    let end_field = body.split(r#"<input id="end_date""#).nth(1).unwrap().split("</div>").next().unwrap();
    assert!(end_field.contains("结束日期不能早于开始日期"), "{end_field}");

    form[5] = ("end_date", "2026-12-04");
    let (status, location, _) = post_form(&app, "/console/classes", &cookie, &form).await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/console/classes/") && location.ends_with("?saved=1"), "{location}");
    let (status, body, _) = page(&app, &location, Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("已保存") && body.contains("委托班") && body.contains("市委组织部"), "{body}");
    assert!(body.contains("还没有为本班分配班主任"), "empty staff list says so");

    let (status, _, body) = post_form(&app, "/console/classes", &cookie, &form).await;
    assert_eq!(status, 409);
    let code_field = body.split(r#"<input id="code""#).nth(1).unwrap().split("</div>").next().unwrap();
    assert!(code_field.contains("该培训班编号已被使用"), "{code_field}");

    let no_token: Vec<_> = form.iter().filter(|(k, _)| *k != "csrf").cloned().collect();
    assert_eq!(post_form(&app, "/console/classes", &cookie, &no_token).await.0, 403, "no CSRF token");
    let (_, list, _) = page(&app, "/console/classes", Some(&cookie)).await;
    assert!(list.contains("共 1 个班级"), "only the one class was created");
}

#[tokio::test]
async fn staff_cannot_create_or_edit_classes_nor_open_another_class() {
    let app = spawn_app().await;
    let (_, admin_token) = app.admin().await;
    let mine = create_class(&app, &admin_token, "QN-01", "中青班", "open").await;
    let other = create_class(&app, &admin_token, "ZT-02", "专题班", "open").await;
    let staff = app.create_account(Role::Staff).await;
    let assign = json!({"staff_id": staff.id, "role": "organiser"});
    assert_eq!(
        app.post_json(&format!("/api/v1/classes/{mine}/staff"), Some(&admin_token), &assign).await.status(),
        200
    );
    let cookie = session_cookie(&app, &staff).await;

    let (status, body, _) = page(&app, &format!("/console/classes/{mine}"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("组织员") && !body.contains("/edit"), "no edit link for staff: {body}");
    let (_, list, _) = page(&app, "/console/classes", Some(&cookie)).await;
    assert!(!list.contains("/console/classes/new"), "no create button for staff");
    let csrf = csrf_of(&list);

    assert_eq!(page(&app, &format!("/console/classes/{other}"), Some(&cookie)).await.0, 404);
    assert_eq!(page(&app, "/console/classes/not-a-uuid", Some(&cookie)).await.0, 404);
    assert_eq!(page(&app, "/console/classes/new", Some(&cookie)).await.0, 403);
    assert_eq!(page(&app, &format!("/console/classes/{mine}/edit"), Some(&cookie)).await.0, 403);
    let form = [
        ("csrf", csrf.as_str()),
        ("code", "X-1"),
        ("name", "x"),
        ("start_date", "2026-11-23"),
        ("end_date", "2026-11-24"),
    ];
    assert_eq!(post_form(&app, "/console/classes", &cookie, &form).await.0, 403);
    assert_eq!(post_form(&app, &format!("/console/classes/{mine}"), &cookie, &form).await.0, 403);
    let class: serde_json::Value =
        app.get(&format!("/api/v1/classes/{mine}"), Some(&admin_token)).await.json().await.unwrap();
    assert_eq!(class["name"], "中青班", "unchanged");
}

#[tokio::test]
async fn an_admin_edits_a_class_and_the_change_is_audited() {
    let app = spawn_app().await;
    let (_, admin_token) = app.admin().await;
    let id = create_class(&app, &admin_token, "QN-01", "中青班", "draft").await;
    let admin = app.create_account(Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let (status, body, _) = page(&app, &format!("/console/classes/{id}/edit"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains(r#"value="QN-01""#) && body.contains(r#"value="2026-11-23""#), "the form holds the class");
    let csrf = csrf_of(&body);
    let form = [
        ("csrf", csrf.as_str()),
        ("code", "QN-01"),
        ("name", "2026年秋季中青年干部培训班"),
        ("kind", "main"),
        ("start_date", "2026-11-23"),
        ("end_date", "2026-12-04"),
        ("organiser", ""),
        ("venue", "党校主楼 301"),
        ("status", "open"),
    ];
    let (status, location, _) = post_form(&app, &format!("/console/classes/{id}"), &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("/console/classes/{id}?saved=1").as_str()));
    let class: serde_json::Value =
        app.get(&format!("/api/v1/classes/{id}"), Some(&admin_token)).await.json().await.unwrap();
    assert_eq!(
        (class["name"].as_str(), class["venue"].as_str(), class["status"].as_str()),
        (Some("2026年秋季中青年干部培训班"), Some("党校主楼 301"), Some("open"))
    );
    let audit: serde_json::Value =
        app.get(&format!("/api/v1/audit?class_id={id}"), Some(&admin_token)).await.json().await.unwrap();
    let actions: Vec<&str> = audit["items"].as_array().unwrap().iter().filter_map(|e| e["action"].as_str()).collect();
    assert!(actions.contains(&"class.update"), "{actions:?}");
}

#[tokio::test]
async fn an_admin_assigns_and_removes_class_staff_on_the_class_page() {
    let app = spawn_app().await;
    let (_, admin_token) = app.admin().await;
    let id = create_class(&app, &admin_token, "QN-01", "中青班", "open").await;
    let head = app.create_account(Role::Staff).await;
    let admin = app.create_account(Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let (_, body, _) = page(&app, &format!("/console/classes/{id}"), Some(&cookie)).await;
    assert!(body.contains(&format!(r#"<option value="{}">"#, head.id)), "the account is offered: {body}");
    let csrf = csrf_of(&body);
    let path = format!("/console/classes/{id}/staff");
    let head_id = head.id.to_string();
    let form = [("csrf", csrf.as_str()), ("staff_id", head_id.as_str()), ("role", "head_teacher")];
    let (status, location, _) = post_form(&app, &path, &cookie, &form).await;
    assert_eq!((status, location.as_str()), (303, format!("/console/classes/{id}?saved=1").as_str()));
    let assigned: serde_json::Value =
        app.get(&format!("/api/v1/classes/{id}/staff"), Some(&admin_token)).await.json().await.unwrap();
    assert_eq!(assigned[0]["role"], "head_teacher");
    let (_, body, _) = page(&app, &format!("/console/classes/{id}"), Some(&cookie)).await;
    assert!(
        body.contains("班主任") && !body.contains(&format!(r#"<option value="{}">"#, head.id)),
        "listed, not offered"
    );

    let bad = [("csrf", csrf.as_str()), ("staff_id", ""), ("role", "head_teacher")];
    let (status, _, body) = post_form(&app, &path, &cookie, &bad).await;
    assert_eq!(status, 400);
    assert!(body.contains("请选择工作人员和角色"), "{body}");

    let head_cookie = session_cookie(&app, &head).await;
    let (_, mine, _) = page(&app, "/console/classes", Some(&head_cookie)).await;
    assert!(mine.contains("QN-01"), "the 班主任 now sees the class");
    let remove = format!("/console/classes/{id}/staff/{}/remove", head.id);
    let head_csrf = csrf_of(&mine);
    assert_eq!(post_form(&app, &remove, &head_cookie, &[("csrf", head_csrf.as_str())]).await.0, 403, "staff cannot");
    assert_eq!(post_form(&app, &remove, &cookie, &[("csrf", csrf.as_str())]).await.0, 303);
    let (_, mine, _) = page(&app, "/console/classes", Some(&head_cookie)).await;
    assert!(!mine.contains("QN-01"), "removed from the class");
}

#[tokio::test]
async fn changing_the_own_password_checks_the_current_one_and_signs_out_everywhere() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let cookie = session_cookie(&app, &staff).await;
    let (status, body, _) = page(&app, "/console/password", Some(&cookie)).await;
    assert_eq!(status, 200);
    let csrf = csrf_of(&body);
    let attempt = |current: &'static str, new: &'static str, repeat: &'static str| {
        let form = [
            ("csrf", csrf.clone()),
            ("current", current.to_owned()),
            ("new", new.to_owned()),
            ("repeat", repeat.to_owned()),
        ];
        app.client.post(app.url("/console/password")).header(header::COOKIE, &cookie).form(&form).send()
    };
    let wrong = attempt("not it", "a new long password", "a new long password").await.unwrap();
    assert_eq!(wrong.status(), 401);
    let body = wrong.text().await.unwrap();
    let current = body.split(r#"<input id="current""#).nth(1).unwrap().split("</div>").next().unwrap();
    assert!(current.contains("当前密码不正确"), "{current}");
    let mismatch = attempt("correct horse battery", "a new long password", "another one").await.unwrap();
    assert_eq!(mismatch.status(), 400);
    assert!(mismatch.text().await.unwrap().contains("两次输入的新密码不一致"));
    let short = attempt("correct horse battery", "short", "short").await.unwrap();
    assert_eq!(short.status(), 400);

    let done = attempt("correct horse battery", "a new long password", "a new long password").await.unwrap();
    assert_eq!(done.status(), 303);
    assert_eq!(done.headers()[header::LOCATION], "/console/login?changed=1");
    assert_eq!(page(&app, "/console/classes", Some(&cookie)).await.0, 303, "the session ended");
    assert_eq!(sign_in(&app, &staff.username, "correct horse battery").await.status(), 401);
    assert_eq!(sign_in(&app, &staff.username, "a new long password").await.status(), 303);
}

#[tokio::test]
async fn a_console_session_ends_after_30_idle_minutes_and_slides_while_used() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let cookie = session_cookie(&app, &staff).await;
    for _ in 0..3 {
        app.clock.advance(chrono::Duration::minutes(20));
        let (status, _, _) = page(&app, "/console/classes", Some(&cookie)).await;
        assert_eq!(status, 200, "used every 20 minutes, the session stays");
    }
    app.clock.advance(chrono::Duration::minutes(31));
    let (status, _, headers) = page(&app, "/console/classes", Some(&cookie)).await;
    assert_eq!((status, headers[header::LOCATION].to_str().unwrap()), (303, "/console/login"), "31 idle minutes");

    // However busy, a session lasts at most staff_token_ttl_hours (12) from sign-in.
    let cookie = session_cookie(&app, &staff).await;
    for _ in 0..(12 * 60 / 25) {
        app.clock.advance(chrono::Duration::minutes(25));
        let (status, _, _) = page(&app, "/console/classes", Some(&cookie)).await;
        assert_eq!(status, 200);
    }
    app.clock.advance(chrono::Duration::minutes(25));
    let (status, _, _) = page(&app, "/console/classes", Some(&cookie)).await;
    assert_eq!(status, 303, "past 12 hours");
}
