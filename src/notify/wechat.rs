//! WeChat subscribe messages (`POST /cgi-bin/message/subscribe/send`) with the access token from
//! `GET /cgi-bin/token`. The token is shared by every instance through Kv (Redis) until shortly before it expires,
//! and fetched again when WeChat calls it invalid (40001) or expired (42001).

use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::auth::wechat::WechatClient;
use crate::config::{TemplateSettings, WechatSettings};
use crate::kv::Kv;

const TOKEN_KEY: &str = "wechat:access_token";

/// The body of a subscribe-message send, as WeChat documents it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SubscribePayload {
    pub touser: String,
    pub template_id: String,
    pub page: String,
    /// `{"thing1": {"value": "..."}, ...}`
    pub data: serde_json::Value,
    pub miniprogram_state: String,
    pub lang: String,
}

/// WeChat limits each kind of template field; a longer value makes the whole send fail (47003).
fn fit(key: &str, value: &str) -> String {
    let max = if key.starts_with("thing") {
        20
    } else if key.starts_with("phrase") {
        5
    } else if key.starts_with("name") {
        10
    } else if key.starts_with("character_string") || key.starts_with("letter") {
        32
    } else {
        64
    };
    let n = value.chars().count();
    if n <= max {
        value.to_owned()
    } else {
        let mut s: String = value.chars().take(max.saturating_sub(1)).collect();
        s.push('…');
        s
    }
}

/// The payload for one trainee from a template and the event's variables. A field whose variable the event does
/// not offer is sent as `-` (WeChat refuses empty values).
pub fn subscribe_payload(
    openid: &str,
    template: &TemplateSettings,
    vars: &BTreeMap<&'static str, String>,
) -> SubscribePayload {
    let data: serde_json::Map<String, serde_json::Value> = template
        .fields
        .iter()
        .map(|(key, var)| {
            let value = vars.get(var.as_str()).map(String::as_str).filter(|v| !v.is_empty()).unwrap_or("-");
            (key.clone(), serde_json::json!({ "value": fit(key, value) }))
        })
        .collect();
    SubscribePayload {
        touser: openid.to_owned(),
        template_id: template.id.clone(),
        page: template.page.clone(),
        data: serde_json::Value::Object(data),
        miniprogram_state: "formal".to_owned(),
        lang: "zh_CN".to_owned(),
    }
}

/// How one send ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Sent,
    /// Worth trying again later (WeChat busy, network, no token).
    Retry(String),
    /// Will never succeed for this user (43101: not subscribed). Recorded, not retried.
    Skipped(String),
    /// Will never succeed as written (bad openid, template or data).
    Failed(String),
}

#[derive(Deserialize)]
struct TokenAnswer {
    access_token: Option<String>,
    expires_in: Option<i64>,
    errcode: Option<i64>,
    errmsg: Option<String>,
}

#[derive(Deserialize)]
struct SendAnswer {
    errcode: Option<i64>,
    errmsg: Option<String>,
}

/// Sends subscribe messages with the mini program's credentials (the same HTTP client and settings as login).
#[derive(Clone)]
pub struct WechatSender {
    api: WechatClient,
    kv: Arc<dyn Kv>,
}

impl WechatSender {
    pub fn new(settings: &WechatSettings, kv: Arc<dyn Kv>) -> anyhow::Result<Self> {
        Ok(Self { api: WechatClient::new(settings)?, kv })
    }

