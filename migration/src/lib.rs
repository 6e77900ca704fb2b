//! Database migrations for rollcall. One file per change; never edit an applied one.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_staff_account;
mod m20261126_000002_create_auth_token;
mod m20261126_000003_create_audit_log;
mod m20261126_000004_create_training_class;
mod m20261126_000005_create_class_staff;
mod m20261126_000006_create_person;
mod m20261126_000007_create_enrollment;
mod m20261126_000008_create_class_session;
mod m20261126_000009_alter_class_session_add_window_state;
mod m20261126_000010_create_attendance;
mod m20261126_000011_create_checkin_attempt;
mod m20261126_000012_create_screen_link;
mod m20261126_000013_create_attachment;
mod m20261126_000014_create_leave_request;
mod m20261126_000015_create_discipline_record;
mod m20261126_000016_create_notification_tables;
mod m20261126_000017_create_certificate_tables;
mod m20261202_000001_alter_audit_log_add_class_id;
mod m20261202_000002_create_audit_log_append_only_triggers;
mod m20261203_000001_create_online_tables;
mod m20261203_000002_create_evaluation_tables;
mod m20261204_000001_evaluation_teachers_and_defaults;
mod m20261204_000002_enrollment_privacy_notice;
mod m20261204_000003_person_erased_at;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_staff_account::Migration),
            Box::new(m20261126_000002_create_auth_token::Migration),
            Box::new(m20261126_000003_create_audit_log::Migration),
            Box::new(m20261126_000004_create_training_class::Migration),
            Box::new(m20261126_000005_create_class_staff::Migration),
            Box::new(m20261126_000006_create_person::Migration),
            Box::new(m20261126_000007_create_enrollment::Migration),
            Box::new(m20261126_000008_create_class_session::Migration),
            Box::new(m20261126_000009_alter_class_session_add_window_state::Migration),
            Box::new(m20261126_000010_create_attendance::Migration),
            Box::new(m20261126_000011_create_checkin_attempt::Migration),
            Box::new(m20261126_000012_create_screen_link::Migration),
            Box::new(m20261126_000013_create_attachment::Migration),
            Box::new(m20261126_000014_create_leave_request::Migration),
            Box::new(m20261126_000015_create_discipline_record::Migration),
            Box::new(m20261126_000016_create_notification_tables::Migration),
            Box::new(m20261126_000017_create_certificate_tables::Migration),
            Box::new(m20261202_000001_alter_audit_log_add_class_id::Migration),
            Box::new(m20261202_000002_create_audit_log_append_only_triggers::Migration),
            Box::new(m20261203_000001_create_online_tables::Migration),
            Box::new(m20261203_000002_create_evaluation_tables::Migration),
            Box::new(m20261204_000001_evaluation_teachers_and_defaults::Migration),
            Box::new(m20261204_000002_enrollment_privacy_notice::Migration),
            Box::new(m20261204_000003_person_erased_at::Migration),
        ]
    }
}
