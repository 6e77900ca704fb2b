//! Invite codes: 10 characters from an alphabet without look-alikes (no 0/O, 1/I/L). Each is derived from a random
//! per-enrolment salt and the master secret (HMAC-SHA256), and only its SHA-256 is stored: the staff's invite sheet
//! can be printed again, while the database alone never reveals a code.

use rand::RngCore;
use secrecy::SecretString;
use sha2::{Digest, Sha256};

use crate::error::AppResult;

pub const ALPHABET: &[u8] = b"23456789ABCDEFGHJKMNPQRSTUVWXYZ";
pub const CODE_LEN: usize = 10;

/// A fresh random salt (hex).
pub fn new_salt() -> String {
    let mut bytes = [0u8; 16];
    rand::rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

/// The code for a salt under the master secret.
pub fn derive(secret: &SecretString, salt: &str) -> AppResult<String> {
    let digest = crate::crypto::mac(secret, "invite", &[salt.as_bytes()])?;
    let mut first = [0u8; 16];
    first.copy_from_slice(&digest[..16]);
    let mut n = u128::from_be_bytes(first);
    let base = ALPHABET.len() as u128;
    Ok((0..CODE_LEN)
        .map(|_| {
            let c = ALPHABET[(n % base) as usize] as char;
            n /= base;
            c
        })
        .collect())
}

/// What a person typed, normalised: upper case, spaces and dashes removed. `None` when it cannot be a code.
pub fn normalise(typed: &str) -> Option<String> {
    let code: String = typed.chars().filter(|c| !matches!(c, ' ' | '-')).collect::<String>().to_ascii_uppercase();
    (code.len() == CODE_LEN && code.bytes().all(|b| ALPHABET.contains(&b))).then_some(code)
}

/// The stored form of a code.
pub fn hash(code: &str) -> String {
    hex::encode(Sha256::digest(code.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret() -> SecretString {
        SecretString::from("s".repeat(40))
    }

    #[test]
    fn codes_avoid_look_alikes_and_are_stable_per_salt() {
        let salt = new_salt();
        let code = derive(&secret(), &salt).unwrap();
        assert_eq!(code.len(), CODE_LEN);
        assert!(!code.contains(['0', 'O', '1', 'I', 'L']));
        assert_eq!(code, derive(&secret(), &salt).unwrap());
        assert_ne!(code, derive(&secret(), &new_salt()).unwrap());
        assert_ne!(code, derive(&SecretString::from("t".repeat(40)), &salt).unwrap());
    }

    #[test]
    fn typed_codes_are_normalised() {
        let code = derive(&secret(), "abc").unwrap();
        let typed = format!("{}-{}", &code[..5].to_lowercase(), &code[5..]);
        assert_eq!(normalise(&typed).as_deref(), Some(code.as_str()));
        assert_eq!(normalise("0000000000"), None);
        assert_eq!(normalise("ABC"), None);
    }
}
