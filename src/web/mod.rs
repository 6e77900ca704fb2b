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

/// A QR code as PNG.
pub fn qr_png(data: &str, size: u32) -> crate::error::AppResult<Vec<u8>> {
    let internal = |e: &dyn std::fmt::Display| crate::error::AppError::internal(anyhow::anyhow!("qr png: {e}"));
    let code =
        qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M).map_err(|e| internal(&e))?;
    let image = code.render::<image::Luma<u8>>().min_dimensions(size, size).build();
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).map_err(|e| internal(&e))?;
    Ok(out.into_inner())
}

/// A QR code as inline SVG.
pub fn qr_svg(data: &str, size: u32) -> crate::error::AppResult<String> {
    let code = qrcode::QrCode::with_error_correction_level(data.as_bytes(), qrcode::EcLevel::M)
        .map_err(|e| crate::error::AppError::internal(anyhow::anyhow!("qr: {e}")))?;
    Ok(code.render::<qrcode::render::svg::Color<'_>>().min_dimensions(size, size).quiet_zone(true).build())
}
