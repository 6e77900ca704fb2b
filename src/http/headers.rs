//! Security headers on every answer, from one place.
//!
//! - Pages get a Content-Security-Policy that allows only this origin's scripts, styles, images and connections,
//!   and never framing (the classroom screen may be framed by this origin only). No page carries inline script,
//!   inline event handlers or inline style (they are files under `assets/`, see `web::assets`), so neither
//!   `script-src` nor `style-src` allows `'unsafe-inline'`: injected markup can neither run nor restyle a page.
//!   The one exception is the API documentation (`/api-docs/`, Swagger UI, not ours): its bundle adds a `<style>`
//!   element, so its policy allows inline styles; inline script stays refused there too.
//! - Everything else (JSON, files) gets `default-src 'none'`: nothing in it may run or load.
//! - Every answer: `nosniff`, `Referrer-Policy: no-referrer` (invite codes and signed links sit in URLs), and
//!   `Cache-Control: no-store` unless the handler chose its own caching, so no phone number, invite code or token
//!   stays in a browser or proxy cache.

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::middleware::Next;

const PAGE_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";
const SCREEN_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; \
    connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'self'";
const DOCS_POLICY: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
    img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; \
    frame-ancestors 'none'";
const DATA_POLICY: &str = "default-src 'none'; frame-ancestors 'none'";

/// The classroom big screen may be embedded by rollcall's own pages (a console preview); nothing else may be.
fn framable_by_self(path: &str) -> bool {
    path.starts_with("/screen/")
}

pub async fn security_headers(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let framable = framable_by_self(req.path());
    let docs = req.path().starts_with("/api-docs/");
    let mut res = next.call(req).await?;
    let is_page = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    let policy = match (is_page, framable, docs) {
        (false, _, _) => DATA_POLICY,
        (true, true, _) => SCREEN_POLICY,
        (true, false, true) => DOCS_POLICY,
        (true, false, false) => PAGE_POLICY,
    };
    apply(res.headers_mut(), policy, framable);
    Ok(res)
}

/// The headers of an error answer that left the middleware chain as an error (e.g. a passed deadline).
pub fn apply_to_error(headers: &mut HeaderMap) {
    apply(headers, DATA_POLICY, false);
}

fn apply(headers: &mut HeaderMap, policy: &'static str, framable: bool) {
    headers.insert(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(policy));
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static(if framable { "SAMEORIGIN" } else { "DENY" }));
    headers.insert(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("geolocation=(self), camera=(self), microphone=(), payment=()"),
    );
    if !headers.contains_key(header::CACHE_CONTROL) {
        headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
}
