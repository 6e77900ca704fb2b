use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000007_create_enrollment::Enrollment;
use crate::m20261126_000008_create_class_session::ClassSession;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Online live classes (线上直播课): where a session is streamed and the rule that turns watched time into
/// attendance (per class, overridden per session; JSON, `null` = the defaults), each import of a platform's export,
/// the viewers the latest import found (what staff review and assign), and the nicknames staff assigned to trainees
/// (remembered for the rest of the class).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        for column in [
            string_len_null(Added::OnlinePlatform, 16),
            string_len_null(Added::MeetingNumber, 64),
            string_len_null(Added::JoinUrl, 512),
            json_null(Added::OnlineRule),
        ] {
            let mut column = column;
            manager.alter_table(Table::alter().table(ClassSession::Table).add_column(&mut column).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(TrainingClass::Table).add_column(json_null(Added::OnlineRule)).to_owned())
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OnlineImport::Table)
                    .if_not_exists()
                    .col(pk_uuid(OnlineImport::Id))
                    .col(uuid(OnlineImport::SessionId))
                    .col(string_len(OnlineImport::FileName, 255))
                    .col(string_len(OnlineImport::Layout, 32))
                    .col(integer(OnlineImport::Viewers))
                    .col(integer(OnlineImport::Matched))
                    .col(integer(OnlineImport::Unmatched))
                    .col(string_len(OnlineImport::ImportedBy, 64))
                    .col(timestamp_with_time_zone(OnlineImport::ImportedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OnlineImport::Table, OnlineImport::SessionId)
                            .to(ClassSession::Table, ClassSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_online_import_session")
                    .table(OnlineImport::Table)
                    .col(OnlineImport::SessionId)
                    .col(OnlineImport::ImportedAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OnlineViewer::Table)
                    .if_not_exists()
                    .col(pk_uuid(OnlineViewer::Id))
                    .col(uuid(OnlineViewer::SessionId))
                    .col(uuid(OnlineViewer::ImportId))
                    .col(string_len(OnlineViewer::DisplayName, 255))
                    .col(string_len_null(OnlineViewer::Phone, 32))
                    .col(uuid_null(OnlineViewer::EnrollmentId))
                    .col(string_len(OnlineViewer::Matched, 16))
                    .col(integer(OnlineViewer::WatchedSeconds))
                    .col(integer_null(OnlineViewer::PlatformSeconds))
                    .col(timestamp_with_time_zone_null(OnlineViewer::FirstJoin))
                    .col(timestamp_with_time_zone_null(OnlineViewer::LastLeave))
                    .col(json(OnlineViewer::Intervals))
                    .col(json(OnlineViewer::SheetRows))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OnlineViewer::Table, OnlineViewer::SessionId)
                            .to(ClassSession::Table, ClassSession::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OnlineViewer::Table, OnlineViewer::ImportId)
                            .to(OnlineImport::Table, OnlineImport::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_online_viewer_session")
                    .table(OnlineViewer::Table)
                    .col(OnlineViewer::SessionId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(OnlineAlias::Table)
                    .if_not_exists()
                    .col(pk_uuid(OnlineAlias::Id))
                    .col(uuid(OnlineAlias::ClassId))
                    .col(string_len(OnlineAlias::DisplayName, 255))
                    .col(uuid(OnlineAlias::EnrollmentId))
                    .col(string_len(OnlineAlias::AssignedBy, 64))
                    .col(timestamp_with_time_zone(OnlineAlias::AssignedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(OnlineAlias::Table, OnlineAlias::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(OnlineAlias::Table, OnlineAlias::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("uq_online_alias_class_name")
                    .table(OnlineAlias::Table)
                    .col(OnlineAlias::ClassId)
                    .col(OnlineAlias::DisplayName)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [OnlineAlias::Table.into_iden(), OnlineViewer::Table.into_iden(), OnlineImport::Table.into_iden()]
        {
            manager.drop_table(Table::drop().table(table).to_owned()).await?;
        }
        manager
            .alter_table(Table::alter().table(TrainingClass::Table).drop_column(Added::OnlineRule).to_owned())
            .await?;
        for column in [Added::OnlineRule, Added::JoinUrl, Added::MeetingNumber, Added::OnlinePlatform] {
            manager.alter_table(Table::alter().table(ClassSession::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

/// The columns added to `class_session` (and `online_rule` to `training_class`).
#[derive(DeriveIden)]
enum Added {
    OnlinePlatform,
    MeetingNumber,
    JoinUrl,
    OnlineRule,
}

#[derive(DeriveIden)]
pub enum OnlineImport {
    Table,
    Id,
    SessionId,
    FileName,
    Layout,
    Viewers,
    Matched,
    Unmatched,
    ImportedBy,
    ImportedAt,
}

#[derive(DeriveIden)]
pub enum OnlineViewer {
    Table,
    Id,
    SessionId,
    ImportId,
    DisplayName,
    Phone,
    EnrollmentId,
    Matched,
    WatchedSeconds,
    PlatformSeconds,
    FirstJoin,
    LastLeave,
    Intervals,
    SheetRows,
}

#[derive(DeriveIden)]
pub enum OnlineAlias {
    Table,
    Id,
    ClassId,
    DisplayName,
    EnrollmentId,
    AssignedBy,
    AssignedAt,
}
