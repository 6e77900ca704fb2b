use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000007_create_enrollment::Enrollment;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Which version of the personal-information notice (个人信息处理告知) a trainee was shown when they bound a phone or
/// a WeChat account to an enrolment, and when.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per statement.
        manager
            .alter_table(
                Table::alter()
                    .table(Enrollment::Table)
                    .add_column(string_len_null(Added::NoticeVersion, 32))
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Enrollment::Table)
                    .add_column(timestamp_with_time_zone_null(Added::NoticeShownAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in [Added::NoticeShownAt, Added::NoticeVersion] {
            manager.alter_table(Table::alter().table(Enrollment::Table).drop_column(column).to_owned()).await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Added {
    NoticeVersion,
    NoticeShownAt,
}
