//! The roster: people (one record across classes, matched by phone), their enrolment in a class, importing and
//! exporting spreadsheets, and the invite codes that let a trainee's phone prove who they are.

pub mod import;
pub mod invite;
pub mod model;
pub mod service;

pub use model::{PersonFields, RosterEntry};
