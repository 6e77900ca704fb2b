use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(StaffAccount::Table)
                    .if_not_exists()
                    .col(pk_uuid(StaffAccount::Id))
                    .col(string_len_uniq(StaffAccount::Username, 64))
                    .col(string_len(StaffAccount::DisplayName, 64))
                    .col(string(StaffAccount::PasswordHash))
                    .col(string_len(StaffAccount::Role, 16))
                    .col(boolean(StaffAccount::Disabled).default(false))
                    .col(timestamp_with_time_zone(StaffAccount::CreatedAt))
                    .col(timestamp_with_time_zone(StaffAccount::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(StaffAccount::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum StaffAccount {
    Table,
    Id,
    Username,
    DisplayName,
    PasswordHash,
    Role,
    Disabled,
    CreatedAt,
    UpdatedAt,
}
