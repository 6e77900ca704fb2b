//! The only place that turns an error code into an HTTP status and writes the JSON error body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{AppError, ErrorCode, ErrorDetails};

/// Every error answer: `{"code": "...", "message": "..."}`, and `details` when the error is about one field.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "invalid_credentials", "message": "用户名或密码错误"}))]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Chinese text for the person using the app.
    pub message: String,
    /// Which field the error is about and, for a choice, the values it accepts (for a client to mark the input).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<ErrorDetails>,
}

pub fn status_of(code: ErrorCode) -> StatusCode {
    match code {
        ErrorCode::NotFound => StatusCode::NOT_FOUND,
        ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
        ErrorCode::InvalidJson | ErrorCode::InvalidQuery | ErrorCode::InvalidPath | ErrorCode::ValidationFailed => {
            StatusCode::BAD_REQUEST
        }
        ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
        ErrorCode::AuthRequired | ErrorCode::InvalidToken | ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
        ErrorCode::AccountDisabled | ErrorCode::Forbidden => StatusCode::FORBIDDEN,
        ErrorCode::UsernameTaken => StatusCode::CONFLICT,
        ErrorCode::RateLimited => StatusCode::TOO_MANY_REQUESTS,
        ErrorCode::ServiceUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::InternalError => StatusCode::INTERNAL_SERVER_ERROR,
        ErrorCode::ClassCodeTaken
        | ErrorCode::AlreadyEnrolled
        | ErrorCode::DeviceAlreadyBound
        | ErrorCode::WechatAlreadyBound
        | ErrorCode::SessionLocked
        | ErrorCode::SessionNotOpen
        | ErrorCode::SessionClosed
        | ErrorCode::DeviceShared
        | ErrorCode::NotCheckedIn => StatusCode::CONFLICT,
        ErrorCode::QrTokenInvalid | ErrorCode::QrTokenExpired | ErrorCode::LocationRequired => StatusCode::BAD_REQUEST,
        ErrorCode::NotEnrolled | ErrorCode::OutsideGeofence | ErrorCode::DeviceMismatch => StatusCode::FORBIDDEN,
        ErrorCode::ReasonRequired
        | ErrorCode::FileUnreadable
        | ErrorCode::BindingTicketInvalid
        | ErrorCode::WechatCodeInvalid => StatusCode::BAD_REQUEST,
        ErrorCode::ImportRejected => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::InviteCodeInvalid => StatusCode::UNAUTHORIZED,
        // Not configured is this deployment's lasting choice, not an outage: a 5xx would invite retries and alerts.
        ErrorCode::WechatUserBlocked | ErrorCode::WechatLoginDisabled => StatusCode::FORBIDDEN,
        ErrorCode::WechatUnavailable => StatusCode::SERVICE_UNAVAILABLE,
        ErrorCode::LeaveOverlap => StatusCode::CONFLICT,
        ErrorCode::LeaveOutOfRange => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::LeaveNoSessions => StatusCode::UNPROCESSABLE_ENTITY,
        ErrorCode::LeaveNotPending => StatusCode::CONFLICT,
        ErrorCode::NotYourStep => StatusCode::FORBIDDEN,
        ErrorCode::AttachmentInvalid => StatusCode::UNSUPPORTED_MEDIA_TYPE,
        ErrorCode::AlreadyAnnulled => StatusCode::CONFLICT,
        ErrorCode::NothingToUndo => StatusCode::CONFLICT,
        ErrorCode::LeaveAlreadyAttended => StatusCode::CONFLICT,
        ErrorCode::CertificateIssued => StatusCode::CONFLICT,
        ErrorCode::OnLeave => StatusCode::CONFLICT,
        ErrorCode::ClassNotFinished => StatusCode::CONFLICT,
        ErrorCode::NotEligible => StatusCode::CONFLICT,
        ErrorCode::CertificateRevoked => StatusCode::GONE,
        ErrorCode::AlreadyRevoked | ErrorCode::AlreadyAnswered | ErrorCode::EvaluationClosed => StatusCode::CONFLICT,
        ErrorCode::NoticeNotAcknowledged => StatusCode::BAD_REQUEST,
        ErrorCode::NoticeOutdated | ErrorCode::PersonInOpenClass | ErrorCode::AlreadyErased => StatusCode::CONFLICT,
    }
}