    /// The cached token, or a fresh one. `Err` carries the outcome to record.
    async fn token(&self, now: DateTime<Utc>, refresh: bool) -> Result<String, Outcome> {
        if !refresh {
            match self.kv.get(TOKEN_KEY).await {
                Ok(Some(t)) => return Ok(t),
                Ok(None) => {}
                Err(err) => crate::kv::log_degraded(&err, "access token cache unreachable; fetching a new token"),
            }
        }
        if !self.api.configured() {
            return Err(Outcome::Retry("wechat appid/secret not configured".to_owned()));
        }
        let url = format!("{}/cgi-bin/token", self.api.base_url);
        let query = [("grant_type", "client_credential"), ("appid", &self.api.appid), ("secret", &self.api.secret)];
        let answer = self
            .api
            .http
            .get(url)
            .query(&query)
            .send()
            .await
            .map_err(|e| Outcome::Retry(format!("token request: {}", e.without_url())))?;
        let body = answer.bytes().await.map_err(|e| Outcome::Retry(format!("token body: {}", e.without_url())))?;
        let t: TokenAnswer =
            serde_json::from_slice(&body).map_err(|e| Outcome::Retry(format!("token answer unreadable: {e}")))?;
        match (t.access_token, t.errcode.unwrap_or(0)) {
            (Some(token), 0) => {
                let ttl = (t.expires_in.unwrap_or(7200) - 300).max(60);
                if let Err(err) = self.kv.set(TOKEN_KEY, &token, Duration::from_secs(ttl as u64)).await {
                    crate::kv::log_degraded(&err, "could not cache the access token");
                }
                tracing::info!(at = %now, expires_in = ttl, "fetched a WeChat access token");
                Ok(token)
            }
            (_, code) => Err(Outcome::Retry(format!("token errcode {code}: {}", t.errmsg.unwrap_or_default()))),
        }
    }

    async fn post(&self, token: &str, payload: &SubscribePayload) -> Result<i64, Outcome> {
        let url = format!("{}/cgi-bin/message/subscribe/send", self.api.base_url);
        let answer = self
            .api
            .http
            .post(url)
            .query(&[("access_token", token)])
            .json(payload)
            .send()
            .await
            .map_err(|e| Outcome::Retry(format!("send request: {}", e.without_url())))?;
        let status = answer.status();
        let body = answer.bytes().await.map_err(|e| Outcome::Retry(format!("send body: {}", e.without_url())))?;
        let a: SendAnswer = serde_json::from_slice(&body)
            .map_err(|e| Outcome::Retry(format!("send answer unreadable (HTTP {status}): {e}")))?;
        let code = a.errcode.unwrap_or(0);
        if code != 0 {
            tracing::debug!(errcode = code, errmsg = a.errmsg.as_deref().unwrap_or(""), "subscribe send refused");
        }
        Ok(code)
    }

    /// Sends one message, refreshing the token once if WeChat says it is invalid or expired.
    pub async fn send(&self, payload: &SubscribePayload, now: DateTime<Utc>) -> Outcome {
        let mut refreshed = false;
        loop {
            let token = match self.token(now, refreshed).await {
                Ok(t) => t,
                Err(outcome) => return outcome,
            };
            let code = match self.post(&token, payload).await {
                Ok(code) => code,
                Err(outcome) => return outcome,
            };
            return match code {
                0 => Outcome::Sent,
                40001 | 42001 | 40014 if !refreshed => {
                    if let Err(err) = self.kv.del(TOKEN_KEY).await {
                        crate::kv::log_degraded(&err, "could not drop the stale access token");
                    }
                    refreshed = true;
                    continue;
                }
                40001 | 42001 | 40014 => Outcome::Retry(format!("errcode {code}: token refused after refresh")),
                43101 => Outcome::Skipped("errcode 43101: user has not subscribed".to_owned()),
                -1 | 45009 | 45011 => Outcome::Retry(format!("errcode {code}: WeChat busy or over quota")),
                other => Outcome::Failed(format!("errcode {other}")),
            };
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn fields_are_cut_to_wechat_limits() {
        assert_eq!(
            fit("thing1", "一二三四五六七八九十一二三四五六七八九十"),
            "一二三四五六七八九十一二三四五六七八九十"
        );
        assert_eq!(
            fit("thing1", "一二三四五六七八九十一二三四五六七八九十多"),
            "一二三四五六七八九十一二三四五六七八九…"
        );
        assert_eq!(fit("phrase2", "已批准"), "已批准");
        assert_eq!(fit("phrase2", "很长的一个短语"), "很长的一…");
    }

    #[test]
    fn payload_maps_template_keys_to_variables() {
        let template = TemplateSettings {
            id: "tpl".into(),
            page: "pages/leave/index".into(),
            fields: [("thing1".to_owned(), "leave_kind".to_owned()), ("phrase3".to_owned(), "result".to_owned())]
                .into_iter()
                .collect(),
        };
        let vars = [("leave_kind", "病假".to_owned())].into_iter().collect();
        let p = subscribe_payload("o1", &template, &vars);
        assert_eq!(p.data, serde_json::json!({"thing1": {"value": "病假"}, "phrase3": {"value": "-"}}));
        assert_eq!(p.touser, "o1");
    }
}
