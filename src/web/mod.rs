//! Server-rendered pages (Chinese, mobile-first, no external CDN): the printable invite sheet, the H5 binding page,
//! the H5 check-in page behind every classroom QR code, and the trainee's own page (`/h5/me`). Registered outside
//! `/api/v1`.

pub mod bind;
pub mod me;
pub mod monitor;
pub mod print;
pub mod scan;
pub mod screen;
pub mod verify;

use actix_web::web;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/print/classes/{class_id}/invites").route(web::get().to(print::invite_sheet)))
        .service(web::resource("/print/classes/{class_id}/notice").route(web::get().to(print::daily_notice)))
        .service(web::resource("/print/classes/{class_id}/notice.pdf").route(web::get().to(print::daily_notice_pdf)))
        .service(web::resource("/h5/bind").route(web::get().to(bind::page)))
        .service(web::resource("/h5/me").route(web::get().to(me::page)))
        .service(web::resource("/c/{token}").route(web::get().to(scan::page)))
        .service(web::resource("/screen/{session_id}").route(web::get().to(screen::page)))
        .service(web::resource("/staff/sessions/{session_id}").route(web::get().to(monitor::page)))
        .service(web::resource("/verify/{code}").route(web::get().to(verify::show)));
}

/// Escapes text for HTML.
pub fn esc(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}
