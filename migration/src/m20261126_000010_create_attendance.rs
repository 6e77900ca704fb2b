use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000007_create_enrollment::Enrollment;
use crate::m20261126_000008_create_class_session::ClassSession;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One fact per (session, trainee): the unique key makes a retried scan "already checked in", never a duplicate.
/// (session, device) is unique too, so one phone cannot check in two trainees to the same session.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Attendance::Table)
                    .if_not_exists()
                    .col(pk_uuid(Attendance::Id))
                    .col(uuid(Attendance::SessionId))
                    .col(uuid(Attendance::EnrollmentId))
                    .col(string_len(Attendance::Status, 16))
                    .col(timestamp_with_time_zone_null(Attendance::CheckedInAt))
                    .col(timestamp_with_time_zone_null(Attendance::CheckedOutAt))
                    .col(string_len(Attendance::Source, 16))
                    .col(string_len_null(Attendance::Nonce, 64))
                    .col(string_len_null(Attendance::Device, 128))
                    .col(text_null(Attendance::Note))
                    .col(timestamp_with_time_zone(Attendance::CreatedAt))
                    .col(timestamp_with_time_zone(Attendance::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attendance::Table, Attendance::SessionId)
                            .to(ClassSession::Table, ClassSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Attendance::Table, Attendance::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_attendance_session_enrollment")
                            .col(Attendance::SessionId)
                            .col(Attendance::EnrollmentId)
                            .unique(),
                    )
                    .index(
                        Index::create()
                            .name("uq_attendance_session_device")
                            .col(Attendance::SessionId)
                            .col(Attendance::Device)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_attendance_enrollment")
                    .table(Attendance::Table)
                    .col(Attendance::EnrollmentId)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Attendance::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Attendance {
    Table,
    Id,
    SessionId,
    EnrollmentId,
    Status,
    CheckedInAt,
    CheckedOutAt,
    Source,
    Nonce,
    Device,
    Note,
    CreatedAt,
    UpdatedAt,
}
