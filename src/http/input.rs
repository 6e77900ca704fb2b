//! One guard for text that no field may hold: the NUL character. PostgreSQL refuses it in text columns (SQLite
//! keeps it and truncates on read), so without this check any JSON field, query parameter or path segment carrying
//! `\u0000` or `%00` turned into a 500, the unauthenticated login included. Checking here, before any extractor,
//! covers every route, present and future, at the cost of one scan over bodies that are at most a few KiB.

use actix_web::HttpMessage;
use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::web::Bytes;
use futures_util::StreamExt;

use crate::error::{AppError, ErrorCode};

/// The JSON body of the request, as read by [`refuse_nul`]: what `error::json_error` looks in to name a field.
#[derive(Clone)]
pub struct JsonBody(pub Bytes);

/// `%00` in a percent-encoded path or query.
fn has_encoded_nul(text: &str) -> bool {
    text.as_bytes().windows(3).any(|w| w[0] == b'%' && w[1] == b'0' && w[2] == b'0')
}

/// A NUL in a JSON text: a raw 0 byte, or a `\u0000` escape (an escaped backslash before `u0000` is text).
pub fn json_has_nul(body: &[u8]) -> bool {
    if body.contains(&0) {
        return true;
    }
    let mut i = 0;
    while let Some(pos) = find(&body[i..], b"u0000") {
        let at = i + pos;
        let backslashes = body[..at].iter().rev().take_while(|b| **b == b'\\').count();
        if backslashes % 2 == 1 {
            return true;
        }
        i = at + 1;
    }
    false
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w.eq_ignore_ascii_case(needle))
}

fn nul_error(code: ErrorCode) -> AppError {
    AppError::with_message(code, "提交的内容中含有不允许的空字符（\\u0000），请删除后重试")
}

fn scans_body(req: &ServiceRequest) -> Option<bool> {
    let content_type = req.headers().get(header::CONTENT_TYPE)?.to_str().ok()?.to_ascii_lowercase();
    if content_type.starts_with("application/json") || content_type.contains("+json") {
        Some(true)
    } else if content_type.starts_with("application/x-www-form-urlencoded") {
        Some(false)
    } else {
        None
    }
}

/// Refuses a request whose path, query or JSON/form body carries a NUL, with 400 before any handler runs.
/// Bodies are read up to `limit` bytes; a larger one is answered 413 here, as the JSON extractor would.
pub async fn refuse_nul<B: MessageBody>(
    limit: usize,
    mut req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<EitherBody<B>>, actix_web::Error> {
    if let Err(refusal) = check(limit, &mut req).await {
        return Ok(req.error_response(refusal).map_into_right_body());
    }
    next.call(req).await.map(ServiceResponse::map_into_left_body)
}

async fn check(limit: usize, req: &mut ServiceRequest) -> Result<(), AppError> {
    if has_encoded_nul(req.uri().path()) {
        return Err(nul_error(ErrorCode::InvalidPath));
    }
    if has_encoded_nul(req.query_string()) {
        return Err(nul_error(ErrorCode::InvalidQuery));
    }
    let Some(json) = scans_body(req) else { return Ok(()) };
    let mut payload = req.take_payload();
    let mut body = Vec::new();
    while let Some(chunk) = payload.next().await {
        let chunk = chunk.map_err(|e| AppError::new(ErrorCode::InvalidJson).caused_by(e))?;
        if body.len() + chunk.len() > limit {
            return Err(AppError::new(ErrorCode::PayloadTooLarge));
        }
        body.extend_from_slice(&chunk);
    }
    let nul = if json { json_has_nul(&body) } else { has_encoded_nul(&String::from_utf8_lossy(&body)) };
    let body = Bytes::from(body);
    if json {
        // Kept (a reference, not a copy) so a refusal of the body can name the field it is about.
        req.extensions_mut().insert(JsonBody(body.clone()));
    }
    req.set_payload(body.into());
    if nul { Err(nul_error(ErrorCode::ValidationFailed)) } else { Ok(()) }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn nul_escapes_are_found_and_escaped_backslashes_are_not() {
        let cases: [(&[u8], bool, &str); 7] = [
            (br#"{"name":"a\u0000b"}"#, true, "an escaped NUL"),
            (br#"{"name":"a\U0000b"}"#, true, "upper-case escape"),
            (br#"{"name":"a\\u0000b"}"#, false, "an escaped backslash, then text"),
            (br#"{"name":"a\\\u0000b"}"#, true, "an escaped backslash, then an escaped NUL"),
            (b"{\"name\":\"a\x00b\"}", true, "a raw NUL byte"),
            (br#"{"name":"u0000"}"#, false, "the letters alone"),
            ("{\"name\":\"张三\"}".as_bytes(), false, "ordinary text"),
        ];
        for (body, want, why) in cases {
            assert_eq!(json_has_nul(body), want, "{why}");
        }
    }

    proptest! {
        #[test]
        fn the_scan_agrees_with_a_json_parser(text in any::<String>()) {
            let body = serde_json::to_vec(&serde_json::json!({ "t": text })).unwrap();
            prop_assert_eq!(json_has_nul(&body), text.contains('\0'));
        }
    }
}