impl ResponseError for AppError {
    fn status_code(&self) -> StatusCode {
        status_of(self.code)
    }

    fn error_response(&self) -> HttpResponse {
        let status = self.status_code();
        if status.is_server_error() {
            tracing::error!(code = %self.code, error = ?self, "request failed");
        } else {
            tracing::debug!(code = %self.code, error = ?self, "request refused");
        }
        let mut response = HttpResponse::build(status);
        if let Some(wait) = self.retry_after {
            // Round up: "retry after 0 seconds" would invite an immediate retry that fails again.
            let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            response.insert_header((header::RETRY_AFTER, secs.max(1).to_string()));
        }
        if status == StatusCode::UNAUTHORIZED {
            response.insert_header((header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer")));
        }
        let mut response =
            response.json(ErrorBody { code: self.code, message: self.message.to_string(), details: self.details() });
        super::headers::apply_to_error(response.headers_mut());
        response
    }
}

/// Malformed or oversized JSON bodies.
pub fn json_error(err: actix_web::error::JsonPayloadError, req: &HttpRequest) -> actix_web::Error {
    use actix_web::HttpMessage;
    use actix_web::error::JsonPayloadError as E;
    let app = match &err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => AppError::new(ErrorCode::PayloadTooLarge),
        E::ContentType => AppError::new(ErrorCode::UnsupportedMediaType),
        E::Deserialize(de) => {
            let body = req.extensions().get::<super::input::JsonBody>().map(|b| b.0.clone());
            let (message, details) = describe_json_error(de, body.as_deref());
            let error = AppError::with_message(ErrorCode::InvalidJson, message);
            match details {
                Some(d) => error.with_details(d),
                None => error,
            }
        }
        _ => AppError::new(ErrorCode::InvalidJson),
    };
    app.caused_by(anyhow::anyhow!("{err}")).into()
}

/// Says which field is wrong, and for a choice which values it takes, without echoing the input back: the message,
/// and the same in `details` for a client to mark the input.
fn describe_json_error(err: &serde_json::Error, body: Option<&[u8]>) -> (String, Option<ErrorDetails>) {
    use serde_json::error::Category;
    let on = |field: &str, allowed: Vec<String>| Some(ErrorDetails { field: Some(field.to_owned()), allowed });
    if matches!(err.classify(), Category::Syntax | Category::Eof) {
        return ("请求内容不是有效的 JSON".to_owned(), None);
    }
    let text = err.to_string();
    match text.split('`').nth(1) {
        Some(field) if text.starts_with("missing field") => {
            return (format!("缺少字段 {field}"), on(field, Vec::new()));
        }
        Some(field) if text.starts_with("unknown field") => {
            return (format!("不认识的字段 {field}"), on(field, Vec::new()));
        }
        _ => {}
    }
    let field = body.and_then(|b| field_at(b, err.line(), err.column()));
    let what = field.as_deref().map(|f| format!("字段 {f} ")).unwrap_or_default();
    let details = |allowed: Vec<String>| match field.as_deref() {
        Some(f) => on(f, allowed),
        None if allowed.is_empty() => None,
        None => Some(ErrorDetails { field: None, allowed }),
    };
    if text.starts_with("unknown variant") {
        // "unknown variant `x`, expected one of `a`, `b`" or "…, expected `a` or `b`": the values are the words
        // between backticks after "expected".
        let allowed: Vec<&str> = text
            .split_once("expected")
            .map(|(_, rest)| rest.split('`').skip(1).step_by(2).collect())
            .unwrap_or_default();
        if !allowed.is_empty() {
            let message = format!("{what}应为 {} 之一", allowed.join("、"));
            return (message, details(allowed.into_iter().map(str::to_owned).collect()));
        }
    }
    if text.starts_with("invalid type") || text.starts_with("invalid value") || text.starts_with("invalid length") {
        let expected = text.split_once("expected ").map(|(_, e)| e.split(" at line").next().unwrap_or(e).trim());
        let kind = match expected {
            Some(e) if e.contains("integer") || e.contains("number") || e.starts_with(['u', 'i', 'f']) => "数字",
            Some(e) if e.contains("string") || e.contains("UUID") || e.contains("uuid") => "文本",
            Some(e) if e.contains("boolean") => "true 或 false",
            Some(e) if e.contains("sequence") => "数组",
            Some(e) if e.contains("map") || e.contains("struct") => "对象",
            _ => "",
        };
        if !what.is_empty() {
            let message = if kind.is_empty() {
                format!("{what}的类型或取值不正确")
            } else {
                format!("{what}的类型或取值不正确，应为{kind}")
            };
            return (message, details(Vec::new()));
        }
    }
    match &field {
        Some(f) => (format!("字段 {f} 的类型或取值不正确"), details(Vec::new())),
        None => ("请求内容中有字段类型或取值不正确".to_owned(), None),
    }
}

/// The key whose value ends at `line`:`column` (where serde_json reports a wrong value): the nearest `"key":`
/// before it. Keys are at most 64 characters of ASCII letters, digits and `_`, so nothing typed is echoed.
fn field_at(body: &[u8], line: usize, column: usize) -> Option<String> {
    let text = std::str::from_utf8(body).ok()?;
    let offset: usize = text.split_inclusive('\n').take(line.saturating_sub(1)).map(str::len).sum::<usize>() + column;
    let before = text.get(..offset.min(text.len()))?;
    // Walk back to the ':' that starts this value, outside strings as far as we can tell.
    let colon = before.rfind(':')?;
    let key_end = before[..colon].trim_end().strip_suffix('"')?;
    let key_start = key_end.rfind('"')?;
    let key = &key_end[key_start + 1..];
    (!key.is_empty() && key.len() <= 64 && key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_'))
        .then(|| key.to_owned())
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::InvalidQuery).caused_by(anyhow::anyhow!("{err}")).into()
}

pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::InvalidPath).caused_by(anyhow::anyhow!("{err}")).into()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)] // read only by the deserializer
    struct Probe {
        kind: crate::class::ClassKind,
        #[serde(default)]
        window: Option<Window>,
    }

    #[derive(Debug, serde::Deserialize)]
    #[allow(dead_code)]
    struct Window {
        open_before_min: u32,
    }

    fn message(body: &str) -> String {
        described(body).0
    }

    fn described(body: &str) -> (String, Option<ErrorDetails>) {
        let err = serde_json::from_str::<Probe>(body).unwrap_err();
        describe_json_error(&err, Some(body.as_bytes()))
    }

    #[test]
    fn the_field_is_named_on_any_line_and_inside_an_object() {
        assert_eq!(message("{\n  \"kind\": \"x\"\n}"), "字段 kind 应为 main、topic、commissioned、online 之一");
        assert_eq!(
            message(r#"{"kind":"main","window":{"open_before_min":"十"}}"#),
            "字段 open_before_min 的类型或取值不正确，应为数字"
        );
        assert_eq!(message(r#"{"kind":"main""#), "请求内容不是有效的 JSON");
    }

    #[test]
    fn the_details_name_the_field_and_the_values_it_takes() {
        let allowed = ["main", "topic", "commissioned", "online"].map(str::to_owned).to_vec();
        assert_eq!(described(r#"{"kind":"x"}"#).1, Some(ErrorDetails { field: Some("kind".to_owned()), allowed }));
        let number = described(r#"{"kind":"main","window":{"open_before_min":"十"}}"#).1;
        assert_eq!(number, Some(ErrorDetails { field: Some("open_before_min".to_owned()), allowed: Vec::new() }));
        assert_eq!(described("{}").1.and_then(|d| d.field).as_deref(), Some("kind"), "a missing field is named");
        assert_eq!(described("[").1, None, "not JSON: no field to name");
    }

    proptest! {
        /// Whatever the body, finding the field never panics and never returns anything but a plain key.
        #[test]
        fn field_at_never_panics_and_names_only_plain_keys(body in ".{0,80}", line in 0usize..4, column in 0usize..90) {
            if let Some(key) = field_at(body.as_bytes(), line, column) {
                prop_assert!(key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') && key.len() <= 64);
            }
        }
    }
}
