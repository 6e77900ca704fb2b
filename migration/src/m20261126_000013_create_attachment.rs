use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Images a trainee or staff member attaches (a sick note, evidence of a breach). Kept in the database, not on
/// a disk, because several stateless instances serve the same files.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attachment::Table)
                    .if_not_exists()
                    .col(pk_uuid(Attachment::Id))
                    .col(string_len(Attachment::OwnerKind, 16))
                    .col(uuid(Attachment::OwnerId))
                    .col(string_len(Attachment::Mime, 64))
                    .col(big_integer(Attachment::Size))
                    .col(string_len(Attachment::Sha256, 64))
                    .col(blob(Attachment::Bytes))
                    .col(timestamp_with_time_zone(Attachment::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Attachment::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Attachment {
    Table,
    Id,
    OwnerKind,
    OwnerId,
    Mime,
    Size,
    Sha256,
    Bytes,
    CreatedAt,
}
