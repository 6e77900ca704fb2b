//! Thin handlers, one file per area, registered with `.service(..)` so utoipa-actix-web documents them.

pub mod archive;
pub mod attendance;
pub mod audit;
pub mod auth;
pub mod certificates;
pub mod checkin;
pub mod classes;
pub mod discipline;
pub mod health;
pub mod leave;
pub mod notice;
pub mod notifications;
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
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(health::health)
        .service(health::ready)
        .service(auth::login)
        .service(auth::logout)
        .service(auth::me)
        .service(auth::change_password)
        .service(trainee::invite_login)
        .service(trainee::wechat_login)
        .service(trainee::bind)
        .service(trainee::my_sessions)
        .service(staff::create)
        .service(staff::list)
        .service(staff::get)
        .service(staff::disable)
        .service(staff::enable)
        .service(staff::reset_password)
        .service(classes::create)
        .service(classes::list)
        .service(classes::get)
        .service(classes::update)
        .service(classes::staff)
        .service(classes::assign_staff)
        .service(classes::unassign_staff)
        .service(sessions::create)
        .service(sessions::create_batch)
        .service(sessions::import)
        .service(sessions::list)
        .service(sessions::get)
        .service(sessions::update)
        .service(sessions::remove)
        .service(roster::list)
        .service(roster::add)
        .service(roster::import)
        .service(roster::withdraw)
        .service(roster::export_xlsx)
        .service(roster::export_csv)
        .service(roster::invites)
        .service(roster::reset_invite)
        .service(checkin::check_in)
        .service(checkin::my_attendance)
        .service(attendance::qr)
        .service(attendance::qr_svg)
        .service(attendance::qr_png)
        .service(attendance::open)
        .service(attendance::close)
        .service(attendance::list)
        .service(attendance::correct)
        .service(attendance::attempts)
        .service(attendance::summary)
        .service(attendance::live_stream)
        .service(attendance::class_live_stream)
        .service(notice::daily)
        .service(screen::create_link)
        .service(screen::list_links)
        .service(screen::revoke_link)
        .service(screen::screen_state)
        .service(leave::request)
        .service(leave::mine)
        .service(leave::cancel)
        .service(leave::my_attachment)
        .service(leave::list)
        .service(leave::record)
        .service(leave::get)
        .service(leave::approve)
        .service(leave::reject)
        .service(leave::attachment)
        .service(discipline::record)
        .service(discipline::list)
        .service(discipline::annul)
        .service(discipline::attachment)
        .service(discipline::mine)
        .service(rules::get_policy)
        .service(rules::put_policy)
        .service(rules::at_risk)
        .service(notifications::list)
        .service(notifications::read)
        .service(notifications::outbox_list)
        .service(notifications::upload)
        .service(certificates::completion)
        .service(certificates::decide)
        .service(certificates::my_completion)
        .service(certificates::issue_all)
        .service(certificates::list)
        .service(certificates::zip)
        .service(certificates::pdf)
        .service(certificates::revoke)
        .service(certificates::reissue)
        .service(certificates::mine)
        .service(certificates::my_pdf)
        .service(certificates::public)
        .service(reports::units)
        .service(reports::unit_report)
        .service(reports::summary)
        .service(archive::mine)
        .service(archive::person)
        .service(archive::export)
        .service(audit::list)
        .service(audit::export_class);
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
