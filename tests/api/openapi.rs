//! The committed OpenAPI document matches the code, and documents errors.

use serde_json::Value;

const COMMITTED: &str = "api-docs/openapi.json";

#[test]
fn the_committed_openapi_document_matches_the_code() {
    let generated = rollcall::http::openapi::document_json().unwrap();
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(COMMITTED);
    if std::env::var("UPDATE_API_DOCS").is_ok_and(|v| v == "1") {
        std::fs::write(&path, &generated).unwrap();
        return;
    }
    let committed = std::fs::read_to_string(&path).unwrap_or_default();
    assert!(
        committed == generated,
        "{COMMITTED} is out of date with the code. Regenerate it with:\n    \
         cargo run -- openapi > {COMMITTED}\nor: UPDATE_API_DOCS=1 cargo test --test api openapi"
    );
}

#[test]
fn every_operation_outside_health_documents_its_errors_with_the_error_body() {
    let doc: Value = serde_json::from_str(&rollcall::http::openapi::document_json().unwrap()).unwrap();
    let paths = doc["paths"].as_object().unwrap();
    assert!(paths.len() >= 10, "routes are collected: {:?}", paths.keys());
    for (path, item) in paths {
        for (method, op) in item.as_object().unwrap() {
            if path.ends_with("/health") || path.ends_with("/ready") {
                continue;
            }
            let responses = op["responses"].as_object().unwrap();
            let errors: Vec<_> = responses.iter().filter(|(status, _)| status.starts_with('4')).collect();
            assert!(!errors.is_empty(), "{method} {path} lists no 4xx responses");
            for (status, response) in errors {
                // The error body, or a schema that extends it (code and message first, then more).
                let schema = response["content"]["application/json"]["schema"]["$ref"].as_str().unwrap_or("");
                let name = schema.trim_start_matches("#/components/schemas/");
                let required = &doc["components"]["schemas"][name]["required"];
                let has = |field: &str| required.as_array().is_some_and(|r| r.iter().any(|f| f == field));
                assert!(
                    name == "ErrorBody" || (has("code") && has("message")),
                    "{method} {path} {status}: {schema} is not an error body"
                );
                assert!(
                    response["description"].as_str().unwrap().contains('`'),
                    "{method} {path} {status} names its codes"
                );
            }
        }
    }
    let codes = doc["components"]["schemas"]["ErrorCode"]["enum"].as_array().unwrap();
    assert_eq!(codes.len(), rollcall::error::ErrorCode::ALL.len(), "every error code is listed");
}

/// The answers the server gives from an operation's shape (extractors, bearer check, database) are documented on
/// every operation of that shape, so a client (or schemathesis) never meets an undocumented status.
#[test]
fn every_operation_documents_the_answers_its_shape_can_give() {
    let doc: Value = serde_json::from_str(&rollcall::http::openapi::document_json().unwrap()).unwrap();
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            if op["tags"].as_array().is_some_and(|t| t.iter().any(|t| t == "health")) {
                continue;
            }
            let params = op["parameters"].as_array().cloned().unwrap_or_default();
            let has_param = |place: &str| params.iter().any(|p| p["in"] == place);
            let body = op["requestBody"]["content"].as_object().cloned().unwrap_or_default();
            let secured = op["security"].as_array().is_some_and(|s| !s.is_empty());
            let mut want = vec![("500", "internal_error"), ("503", "service_unavailable")];
            if secured {
                want.extend([("401", "auth_required"), ("401", "invalid_token")]);
            }
            if has_param("path") {
                want.extend([("400", "invalid_path"), ("404", "not_found")]);
            }
            if has_param("query") {
                want.push(("400", "invalid_query"));
            }
            if body.contains_key("application/json") {
                want.extend([("400", "invalid_json"), ("413", "payload_too_large"), ("415", "unsupported_media_type")]);
            }
            if body.contains_key("multipart/form-data") {
                want.extend([("400", "file_unreadable"), ("413", "payload_too_large")]);
            }
            for (status, code) in want {
                let description = op["responses"][status]["description"].as_str().unwrap_or("");
                assert!(description.contains(&format!("`{code}`")), "{method} {path} {status} lists `{code}`");
            }
            if let Some(limited) = op["responses"].get("429") {
                assert!(limited["headers"].get("Retry-After").is_some(), "{method} {path} 429 has Retry-After");
            }
        }
    }
}

/// The page limits the server enforces are the ones the document states.
#[test]
fn every_page_parameter_states_its_limits() {
    use rollcall::pagination::{MAX_PAGE, MAX_PER_PAGE};
    let doc: Value = serde_json::from_str(&rollcall::http::openapi::document_json().unwrap()).unwrap();
    let mut seen = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for p in op["parameters"].as_array().into_iter().flatten() {
                let max = match p["name"].as_str() {
                    Some("page") => MAX_PAGE,
                    Some("per_page") => MAX_PER_PAGE,
                    _ => continue,
                };
                seen += 1;
                let schema = &p["schema"];
                assert_eq!(schema["minimum"], 1, "{method} {path} {}", p["name"]);
                assert_eq!(schema["maximum"], max, "{method} {path} {}", p["name"]);
            }
        }
    }
    assert!(seen >= 14, "page parameters found: {seen}");
}
