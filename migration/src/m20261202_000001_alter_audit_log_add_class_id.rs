use sea_orm_migration::sea_orm::DbBackend;
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

/// Which class an audit row belongs to, so administrators can read (and export) one class's trail. Nullable: changes
/// to staff accounts belong to no class. No foreign key: an audit row outlives what it is about.
///
/// Existing rows are backfilled where the class can be derived. `entity_id` is text (`Uuid::to_string`), while ids
/// are `uuid` on PostgreSQL and 16-byte blobs on SQLite, so the backend-specific pieces are how text becomes an id
/// and how a JSON field is read; the statements are otherwise the same on both, and each looks rows up by primary
/// key. Rows whose class cannot be derived (staff accounts; a screen link or window change of a session deleted
/// since) stay NULL.
#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(Table::alter().table(AuditLog::Table).add_column(uuid_null(AuditLog::ClassId)).to_owned())
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("idx_audit_log_class_at")
                    .table(AuditLog::Table)
                    .col(AuditLog::ClassId)
                    .col(AuditLog::At)
                    .to_owned(),
            )
            .await?;
        let backend = manager.get_database_backend();
        let db = manager.get_connection();
        for sql in backfill(backend) {
            db.execute_unprepared(&sql).await?;
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager.drop_index(Index::drop().name("idx_audit_log_class_at").table(AuditLog::Table).to_owned()).await?;
        manager.alter_table(Table::alter().table(AuditLog::Table).drop_column(AuditLog::ClassId).to_owned()).await
    }
}

/// `text` (a hyphenated UUID) as the backend stores ids.
fn id_of(backend: DbBackend, text: &str) -> String {
    match backend {
        DbBackend::Sqlite => format!("unhex(replace({text}, '-', ''))"),
        _ => format!("CAST({text} AS uuid)"),
    }
}

/// The backfill: one UPDATE per kind of entity whose class can be looked up.
fn backfill(backend: DbBackend) -> Vec<String> {
    let entity_id = id_of(backend, "audit_log.entity_id");
    let lookups = [
        ("training_class", format!("SELECT t.id FROM training_class t WHERE t.id = {entity_id}")),
        ("class_session", format!("SELECT t.class_id FROM class_session t WHERE t.id = {entity_id}")),
        ("enrollment", format!("SELECT t.class_id FROM enrollment t WHERE t.id = {entity_id}")),
        ("leave_request", format!("SELECT t.class_id FROM leave_request t WHERE t.id = {entity_id}")),
        ("discipline_record", format!("SELECT t.class_id FROM discipline_record t WHERE t.id = {entity_id}")),
        ("certificate", format!("SELECT t.class_id FROM certificate t WHERE t.id = {entity_id}")),
        (
            "attendance",
            format!(
                "SELECT s.class_id FROM attendance t JOIN class_session s ON s.id = t.session_id \
                 WHERE t.id = {entity_id}"
            ),
        ),
    ];
    let mut statements: Vec<String> = lookups
        .iter()
        .map(|(entity, lookup)| {
            format!("UPDATE audit_log SET class_id = ({lookup}) WHERE entity = '{entity}' AND class_id IS NULL")
        })
        .collect();
    // A deleted session can no longer be looked up; rows that kept the session itself (update, delete) name its
    // class in their before/after JSON.
    let json_class = |column: &str| match backend {
        DbBackend::Sqlite => format!("json_extract(audit_log.\"{column}\", '$.class_id')"),
        _ => format!("(audit_log.\"{column}\" ->> 'class_id')"),
    };
    let kept = format!("COALESCE({}, {})", json_class("before"), json_class("after"));
    statements.push(format!(
        "UPDATE audit_log SET class_id = {} WHERE entity = 'class_session' AND class_id IS NULL AND {kept} IS NOT NULL",
        id_of(backend, &kept)
    ));
    statements
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    ClassId,
    At,
}
