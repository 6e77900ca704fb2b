//! Keyed hashing under the master secret, shared by invite codes, binding tickets and (later) QR tokens and
//! screen links. Each use passes its own domain label so one MAC can never stand in for another.

use hmac::{Hmac, Mac};
use secrecy::{ExposeSecret, SecretString};
use sha2::Sha256;

use crate::error::{AppError, AppResult};

/// HMAC-SHA256(secret, label ‖ 0x00 ‖ each part ‖ 0x00).
pub fn mac(secret: &SecretString, label: &str, parts: &[&[u8]]) -> AppResult<[u8; 32]> {
    mac_with_key(secret.expose_secret().as_bytes(), label, parts)
}

/// The same construction under a raw key (e.g. a per-session key derived with [`mac`]).
pub fn mac_with_key(key: &[u8], label: &str, parts: &[&[u8]]) -> AppResult<[u8; 32]> {
    let mut mac =
        Hmac::<Sha256>::new_from_slice(key).map_err(|e| AppError::internal(anyhow::anyhow!("hmac key: {e}")))?;
    mac.update(label.as_bytes());
    mac.update(&[0]);
    for part in parts {
        mac.update(part);
        mac.update(&[0]);
    }
    Ok(mac.finalize().into_bytes().into())
}

/// Constant-time comparison of a received MAC against the expected one.
pub fn verify(expected: &[u8], received: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    expected.len() == received.len() && bool::from(expected.ct_eq(received))
}
