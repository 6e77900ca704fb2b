//! Whatever a phone scanned: the token is found and decoded or refused, and a decoded token encodes back to the
//! same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_intake::qr::{RawToken, token_text};

fuzz_target!(|data: &[u8]| {
    let Ok(scanned) = std::str::from_utf8(data) else { return };
    let text = token_text(scanned);
    if let Some(token) = RawToken::decode(text) {
        assert_eq!(RawToken::decode(&token.encode()), Some(token));
    }
});
