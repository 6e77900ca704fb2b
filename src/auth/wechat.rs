//! The WeChat `jscode2session` client: a mini program's `wx.login` code in, the user's openid out. Server side
//! only. The `session_key` WeChat returns is never logged or stored: rollcall has no use for it.

use std::time::Duration;

use serde::Deserialize;

use crate::config::WechatSettings;
use crate::error::{AppError, AppResult, ErrorCode};

#[derive(Clone)]
pub struct WechatClient {
    pub(crate) http: reqwest::Client,
    /// Without the trailing `/`.
    pub(crate) base_url: String,
    pub(crate) appid: String,
    pub(crate) secret: String,
}

/// Who WeChat says the user is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WechatIdentity {
    pub openid: String,
    pub unionid: Option<String>,
}

/// `jscode2session`'s answer. WeChat sends it as `text/plain`, so it is parsed from the body whatever the
/// content type says.
#[derive(Deserialize)]
struct Code2Session {
    openid: Option<String>,
    unionid: Option<String>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

impl WechatClient {
    pub fn new(settings: &WechatSettings) -> anyhow::Result<Self> {
        let http = reqwest::Client::builder()
            .timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .connect_timeout(Duration::from_millis(settings.timeout_ms.max(1)))
            .build()?;
        Ok(Self {
            http,
            base_url: settings.base_url.trim_end_matches('/').to_owned(),
            appid: settings.appid.clone(),
            secret: settings
                .secret
                .clone()
                .map(|s| secrecy::ExposeSecret::expose_secret(&s).to_owned())
                .unwrap_or_default(),
        })
    }

    pub fn configured(&self) -> bool {
        !self.appid.is_empty() && !self.secret.is_empty()
    }

    /// Exchanges a `wx.login` code for the user's openid. Maps WeChat's error codes to rollcall's.
    pub async fn code_to_session(&self, js_code: &str) -> AppResult<WechatIdentity> {
        if !self.configured() {
            return Err(AppError::new(ErrorCode::WechatLoginDisabled));
        }
        // The URL carries the app secret and the login code: never into the log.
        let unavailable = |e: reqwest::Error| AppError::new(ErrorCode::WechatUnavailable).caused_by(e.without_url());
        let response = self
            .http
            .get(format!("{}/sns/jscode2session", self.base_url))
            .query(&[
                ("appid", self.appid.as_str()),
                ("secret", self.secret.as_str()),
                ("js_code", js_code),
                ("grant_type", "authorization_code"),
            ])
            .send()
            .await
            .map_err(unavailable)?;
        let status = response.status();
        let body = response.bytes().await.map_err(unavailable)?;
        if !status.is_success() {
            return Err(
                AppError::new(ErrorCode::WechatUnavailable).caused_by(anyhow::anyhow!("jscode2session HTTP {status}"))
            );
        }
        let answer: Code2Session = serde_json::from_slice(&body).map_err(|e| {
            AppError::new(ErrorCode::WechatUnavailable).caused_by(anyhow::anyhow!("jscode2session body: {e}"))
        })?;
        match (answer.errcode.unwrap_or(0), answer.openid) {
            (0, Some(openid)) if !openid.is_empty() => Ok(WechatIdentity { openid, unionid: answer.unionid }),
            (code, _) => {
                let cause = anyhow::anyhow!("jscode2session errcode {code}: {}", answer.errmsg.unwrap_or_default());
                tracing::warn!(errcode = code, "WeChat refused a login code");
                Err(match code {
                    40029 | 40163 => AppError::new(ErrorCode::WechatCodeInvalid),
                    45011 => AppError::rate_limited(Duration::from_secs(60)),
                    40226 => AppError::new(ErrorCode::WechatUserBlocked),
                    -1 => AppError {
                        retry_after: Some(Duration::from_secs(2)),
                        ..AppError::new(ErrorCode::WechatUnavailable)
                    },
                    _ => AppError::new(ErrorCode::WechatUnavailable),
                }
                .caused_by(cause))
            }
        }
    }
}
