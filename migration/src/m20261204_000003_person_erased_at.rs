use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000006_create_person::Person;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// When an administrator erased a person's personal information (个人信息删除): the phone number is replaced by a
/// placeholder, and the name and unit stay only for the certificates and 学时 the archive must keep.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Person::Table)
                    .add_column(timestamp_with_time_zone_null(Added::ErasedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.alter_table(Table::alter().table(Person::Table).drop_column(Added::ErasedAt).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Added {
    ErasedAt,
}
