use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000007_create_enrollment::Enrollment;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// 违纪 records. Never deleted: an admin annuls one with a reason, and the record stays with who and why.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(DisciplineRecord::Table)
                    .if_not_exists()
                    .col(pk_uuid(DisciplineRecord::Id))
                    .col(uuid(DisciplineRecord::ClassId))
                    .col(uuid(DisciplineRecord::EnrollmentId))
                    .col(string_len(DisciplineRecord::Category, 32))
                    .col(string_len(DisciplineRecord::Severity, 16))
                    .col(timestamp_with_time_zone(DisciplineRecord::OccurredAt))
                    .col(text(DisciplineRecord::Description))
                    .col(text_null(DisciplineRecord::Evidence))
                    .col(uuid_null(DisciplineRecord::AttachmentId))
                    .col(uuid(DisciplineRecord::RecordedBy))
                    .col(string_len(DisciplineRecord::RecordedByName, 64))
                    .col(timestamp_with_time_zone_null(DisciplineRecord::AnnulledAt))
                    .col(string_len_null(DisciplineRecord::AnnulledByName, 64))
                    .col(text_null(DisciplineRecord::AnnulReason))
                    .col(timestamp_with_time_zone(DisciplineRecord::CreatedAt))
                    .col(timestamp_with_time_zone(DisciplineRecord::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(DisciplineRecord::Table, DisciplineRecord::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(DisciplineRecord::Table, DisciplineRecord::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_discipline_class_enrollment")
                    .table(DisciplineRecord::Table)
                    .col(DisciplineRecord::ClassId)
                    .col(DisciplineRecord::EnrollmentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(DisciplineRecord::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum DisciplineRecord {
    Table,
    Id,
    ClassId,
    EnrollmentId,
    Category,
    Severity,
    OccurredAt,
    Description,
    Evidence,
    AttachmentId,
    RecordedBy,
    RecordedByName,
    AnnulledAt,
    AnnulledByName,
    AnnulReason,
    CreatedAt,
    UpdatedAt,
}
