//! Online live classes (线上直播课): attendance by watched time. A meeting platform's export (or our own join
//! records) gives each viewer's join intervals; matched to the roster, clipped to the scheduled window and merged,
//! they become attendance by the class's rule.

pub mod export;
pub mod matching;
pub mod service;
pub mod watch;

pub use watch::{Interval, OnlineRule, Watched};
