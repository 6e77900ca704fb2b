//! The only place that turns an error code into an HTTP status and writes the JSON error body.

use actix_web::http::StatusCode;
use actix_web::http::header::{self, HeaderValue};
use actix_web::{HttpRequest, HttpResponse, ResponseError};
use serde::Serialize;

use crate::error::{AppError, ErrorCode};

/// Every error answer: `{"code": "...", "message": "..."}`.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
#[schema(example = json!({"code": "invalid_credentials", "message": "用户名或密码错误"}))]
pub struct ErrorBody {
    /// Stable machine-readable code.
    pub code: ErrorCode,
    /// Chinese text for the person using the app.
    pub message: String,
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
        ErrorCode::AlreadyRevoked => StatusCode::CONFLICT,
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
        let mut response = response.json(ErrorBody { code: self.code, message: self.message.to_string() });
        super::headers::apply_to_error(response.headers_mut());
        response
    }
}

/// Malformed or oversized JSON bodies.
pub fn json_error(err: actix_web::error::JsonPayloadError, _req: &HttpRequest) -> actix_web::Error {
    use actix_web::error::JsonPayloadError as E;
    let app = match &err {
        E::OverflowKnownLength { .. } | E::Overflow { .. } => AppError::new(ErrorCode::PayloadTooLarge),
        E::ContentType => AppError::new(ErrorCode::UnsupportedMediaType),
        E::Deserialize(de) => AppError::with_message(ErrorCode::InvalidJson, describe_json_error(de)),
        _ => AppError::new(ErrorCode::InvalidJson),
    };
    app.caused_by(anyhow::anyhow!("{err}")).into()
}

/// Says which field is wrong without echoing the input back.
fn describe_json_error(err: &serde_json::Error) -> String {
    use serde_json::error::Category;
    match err.classify() {
        Category::Syntax | Category::Eof => "请求内容不是有效的 JSON".to_owned(),
        _ => {
            let text = err.to_string();
            match text.split('`').nth(1) {
                Some(field) if text.starts_with("missing field") => format!("缺少字段 {field}"),
                Some(field) if text.starts_with("unknown field") => format!("不认识的字段 {field}"),
                _ => "请求内容中有字段类型或取值不正确".to_owned(),
            }
        }
    }
}

pub fn query_error(err: actix_web::error::QueryPayloadError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::InvalidQuery).caused_by(anyhow::anyhow!("{err}")).into()
}

pub fn path_error(err: actix_web::error::PathError, _req: &HttpRequest) -> actix_web::Error {
    AppError::new(ErrorCode::InvalidPath).caused_by(anyhow::anyhow!("{err}")).into()
}
