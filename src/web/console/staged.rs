//! Uploads waiting for confirmation: an import is checked first (a dry run whose preview the person reads), and the
//! file is kept in the shared store (Redis in production, so any instance can take the confirmation) under a random
//! key bound to the class, the kind of import and the person, for half an hour. Confirming imports exactly the file
//! that was previewed; nothing is written before.

use std::time::Duration;

use actix_multipart::Multipart;
use base64::Engine;
use futures_util::StreamExt;
use uuid::Uuid;

use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::upload::MAX_UPLOAD_BYTES;
use crate::kv::Kv;

/// How long a previewed file waits for its confirmation.
const KEEP: Duration = Duration::from_secs(30 * 60);
/// Text fields accepted beside the file, and their length.
const MAX_FIELDS: usize = 16;
const MAX_FIELD_BYTES: usize = 4096;

/// What a multipart console form carried: the file and the text fields (the CSRF token among them).
#[derive(Default)]
pub struct Posted {
    pub file: Option<Vec<u8>>,
    fields: Vec<(String, String)>,
}

impl Posted {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields.iter().find(|(n, _)| n == name).map(|(_, v)| v.as_str())
    }
}

/// Reads a console upload form: the field `file` and a few short text fields.
pub async fn read(mut payload: Multipart) -> AppResult<Posted> {
    let unreadable = |e: actix_multipart::MultipartError| {
        AppError::with_message(ErrorCode::FileUnreadable, "上传内容不完整，请重新上传")
            .caused_by(anyhow::anyhow!("{e}"))
    };
    let mut posted = Posted::default();
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = name == "file";
        let cap = if is_file { MAX_UPLOAD_BYTES } else { MAX_FIELD_BYTES };
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            if bytes.len() + chunk.len() > cap {
                return Err(AppError::with_message(ErrorCode::PayloadTooLarge, "文件过大，请不要超过 10 MB"));
            }
            bytes.extend_from_slice(&chunk);
        }
        if is_file {
            posted.file = Some(bytes).filter(|b| !b.is_empty());
        } else if posted.fields.len() < MAX_FIELDS {
            posted.fields.push((name, String::from_utf8_lossy(&bytes).into_owned()));
        }
    }
    Ok(posted)
}

/// Which import a kept file is for: the owner id it is bound to is the class (roster, timetable) or the session
/// (an online session's meeting export).
#[derive(Clone, Copy)]
pub enum Kind {
    Roster,
    Timetable,
    Online,
}

impl Kind {
    fn as_str(self) -> &'static str {
        match self {
            Kind::Roster => "roster",
            Kind::Timetable => "timetable",
            Kind::Online => "online",
        }
    }
}

fn key(kind: Kind, owner: Uuid, staff_id: Uuid, id: &str) -> String {
    format!("console-upload:{}:{owner}:{staff_id}:{id}", kind.as_str())
}

fn unavailable(e: crate::kv::KvError) -> AppError {
    AppError::with_message(ErrorCode::ServiceUnavailable, "暂时无法保存上传的文件，请稍后再试")
        .caused_by(anyhow::anyhow!("{e}"))
}

/// Keeps `bytes` for a later confirmation; answers the key to confirm with.
pub async fn keep(kv: &dyn Kv, kind: Kind, owner: Uuid, staff_id: Uuid, bytes: &[u8]) -> AppResult<String> {
    let id = Uuid::new_v4().simple().to_string();
    let encoded = base64::engine::general_purpose::STANDARD.encode(bytes);
    kv.set(&key(kind, owner, staff_id, &id), &encoded, KEEP).await.map_err(unavailable)?;
    Ok(id)
}

/// Takes the kept file back (it is removed only after a successful import, by [`forget`]). Only the same person,
/// owner and kind find it.
pub async fn take(kv: &dyn Kv, kind: Kind, owner: Uuid, staff_id: Uuid, id: &str) -> AppResult<Vec<u8>> {
    let expired = || AppError::validation("上传的文件已过期，请重新选择文件并检查");
    if id.is_empty() || id.len() > 64 || !id.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(expired());
    }
    let stored = kv.get(&key(kind, owner, staff_id, id)).await.map_err(unavailable)?.ok_or_else(expired)?;
    base64::engine::general_purpose::STANDARD.decode(stored).map_err(|_| expired())
}

/// Drops a kept file once it has been imported.
pub async fn forget(kv: &dyn Kv, kind: Kind, owner: Uuid, staff_id: Uuid, id: &str) {
    if let Err(e) = kv.del(&key(kind, owner, staff_id, id)).await {
        crate::kv::log_degraded(&e, "could not drop a kept upload");
    }
}
