//! Thin handlers, one file per area, registered with `.service(..)` so utoipa-actix-web documents them.

pub mod archive;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod checkin;
pub mod classes;
pub mod discipline;
pub mod evaluation;
pub mod health;
pub mod leave;
pub mod notice;
pub mod notifications;
pub mod online;
pub mod privacy;
pub mod reports;
pub mod roster;
pub mod rules;
pub mod screen;
pub mod sessions;
pub mod staff;
pub mod trainee;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{HttpResponse, HttpResponseBuilder};
use futures_util::Stream;
use serde::Deserialize;
use utoipa_actix_web::service_config::ServiceConfig;

use crate::error::AppResult;

/// An optional reason for a change, kept in the audit trail (disable an account, withdraw a trainee, reset an
/// invite).
#[derive(Deserialize, Default, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReasonBody {
    /// Why; kept in the audit trail.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

impl ReasonBody {
    /// The reason as the audit trail keeps it: trimmed, blank means none, and at most 500 characters like a
    /// required one (`validation_failed`).
    pub fn reason(body: Option<ReasonBody>) -> AppResult<Option<String>> {
        optional_reason(body.and_then(|b| b.reason))
    }
}

/// An optional audit reason: trimmed, blank means none, at most 500 characters (`validation_failed`).
pub fn optional_reason(raw: Option<String>) -> AppResult<Option<String>> {
    match raw.as_deref().map(str::trim).filter(|r| !r.is_empty()) {
        None => Ok(None),
        Some(reason) => crate::audit::required_reason(reason, "").map(Some),
    }
}

/// Everything under `/api/v1`.
/// Every route, area by area; each file lists its own. The order is the order routes are matched in.
pub fn configure(cfg: &mut ServiceConfig) {
    // The check-in first: actix tries each route in turn, and every route with a `{param}` costs a regex match
    // with its captures (allocated) before it is passed over. Checked in the check-in profile: about 3% of the
    // server's CPU per scan went to the routes registered before this one.
    checkin::configure(cfg);
    health::configure(cfg);
    auth::configure(cfg);
    trainee::configure(cfg);
    staff::configure(cfg);
    classes::configure(cfg);
    sessions::configure(cfg);
    roster::configure(cfg);
    attendance::configure(cfg);
    online::configure(cfg);
    evaluation::configure(cfg);
    notice::configure(cfg);
    screen::configure(cfg);
    leave::configure(cfg);
    discipline::configure(cfg);
    rules::configure(cfg);
    notifications::configure(cfg);
    certificates::configure(cfg);
    reports::configure(cfg);
    archive::configure(cfg);
    privacy::configure(cfg);
    audit::configure(cfg);
}

/// A file to save, named in UTF-8 (Chinese names survive every browser) and made safe for Windows, never cached
/// by a shared proxy.
pub fn download(bytes: Vec<u8>, content_type: &'static str, filename: String) -> HttpResponse {
    attachment(content_type, filename).body(bytes)
}

/// [`download`] for a body produced piece by piece (large exports).
pub fn download_stream<S, E>(body: S, content_type: &'static str, filename: String) -> HttpResponse
where
    S: Stream<Item = Result<Bytes, E>> + 'static,
    E: Into<Box<dyn std::error::Error>> + 'static,
{
    attachment(content_type, filename).streaming(body)
}

fn attachment(content_type: &'static str, filename: String) -> HttpResponseBuilder {
    let mut builder = HttpResponse::Ok();
    builder
        .insert_header((header::CONTENT_TYPE, content_type))
        .insert_header((
            header::CONTENT_DISPOSITION,
            header::ContentDisposition {
                disposition: header::DispositionType::Attachment,
                parameters: vec![header::DispositionParam::FilenameExt(header::ExtendedValue {
                    charset: header::Charset::Ext("UTF-8".into()),
                    language_tag: None,
                    value: crate::file_name::safe(&filename).into_bytes(),
                })],
            },
        ))
        .insert_header((header::CACHE_CONTROL, "private, no-store"));
    builder
}
