//! Leave (请假): trainees ask, staff approve along the class's chain, approved leave marks the covered sessions
//! `leave`; staff record leave after the fact (补假).

pub mod chain;
pub mod model;
pub mod service;

pub use model::{LeaveKind, LeaveStatus, LeaveView};
