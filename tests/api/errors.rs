//! Every error is JSON `{code, message}` with the right status.

use reqwest::Method;
use serde_json::json;

use crate::helpers::{error_body, spawn_app};

#[tokio::test]
async fn an_unknown_route_is_a_json_404() {
    let app = spawn_app().await;
    for path in ["/nothing-here", "/api/v1/nope", "/api/v1/staff/abc/def/ghi", "/api/v1/staff/", "//api/v1/staff"] {
        for method in [Method::GET, Method::DELETE] {
            let response = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
            let (status, code, _) = error_body(response).await;
            assert_eq!((status, code.as_str()), (404, "not_found"), "for {method} {path}");
        }
    }
}

#[tokio::test]
async fn a_wrong_method_on_a_known_route_is_a_json_405_with_allow() {
    let app = spawn_app().await;
    let cases = [
        (Method::POST, "/api/v1/health", "GET"),
        (Method::GET, "/api/v1/auth/login", "POST"),
        (Method::DELETE, "/api/v1/staff", "GET, POST"),
        (Method::PATCH, "/api/v1/staff/0190f0a1-0000-7000-8000-000000000000/password", "PUT"),
        // A literal segment beats a parameter: these paths also fit `/roster/{enrollment_id}` (DELETE) and
        // `/attendance/{enrollment_id}` (PUT), whose handlers must not see them.
        (Method::DELETE, "/api/v1/classes/0190f0a1-0000-7000-8000-000000000000/roster/import", "POST"),
        (Method::PUT, "/api/v1/sessions/0190f0a1-0000-7000-8000-000000000000/attendance/summary", "GET"),
    ];
    for (method, path, allow) in cases {
        let response = app.client.request(method.clone(), app.url(path)).send().await.unwrap();
        let allow_header = response.headers().get("allow").map(|v| v.to_str().unwrap().to_owned());
        let (status, code, _) = error_body(response).await;
        assert_eq!((status, code.as_str()), (405, "method_not_allowed"), "{method} {path}");
        let mut got: Vec<String> = allow_header.unwrap().split(", ").map(str::to_owned).collect();
        got.sort();
        let mut want: Vec<String> = allow.split(", ").map(str::to_owned).collect();
        want.sort();
        assert_eq!(got, want, "Allow for {path}");
    }
}

#[tokio::test]
async fn a_wrong_method_is_a_405_before_authentication_and_path_parsing() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let response = app
        .client
        .delete(app.url("/api/v1/classes/0190f0a1-0000-7000-8000-000000000000/roster/import"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (405, "method_not_allowed"), "not 400 invalid_path from the withdraw handler");
}

#[tokio::test]
async fn malformed_bodies_get_a_400_that_names_the_problem() {
    let app = spawn_app().await;
    let cases: [(&str, &str, &str); 5] = [
        ("{not json", "invalid_json", "not JSON at all"),
        ("", "invalid_json", "empty body"),
        (r#"{"username": "a"}"#, "invalid_json", "missing field"),
        (r#"{"username": 1, "password": "x"}"#, "invalid_json", "wrong type"),
        (r#"{"username": "a", "password": "b", "extra": 1}"#, "invalid_json", "unknown field"),
    ];
    for (body, want, why) in cases {
        let response = app
            .client
            .post(app.url("/api/v1/auth/login"))
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .unwrap();
        let (status, code, message) = error_body(response).await;
        assert_eq!((status, code.as_str()), (400, want), "{why}: {message}");
    }
}

#[tokio::test]
async fn a_missing_field_is_named_in_the_message() {
    let app = spawn_app().await;
    let response = app.post_json("/api/v1/auth/login", None, &json!({"username": "a"})).await;
    let (_, _, message) = error_body(response).await;
    assert!(message.contains("password"), "{message}");
}

#[tokio::test]
async fn an_oversized_body_is_a_413() {
    let app = spawn_app().await;
    let huge = "x".repeat(70 * 1024);
    let response = app.post_json("/api/v1/auth/login", None, &json!({"username": huge, "password": "p"})).await;
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (413, "payload_too_large"));
}

#[tokio::test]
async fn a_body_that_is_not_json_is_a_415() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(app.url("/api/v1/auth/login"))
        .header("content-type", "text/plain")
        .body("username=a&password=b")
        .send()
        .await
        .unwrap();
    let (status, code, _) = error_body(response).await;
    assert_eq!((status, code.as_str()), (415, "unsupported_media_type"));
}

#[tokio::test]
async fn bad_query_and_path_parameters_are_400s() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    let cases = [
        ("/api/v1/staff?page=first", "invalid_query"),
        ("/api/v1/staff?colour=blue", "invalid_query"),
        ("/api/v1/staff/not-a-uuid", "invalid_path"),
        ("/api/v1/staff?page=0", "invalid_query"),
        ("/api/v1/staff?page=1000001", "invalid_query"),
        ("/api/v1/staff?page=9223372036854775808", "invalid_query"),
        ("/api/v1/staff?per_page=0", "invalid_query"),
        ("/api/v1/staff?per_page=201", "invalid_query"),
        ("/api/v1/classes?per_page=201", "invalid_query"),
    ];
    for (path, want) in cases {
        let (status, code, _) = error_body(app.get(path, Some(&token)).await).await;
        assert_eq!((status, code.as_str()), (400, want), "{path}");
    }
}

