use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000007_create_enrollment::Enrollment;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Completion overrides (an administrator withholds or allows by hand; the latest row per trainee wins, and every
/// row stays for the record) and certificates. A certificate's `valid_key` is its enrolment while it is valid and
/// NULL once revoked, so "one valid certificate per trainee" is a unique key; serials and verification codes are
/// unique for the whole base.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CompletionOverride::Table)
                    .if_not_exists()
                    .col(pk_uuid(CompletionOverride::Id))
                    .col(uuid(CompletionOverride::ClassId))
                    .col(uuid(CompletionOverride::EnrollmentId))
                    .col(string_len(CompletionOverride::Decision, 16))
                    .col(text(CompletionOverride::Reason))
                    .col(uuid(CompletionOverride::ById))
                    .col(string_len(CompletionOverride::ByName, 64))
                    .col(timestamp_with_time_zone(CompletionOverride::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CompletionOverride::Table, CompletionOverride::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_completion_override_enrollment")
                    .table(CompletionOverride::Table)
                    .col(CompletionOverride::EnrollmentId)
                    .col(CompletionOverride::At)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Certificate::Table)
                    .if_not_exists()
                    .col(pk_uuid(Certificate::Id))
                    .col(uuid(Certificate::ClassId))
                    .col(uuid(Certificate::EnrollmentId))
                    .col(uuid(Certificate::PersonId))
                    .col(uuid_null(Certificate::ValidKey))
                    .col(string_len(Certificate::Serial, 64))
                    .col(string_len(Certificate::VerificationCode, 32))
                    .col(date(Certificate::IssueDate))
                    .col(timestamp_with_time_zone(Certificate::IssuedAt))
                    .col(integer(Certificate::CreditCenti))
                    .col(string_len(Certificate::HolderName, 64))
                    .col(string_len(Certificate::HolderUnit, 128))
                    .col(timestamp_with_time_zone_null(Certificate::RevokedAt))
                    .col(text_null(Certificate::RevokeReason))
                    .col(uuid_null(Certificate::ReplacedBy))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificate::Table, Certificate::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Certificate::Table, Certificate::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(Index::create().name("uq_certificate_valid").col(Certificate::ValidKey).unique())
                    .index(Index::create().name("uq_certificate_serial").col(Certificate::Serial).unique())
                    .index(Index::create().name("uq_certificate_code").col(Certificate::VerificationCode).unique())
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_certificate_class")
                    .table(Certificate::Table)
                    .col(Certificate::ClassId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Certificate::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(CompletionOverride::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum CompletionOverride {
    Table,
    Id,
    ClassId,
    EnrollmentId,
    Decision,
    Reason,
    ById,
    ByName,
    At,
}

#[derive(DeriveIden)]
pub enum Certificate {
    Table,
    Id,
    ClassId,
    EnrollmentId,
    PersonId,
    ValidKey,
    Serial,
    VerificationCode,
    IssueDate,
    IssuedAt,
    CreditCenti,
    HolderName,
    HolderUnit,
    RevokedAt,
    RevokeReason,
    ReplacedBy,
}
