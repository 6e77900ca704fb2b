use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000001_create_staff_account::StaffAccount;
use crate::m20261126_000004_create_training_class::TrainingClass;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClassStaff::Table)
                    .if_not_exists()
                    .col(pk_uuid(ClassStaff::Id))
                    .col(uuid(ClassStaff::ClassId))
                    .col(uuid(ClassStaff::StaffId))
                    .col(string_len(ClassStaff::Role, 16))
                    .col(timestamp_with_time_zone(ClassStaff::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClassStaff::Table, ClassStaff::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClassStaff::Table, ClassStaff::StaffId)
                            .to(StaffAccount::Table, StaffAccount::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_class_staff")
                            .col(ClassStaff::ClassId)
                            .col(ClassStaff::StaffId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_class_staff_staff")
                    .table(ClassStaff::Table)
                    .col(ClassStaff::StaffId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ClassStaff::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum ClassStaff {
    Table,
    Id,
    ClassId,
    StaffId,
    Role,
    CreatedAt,
}
