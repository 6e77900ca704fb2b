use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000007_create_enrollment::Enrollment;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Course evaluation (教学评估, 满意度测评), anonymous by construction: a form per class; who has answered which part
/// of it (the class, or one session) with the day only; and the answer sheets, which carry no trainee, no time and
/// a random id, and whose storage order is shuffled on every insert. Nothing links a sheet to a respondent.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(EvaluationForm::Table)
                    .if_not_exists()
                    .col(pk_uuid(EvaluationForm::Id))
                    .col(uuid(EvaluationForm::ClassId))
                    .col(string_len(EvaluationForm::Title, 128))
                    .col(timestamp_with_time_zone(EvaluationForm::OpensAt))
                    .col(timestamp_with_time_zone(EvaluationForm::ClosesAt))
                    .col(json(EvaluationForm::Questions))
                    .col(json(EvaluationForm::SessionIds))
                    .col(string_len(EvaluationForm::CreatedBy, 64))
                    .col(timestamp_with_time_zone(EvaluationForm::CreatedAt))
                    .col(timestamp_with_time_zone_null(EvaluationForm::RemindedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationForm::Table, EvaluationForm::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_evaluation_form_class")
                    .table(EvaluationForm::Table)
                    .col(EvaluationForm::ClassId)
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationRespondent::Table)
                    .if_not_exists()
                    .col(uuid(EvaluationRespondent::FormId))
                    .col(string_len(EvaluationRespondent::Target, 36))
                    .col(uuid(EvaluationRespondent::EnrollmentId))
                    .col(date(EvaluationRespondent::SubmittedOn))
                    .primary_key(
                        Index::create()
                            .col(EvaluationRespondent::FormId)
                            .col(EvaluationRespondent::Target)
                            .col(EvaluationRespondent::EnrollmentId),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationRespondent::Table, EvaluationRespondent::FormId)
                            .to(EvaluationForm::Table, EvaluationForm::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationRespondent::Table, EvaluationRespondent::EnrollmentId)
                            .to(Enrollment::Table, Enrollment::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(EvaluationSheet::Table)
                    .if_not_exists()
                    .col(pk_uuid(EvaluationSheet::Id))
                    .col(uuid(EvaluationSheet::FormId))
                    .col(string_len(EvaluationSheet::Target, 36))
                    .col(json(EvaluationSheet::Answers))
                    .foreign_key(
                        ForeignKey::create()
                            .from(EvaluationSheet::Table, EvaluationSheet::FormId)
                            .to(EvaluationForm::Table, EvaluationForm::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_evaluation_sheet_form")
                    .table(EvaluationSheet::Table)
                    .col(EvaluationSheet::FormId)
                    .col(EvaluationSheet::Target)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(EvaluationSheet::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EvaluationRespondent::Table).to_owned()).await?;
        manager.drop_table(Table::drop().table(EvaluationForm::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum EvaluationForm {
    Table,
    Id,
    ClassId,
    Title,
    OpensAt,
    ClosesAt,
    Questions,
    SessionIds,
    CreatedBy,
    CreatedAt,
    RemindedAt,
}

#[derive(DeriveIden)]
pub enum EvaluationRespondent {
    Table,
    FormId,
    Target,
    EnrollmentId,
    SubmittedOn,
}

#[derive(DeriveIden)]
pub enum EvaluationSheet {
    Table,
    Id,
    FormId,
    Target,
    Answers,
}
