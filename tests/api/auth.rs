//! Staff login, logout, token lifetime and rate limits.

use chrono::Duration;
use reqwest::Method;
use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{error_body, spawn_app, spawn_app_with};

#[tokio::test]
async fn a_staff_member_logs_in_and_sees_themselves() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;

    let response = app.login(&account.username, &account.password).await;
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    let token = body["token"].as_str().unwrap();
    assert_eq!(body["user"]["username"], account.username.as_str());
    assert_eq!(body["user"]["role"], "staff");
    assert!(body["user"].get("password_hash").is_none());
    assert!(body["expires_at"].as_str().unwrap().starts_with("2026-11-26T12:30:00"), "12 h after the test clock");

    let me: Value = app.get("/api/v1/me", Some(token)).await.json().await.unwrap();
    assert_eq!(me["user"]["id"], account.id.to_string());
}

#[tokio::test]
async fn usernames_are_case_insensitive() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;
    let response = app.login(&account.username.to_uppercase(), &account.password).await;
    assert_eq!(response.status(), 200);
}

#[tokio::test]
async fn a_wrong_user_and_a_wrong_password_get_the_same_answer() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;

    let wrong_password = error_body(app.login(&account.username, "not the password").await).await;
    let wrong_user = error_body(app.login("nobody-here", &account.password).await).await;

    assert_eq!(wrong_password, wrong_user);
    assert_eq!((wrong_password.0, wrong_password.1.as_str()), (401, "invalid_credentials"));
}

#[tokio::test]
async fn requests_without_a_valid_token_are_401() {
    let app = spawn_app().await;
    let cases = [(None, "auth_required"), (Some("garbage"), "invalid_token")];
    for (token, want) in cases {
        let (status, code, _) = error_body(app.get("/api/v1/me", token).await).await;
        assert_eq!((status, code.as_str()), (401, want));
    }
    let response = app.client.get(app.url("/api/v1/me")).header("authorization", "Basic abc").send().await.unwrap();
    assert_eq!(error_body(response).await.1, "invalid_token");
}

#[tokio::test]
async fn logging_out_kills_that_token_only() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;
    let first = app.token_for(&account).await;
    let second = app.token_for(&account).await;

    let response = app.post_json("/api/v1/auth/logout", Some(&first), &json!({})).await;
    assert_eq!(response.status(), 204);

    assert_eq!(error_body(app.get("/api/v1/me", Some(&first)).await).await.1, "invalid_token");
    assert_eq!(app.get("/api/v1/me", Some(&second)).await.status(), 200);
}

#[tokio::test]
async fn a_token_expires_after_its_lifetime() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;
    let token = app.token_for(&account).await;

    app.clock.advance(Duration::hours(12) - Duration::seconds(1));
    assert_eq!(app.get("/api/v1/me", Some(&token)).await.status(), 200);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(error_body(app.get("/api/v1/me", Some(&token)).await).await.1, "invalid_token");
}

#[tokio::test]
async fn repeated_failures_on_one_account_are_rate_limited_with_retry_after() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;

    // Default quota: 5 attempts at once, then one per minute.
    for attempt in 1..=5 {
        let (status, _, _) = error_body(app.login(&account.username, "wrong password").await).await;
        assert_eq!(status, 401, "attempt {attempt}");
    }
    let response = app.login(&account.username, &account.password).await;
    let retry_after: u64 = response.headers()["retry-after"].to_str().unwrap().parse().unwrap();
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (429, "rate_limited"));
    assert_eq!(retry_after, 60);

    app.clock.advance(Duration::seconds(59));
    assert_eq!(app.login(&account.username, &account.password).await.status(), 429);
    app.clock.advance(Duration::seconds(1));
    assert_eq!(app.login(&account.username, &account.password).await.status(), 200);
}

#[tokio::test]
async fn many_accounts_from_one_address_are_rate_limited_per_address() {
    let app = spawn_app_with(|s| {
        s.rate_limits.login_per_address.burst = 3;
        s.rate_limits.login_per_address.replenish_ms = 10_000;
    })
    .await;
    for n in 0..3 {
        assert_eq!(app.login(&format!("guess-{n}"), "whatever-pass").await.status(), 401);
    }
    let response = app.login("guess-9", "whatever-pass").await;
    assert_eq!(response.headers()["retry-after"], "10");
    assert_eq!(error_body(response).await.1, "rate_limited");
}

#[tokio::test]
async fn changing_ones_own_password_kills_every_token() {
    let app = spawn_app().await;
    let account = app.create_account(Role::Staff).await;
    let token = app.token_for(&account).await;
    let other = app.token_for(&account).await;

    let wrong = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": "nope-nope", "new_password": "a new password"}),
        )
        .await;
    assert_eq!(error_body(wrong).await.1, "invalid_credentials");

    let short = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": account.password, "new_password": "short"}),
        )
        .await;
    assert_eq!(error_body(short).await.1, "validation_failed");

    let ok = app
        .send_json(
            Method::PUT,
            "/api/v1/me/password",
            Some(&token),
            &json!({"current_password": account.password, "new_password": "a new password"}),
        )
        .await;
    assert_eq!(ok.status(), 204);
    for t in [&token, &other] {
        assert_eq!(error_body(app.get("/api/v1/me", Some(t)).await).await.1, "invalid_token");
    }
    assert_eq!(app.login(&account.username, "a new password").await.status(), 200);
    assert_eq!(app.login(&account.username, &account.password).await.status(), 401);
}
