use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000007_create_enrollment::Enrollment;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Warnings (one row per trainee and threshold: the unique key makes "once per threshold" a constraint), the
/// in-app inbox, and the outbox that a worker on every instance delivers to WeChat.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Warning::Table)
                    .if_not_exists()
                    .col(pk_uuid(Warning::Id))
                    .col(uuid(Warning::ClassId))
                    .col(uuid(Warning::EnrollmentId))
                    .col(string_len(Warning::Kind, 32))
                    .col(text(Warning::Message))
                    .col(json(Warning::Detail))
                    .col(timestamp_with_time_zone(Warning::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Warning::Table, Warning::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .index(
                        Index::create()
                            .name("uq_warning_enrollment_kind")
                            .col(Warning::EnrollmentId)
                            .col(Warning::Kind)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(InboxMessage::Table)
                    .if_not_exists()
                    .col(pk_uuid(InboxMessage::Id))
                    .col(string_len(InboxMessage::RecipientKind, 16))
                    .col(uuid(InboxMessage::RecipientId))
                    .col(uuid_null(InboxMessage::ClassId))
                    .col(string_len(InboxMessage::Kind, 32))
                    .col(string_len(InboxMessage::Title, 128))
                    .col(text(InboxMessage::Body))
                    .col(string_len_null(InboxMessage::Link, 512))
                    .col(timestamp_with_time_zone(InboxMessage::CreatedAt))
                    .col(timestamp_with_time_zone_null(InboxMessage::ReadAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_inbox_recipient")
                    .table(InboxMessage::Table)
                    .col(InboxMessage::RecipientKind)
                    .col(InboxMessage::RecipientId)
                    .col(InboxMessage::CreatedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(Outbox::Table)
                    .if_not_exists()
                    .col(pk_uuid(Outbox::Id))
                    .col(string_len(Outbox::Kind, 32))
                    .col(string_len(Outbox::Channel, 16))
                    .col(json(Outbox::Payload))
                    .col(string_len(Outbox::Status, 16))
                    .col(integer(Outbox::Attempts))
                    .col(timestamp_with_time_zone(Outbox::NextAttemptAt))
                    .col(timestamp_with_time_zone_null(Outbox::LockedUntil))
                    .col(string_len_null(Outbox::LockedBy, 64))
                    .col(text_null(Outbox::LastError))
                    .col(timestamp_with_time_zone(Outbox::CreatedAt))
                    .col(timestamp_with_time_zone_null(Outbox::DoneAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_outbox_due")
                    .table(Outbox::Table)
                    .col(Outbox::Status)
                    .col(Outbox::NextAttemptAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Outbox::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(InboxMessage::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(Warning::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Warning {
    Table,
    Id,
    ClassId,
    EnrollmentId,
    Kind,
    Message,
    Detail,
    CreatedAt,
}

#[derive(DeriveIden)]
pub enum InboxMessage {
    Table,
    Id,
    RecipientKind,
    RecipientId,
    ClassId,
    Kind,
    Title,
    Body,
    Link,
    CreatedAt,
    ReadAt,
}

#[derive(DeriveIden)]
pub enum Outbox {
    Table,
    Id,
    Kind,
    Channel,
    Payload,
    Status,
    Attempts,
    NextAttemptAt,
    LockedUntil,
    LockedBy,
    LastError,
    CreatedAt,
    DoneAt,
}
