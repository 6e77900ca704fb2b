//! Completion (结业) and certificates: the live decision per trainee (rules + administrators' overrides), issuing
//! certificates with a serial and a verification code, the certificate PDF, public verification and revocation.

pub mod decision;
pub mod files;
pub mod issue;
pub mod pdf;
pub mod verify;

pub use decision::{CompletionEntry, CompletionStatus};
