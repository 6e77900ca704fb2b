//! 系统管理 in the console: staff accounts, the audit log viewer and its CSV, the outbox. Administrators only: hidden
//! from staff and refused on the server.

use reqwest::header;
use rollcall::auth::Role;

use crate::console::{csrf_of, page, post_form, session_cookie, sign_in};
use crate::helpers::spawn_app;

#[tokio::test]
async fn staff_neither_see_nor_reach_system_administration() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let cookie = session_cookie(&app, &staff).await;
    let (_, body, _) = page(&app, "/console/classes", Some(&cookie)).await;
    assert!(!body.contains("/console/admin"), "no menu item: {body}");
    let csrf = csrf_of(&body);
    for path in [
        "/console/admin",
        "/console/admin/staff",
        "/console/admin/audit",
        "/console/admin/audit.csv",
        "/console/admin/outbox",
        "/console/admin/people",
    ] {
        let (status, body, _) = page(&app, path, Some(&cookie)).await;
        assert_eq!(status, 403, "{path}");
        assert!(body.contains("系统管理只对管理员开放"), "{path}: {body}");
    }
    let (status, _, _) = post_form(
        &app,
        "/console/admin/staff",
        &cookie,
        &[("csrf", &csrf), ("username", "sneaky"), ("display_name", "某人"), ("password", "a-long-password")],
    )
    .await;
    assert_eq!(status, 403);
    let (status, _, _) =
        post_form(&app, &format!("/console/admin/staff/{}/disable", staff.id), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 403);
}

