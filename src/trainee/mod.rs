//! How a trainee's phone proves who they are (WeChat mini program login, or an invite code in any phone browser),
//! and what a trainee sees of their own classes.

pub mod service;
pub mod ticket;

pub use service::{MyEnrollment, TraineeLogin, TraineeMe, WechatOutcome};
