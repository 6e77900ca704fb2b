//! The timetable: a class's sessions (课程) with their 学时, place, geofence and check-in window.

pub mod import;
pub mod model;
pub mod service;
pub mod window;

pub use model::{CheckWindow, CoordSystem, Geofence, SessionKind, SessionView};
