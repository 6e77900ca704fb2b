use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// One timetable entry. 学时 are kept as hundredths (integer) so sums and the 1/7 rule are exact on both backends.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(ClassSession::Table)
                    .if_not_exists()
                    .col(pk_uuid(ClassSession::Id))
                    .col(uuid(ClassSession::ClassId))
                    .col(string_len(ClassSession::Title, 128))
                    .col(string_len(ClassSession::Kind, 16))
                    .col(timestamp_with_time_zone(ClassSession::StartsAt))
                    .col(timestamp_with_time_zone(ClassSession::EndsAt))
                    .col(integer(ClassSession::CreditCenti))
                    .col(string_len_null(ClassSession::Venue, 128))
                    .col(double_null(ClassSession::GeoLat))
                    .col(double_null(ClassSession::GeoLng))
                    .col(integer_null(ClassSession::GeoRadiusM))
                    .col(string_len_null(ClassSession::GeoCoord, 8))
                    .col(integer(ClassSession::OpenBeforeMin))
                    .col(integer(ClassSession::LateAfterMin))
                    .col(integer(ClassSession::CloseAfterMin))
                    .col(boolean(ClassSession::CheckoutRequired))
                    .col(boolean(ClassSession::CountsTowardAttendance))
                    .col(integer(ClassSession::RotationSeconds))
                    .col(timestamp_with_time_zone(ClassSession::CreatedAt))
                    .col(timestamp_with_time_zone(ClassSession::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ClassSession::Table, ClassSession::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_class_session_class_start")
                    .table(ClassSession::Table)
                    .col(ClassSession::ClassId)
                    .col(ClassSession::StartsAt)
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(ClassSession::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum ClassSession {
    Table,
    Id,
    ClassId,
    Title,
    Kind,
    StartsAt,
    EndsAt,
    CreditCenti,
    Venue,
    GeoLat,
    GeoLng,
    GeoRadiusM,
    GeoCoord,
    OpenBeforeMin,
    LateAfterMin,
    CloseAfterMin,
    CheckoutRequired,
    CountsTowardAttendance,
    RotationSeconds,
    CreatedAt,
    UpdatedAt,
}
