use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000008_create_class_session::ClassSession;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Manual open/close of check-in by staff, and when absences were marked after the window closed.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite takes one ADD COLUMN per statement.
        for col in [Extra::OpenedAt, Extra::ClosedAt, Extra::AbsencesMarkedAt] {
            manager
                .alter_table(
                    Table::alter().table(ClassSession::Table).add_column(timestamp_with_time_zone_null(col)).to_owned(),
                )
                .await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for col in [Extra::OpenedAt, Extra::ClosedAt, Extra::AbsencesMarkedAt] {
            manager.alter_table(Table::alter().table(ClassSession::Table).drop_column(col).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
#[allow(clippy::enum_variant_names)] // column names
enum Extra {
    OpenedAt,
    ClosedAt,
    AbsencesMarkedAt,
}
