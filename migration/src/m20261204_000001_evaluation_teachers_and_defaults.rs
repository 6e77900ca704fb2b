use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000008_create_class_session::ClassSession;
use crate::m20261203_000002_create_evaluation_tables::EvaluationForm;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Evaluation, second part: who teaches a session (授课教师, for results per teacher across classes), when the
/// automatic reminder before a form's deadline went out (apart from staff's own reminders), and the base's default
/// form that administrators edit (one row per base; rollcall serves one base, so one row, `base`).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter().table(ClassSession::Table).add_column(string_len_null(Added::Teacher, 64)).to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_class_session_teacher")
                    .table(ClassSession::Table)
                    .col(Added::Teacher)
                    .col(ClassSession::StartsAt)
                    .to_owned(),
            )
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(EvaluationForm::Table)
                    .add_column(timestamp_with_time_zone_null(Added::AutoRemindedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationDefaultForm::Table)
                    .if_not_exists()
                    .col(string_len(EvaluationDefaultForm::Id, 16).primary_key())
                    .col(json(EvaluationDefaultForm::Questions))
                    .col(string_len(EvaluationDefaultForm::UpdatedBy, 64))
                    .col(timestamp_with_time_zone(EvaluationDefaultForm::UpdatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EvaluationDefaultForm::Table).to_owned()).await?;
        manager
            .alter_table(Table::alter().table(EvaluationForm::Table).drop_column(Added::AutoRemindedAt).to_owned())
            .await?;
        manager
            .drop_index(Index::drop().name("idx_class_session_teacher").table(ClassSession::Table).to_owned())
            .await?;
        manager.alter_table(Table::alter().table(ClassSession::Table).drop_column(Added::Teacher).to_owned()).await
    }
}

#[derive(DeriveIden)]
enum Added {
    Teacher,
    AutoRemindedAt,
}

#[derive(DeriveIden)]
pub enum EvaluationDefaultForm {
    Table,
    Id,
    Questions,
    UpdatedBy,
    UpdatedAt,
}
