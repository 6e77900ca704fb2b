//! Administering staff accounts: admins only, audited, and disabling or resetting kills tokens.

use reqwest::Method;
use rollcall::auth::Role;
use serde_json::{Value, json};

use crate::helpers::{error_body, spawn_app};

#[tokio::test]
async fn an_admin_creates_a_staff_account_that_can_log_in() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;

    let body = json!({"username": "Wang.Li", "display_name": " 王丽 ", "password": "pass-for-wang", "role": "staff"});
    let response = app.post_json("/api/v1/staff", Some(&admin), &body).await;
    assert_eq!(response.status(), 201);
    let created: Value = response.json().await.unwrap();
    assert_eq!(created["username"], "wang.li");
    assert_eq!(created["display_name"], "王丽");
    assert_eq!(created["role"], "staff");

    assert_eq!(app.login("wang.li", "pass-for-wang").await.status(), 200);
}

#[tokio::test]
async fn a_taken_username_is_a_409() {
    let app = spawn_app().await;
    let (admin_account, admin) = app.admin().await;
    let body = json!({"username": admin_account.username, "display_name": "重名", "password": "whatever-123", "role": "staff"});
    let (status, code, _) = error_body(app.post_json("/api/v1/staff", Some(&admin), &body).await).await;
    assert_eq!((status, code.as_str()), (409, "username_taken"));
}

#[tokio::test]
async fn bad_account_details_are_refused_with_a_reason() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let cases = [
        (
            json!({"username": "ab", "display_name": "甲", "password": "long enough", "role": "staff"}),
            "too short a username",
        ),
        (
            json!({"username": "张三", "display_name": "甲", "password": "long enough", "role": "staff"}),
            "non-ASCII username",
        ),
        (json!({"username": "zhang", "display_name": "  ", "password": "long enough", "role": "staff"}), "blank name"),
        (json!({"username": "zhang", "display_name": "甲", "password": "short", "role": "staff"}), "short password"),
    ];
    for (body, why) in cases {
        let (status, code, _) = error_body(app.post_json("/api/v1/staff", Some(&admin), &body).await).await;
        assert_eq!((status, code.as_str()), (400, "validation_failed"), "{why}");
    }
    let bad_role = json!({"username": "zhang", "display_name": "甲", "password": "long enough", "role": "root"});
    let (status, code, _) = error_body(app.post_json("/api/v1/staff", Some(&admin), &bad_role).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_json"), "unknown role");
}

