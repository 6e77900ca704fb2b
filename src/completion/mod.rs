//! What a class asks of its trainees: the leave approval chain and the limits on leave, 旷课 and lateness
//! (`policy`), the facts about one trainee gathered from attendance and discipline (`facts`), and the pure
//! arithmetic that compares them (`standing`). Warnings, the at-risk list and certificate decisions all read
//! the same functions, so they never disagree.

pub mod decide;
pub mod facts;
pub mod policy;
pub mod service;
pub mod standing;

pub use facts::Facts;
pub use policy::{ClassPolicy, CompletionPolicy, LeaveApproval, LeaveFraction, online_cap};
pub use standing::{Threshold, thresholds};
