//! The one error type of rollcall. It carries a stable machine code, a Chinese message for the person using the
//! app, and (for the log only) the cause. It knows nothing about HTTP: `http::error` maps codes to statuses.

use std::borrow::Cow;
use std::fmt;
use std::time::Duration;

/// Stable, machine-readable error codes. Clients switch on these; never rename one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    NotFound,
    MethodNotAllowed,
    InvalidJson,
    InvalidQuery,
    InvalidPath,
    UnsupportedMediaType,
    PayloadTooLarge,
    ValidationFailed,
    AuthRequired,
    InvalidToken,
    InvalidCredentials,
    AccountDisabled,
    Forbidden,
    UsernameTaken,
    RateLimited,
    ServiceUnavailable,
    InternalError,
    ClassCodeTaken,
    AlreadyEnrolled,
    ReasonRequired,
    ImportRejected,
    FileUnreadable,
    InviteCodeInvalid,
    DeviceAlreadyBound,
    WechatAlreadyBound,
    BindingTicketInvalid,
    WechatCodeInvalid,
    WechatUserBlocked,
    WechatUnavailable,
    SessionLocked,
    QrTokenInvalid,
    QrTokenExpired,
    SessionNotOpen,
    SessionClosed,
    NotEnrolled,
    LocationRequired,
    OutsideGeofence,
    DeviceMismatch,
    DeviceShared,
    NotCheckedIn,
    LeaveOverlap,
    LeaveOutOfRange,
    LeaveNoSessions,
    LeaveNotPending,
    LeaveAlreadyAttended,
    NotYourStep,
    AttachmentInvalid,
    AlreadyAnnulled,
    NothingToUndo,
    CertificateIssued,
    OnLeave,
    ClassNotFinished,
    NotEligible,
    CertificateRevoked,
    AlreadyRevoked,
    WechatLoginDisabled,
    AlreadyAnswered,
    EvaluationClosed,
    NoticeNotAcknowledged,
    NoticeOutdated,
    PersonInOpenClass,
    AlreadyErased,
}

