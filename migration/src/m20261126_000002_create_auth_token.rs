use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(AuthToken::Table)
                    .if_not_exists()
                    .col(pk_uuid(AuthToken::Id))
                    .col(string_len_uniq(AuthToken::TokenHash, 64))
                    .col(string_len(AuthToken::SubjectKind, 16))
                    .col(uuid(AuthToken::SubjectId))
                    .col(string_len_null(AuthToken::Device, 128))
                    .col(timestamp_with_time_zone(AuthToken::CreatedAt))
                    .col(timestamp_with_time_zone(AuthToken::ExpiresAt))
                    .col(timestamp_with_time_zone_null(AuthToken::RevokedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_auth_token_subject")
                    .table(AuthToken::Table)
                    .col(AuthToken::SubjectKind)
                    .col(AuthToken::SubjectId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(AuthToken::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum AuthToken {
    Table,
    Id,
    TokenHash,
    SubjectKind,
    SubjectId,
    Device,
    CreatedAt,
    ExpiresAt,
    RevokedAt,
}
