//! What the classroom screen shows: the current token of a session while check-in (or check-out) is open.

use chrono::{DateTime, Utc};
use secrecy::SecretString;
use serde::Serialize;

use super::token;
use crate::entity::class_session;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::timetable::window::{WindowState, checkout_open, window_state};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct QrView {
    pub token: String,
    /// What the QR encodes: opens the H5 check-in page; the mini program reads the token from it.
    pub url: String,
    /// When the screen should show the next code.
    pub expires_at: DateTime<Utc>,
    pub rotation_seconds: i32,
    /// The check-in window; a closed one still shows a code while check-out is possible.
    pub window: WindowState,
    /// What a scan now does: `check_in` or `check_out`.
    pub mode: &'static str,
}

/// The code to show now, or why there is none.
pub fn current(
    secret: &SecretString,
    base_url: &str,
    session: &class_session::Model,
    now: DateTime<Utc>,
) -> AppResult<QrView> {
    let window = window_state(session, now);
    let mode = match window {
        WindowState::Open => "check_in",
        _ if checkout_open(session, now) => "check_out",
        WindowState::NotOpen => return Err(AppError::new(ErrorCode::SessionNotOpen)),
        WindowState::Closed => return Err(AppError::new(ErrorCode::SessionClosed)),
    };
    let rotation = u32::try_from(session.rotation_seconds).unwrap_or(10);
    let step = token::step_at(now, rotation);
    let token = token::mint(secret, session.id, step)?;
    Ok(QrView {
        url: format!("{base_url}/c/{token}"),
        token,
        expires_at: token::step_ends(step, rotation),
        rotation_seconds: session.rotation_seconds,
        window,
        mode,
    })
}