impl ErrorCode {
    /// Every code, for the OpenAPI document and for tests that check the list stays stable.
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidPath,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::ValidationFailed,
        ErrorCode::AuthRequired,
        ErrorCode::InvalidToken,
        ErrorCode::InvalidCredentials,
        ErrorCode::AccountDisabled,
        ErrorCode::Forbidden,
        ErrorCode::UsernameTaken,
        ErrorCode::RateLimited,
        ErrorCode::ServiceUnavailable,
        ErrorCode::InternalError,
        ErrorCode::ClassCodeTaken,
        ErrorCode::AlreadyEnrolled,
        ErrorCode::ReasonRequired,
        ErrorCode::ImportRejected,
        ErrorCode::FileUnreadable,
        ErrorCode::InviteCodeInvalid,
        ErrorCode::DeviceAlreadyBound,
        ErrorCode::WechatAlreadyBound,
        ErrorCode::BindingTicketInvalid,
        ErrorCode::WechatCodeInvalid,
        ErrorCode::WechatUserBlocked,
        ErrorCode::WechatUnavailable,
        ErrorCode::SessionLocked,
        ErrorCode::QrTokenInvalid,
        ErrorCode::QrTokenExpired,
        ErrorCode::SessionNotOpen,
        ErrorCode::SessionClosed,
        ErrorCode::NotEnrolled,
        ErrorCode::LocationRequired,
        ErrorCode::OutsideGeofence,
        ErrorCode::DeviceMismatch,
        ErrorCode::DeviceShared,
        ErrorCode::NotCheckedIn,
        ErrorCode::LeaveOverlap,
        ErrorCode::LeaveOutOfRange,
        ErrorCode::LeaveNoSessions,
        ErrorCode::LeaveNotPending,
        ErrorCode::LeaveAlreadyAttended,
        ErrorCode::NotYourStep,
        ErrorCode::AttachmentInvalid,
        ErrorCode::AlreadyAnnulled,
        ErrorCode::NothingToUndo,
        ErrorCode::CertificateIssued,
        ErrorCode::OnLeave,
        ErrorCode::ClassNotFinished,
        ErrorCode::NotEligible,
        ErrorCode::CertificateRevoked,
        ErrorCode::AlreadyRevoked,
        ErrorCode::WechatLoginDisabled,
        ErrorCode::AlreadyAnswered,
        ErrorCode::EvaluationClosed,
        ErrorCode::NoticeNotAcknowledged,
        ErrorCode::NoticeOutdated,
        ErrorCode::PersonInOpenClass,
        ErrorCode::AlreadyErased,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidPath => "invalid_path",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::AuthRequired => "auth_required",
            ErrorCode::InvalidToken => "invalid_token",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::AccountDisabled => "account_disabled",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::UsernameTaken => "username_taken",
            ErrorCode::RateLimited => "rate_limited",
            ErrorCode::ServiceUnavailable => "service_unavailable",
            ErrorCode::InternalError => "internal_error",
            ErrorCode::ClassCodeTaken => "class_code_taken",
            ErrorCode::AlreadyEnrolled => "already_enrolled",
            ErrorCode::ReasonRequired => "reason_required",
            ErrorCode::ImportRejected => "import_rejected",
            ErrorCode::FileUnreadable => "file_unreadable",
            ErrorCode::InviteCodeInvalid => "invite_code_invalid",
            ErrorCode::DeviceAlreadyBound => "device_already_bound",
            ErrorCode::WechatAlreadyBound => "wechat_already_bound",
            ErrorCode::BindingTicketInvalid => "binding_ticket_invalid",
            ErrorCode::WechatCodeInvalid => "wechat_code_invalid",
            ErrorCode::WechatUserBlocked => "wechat_user_blocked",
            ErrorCode::WechatUnavailable => "wechat_unavailable",
            ErrorCode::SessionLocked => "session_locked",
            ErrorCode::QrTokenInvalid => "qr_token_invalid",
            ErrorCode::QrTokenExpired => "qr_token_expired",
            ErrorCode::SessionNotOpen => "session_not_open",
            ErrorCode::SessionClosed => "session_closed",
            ErrorCode::NotEnrolled => "not_enrolled",
            ErrorCode::LocationRequired => "location_required",
            ErrorCode::OutsideGeofence => "outside_geofence",
            ErrorCode::DeviceMismatch => "device_mismatch",
            ErrorCode::DeviceShared => "device_shared",
            ErrorCode::NotCheckedIn => "not_checked_in",
            ErrorCode::LeaveOverlap => "leave_overlap",
            ErrorCode::LeaveOutOfRange => "leave_out_of_range",
            ErrorCode::LeaveNoSessions => "leave_no_sessions",
            ErrorCode::LeaveNotPending => "leave_not_pending",
            ErrorCode::LeaveAlreadyAttended => "leave_already_attended",
            ErrorCode::NotYourStep => "not_your_step",
            ErrorCode::AttachmentInvalid => "attachment_invalid",
            ErrorCode::AlreadyAnnulled => "already_annulled",
            ErrorCode::NothingToUndo => "nothing_to_undo",
            ErrorCode::CertificateIssued => "certificate_issued",
            ErrorCode::OnLeave => "on_leave",
            ErrorCode::ClassNotFinished => "class_not_finished",
            ErrorCode::NotEligible => "not_eligible",
            ErrorCode::CertificateRevoked => "certificate_revoked",
            ErrorCode::AlreadyRevoked => "already_revoked",
            ErrorCode::WechatLoginDisabled => "wechat_login_disabled",
            ErrorCode::AlreadyAnswered => "already_answered",
            ErrorCode::EvaluationClosed => "evaluation_closed",
            ErrorCode::NoticeNotAcknowledged => "notice_not_acknowledged",
            ErrorCode::NoticeOutdated => "notice_outdated",
            ErrorCode::PersonInOpenClass => "person_in_open_class",
            ErrorCode::AlreadyErased => "already_erased",
        }
    }

    /// The default Chinese message; call sites may give a more specific one.
    pub fn default_message(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "请求的内容不存在",
            ErrorCode::MethodNotAllowed => "该地址不支持此请求方式",
            ErrorCode::InvalidJson => "请求内容格式不正确",
            ErrorCode::InvalidQuery => "请求参数格式不正确",
            ErrorCode::InvalidPath => "请求地址中的参数不正确",
            ErrorCode::UnsupportedMediaType => "请求内容类型不受支持，请使用 JSON",
            ErrorCode::PayloadTooLarge => "提交的内容过大",
            ErrorCode::ValidationFailed => "提交的信息有误，请检查后重试",
            ErrorCode::AuthRequired => "请先登录",
            ErrorCode::InvalidToken => "登录已失效，请重新登录",
            ErrorCode::InvalidCredentials => "用户名或密码错误",
            ErrorCode::AccountDisabled => "该账号已停用，请联系管理员",
            ErrorCode::Forbidden => "您没有权限进行此操作",
            ErrorCode::UsernameTaken => "该用户名已被使用",
            ErrorCode::RateLimited => "操作过于频繁，请稍后再试",
            ErrorCode::ServiceUnavailable => "服务暂时不可用，请稍后再试",
            ErrorCode::InternalError => "系统繁忙，请稍后再试",
            ErrorCode::ClassCodeTaken => "该培训班编号已被使用",
            ErrorCode::AlreadyEnrolled => "该学员已在本班名单中",
            ErrorCode::ReasonRequired => "此项修改必须填写原因",
            ErrorCode::ImportRejected => "导入文件中有错误，未导入任何数据，请先预检并修正",
            ErrorCode::FileUnreadable => "无法读取上传的文件，请上传 .xlsx 或 .csv 文件",
            ErrorCode::InviteCodeInvalid => "邀请码不正确，请核对后重新输入",
            ErrorCode::DeviceAlreadyBound => "该邀请码已在另一部手机上使用，请联系班主任重置",
            ErrorCode::WechatAlreadyBound => "该学员已绑定其他微信账号，请联系班主任重置",
            ErrorCode::BindingTicketInvalid => "绑定已超时，请重新进入小程序",
            ErrorCode::WechatCodeInvalid => "微信登录凭证无效，请重新进入小程序",
            ErrorCode::WechatUserBlocked => "您的微信账号存在风险，暂时无法登录",
            ErrorCode::WechatUnavailable => "微信服务繁忙，请稍后再试",
            ErrorCode::SessionLocked => "该课程已开始签到，不能删除；如需调整请修改课程并填写原因",
            ErrorCode::QrTokenInvalid => "二维码无效，请扫描教室屏幕上的签到二维码",
            ErrorCode::QrTokenExpired => "二维码已过期，请重新扫描屏幕上的最新二维码",
            ErrorCode::SessionNotOpen => "签到尚未开始，请在开课前按时签到",
            ErrorCode::SessionClosed => "签到已结束，如有特殊情况请联系班主任",
            ErrorCode::NotEnrolled => "您不在本课程所属培训班的名单中，请联系班主任",
            ErrorCode::LocationRequired => "本课程需要定位签到，请允许获取位置后重试",
            ErrorCode::OutsideGeofence => "您当前不在签到范围内，请到上课地点后再签到",
            ErrorCode::DeviceMismatch => "请使用绑定的本人手机签到",
            ErrorCode::DeviceShared => "这部手机已为其他学员签到，每人须用本人手机签到",
            ErrorCode::NotCheckedIn => "您还没有签到，不能签退",
            ErrorCode::LeaveOverlap => "所选时段已有请假申请，不能重复申请",
            ErrorCode::LeaveOutOfRange => "请假时间须在培训班起止日期之内",
            ErrorCode::LeaveNoSessions => "所选时段内没有课程，无需请假",
            ErrorCode::LeaveNotPending => "该请假申请已处理或已撤回，不能再操作",
            ErrorCode::LeaveAlreadyAttended => "所选课程已有签到记录，无需请假",
            ErrorCode::NotYourStep => "当前审批步骤不由您审批",
            ErrorCode::AttachmentInvalid => "附件须为 JPG、PNG 或 WEBP 格式的图片",
            ErrorCode::AlreadyAnnulled => "该违纪记录已撤销",
            ErrorCode::NothingToUndo => "该学员本节课的考勤没有可撤销的修改",
            ErrorCode::CertificateIssued => {
                "该学员已获发结业证书，这项修改会使其不符合结业要求。请管理员先撤销其证书（注明原因），再修改"
            }
            ErrorCode::OnLeave => "您本节课已请假。如已到课，请联系班主任销假后再签到",
            ErrorCode::ClassNotFinished => "培训班尚未结业，请先将培训班状态设为已结业",
            ErrorCode::NotEligible => "该学员未达到结业要求，不能发放结业证书",
            ErrorCode::CertificateRevoked => "该证书已被撤销",
            ErrorCode::AlreadyRevoked => "该证书已撤销",
            ErrorCode::WechatLoginDisabled => "本系统未开通微信登录，请使用邀请码登录",
            ErrorCode::AlreadyAnswered => "您已提交过这部分评估，每人只能提交一次",
            ErrorCode::EvaluationClosed => "这部分评估现在不开放（课程尚未结束，或评估已截止）",
            ErrorCode::NoticeNotAcknowledged => "请先阅读个人信息处理告知，再进行绑定",
            ErrorCode::NoticeOutdated => "个人信息处理告知已更新，请重新阅读后再绑定",
            ErrorCode::PersonInOpenClass => "该学员仍在未结业的培训班中，请先办理退学或待培训班结业后再删除其个人信息",
            ErrorCode::AlreadyErased => "该学员的个人信息已删除",
        }
    }
}

