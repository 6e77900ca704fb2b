//! Database migrations for rollcall. One file per change; never edit an applied one.
pub use sea_orm_migration::prelude::*;

mod m20261126_000001_create_staff_account;
mod m20261126_000002_create_auth_token;
mod m20261126_000003_create_audit_log;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261126_000001_create_staff_account::Migration),
            Box::new(m20261126_000002_create_auth_token::Migration),
            Box::new(m20261126_000003_create_audit_log::Migration),
        ]
    }
}
