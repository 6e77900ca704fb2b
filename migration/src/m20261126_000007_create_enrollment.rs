use sea_orm_migration::{prelude::*, schema::*};

use crate::m20261126_000004_create_training_class::TrainingClass;
use crate::m20261126_000006_create_person::Person;

#[derive(DeriveMigrationName)]
pub struct Migration;

/// A person's place in one class, with how their phone proved who they are (invite code, device, WeChat openid).
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Enrollment::Table)
                    .if_not_exists()
                    .col(pk_uuid(Enrollment::Id))
                    .col(uuid(Enrollment::ClassId))
                    .col(uuid(Enrollment::PersonId))
                    .col(string_len_null(Enrollment::StudentNo, 32))
                    .col(string_len(Enrollment::Status, 16))
                    .col(string_len(Enrollment::InviteSalt, 32))
                    .col(string_len_uniq(Enrollment::InviteCodeHash, 64))
                    .col(string_len_null(Enrollment::DeviceId, 128))
                    .col(string_len_null(Enrollment::WechatOpenid, 64))
                    .col(timestamp_with_time_zone_null(Enrollment::BoundAt))
                    .col(timestamp_with_time_zone(Enrollment::CreatedAt))
                    .col(timestamp_with_time_zone(Enrollment::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enrollment::Table, Enrollment::ClassId)
                            .to(TrainingClass::Table, TrainingClass::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Enrollment::Table, Enrollment::PersonId)
                            .to(Person::Table, Person::Id)
                            .on_delete(ForeignKeyAction::Restrict),
                    )
                    .index(
                        Index::create()
                            .name("uq_enrollment_class_person")
                            .col(Enrollment::ClassId)
                            .col(Enrollment::PersonId)
                            .unique(),
                    )
                    .index(
                        Index::create()
                            .name("uq_enrollment_class_openid")
                            .col(Enrollment::ClassId)
                            .col(Enrollment::WechatOpenid)
                            .unique(),
                    )
                    .to_owned(),
            )
            .await?;
        for (name, col) in
            [("idx_enrollment_person", Enrollment::PersonId), ("idx_enrollment_openid", Enrollment::WechatOpenid)]
        {
            manager.create_index(Index::create().name(name).table(Enrollment::Table).col(col).to_owned()).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_table(Table::drop().table(Enrollment::Table).to_owned()).await
    }
}

#[derive(DeriveIden)]
pub enum Enrollment {
    Table,
    Id,
    ClassId,
    PersonId,
    StudentNo,
    Status,
    InviteSalt,
    InviteCodeHash,
    DeviceId,
    WechatOpenid,
    BoundAt,
    CreatedAt,
    UpdatedAt,
}
