//! The notice (个人信息处理告知) shown before a trainee binds a phone or a WeChat account: what is collected, why,
//! for how long, and who sees it. The texts are configuration (`[privacy]`), so a base can adapt them; a new text
//! gets a new version, and a binding records which version was shown and when.

use serde::Serialize;

use crate::config::PrivacySettings;
use crate::error::{AppError, AppResult, ErrorCode};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PrivacyNotice {
    /// Sent back with the binding request, to say this text was shown.
    pub version: String,
    pub title: String,
    /// The text, one entry per paragraph.
    pub paragraphs: Vec<String>,
}

/// The notice as configured.
pub fn current(settings: &PrivacySettings) -> PrivacyNotice {
    let paragraphs = settings
        .notice_text
        .split("\n\n")
        .map(|p| p.lines().map(str::trim).collect::<Vec<_>>().join(""))
        .filter(|p| !p.is_empty())
        .collect();
    PrivacyNotice { version: settings.notice_version.clone(), title: settings.notice_title.clone(), paragraphs }
}

/// The version a new binding records: the one the client says it showed, which must be the current one.
pub fn acknowledged(settings: &PrivacySettings, shown: Option<&str>) -> AppResult<String> {
    match shown.map(str::trim).filter(|v| !v.is_empty()) {
        None => Err(AppError::new(ErrorCode::NoticeNotAcknowledged)),
        Some(v) if v == settings.notice_version => Ok(v.to_owned()),
        Some(_) => Err(AppError::new(ErrorCode::NoticeOutdated)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings() -> PrivacySettings {
        PrivacySettings {
            notice_version: "2026-12".into(),
            notice_title: "个人信息处理告知".into(),
            notice_text: "第一段\n  接着第一段\n\n第二段\n".into(),
            attempt_details_days: 30,
            image_days_after_class: 365,
        }
    }

    #[test]
    fn paragraphs_are_split_on_blank_lines_and_only_the_current_version_is_accepted() {
        let s = settings();
        assert_eq!(current(&s).paragraphs, ["第一段接着第一段", "第二段"]);
        assert_eq!(acknowledged(&s, Some("2026-12")).unwrap(), "2026-12");
        assert_eq!(acknowledged(&s, None).unwrap_err().code, ErrorCode::NoticeNotAcknowledged);
        assert_eq!(acknowledged(&s, Some(" ")).unwrap_err().code, ErrorCode::NoticeNotAcknowledged);
        assert_eq!(acknowledged(&s, Some("2026-01")).unwrap_err().code, ErrorCode::NoticeOutdated);
    }
}
