//! Argon2id password hashing, off the async runtime (it is deliberately slow).

use std::sync::OnceLock;

use argon2::Argon2;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng};

use crate::error::{AppError, AppResult};

pub async fn hash(password: &str) -> AppResult<String> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || hash_blocking(&password)).await?
}

fn hash_blocking(password: &str) -> AppResult<String> {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .map(|h| h.to_string())
        .map_err(|e| AppError::internal(anyhow::anyhow!("argon2 hash failed: {e}")))
}

/// Verifies `password` against `stored`; with no stored hash it verifies against a dummy so that an unknown
/// username takes as long as a wrong password.
pub async fn verify(stored: Option<String>, password: &str) -> AppResult<bool> {
    let password = password.to_owned();
    tokio::task::spawn_blocking(move || {
        let dummy;
        let stored = match stored {
            Some(s) => s,
            None => {
                dummy = dummy_hash()?;
                dummy.clone()
            }
        };
        let parsed = PasswordHash::new(&stored).map_err(|e| AppError::internal(anyhow::anyhow!("bad hash: {e}")))?;
        Ok(Argon2::default().verify_password(password.as_bytes(), &parsed).is_ok())
    })
    .await?
}

fn dummy_hash() -> AppResult<&'static String> {
    static DUMMY: OnceLock<String> = OnceLock::new();
    if let Some(h) = DUMMY.get() {
        return Ok(h);
    }
    let h = hash_blocking("rollcall-dummy-password")?;
    Ok(DUMMY.get_or_init(|| h))
}
