//! Notifications. Each one is written in the same transaction as the change that causes it: an in-app inbox
//! message (always) and, for a trainee who logged in through WeChat and an event with a configured template, an
//! outbox row that a worker on every instance delivers as a WeChat subscribe message (`outbox`, `wechat`).

pub mod inbox;
pub mod outbox;
pub mod wechat;

use std::collections::BTreeMap;

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use uuid::Uuid;

use crate::config::TemplateSettings;
use crate::error::AppResult;

/// What a notification is about; names the template in `wechat.templates`.
pub use crate::entity::vocab::NoticeKind;

/// Who gets it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Recipient {
    /// A trainee, with their WeChat openid when they logged in through WeChat.
    Trainee {
        person_id: Uuid,
        openid: Option<String>,
    },
    Staff(Uuid),
}

/// One notification, ready to be written.
#[derive(Debug, Clone)]
pub struct Notice {
    pub kind: NoticeKind,
    pub class_id: Option<Uuid>,
    pub title: String,
    pub body: String,
    /// Where the H5 page or mini program opens it.
    pub link: Option<String>,
    /// Values the subscribe-message template may use (see README).
    pub vars: BTreeMap<&'static str, String>,
}

/// Writes the notice for one recipient on `conn` (the caller's transaction).
pub async fn send<C: ConnectionTrait>(
    conn: &C,
    templates: &BTreeMap<String, TemplateSettings>,
    now: DateTime<Utc>,
    to: &Recipient,
    notice: &Notice,
) -> AppResult<()> {
    inbox::post(conn, now, to, notice).await?;
    if let Recipient::Trainee { openid: Some(openid), .. } = to
        && let Some(template) = templates.get(notice.kind.as_str()).filter(|t| !t.id.is_empty())
    {
        let payload = wechat::subscribe_payload(openid, template, &notice.vars);
        outbox::enqueue(conn, now, notice.kind, &payload).await?;
    }
    Ok(())
}

/// China time as WeChat's `time` fields want it: `2026-11-26 14:30`.
pub fn wechat_time(at: DateTime<Utc>) -> String {
    crate::clock::local_minute(at)
}
