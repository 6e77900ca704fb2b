use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000008_create_class_session::ClassSession;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Credentials for a classroom PC or projector: limited to one session's QR and counts, expiring with the session,
/// revocable. Only the SHA-256 of the key is stored.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ScreenLink::Table)
                    .if_not_exists()
                    .col(pk_uuid(ScreenLink::Id))
                    .col(uuid(ScreenLink::SessionId))
                    .col(string_len_uniq(ScreenLink::KeyHash, 64))
                    .col(uuid(ScreenLink::CreatedBy))
                    .col(timestamp_with_time_zone(ScreenLink::CreatedAt))
                    .col(timestamp_with_time_zone(ScreenLink::ExpiresAt))
                    .col(timestamp_with_time_zone_null(ScreenLink::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ScreenLink::Table, ScreenLink::SessionId)
                            .to(ClassSession::Table, ClassSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ScreenLink::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ScreenLink {
    Table,
    Id,
    SessionId,
    KeyHash,
    CreatedBy,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}
