//! Public verification: anyone holding a certificate's code (the QR on it) can check it, without logging in.
//! The holder's name is masked unless the base configures otherwise.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;

use super::issue::{CODE_LEN, normalise_code};
use crate::completion::standing::trim_centi;
use crate::config::Settings;
use crate::entity::{certificate, training_class};
use crate::error::{AppError, AppResult};
use crate::kv::{Check, Decision, RateLimiter};
use crate::roster::model::mask_name;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PublicCertificate {
    /// `valid` or `revoked`.
    pub status: String,
    pub holder_name: String,
    pub class_name: String,
    pub class_code: String,
    pub organiser: Option<String>,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub credit_hours: String,
    pub serial: String,
    pub issue_date: NaiveDate,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The certificate for a typed or scanned code, if there is one.
pub async fn lookup(db: &DatabaseConnection, raw: &str, mask: bool) -> AppResult<Option<PublicCertificate>> {
    let code = normalise_code(raw);
    if code.chars().count() != CODE_LEN || !code.chars().all(|c| c.is_ascii_alphanumeric()) {
        return Ok(None);
    }
    let Some(c) = certificate::Entity::find().filter(certificate::Column::VerificationCode.eq(code)).one(db).await?
    else {
        return Ok(None);
    };
    let Some(class) = training_class::Entity::find_by_id(c.class_id).one(db).await? else { return Ok(None) };
    Ok(Some(PublicCertificate {
        status: if c.revoked_at.is_some() { "revoked" } else { "valid" }.to_owned(),
        holder_name: if mask { mask_name(&c.holder_name) } else { c.holder_name.clone() },
        class_name: class.name,
        class_code: class.code,
        organiser: class.organiser,
        start_date: class.start_date,
        end_date: class.end_date,
        credit_hours: trim_centi(i64::from(c.credit_centi)),
        serial: c.serial,
        issue_date: c.issue_date,
        revoked_at: c.revoked_at,
    }))
}

/// What verification found: valid, revoked (with the date), or nothing. Shared by the JSON API and the page.
pub enum Verified {
    Valid(PublicCertificate),
    Revoked(PublicCertificate, DateTime<Utc>),
    Unknown,
}

/// Looks a code up for the public (`client` is the caller's address), limited per address against guessing; the
/// holder's name is masked as the base configures.
pub async fn verify_code(
    db: &DatabaseConnection,
    limiter: &dyn RateLimiter,
    settings: &Settings,
    client: &str,
    code: &str,
) -> AppResult<Verified> {
    let quota = settings.rate_limits.verify_per_address.into();
    if let Decision::Limited { retry_after } =
        limiter.check_all(&[Check { bucket: "verify_addr", key: client, quota }]).await
    {
        return Err(AppError::rate_limited(retry_after));
    }
    Ok(match lookup(db, code, settings.verify.mask_names).await? {
        None => Verified::Unknown,
        Some(c) => match c.revoked_at {
            Some(at) => Verified::Revoked(c, at),
            None => Verified::Valid(c),
        },
    })
}
