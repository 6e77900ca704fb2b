//! QR codes as pictures: SVG for the pages and the classroom screen, PNG for downloads. The certificate PDF draws
//! the modules of [`code`] itself. Error correction M everywhere, so a projected or printed code still scans.

use qrcode::{EcLevel, QrCode};

use crate::error::{AppError, AppResult};

fn internal(what: &str, e: &dyn std::fmt::Display) -> AppError {
    AppError::internal(anyhow::anyhow!("{what}: {e}"))
}

/// The code for `data` (a URL the phone opens).
pub fn code(data: &str) -> AppResult<QrCode> {
    QrCode::with_error_correction_level(data.as_bytes(), EcLevel::M).map_err(|e| internal("qr", &e))
}

/// The code as an SVG document at least `size` px square, with its quiet zone; safe to put into a page as is.
pub fn svg(data: &str, size: u32) -> AppResult<String> {
    Ok(code(data)?.render::<qrcode::render::svg::Color<'_>>().min_dimensions(size, size).quiet_zone(true).build())
}

/// The code as a greyscale PNG at least `size` px square.
pub fn png(data: &str, size: u32) -> AppResult<Vec<u8>> {
    let image = code(data)?.render::<image::Luma<u8>>().min_dimensions(size, size).build();
    let mut out = std::io::Cursor::new(Vec::new());
    image.write_to(&mut out, image::ImageFormat::Png).map_err(|e| internal("qr png", &e))?;
    Ok(out.into_inner())
}
