//! Attendance facts: one per (session, trainee), how the status follows from the scan time, staff corrections,
//! absent-at-close, and the trainee's own record.

pub mod close;
pub mod model;
pub mod notice;
pub mod service;

pub use model::{AttendanceStatus, WindowState};