#[tokio::test]
async fn the_staff_list_is_paginated_and_says_its_total() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    for _ in 0..4 {
        app.create_account(Role::Staff).await;
    }
    let page: Value = app.get("/api/v1/staff?page=2&per_page=2", Some(&admin)).await.json().await.unwrap();
    assert_eq!(page["total"], 5);
    assert_eq!(page["page"], 2);
    assert_eq!(page["items"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn staff_are_forbidden_on_every_admin_route() {
    let app = spawn_app().await;
    let staff = app.create_account(Role::Staff).await;
    let token = app.token_for(&staff).await;
    let id = staff.id;
    let routes: Vec<(Method, String, Value)> = vec![
        (
            Method::POST,
            "/api/v1/staff".into(),
            json!({"username": "xx-yy", "display_name": "甲", "password": "long enough", "role": "admin"}),
        ),
        (Method::GET, "/api/v1/staff".into(), Value::Null),
        (Method::GET, format!("/api/v1/staff/{id}"), Value::Null),
        (Method::POST, format!("/api/v1/staff/{id}/disable"), json!({})),
        (Method::POST, format!("/api/v1/staff/{id}/enable"), json!({})),
        (Method::PUT, format!("/api/v1/staff/{id}/password"), json!({"new_password": "another password"})),
        (Method::GET, "/api/v1/audit".into(), Value::Null),
    ];
    for (method, path, body) in routes {
        let mut request = app.client.request(method.clone(), app.url(&path)).bearer_auth(&token);
        if !body.is_null() {
            request = request.json(&body);
        }
        let (status, code, _) = error_body(request.send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (403, "forbidden"), "{method} {path}");
    }
}

#[tokio::test]
async fn disabling_an_account_kills_its_tokens_and_blocks_login() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;
    let token = app.token_for(&staff).await;

    let response =
        app.post_json(&format!("/api/v1/staff/{}/disable", staff.id), Some(&admin), &json!({"reason": "调离"})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.json::<Value>().await.unwrap()["disabled"], true);

    assert_eq!(error_body(app.get("/api/v1/me", Some(&token)).await).await.1, "invalid_token");
    let (status, code, _) = error_body(app.login(&staff.username, &staff.password).await).await;
    assert_eq!((status, code.as_str()), (403, "account_disabled"));

    let response = app.post_json(&format!("/api/v1/staff/{}/enable", staff.id), Some(&admin), &json!({})).await;
    assert_eq!(response.status(), 200);
    assert_eq!(app.login(&staff.username, &staff.password).await.status(), 200);
}

#[tokio::test]
async fn an_admin_cannot_disable_themselves() {
    let app = spawn_app().await;
    let (account, admin) = app.admin().await;
    let response = app.post_json(&format!("/api/v1/staff/{}/disable", account.id), Some(&admin), &json!({})).await;
    assert_eq!(error_body(response).await.1, "forbidden");
}

#[tokio::test]
async fn a_password_reset_kills_every_token_of_the_account() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;
    let token = app.token_for(&staff).await;

    let response = app
        .send_json(
            Method::PUT,
            &format!("/api/v1/staff/{}/password", staff.id),
            Some(&admin),
            &json!({"new_password": "reset by admin"}),
        )
        .await;
    assert_eq!(response.status(), 204);
    assert_eq!(error_body(app.get("/api/v1/me", Some(&token)).await).await.1, "invalid_token");
    assert_eq!(app.login(&staff.username, "reset by admin").await.status(), 200);
}

#[tokio::test]
async fn an_unknown_account_is_a_404() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let missing = uuid::Uuid::now_v7();
    let (status, code, _) = error_body(app.get(&format!("/api/v1/staff/{missing}"), Some(&admin)).await).await;
    assert_eq!((status, code.as_str()), (404, "not_found"));
    let response = app.post_json(&format!("/api/v1/staff/{missing}/disable"), Some(&admin), &json!({})).await;
    assert_eq!(error_body(response).await.1, "not_found");
}

#[tokio::test]
async fn the_optional_reason_may_be_left_out_but_not_mistyped_or_too_long() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let staff = app.create_account(Role::Staff).await;
    let path = format!("/api/v1/staff/{}/disable", staff.id);
    let disable = app.url(&path);

    let refused = [
        (json!({"reson": "调离"}), 400, "invalid_json", "a mistyped field is not silently dropped"),
        (json!({"reason": 5}), 400, "invalid_json", "a reason is text"),
        (json!({"reason": "长".repeat(501)}), 400, "validation_failed", "at most 500 characters, like a required one"),
    ];
    for (body, status, code, why) in refused {
        let (got_status, got_code, _) = error_body(app.post_json(&path, Some(&admin), &body).await).await;
        assert_eq!((got_status, got_code.as_str()), (status, code), "{why}");
    }
    let response =
        app.client.post(&disable).bearer_auth(&admin).header("content-type", "text/plain").body("调离").send();
    let (status, code, _) = error_body(response.await.unwrap()).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"), "a body that is there must be JSON");

    let response = app.client.post(&disable).bearer_auth(&admin).send().await.unwrap();
    assert_eq!(response.status(), 200, "no body at all: no reason");
    let enable = app.url(&format!("/api/v1/staff/{}/enable", staff.id));
    let response = app.client.post(&enable).bearer_auth(&admin).json(&Value::Null).send().await.unwrap();
    assert_eq!(response.status(), 200, "a null body: no reason");
}
