use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(TrainingClass::Table)
                    .if_not_exists()
                    .col(pk_uuid(TrainingClass::Id))
                    .col(string_len_uniq(TrainingClass::Code, 32))
                    .col(string_len(TrainingClass::Name, 128))
                    .col(string_len(TrainingClass::Kind, 16))
                    .col(date(TrainingClass::StartDate))
                    .col(date(TrainingClass::EndDate))
                    .col(string_len_null(TrainingClass::Organiser, 128))
                    .col(string_len_null(TrainingClass::Venue, 128))
                    .col(string_len(TrainingClass::Status, 16))
                    .col(json_null(TrainingClass::CompletionPolicy))
                    .col(timestamp_with_time_zone(TrainingClass::CreatedAt))
                    .col(timestamp_with_time_zone(TrainingClass::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(TrainingClass::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum TrainingClass {
    Table,
    Id,
    Code,
    Name,
    Kind,
    StartDate,
    EndDate,
    Organiser,
    Venue,
    Status,
    CompletionPolicy,
    CreatedAt,
    UpdatedAt,
}
