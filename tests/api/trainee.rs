//! Trainee identity: invite codes bind one phone; WeChat login through a fake jscode2session; trainees see only
//! themselves.

use reqwest::Method;
use serde_json::{Value, json};

use crate::fake_wechat::{APPID, FakeWechat, SECRET};
use crate::helpers::{ClockExt, SMALL_ROSTER, TestApp, error_body, spawn_app, spawn_app_with};

async fn class_with_roster(app: &TestApp) -> (String, String, Vec<(String, String)>) {
    let fixture = app.class_fixture().await;
    app.import_roster_csv(&fixture.admin_token, &fixture.id, SMALL_ROSTER).await;
    let codes = app.invite_codes(&fixture.admin_token, &fixture.id).await;
    (fixture.id, fixture.admin_token, codes)
}

async fn invite_login(app: &TestApp, code: &str, device: &str) -> reqwest::Response {
    let notice = &app.state.settings.privacy.notice_version;
    app.post_json(
        "/api/v1/auth/invite",
        None,
        &json!({"invite_code": code, "device_id": device, "notice_version": notice}),
    )
    .await
}

#[tokio::test]
async fn an_invite_code_binds_the_first_phone_and_refuses_a_second() {
    let app = spawn_app().await;
    let (_, _, codes) = class_with_roster(&app).await;
    let (name, code) = &codes[0];

    let first = invite_login(&app, &code.to_lowercase(), "phone-aaaa-1111").await;
    assert_eq!(first.status(), 200);
    let body: Value = first.json().await.unwrap();
    assert_eq!(&body["trainee"]["name"], name.as_str());
    let token = body["token"].as_str().unwrap();
    let me: Value = app.get("/api/v1/me", Some(token)).await.json().await.unwrap();
    assert_eq!(me["kind"], "trainee");
    assert_eq!(me["trainee"]["enrollments"][0]["class"]["code"], "T-01");

    assert_eq!(invite_login(&app, code, "phone-aaaa-1111").await.status(), 200, "same phone logs in again");
    let (status, err, _) = error_body(invite_login(&app, code, "phone-bbbb-2222").await).await;
    assert_eq!((status, err.as_str()), (409, "device_already_bound"));

    let (status, err, _) = error_body(invite_login(&app, "ABCDEFGHJK", "phone-cccc-3333").await).await;
    assert_eq!((status, err.as_str()), (401, "invite_code_invalid"));
    let (status, err, _) = error_body(invite_login(&app, code, "x").await).await;
    assert_eq!((status, err.as_str()), (400, "validation_failed"), "device id too short");
}

#[tokio::test]
async fn guessing_invite_codes_is_rate_limited_per_address() {
    let app = spawn_app().await;
    for i in 0..10 {
        let (status, _, _) = error_body(invite_login(&app, "ABCDEFGHJK", &format!("phone-guess-{i:04}")).await).await;
        assert_eq!(status, 401, "attempt {i}");
    }
    let response = invite_login(&app, "ABCDEFGHJK", "phone-guess-9999").await;
    assert_eq!(response.headers()["retry-after"], "6");
    assert_eq!(error_body(response).await.1, "rate_limited");
}

#[tokio::test]
async fn resetting_an_invite_unbinds_the_phone_and_ends_its_login_at_once() {
    let app = spawn_app().await;
    let (class_id, admin, codes) = class_with_roster(&app).await;
    let token = app.trainee_token(&codes[0].1, "phone-old-00001").await;
    // The phone is in use: its login now sits in the instance's login cache.
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200);
    let roster: Value =
        app.get(&format!("/api/v1/classes/{class_id}/roster"), Some(&admin)).await.json().await.unwrap();
    assert_eq!(roster["items"][0]["device_bound"], true);
    let enrollment = roster["items"][0]["enrollment_id"].as_str().unwrap();

    let reset = app
        .post_json(
            &format!("/api/v1/classes/{class_id}/roster/{enrollment}/invite/reset"),
            Some(&admin),
            &json!({"reason": "更换手机"}),
        )
        .await;
    assert_eq!(reset.status(), 200);
    let new_code = reset.json::<Value>().await.unwrap()["invite_code"].as_str().unwrap().to_owned();
    assert_ne!(new_code, codes[0].1);

    // Refused at once, well inside the cache's 5 seconds.
    assert_eq!(error_body(app.get("/api/v1/me", Some(&token)).await).await.1, "invalid_token");
    assert_eq!(error_body(invite_login(&app, &codes[0].1, "phone-old-00001").await).await.1, "invite_code_invalid");
    assert_eq!(invite_login(&app, &new_code, "phone-new-00002").await.status(), 200);
}

