use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A trainee as one record across classes, matched by mobile phone.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Person::Table)
                    .if_not_exists()
                    .col(pk_uuid(Person::Id))
                    .col(string_len(Person::Name, 32))
                    .col(string_len_null(Person::Gender, 8))
                    .col(string_len_uniq(Person::Phone, 20))
                    .col(string_len(Person::Unit, 128))
                    .col(string_len_null(Person::Post, 64))
                    .col(string_len_null(Person::Rank, 32))
                    .col(timestamp_with_time_zone(Person::CreatedAt))
                    .col(timestamp_with_time_zone(Person::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Person::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Person {
    Table,
    Id,
    Name,
    Gender,
    Phone,
    Unit,
    Post,
    Rank,
    CreatedAt,
    UpdatedAt,
}
