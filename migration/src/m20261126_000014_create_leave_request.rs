use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000007_create_enrollment::Enrollment;
use crate::m20261126_000008_create_class_session::ClassSession;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Leave (请假): the request, the sessions it covers, and each approval step. A covered session is a row in
/// `leave_request_session` only while its request is pending or approved; the unique (enrollment, session) key
/// makes two live requests for the same session impossible.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(LeaveRequest::Table)
                    .if_not_exists()
                    .col(pk_uuid(LeaveRequest::Id))
                    .col(uuid(LeaveRequest::ClassId))
                    .col(uuid(LeaveRequest::EnrollmentId))
                    .col(string_len(LeaveRequest::Kind, 16))
                    .col(text(LeaveRequest::Reason))
                    .col(timestamp_with_time_zone(LeaveRequest::StartsAt))
                    .col(timestamp_with_time_zone(LeaveRequest::EndsAt))
                    .col(json(LeaveRequest::SessionIds))
                    .col(integer(LeaveRequest::CreditCenti))
                    .col(string_len(LeaveRequest::Status, 16))
                    .col(integer(LeaveRequest::Step))
                    .col(integer(LeaveRequest::StepsRequired))
                    .col(uuid_null(LeaveRequest::AttachmentId))
                    .col(string_len(LeaveRequest::Source, 16))
                    .col(string_len(LeaveRequest::CreatedBy, 64))
                    .col(timestamp_with_time_zone_null(LeaveRequest::DecidedAt))
                    .col(timestamp_with_time_zone(LeaveRequest::CreatedAt))
                    .col(timestamp_with_time_zone(LeaveRequest::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeaveRequest::Table, LeaveRequest::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeaveRequest::Table, LeaveRequest::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_leave_request_class_status")
                    .table(LeaveRequest::Table)
                    .col(LeaveRequest::ClassId)
                    .col(LeaveRequest::Status)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_leave_request_enrollment")
                    .table(LeaveRequest::Table)
                    .col(LeaveRequest::EnrollmentId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LeaveRequestSession::Table)
                    .if_not_exists()
                    .col(uuid(LeaveRequestSession::LeaveRequestId))
                    .col(uuid(LeaveRequestSession::SessionId))
                    .col(uuid(LeaveRequestSession::EnrollmentId))
                    .primary_key(
                        Index::create().col(LeaveRequestSession::LeaveRequestId).col(LeaveRequestSession::SessionId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeaveRequestSession::Table, LeaveRequestSession::LeaveRequestId)
                            .to(LeaveRequest::Table, LeaveRequest::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeaveRequestSession::Table, LeaveRequestSession::SessionId)
                            .to(ClassSession::Table, ClassSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_leave_session_enrollment")
                            .col(LeaveRequestSession::EnrollmentId)
                            .col(LeaveRequestSession::SessionId)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(LeaveStep::Table)
                    .if_not_exists()
                    .col(pk_uuid(LeaveStep::Id))
                    .col(uuid(LeaveStep::LeaveRequestId))
                    .col(integer(LeaveStep::Step))
                    .col(string_len(LeaveStep::Role, 16))
                    .col(uuid(LeaveStep::StaffId))
                    .col(string_len(LeaveStep::StaffName, 64))
                    .col(string_len(LeaveStep::Decision, 16))
                    .col(text_null(LeaveStep::Comment))
                    .col(timestamp_with_time_zone(LeaveStep::At))
                    .foreign_key(
                        ForeignKey::create()
                            .from(LeaveStep::Table, LeaveStep::LeaveRequestId)
                            .to(LeaveRequest::Table, LeaveRequest::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_leave_step_request_step")
                            .col(LeaveStep::LeaveRequestId)
                            .col(LeaveStep::Step)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(LeaveStep::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(LeaveRequestSession::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(LeaveRequest::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum LeaveRequest {
    Table,
    Id,
    ClassId,
    EnrollmentId,
    Kind,
    Reason,
    StartsAt,
    EndsAt,
    SessionIds,
    CreditCenti,
    Status,
    Step,
    StepsRequired,
    AttachmentId,
    Source,
    CreatedBy,
    DecidedAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
pub enum LeaveRequestSession {
    Table,
    LeaveRequestId,
    SessionId,
    EnrollmentId,
}

#[derive(DeriveIden)]
pub enum LeaveStep {
    Table,
    Id,
    LeaveRequestId,
    Step,
    Role,
    StaffId,
    StaffName,
    Decision,
    Comment,
    At,
}