#[tokio::test]
async fn a_trainee_cannot_read_staff_data_or_another_trainee() {
    let app = spawn_app().await;
    let (class_id, _, codes) = class_with_roster(&app).await;
    let token = app.trainee_token(&codes[0].1, "phone-a-000001").await;
    let other = app.trainee_token(&codes[1].1, "phone-b-000002").await;

    let mine: Value = app.get("/api/v1/me", Some(&token)).await.json().await.unwrap();
    let theirs: Value = app.get("/api/v1/me", Some(&other)).await.json().await.unwrap();
    assert_ne!(mine["trainee"]["person_id"], theirs["trainee"]["person_id"]);
    assert_eq!(mine["trainee"]["name"], codes[0].0.as_str());

    let staff_routes = [
        (Method::GET, format!("/api/v1/classes/{class_id}/roster")),
        (Method::GET, format!("/api/v1/classes/{class_id}/invites")),
        (Method::GET, format!("/api/v1/classes/{class_id}")),
        (Method::GET, "/api/v1/classes".to_owned()),
        (Method::GET, format!("/api/v1/classes/{class_id}/roster.csv")),
        (Method::GET, "/api/v1/staff".to_owned()),
        (Method::GET, "/api/v1/audit".to_owned()),
    ];
    for (method, path) in staff_routes {
        let response = app.client.request(method.clone(), app.url(&path)).bearer_auth(&token).send().await.unwrap();
        let (status, code, _) = error_body(response).await;
        assert_eq!((status, code.as_str()), (403, "forbidden"), "{method} {path}");
    }
    let response = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "x", "new_password": "whatever-long"}),
        )
        .await;
    assert_eq!(error_body(response).await.1, "forbidden");
}

async fn wechat_app() -> (TestApp, FakeWechat) {
    let fake = FakeWechat::start();
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| {
        s.wechat.base_url = base;
        s.wechat.appid = APPID.into();
        s.wechat.secret = Some(SECRET.to_owned().into());
        s.wechat.timeout_ms = 500;
    })
    .await;
    (app, fake)
}

async fn wechat_login(app: &TestApp, code: &str) -> reqwest::Response {
    app.post_json("/api/v1/auth/wechat", None, &json!({"code": code})).await
}

#[tokio::test]
async fn a_new_wechat_user_binds_with_an_invite_code_then_logs_straight_in() {
    let (app, _fake) = wechat_app().await;
    let (_, _, codes) = class_with_roster(&app).await;

    let first: Value = wechat_login(&app, "ok:o-new-user").await.json().await.unwrap();
    assert_eq!(first["status"], "binding_required");
    let ticket = first["binding_ticket"].as_str().unwrap();
    assert!(first.get("token").is_none());
    // The answer carries the personal-information notice to show; binding without saying it was shown is refused.
    let version = &app.state.settings.privacy.notice_version;
    assert_eq!(&first["notice"]["version"], version.as_str());
    assert!(first["notice"]["paragraphs"].to_string().contains("病假条"), "{first}");
    let unread = json!({"binding_ticket": ticket, "invite_code": codes[1].1});
    let (status, code, _) = error_body(app.post_json("/api/v1/auth/bind", None, &unread).await).await;
    assert_eq!((status, code.as_str()), (400, "notice_not_acknowledged"));

    let bound =
        app.post_json("/api/v1/auth/bind", None, &json!({"binding_ticket": ticket, "invite_code": codes[1].1, "notice_version": app.state.settings.privacy.notice_version})).await;
    assert_eq!(bound.status(), 200);
    assert_eq!(bound.json::<Value>().await.unwrap()["trainee"]["name"], codes[1].0.as_str());

    let again: Value = wechat_login(&app, "ok:o-new-user").await.json().await.unwrap();
    assert_eq!(again["status"], "ok");
    assert_eq!(again["trainee"]["name"], codes[1].0.as_str());
    let me: Value = app.get("/api/v1/me", again["token"].as_str()).await.json().await.unwrap();
    assert_eq!(me["kind"], "trainee");

    // Another WeChat account cannot take the same enrolment, nor this account a second one in the class.
    let stranger: Value = wechat_login(&app, "ok:o-stranger").await.json().await.unwrap();
    let response = app
        .post_json(
            "/api/v1/auth/bind",
            None,
            &json!({"binding_ticket": stranger["binding_ticket"], "invite_code": codes[1].1, "notice_version": app.state.settings.privacy.notice_version}),
        )
        .await;
    assert_eq!(error_body(response).await.1, "wechat_already_bound");
    let (ticket2, _) =
        rollcall::trainee::ticket::issue(&app.state.master_secret, "o-new-user", app.clock.now_utc()).unwrap();
    let response =
        app.post_json("/api/v1/auth/bind", None, &json!({"binding_ticket": ticket2, "invite_code": codes[2].1, "notice_version": app.state.settings.privacy.notice_version})).await;
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (409, "wechat_already_bound"), "one WeChat account per class");
}

