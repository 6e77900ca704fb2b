//! The pages (Chinese, mobile-first, nothing from another origin), registered outside `/api/v1`. Each is an
//! askama template under `templates/` on one layout, `base.html` (auto-escaped, checked when compiling); the one
//! stylesheet and the scripts under `assets/` are embedded in the binary and served by [`assets`] under names that
//! carry their hash. No page has inline script or style, so the page policy (`http::headers`) allows neither.
//!
//! - Rendered by the server from the domain: the printable invite sheet and daily notice ([`print`]) and the
//!   public certificate check ([`verify`]).
//! - Shells whose script talks to the JSON API ([`shells`]): binding a phone (`/h5/bind`), the check-in page behind
//!   every classroom QR (`/c/{token}`), the trainee's own page (`/h5/me`), the classroom big screen
//!   (`/screen/{session_id}`) and the staff monitor (`/staff/sessions/{session_id}`).

pub mod assets;
pub mod console;
pub mod print;
pub mod shells;
pub mod verify;

use actix_web::http::{StatusCode, header};
use actix_web::{HttpResponse, web};
use askama::Template;

use crate::error::{AppError, AppResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/print/classes/{class_id}/invites").route(web::get().to(print::invite_sheet)))
        .service(web::resource("/print/classes/{class_id}/notice").route(web::get().to(print::daily_notice)))
        .service(web::resource("/print/classes/{class_id}/notice.pdf").route(web::get().to(print::daily_notice_pdf)))
        .service(web::resource("/h5/bind").route(web::get().to(shells::bind)))
        .service(web::resource("/h5/me").route(web::get().to(shells::me)))
        .service(web::resource("/c/{token}").route(web::get().to(shells::scan)))
        .service(web::resource("/screen/{session_id}").route(web::get().to(shells::screen)))
        .service(web::resource("/staff/sessions/{session_id}").route(web::get().to(shells::monitor)))
        .service(web::resource("/verify").route(web::get().to(verify::lookup)))
        .service(web::resource("/verify/{code}").route(web::get().to(verify::show)))
        .service(web::resource("/favicon.ico").route(web::get().to(assets::favicon)))
        .service(web::resource("/assets/{file}").route(web::get().to(assets::serve)))
        .configure(console::configure);
}

/// A page as the answer: never stored, since every page shows someone's data or leads to it.
fn page(status: StatusCode, template: &impl Template) -> AppResult<HttpResponse> {
    let html = template.render().map_err(AppError::internal)?;
    Ok(HttpResponse::build(status)
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .body(html))
}
