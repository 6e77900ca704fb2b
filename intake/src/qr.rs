//! The bytes of a rotating QR token: `base64url(version ‖ session id (16 bytes) ‖ step (8 bytes, big-endian) ‖
//! MAC (16 bytes))`, and the token inside whatever a phone scanned. Decoding checks the shape only; the service
//! checks the MAC.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use uuid::Uuid;

pub const VERSION: u8 = 1;
pub const MAC_LEN: usize = 16;
const RAW_LEN: usize = 1 + 16 + 8 + MAC_LEN;
/// Longer text cannot be a token; it is not even decoded.
const MAX_TEXT: usize = 2 * RAW_LEN;

/// A token taken apart, not yet verified.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RawToken {
    pub session_id: Uuid,
    pub step: u64,
    pub mac: [u8; MAC_LEN],
}

impl RawToken {
    /// The token's parts, when `text` has a token's shape.
    pub fn decode(text: &str) -> Option<RawToken> {
        let text = text.trim();
        if text.len() > MAX_TEXT {
            return None;
        }
        let raw = URL_SAFE_NO_PAD.decode(text.as_bytes()).ok()?;
        if raw.len() != RAW_LEN || raw[0] != VERSION {
            return None;
        }
        let session_id = Uuid::from_slice(&raw[1..17]).ok()?;
        let step = u64::from_be_bytes(raw[17..25].try_into().ok()?);
        let mac = raw[25..].try_into().ok()?;
        Some(RawToken { session_id, step, mac })
    }

    pub fn encode(&self) -> String {
        let mut raw = Vec::with_capacity(RAW_LEN);
        raw.push(VERSION);
        raw.extend_from_slice(self.session_id.as_bytes());
        raw.extend_from_slice(&self.step.to_be_bytes());
        raw.extend_from_slice(&self.mac);
        URL_SAFE_NO_PAD.encode(raw)
    }
}

/// The token part of what was scanned: a bare token, or a `…/c/{token}` URL (query and fragment ignored).
pub fn token_text(scanned: &str) -> &str {
    let s = scanned.trim();
    let s = s.split(['?', '#']).next().unwrap_or(s);
    s.rsplit_once("/c/").map(|(_, t)| t.trim_end_matches('/')).unwrap_or(s)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn a_scanned_url_or_a_bare_token_gives_the_token() {
        assert_eq!(token_text(" https://kq.example.cn/c/AbC_12-x?from=wx#top "), "AbC_12-x");
        assert_eq!(token_text("https://kq.example.cn/c/AbC/"), "AbC");
        assert_eq!(token_text("AbC"), "AbC");
    }

    proptest! {
        #[test]
        fn any_text_decodes_without_panicking(text in any::<String>()) {
            let _ = RawToken::decode(&text);
            let _ = RawToken::decode(token_text(&text));
        }

        #[test]
        fn an_encoded_token_decodes_to_itself(id in any::<u128>(), step in any::<u64>(), mac in any::<[u8; 16]>()) {
            let token = RawToken { session_id: Uuid::from_u128(id), step, mac };
            prop_assert_eq!(RawToken::decode(&token.encode()), Some(token));
            prop_assert_eq!(RawToken::decode(token_text(&format!("https://x.cn/c/{}", token.encode()))), Some(token));
        }
    }
}