#[tokio::test]
async fn wechat_errors_map_to_clear_answers() {
    let (app, _fake) = wechat_app().await;
    let cases = [
        ("invalid", 400, "wechat_code_invalid"),
        ("limited", 429, "rate_limited"),
        ("busy", 503, "wechat_unavailable"),
        ("risky", 403, "wechat_user_blocked"),
        ("slow", 503, "wechat_unavailable"),
        ("", 400, "wechat_code_invalid"),
    ];
    for (js_code, status, code) in cases {
        let response = wechat_login(&app, js_code).await;
        let retry = response.headers().get("retry-after").is_some();
        let got = error_body(response).await;
        assert_eq!((got.0, got.1.as_str()), (status, code), "js_code {js_code:?}");
        if js_code == "limited" || js_code == "busy" {
            assert!(retry, "{js_code} says when to retry");
        }
    }
}

#[tokio::test]
async fn a_wrong_app_secret_is_a_503_not_a_trainee_error() {
    let fake = FakeWechat::start();
    let base = fake.base_url.clone();
    let app = spawn_app_with(move |s| {
        s.wechat.base_url = base;
        s.wechat.appid = APPID.into();
        s.wechat.secret = Some("not-the-secret".to_owned().into());
    })
    .await;
    let (status, code, _) = error_body(wechat_login(&app, "ok:o-1").await).await;
    assert_eq!((status, code.as_str()), (503, "wechat_unavailable"));
}

#[tokio::test]
async fn an_altered_or_expired_binding_ticket_is_refused() {
    let (app, _fake) = wechat_app().await;
    let (_, _, codes) = class_with_roster(&app).await;
    let first: Value = wechat_login(&app, "ok:o-late").await.json().await.unwrap();
    let ticket = first["binding_ticket"].as_str().unwrap().to_owned();
    let altered = format!("{}x", ticket);
    let (status, code, _) = error_body(
        app.post_json("/api/v1/auth/bind", None, &json!({"binding_ticket": altered, "invite_code": codes[0].1})).await,
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "binding_ticket_invalid"));
    app.clock.advance(chrono::Duration::minutes(11));
    let (_, code, _) = error_body(
        app.post_json("/api/v1/auth/bind", None, &json!({"binding_ticket": ticket, "invite_code": codes[0].1})).await,
    )
    .await;
    assert_eq!(code, "binding_ticket_invalid");
}

#[tokio::test]
async fn without_wechat_configured_the_mini_program_login_says_so() {
    let app = spawn_app().await;
    let (status, code, message) = error_body(wechat_login(&app, "ok:o-1").await).await;
    assert_eq!((status, code.as_str()), (403, "wechat_login_disabled"), "a lasting refusal, not an outage");
    assert!(message.contains("邀请码"), "{message}");
}