impl fmt::Display for ErrorCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a client can put next to an input: the field the error is about and, for a choice, the values it takes.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
#[schema(example = json!({"field": "kind", "allowed": ["main", "topic", "commissioned", "online"]}))]
pub struct ErrorDetails {
    /// The field's name as the request spells it (`kind`, `end_date`, …).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub field: Option<String>,
    /// For a choice: every value the field accepts.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub allowed: Vec<String>,
}

/// An error on its way to the person using the app.
pub struct AppError {
    pub code: ErrorCode,
    pub message: Cow<'static, str>,
    /// When set, the client may retry after this long (rate limits, busy upstreams).
    pub retry_after: Option<Duration>,
    /// The cause, for the log. Never sent to the client.
    pub source: Option<anyhow::Error>,
    /// The input the error is about (`code`, `name`, `end_date` …), so a form can show it next to that field; the
    /// JSON body names it in `details.field`.
    pub field: Option<&'static str>,
    /// Details worked out while reading the request (a JSON body's wrong field and its allowed values).
    pub details: Option<Box<ErrorDetails>>,
}

pub type AppResult<T> = Result<T, AppError>;

impl AppError {
    pub fn new(code: ErrorCode) -> Self {
        Self {
            code,
            message: Cow::Borrowed(code.default_message()),
            retry_after: None,
            source: None,
            field: None,
            details: None,
        }
    }

