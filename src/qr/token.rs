//! token = base64url(version ‖ session id (16 bytes) ‖ step (8 bytes, big-endian) ‖ HMAC-SHA256 truncated to 16
//! bytes), under a per-session key derived from the master secret. The step is the number of rotation periods
//! since the Unix epoch. The current and the previous step are accepted, with a small allowance for the screen's
//! and the server's clocks disagreeing; anything older is expired. Verifying needs no database and no Redis.

use chrono::{DateTime, Duration, TimeZone, Utc};
use rollcall_intake::qr::{MAC_LEN, RawToken, VERSION};
use secrecy::SecretString;
use uuid::Uuid;

use crate::crypto;
use crate::error::AppResult;

/// How far the screen's clock and the server's may disagree.
pub const SKEW: Duration = Duration::seconds(2);

/// A token whose MAC has been checked: it was minted by rollcall for this session and step.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QrToken {
    pub session_id: Uuid,
    pub step: u64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Freshness {
    Fresh,
    Expired,
    /// From a step that has not begun yet (beyond the clock allowance): not a token rollcall showed.
    Future,
}

/// The rotation step at `now`.
pub fn step_at(now: DateTime<Utc>, rotation_s: u32) -> u64 {
    let period = i64::from(rotation_s.max(1)) * 1000;
    u64::try_from(now.timestamp_millis().max(0) / period).unwrap_or(0)
}

/// When a step's code stops being shown (the next step begins). It stays acceptable one step longer.
pub fn step_ends(step: u64, rotation_s: u32) -> DateTime<Utc> {
    let ms = i64::try_from((step + 1).saturating_mul(u64::from(rotation_s.max(1)) * 1000)).unwrap_or(i64::MAX);
    Utc.timestamp_millis_opt(ms).single().unwrap_or(DateTime::<Utc>::MAX_UTC)
}

fn session_key(secret: &SecretString, session_id: Uuid) -> AppResult<[u8; 32]> {
    crypto::mac(secret, "qr-session-key", &[session_id.as_bytes()])
}

fn tag(secret: &SecretString, session_id: Uuid, step: u64) -> AppResult<[u8; 32]> {
    let key = session_key(secret, session_id)?;
    crypto::mac_with_key(&key, "qr", &[&[VERSION], session_id.as_bytes(), &step.to_be_bytes()])
}

/// The token for a session at a step.
pub fn mint(secret: &SecretString, session_id: Uuid, step: u64) -> AppResult<String> {
    let mut mac = [0u8; MAC_LEN];
    mac.copy_from_slice(&tag(secret, session_id, step)?[..MAC_LEN]);
    Ok(RawToken { session_id, step, mac }.encode())
}

impl QrToken {
    /// Decodes a token and checks its MAC in constant time. `None` for anything rollcall did not mint.
    pub fn parse(secret: &SecretString, text: &str) -> AppResult<Option<QrToken>> {
        let Some(raw) = RawToken::decode(text) else { return Ok(None) };
        let expected = tag(secret, raw.session_id, raw.step)?;
        let token = QrToken { session_id: raw.session_id, step: raw.step };
        Ok(crypto::verify(&expected[..MAC_LEN], &raw.mac).then_some(token))
    }

    /// The session a token names, without checking that rollcall minted it: for the attempt log only, so staff see
    /// tampering on the session it targets. Never a basis for accepting a scan.
    pub fn claimed_session(text: &str) -> Option<Uuid> {
        RawToken::decode(text).map(|raw| raw.session_id)
    }

    /// Whether the token may be used at `now` for a session rotating every `rotation_s` seconds.
    pub fn freshness(&self, now: DateTime<Utc>, rotation_s: u32) -> Freshness {
        let newest = step_at(now + SKEW, rotation_s);
        let oldest = step_at(now - SKEW, rotation_s).saturating_sub(1);
        if self.step > newest {
            Freshness::Future
        } else if self.step < oldest {
            Freshness::Expired
        } else {
            Freshness::Fresh
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("q".repeat(48))
    }

    fn at(secs: i64) -> DateTime<Utc> {
        Utc.timestamp_opt(1_795_000_000 + secs, 0).unwrap()
    }

    #[test]
    fn a_minted_token_parses_back() {
        let id = Uuid::now_v7();
        let step = step_at(at(0), 10);
        let token = mint(&secret(), id, step).unwrap();
        assert_eq!(QrToken::parse(&secret(), &token).unwrap(), Some(QrToken { session_id: id, step }));
        assert!(token.len() < 60, "short enough for a dense-free QR: {}", token.len());
    }

    #[test]
    fn changing_any_byte_breaks_the_token() {
        use base64::Engine;
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        let token = mint(&secret(), Uuid::now_v7(), 42).unwrap();
        let raw = URL_SAFE_NO_PAD.decode(&token).unwrap();
        for i in 0..raw.len() {
            for flip in [0x01u8, 0x80] {
                let mut bad = raw.clone();
                bad[i] ^= flip;
                let text = URL_SAFE_NO_PAD.encode(&bad);
                assert_eq!(QrToken::parse(&secret(), &text).unwrap(), None, "byte {i} flipped by {flip:#x}");
            }
        }
        assert_eq!(QrToken::parse(&secret(), &token[..token.len() - 1]).unwrap(), None, "truncated");
        assert_eq!(QrToken::parse(&secret(), "not a token").unwrap(), None);
        assert_eq!(QrToken::parse(&SecretString::from("z".repeat(48)), &token).unwrap(), None, "other secret");
    }

    #[test]
    fn the_current_and_previous_step_are_fresh_and_older_ones_expired() {
        let rotation = 10;
        let now = at(105); // step boundary at 100 s, far from the skew
        let current = step_at(now, rotation);
        let t = |step| QrToken { session_id: Uuid::nil(), step };
        assert_eq!(t(current).freshness(now, rotation), Freshness::Fresh);
        assert_eq!(t(current - 1).freshness(now, rotation), Freshness::Fresh);
        assert_eq!(t(current - 2).freshness(now, rotation), Freshness::Expired);
        assert_eq!(t(current + 1).freshness(now, rotation), Freshness::Future);
    }

    #[test]
    fn the_clock_allowance_covers_a_screen_slightly_ahead_or_behind() {
        let rotation = 10;
        let t = |step| QrToken { session_id: Uuid::nil(), step };
        // 1 s before a boundary, a screen 1.5 s fast already shows the next step.
        let now = at(99);
        assert_eq!(t(step_at(now, rotation) + 1).freshness(now, rotation), Freshness::Fresh);
        // 1 s after a boundary, the code two steps back was shown until 1 s ago: still within the allowance.
        let now = at(101);
        assert_eq!(t(step_at(now, rotation) - 2).freshness(now, rotation), Freshness::Fresh);
        // 3 s after, it is not.
        let now = at(103);
        assert_eq!(t(step_at(now, rotation) - 2).freshness(now, rotation), Freshness::Expired);
    }
}
