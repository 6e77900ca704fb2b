//! `spawn_app()`: a real server on port 0 with its own database (a SQLite file in a temp dir, or a fresh
//! PostgreSQL database with the real migrations), its own Redis key prefix, and a clock the test controls.
//! `TEST_LOG=1` shows the server's logs (as zero2prod does); otherwise they are dropped.

mod app;
mod fixtures;
mod services;
mod sse;

pub use app::*;
pub use fixtures::*;
pub use services::*;
pub use sse::*;
