//! Files that carry trainees' phone numbers (the roster export; the audit trail, whose roster entries hold them)
//! leave a mark when someone downloads them: who, when, which file, how many rows. Written before the file is
//! answered, so a download that could not be recorded does not happen.

use chrono::{DateTime, Utc};
use sea_orm::ConnectionTrait;
use serde_json::json;
use uuid::Uuid;

use super::{Actor, Change};
use crate::error::AppResult;

/// A download of personal data to record.
pub struct Download<'a> {
    /// What was downloaded: `roster.xlsx`, `roster.csv`, `audit.csv`.
    pub file: &'a str,
    pub class_id: Option<Uuid>,
    /// Rows in the file (`None` when the file is streamed and not counted).
    pub rows: Option<usize>,
}

/// Records `download` by `actor` at `at` in the audit trail (`privacy.download`).
pub async fn record<C: ConnectionTrait>(
    conn: &C,
    at: DateTime<Utc>,
    actor: &Actor,
    download: Download<'_>,
) -> AppResult<()> {
    let change = Change {
        action: "privacy.download",
        entity: "download",
        entity_id: download.file.to_owned(),
        class_id: download.class_id,
        before: None,
        after: Some(json!({"file": download.file, "rows": download.rows, "contains": "手机号"})),
        reason: None,
    };
    super::record(conn, at, actor, change).await
}
