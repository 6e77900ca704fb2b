//! The pages' stylesheet and scripts (`assets/`), embedded in the binary and served under a name that carries the
//! first 8 hex digits of the SHA-256 of their content (`/assets/app.3f9a1c2e.js`), with
//! `Cache-Control: public, max-age=31536000, immutable`: a browser or proxy keeps a file for a year, and a changed
//! file gets a new name, which the pages (rendered per request, never stored) point at. Old names answer 404.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::{HttpResponse, web};
use sha2::{Digest, Sha256};

use crate::error::{AppError, AppResult, ErrorCode};

const CSS: &str = "text/css; charset=utf-8";
const JS: &str = "text/javascript; charset=utf-8";

/// A file under `assets/`, as the binary holds it.
pub struct Asset {
    name: &'static str,
    content_type: &'static str,
    body: &'static [u8],
    url: OnceLock<String>,
}

macro_rules! asset {
    ($name:literal, $content_type:expr) => {
        Asset {
            name: $name,
            content_type: $content_type,
            body: include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/", $name)),
            url: OnceLock::new(),
        }
    };
}

/// The one stylesheet of every page.
pub static APP_CSS: Asset = asset!("app.css", CSS);
/// What the script-driven pages share: API calls, logins, the device id, China time.
pub static APP_JS: Asset = asset!("app.js", JS);
pub static BIND_JS: Asset = asset!("bind.js", JS);
/// The console's confirmations and copy buttons.
pub static CONSOLE_JS: Asset = asset!("console.js", JS);
pub static ME_JS: Asset = asset!("me.js", JS);
pub static MONITOR_JS: Asset = asset!("monitor.js", JS);
pub static PRINT_JS: Asset = asset!("print.js", JS);
pub static SCAN_JS: Asset = asset!("scan.js", JS);
pub static SCREEN_JS: Asset = asset!("screen.js", JS);
/// htmx 2.0.11 as published (BSD Zero Clause, `assets/vendor/htmx-LICENSE.txt`): the console's partial updates.
pub static HTMX_JS: Asset = asset!("vendor/htmx-2.0.11.min.js", JS);

static ALL: [&Asset; 10] =
    [&APP_CSS, &APP_JS, &BIND_JS, &CONSOLE_JS, &ME_JS, &MONITOR_JS, &PRINT_JS, &SCAN_JS, &SCREEN_JS, &HTMX_JS];

const PREFIX: &str = "/assets/";

impl Asset {
    /// Where pages link to it: `/assets/app.3f9a1c2e.css` for `app.css`.
    /// Files in a folder under `assets/` (vendored code) are served by their own name.
    pub fn url(&self) -> &str {
        self.url.get_or_init(|| {
            let hash = hex::encode(&Sha256::digest(self.body)[..4]);
            let name = self.name.rsplit('/').next().unwrap_or(self.name);
            match name.rsplit_once('.') {
                Some((stem, ext)) => format!("{PREFIX}{stem}.{hash}.{ext}"),
                None => format!("{PREFIX}{name}.{hash}"),
            }
        })
    }

    fn file_name(&self) -> &str {
        self.url().strip_prefix(PREFIX).unwrap_or_default()
    }
}

/// The tab icon (红底白字“勤”, 16/32/48 px), answered at `/favicon.ico`, where browsers ask for it on every page.
static FAVICON: &[u8] = include_bytes!(concat!(env!("CARGO_MANIFEST_DIR"), "/assets/favicon.ico"));

/// `GET /favicon.ico`.
pub async fn favicon() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("image/x-icon")
        .insert_header((header::CACHE_CONTROL, "public, max-age=86400"))
        .body(FAVICON)
}

/// `GET /assets/{file}`: the asset whose hashed name this is.
pub async fn serve(file: web::Path<String>) -> AppResult<HttpResponse> {
    let asset =
        ALL.iter().find(|a| a.file_name() == file.as_str()).ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    Ok(HttpResponse::Ok()
        .content_type(asset.content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
        .body(asset.body))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_asset_is_served_under_a_name_with_its_content_hash() {
        for asset in ALL {
            let name = asset.name.rsplit('/').next().unwrap();
            let (stem, ext) = name.rsplit_once('.').expect("an extension");
            let hash = hex::encode(&Sha256::digest(asset.body)[..4]);
            assert_eq!(asset.url(), format!("/assets/{stem}.{hash}.{ext}"), "{}", asset.name);
            assert!(!asset.body.is_empty(), "{} is empty", asset.name);
        }
        let mut names: Vec<_> = ALL.iter().map(|a| a.file_name()).collect();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), ALL.len(), "no two assets share a name");
    }
}
