use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Every check-in attempt, failures included, append-only: staff read it to spot relays and fake locations.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(CheckinAttempt::Table)
                    .if_not_exists()
                    .col(pk_uuid(CheckinAttempt::Id))
                    .col(timestamp_with_time_zone(CheckinAttempt::At))
                    .col(uuid_null(CheckinAttempt::SessionId))
                    .col(uuid_null(CheckinAttempt::EnrollmentId))
                    .col(uuid_null(CheckinAttempt::PersonId))
                    .col(string_len(CheckinAttempt::Kind, 8))
                    .col(string_len(CheckinAttempt::Result, 32))
                    .col(string_len_null(CheckinAttempt::ClientAddr, 64))
                    .col(string_len_null(CheckinAttempt::UserAgent, 256))
                    .col(string_len_null(CheckinAttempt::Device, 128))
                    .col(double_null(CheckinAttempt::Lat))
                    .col(double_null(CheckinAttempt::Lng))
                    .col(double_null(CheckinAttempt::AccuracyM))
                    .col(string_len_null(CheckinAttempt::Coord, 8))
                    .col(double_null(CheckinAttempt::DistanceM))
                    .col(big_integer_null(CheckinAttempt::TokenStep))
                    .col(string_len_null(CheckinAttempt::Nonce, 64))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_checkin_attempt_session_at")
                    .table(CheckinAttempt::Table)
                    .col(CheckinAttempt::SessionId)
                    .col(CheckinAttempt::At)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(CheckinAttempt::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum CheckinAttempt {
    Table,
    Id,
    At,
    SessionId,
    EnrollmentId,
    PersonId,
    Kind,
    Result,
    ClientAddr,
    UserAgent,
    Device,
    Lat,
    Lng,
    AccuracyM,
    Coord,
    DistanceM,
    TokenStep,
    Nonce,
}
