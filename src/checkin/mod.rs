//! The check-in path: a trainee scans the classroom QR code and is marked present or late, exactly once.

pub mod attempts;
pub mod service;
pub mod writer;

pub use attempts::AttemptLog;
pub use service::{CheckinAnswer, CheckinKind, CheckinRequest, CheckinResult, Location};
pub use writer::CheckinWriter;
