//! Rotating QR tokens (pure functions of the master secret, the session and the clock), the code the classroom
//! screen shows now, and codes drawn as SVG or PNG.

pub mod display;
pub mod render;
pub mod token;

pub use token::{Freshness, QrToken};
