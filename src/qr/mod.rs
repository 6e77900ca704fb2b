//! Rotating QR tokens: pure functions of the master secret, the session and the clock.

pub mod display;
pub mod token;

pub use token::{Freshness, QrToken};