#[tokio::test]
async fn an_admin_creates_disables_enables_and_sets_the_password_of_an_account() {
    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let cookie = session_cookie(&app, &admin).await;
    let (status, body, _) = page(&app, "/console/admin/staff", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("工作人员账号") && body.contains(&admin.username) && body.contains("（本人）"), "{body}");
    let csrf = csrf_of(&body);

    let (status, _, body) = post_form(
        &app,
        "/console/admin/staff",
        &cookie,
        &[
            ("csrf", &csrf),
            ("username", "Bad Name"),
            ("display_name", "<b>王老师</b>"),
            ("password", "zhang-2026-pass"),
        ],
    )
    .await;
    assert_eq!(status, 400);
    assert!(
        body.contains("用户名须为 3 到 32 位") && body.contains(r#"value="&#60;b&#62;王老师&#60;/b&#62;""#),
        "{body}"
    );
    assert!(!body.contains("zhang-2026-pass"), "a typed password never comes back in the page");
    let (status, location, _) = post_form(
        &app,
        "/console/admin/staff",
        &cookie,
        &[
            ("csrf", &csrf),
            ("username", "wang.ls"),
            ("display_name", "王老师"),
            ("password", "zhang-2026-pass"),
            ("role", "staff"),
        ],
    )
    .await;
    assert_eq!((status, location.as_str()), (303, "/console/admin/staff?done=created"));
    assert_eq!(sign_in(&app, "wang.ls", "zhang-2026-pass").await.status(), 303, "the new account signs in");
    let (status, _, body) = post_form(
        &app,
        "/console/admin/staff",
        &cookie,
        &[("csrf", &csrf), ("username", "wang.ls"), ("display_name", "王老师二"), ("password", "zhang-2026-pass")],
    )
    .await;
    assert_eq!(status, 409, "{body}");

    let (_, body, _) = page(&app, "/console/admin/staff?q=wang", Some(&cookie)).await;
    assert!(body.contains("wang.ls") && !body.contains(&admin.username) && body.contains("共 1 个账号"), "{body}");
    let row = body.split("wang.ls").nth(1).unwrap();
    let id = row.split("/console/admin/staff/").nth(1).and_then(|r| r.split('/').next()).unwrap().to_owned();
    let (status, location, _) =
        post_form(&app, &format!("/console/admin/staff/{id}/disable"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!((status, location.as_str()), (303, "/console/admin/staff?done=disabled"));
    let refused = sign_in(&app, "wang.ls", "zhang-2026-pass").await;
    assert_eq!(refused.status(), 403);
    assert!(refused.text().await.unwrap().contains("该账号已停用"));
    let (status, _, _) =
        post_form(&app, &format!("/console/admin/staff/{id}/enable"), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 303);

    let (status, body, _) = page(&app, &format!("/console/admin/staff/{id}/password"), Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("为 王老师（wang.ls）设置新密码"), "{body}");
    let path = format!("/console/admin/staff/{id}/password");
    let (status, _, body) = post_form(&app, &path, &cookie, &[("csrf", &csrf), ("password", "short")]).await;
    assert_eq!(status, 400);
    assert!(body.contains("密码长度须为 8 到 128 位"), "{body}");
    let (status, _, _) = post_form(&app, &path, &cookie, &[("csrf", &csrf), ("password", "li-2026-new-pass")]).await;
    assert_eq!(status, 303);
    assert_eq!(sign_in(&app, "wang.ls", "zhang-2026-pass").await.status(), 401, "the old password stops working");
    assert_eq!(sign_in(&app, "wang.ls", "li-2026-new-pass").await.status(), 303);

    // An administrator cannot lock themselves out.
    let (status, _, body) =
        post_form(&app, &format!("/console/admin/staff/{}/disable", admin.id), &cookie, &[("csrf", &csrf)]).await;
    assert_eq!(status, 403);
    assert!(body.contains("不能停用自己的账号"), "{body}");
}

#[tokio::test]
async fn the_audit_log_is_filtered_by_class_actor_action_and_date_and_exported_as_csv() {
    let app = spawn_app().await;
    let admin = app.create_account(Role::Admin).await;
    let token = app.token_for(&admin).await;
    let class_a = app.create_class(&token, "AUD-A").await;
    app.create_class(&token, "AUD-B").await;
    app.import_roster_csv(&token, &class_a, "姓名,手机号,单位\n审计甲,13700000001,市委党校\n").await;
    let cookie = session_cookie(&app, &admin).await;

    let (status, body, _) = page(&app, "/console/admin/audit", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("创建培训班") && body.contains("导入名单"), "{body}");
    let (_, body, _) = page(&app, "/console/admin/audit?class=AUD-A&action=roster.import", Some(&cookie)).await;
    assert!(body.contains("导入名单") && !body.contains("<td>创建培训班</td>") && body.contains("共 1 条"), "{body}");
    let (_, body, _) = page(&app, "/console/admin/audit?class=NO-SUCH", Some(&cookie)).await;
    assert!(body.contains("没有编号为 NO-SUCH 的班级") && body.contains("没有符合条件的操作记录"), "{body}");
    let (_, body, _) = page(&app, "/console/admin/audit?actor=nobody-at-all", Some(&cookie)).await;
    assert!(body.contains("没有符合条件的操作记录"), "{body}");
    let (_, body, _) = page(&app, "/console/admin/audit?from=2026-11-27", Some(&cookie)).await;
    assert!(body.contains("没有符合条件的操作记录"), "the test clock is 2026-11-26: {body}");
    let (_, body, _) =
        page(&app, "/console/admin/audit?from=2026-11-26&to=2026-11-26&class=AUD-A", Some(&cookie)).await;
    assert!(body.contains("共 2 条"), "created and imported that day: {body}");

    let csv = app
        .client
        .get(app.url("/console/admin/audit.csv?class=AUD-A"))
        .header(header::COOKIE, &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(csv.status(), 200);
    assert!(csv.headers()[header::CONTENT_DISPOSITION].to_str().unwrap().contains(".csv"));
    let text = csv.text().await.unwrap();
    assert!(text.contains("时间,操作人") && text.contains("导入名单") && text.contains("创建培训班"), "{text}");
    assert!(!text.contains("AUD-B"), "only the filtered class: {text}");

    let (status, body, _) = page(&app, "/console/admin/outbox", Some(&cookie)).await;
    assert_eq!(status, 200);
    assert!(body.contains("微信通知"), "{body}");
}