#[tokio::test]
async fn the_last_page_allowed_is_an_empty_page_not_a_crash() {
    let app = spawn_app().await;
    let (_, token) = app.admin().await;
    for path in ["/api/v1/staff?page=1000000&per_page=200", "/api/v1/audit?page=1000000&per_page=200"] {
        let response = app.get(path, Some(&token)).await;
        assert_eq!(response.status().as_u16(), 200, "{path}");
        let page: serde_json::Value = response.json().await.unwrap();
        assert_eq!(page["items"], json!([]), "{path}");
    }
}

#[test]
fn error_codes_are_stable_snake_case_strings() {
    use rollcall::error::ErrorCode;
    for code in ErrorCode::ALL {
        let serialized = serde_json::to_value(code).unwrap();
        assert_eq!(serialized, json!(code.as_str()), "serde and as_str agree for {code:?}");
        assert!(code.as_str().chars().all(|c| c.is_ascii_lowercase() || c == '_'));
        assert!(!code.default_message().is_empty());
    }
    let mut names: Vec<_> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
    names.sort();
    names.dedup();
    assert_eq!(names.len(), ErrorCode::ALL.len(), "codes are unique");
}

/// A wrong value names its field, and for a choice the values it takes (issue 15, item 17); typed text is not echoed.
#[tokio::test]
async fn a_wrong_value_names_its_field_and_the_values_it_takes() {
    let app = spawn_app().await;
    let (_, admin) = app.admin().await;
    let class = json!({"code": "E-17", "name": "字段测试班", "kind": "main<script>", "start_date": "2026-11-23",
        "end_date": "2026-12-04"});
    let response = app.post_json("/api/v1/classes", Some(&admin), &class).await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["details"],
        json!({"field": "kind", "allowed": ["main", "topic", "commissioned", "online"]}),
        "the field and its values, for a client to mark the input: {body}"
    );
    let (status, code, message) = error_body(app.post_json("/api/v1/classes", Some(&admin), &class).await).await;
    assert_eq!((status, code.as_str()), (400, "invalid_json"));
    assert_eq!(message, "字段 kind 应为 main、topic、commissioned、online 之一");
    let class = json!({"code": "E-17", "name": "字段测试班", "kind": "main", "start_date": "2026-11-23",
        "end_date": "2026-12-04"});
    let id =
        app.post_json("/api/v1/classes", Some(&admin), &class).await.json::<serde_json::Value>().await.unwrap()["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let session = json!({"title": "讲座", "kind": "lecture", "starts_at": "2026-11-27T01:00:00Z",
        "ends_at": "2026-11-27T03:00:00Z", "credit_hours": "两个"});
    let response = app.post_json(&format!("/api/v1/classes/{id}/sessions"), Some(&admin), &session).await;
    let (status, code, message) = error_body(response).await;
    assert_eq!((status, code.as_str()), (400, "invalid_json"));
    assert_eq!(message, "字段 credit_hours 的类型或取值不正确，应为数字");
    assert!(!message.contains("两个"), "typed text is not echoed");
    let response = app.post_json(&format!("/api/v1/classes/{id}/sessions"), Some(&admin), &session).await;
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["details"], json!({"field": "credit_hours"}), "{body}");
    // A validation error about one input names it too.
    let backwards = json!({"code": "E-18", "name": "日期倒置班", "kind": "main", "start_date": "2026-12-04",
        "end_date": "2026-11-23"});
    let body: serde_json::Value =
        app.post_json("/api/v1/classes", Some(&admin), &backwards).await.json().await.unwrap();
    assert_eq!(
        (body["code"].as_str(), body["details"]["field"].as_str()),
        (Some("validation_failed"), Some("end_date")),
        "{body}"
    );
}