    pub fn with_message(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> Self {
        Self { message: message.into(), ..Self::new(code) }
    }

    /// A field-level validation failure with a Chinese explanation.
    pub fn validation(message: impl Into<Cow<'static, str>>) -> Self {
        Self::with_message(ErrorCode::ValidationFailed, message)
    }

    pub fn rate_limited(retry_after: Duration) -> Self {
        Self { retry_after: Some(retry_after), ..Self::new(ErrorCode::RateLimited) }
    }

    pub fn internal(source: impl Into<anyhow::Error>) -> Self {
        Self { source: Some(source.into()), ..Self::new(ErrorCode::InternalError) }
    }

    pub fn caused_by(mut self, source: impl Into<anyhow::Error>) -> Self {
        self.source = Some(source.into());
        self
    }

    /// Says which input the error is about.
    pub fn on_field(mut self, field: &'static str) -> Self {
        self.field = Some(field);
        self
    }

    pub fn with_details(mut self, details: ErrorDetails) -> Self {
        self.details = Some(Box::new(details));
        self
    }

    /// What the JSON body's `details` holds: the details worked out, or else the field named.
    pub fn details(&self) -> Option<ErrorDetails> {
        match (&self.details, self.field) {
            (Some(d), _) => Some((**d).clone()),
            (None, Some(field)) => Some(ErrorDetails { field: Some(field.to_owned()), allowed: Vec::new() }),
            (None, None) => None,
        }
    }
}

impl fmt::Debug for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)?;
        if let Some(source) = &self.source {
            write!(f, "; caused by: {source:#}")?;
        }
        Ok(())
    }
}

impl fmt::Display for AppError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

impl std::error::Error for AppError {}

impl From<sea_orm::DbErr> for AppError {
    fn from(err: sea_orm::DbErr) -> Self {
        let code = match &err {
            sea_orm::DbErr::Conn(_) | sea_orm::DbErr::ConnectionAcquire(_) => ErrorCode::ServiceUnavailable,
            _ => ErrorCode::InternalError,
        };
        AppError::new(code).caused_by(err)
    }
}

/// Whether a database error is a unique-key violation: someone else stored the same thing first.
pub fn is_unique_violation(err: &sea_orm::DbErr) -> bool {
    matches!(err.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_)))
}

/// Maps a database error to `answer` when it is a unique-key violation (a taken username or class code, a step
/// already decided, a session already on leave) and to the usual internal or unavailable answer otherwise:
/// `.map_err(on_unique_violation(AppError::new(ErrorCode::UsernameTaken)))`.
pub fn on_unique_violation(answer: AppError) -> impl FnOnce(sea_orm::DbErr) -> AppError {
    move |err| if is_unique_violation(&err) { answer.caused_by(err) } else { AppError::from(err) }
}

impl AppError {
    /// Whether this answer was caused by a unique-key violation in the database.
    pub fn is_unique_violation(&self) -> bool {
        self.source.as_ref().and_then(|s| s.downcast_ref::<sea_orm::DbErr>()).is_some_and(is_unique_violation)
    }
}

impl From<sea_orm::TransactionError<AppError>> for AppError {
    fn from(err: sea_orm::TransactionError<AppError>) -> Self {
        match err {
            sea_orm::TransactionError::Connection(db) => db.into(),
            sea_orm::TransactionError::Transaction(app) => app,
        }
    }
}

impl From<tokio::task::JoinError> for AppError {
    fn from(err: tokio::task::JoinError) -> Self {
        AppError::internal(err)
    }
}
