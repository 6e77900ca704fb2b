//! sea-orm entities, one per table. Domain modules wrap these; no entity type crosses the HTTP boundary.
pub mod attendance;
pub mod audit_log;
pub mod auth_token;
pub mod checkin_attempt;
pub mod class_session;
pub mod class_staff;
pub mod enrollment;
pub mod person;
pub mod screen_link;
pub mod staff_account;
pub mod training_class;
