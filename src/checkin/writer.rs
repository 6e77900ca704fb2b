//! Where a check-in becomes durable. Two modes, chosen in `[checkin] write_mode`:
//!
//! - `group` (the default): a few writer tasks per instance each take whatever check-ins are waiting (no timer:
//!   a lone scan is written at once, a burst is written together), insert their attendance rows and their success
//!   attempts in one transaction, commit once, and only then answer each scan. On PostgreSQL that is one statement
//!   of fixed text (the batch travels as one JSON parameter): one round trip per batch, prepared once per
//!   connection. On SQLite, two inserts inside BEGIN … COMMIT.
//!   One commit (one fsync) carries many check-ins, which is what lets a base's 08:30 burst run near the
//!   database's durable-insert ceiling.
//! - `single`: each scan runs its own transaction (two inserts and a commit), for comparison in the benchmark.
//!
//! In `group` mode the scans' enrolment lookups are batched the same way: one statement for every scan waiting.
//!
//! Either way a row that could not be inserted (the trainee is already recorded, or the phone checked in someone
//! else for this session) comes back as [`Written::Conflict`], and the caller resolves it as one scan.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, DbBackend, DbErr, EntityTrait, IntoActiveModel,
    QueryFilter, Statement, TransactionTrait,
};
use serde::Serialize;
use uuid::Uuid;

use crate::batch::Batcher;
pub use crate::config::{CheckinSettings, WriteMode};
use crate::entity::{attendance, checkin_attempt, enrollment};
use crate::error::{AppResult, is_unique_violation};

/// What became of one check-in's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored and committed, with its success attempt.
    Inserted,
    /// Not stored: a row for this (session, trainee) exists, or this phone already checked in someone else.
    Conflict,
}

#[derive(Clone)]
pub struct CheckinWriter {
    db: DatabaseConnection,
    writers: Vec<Batcher<Scan, Written>>,
    lookups: Option<Batcher<(Uuid, Uuid), Option<enrollment::Model>>>,
}

/// One check-in to store: its attendance row and its success attempt.
pub type Scan = (attendance::Model, checkin_attempt::Model);

impl CheckinWriter {
    /// Starts this instance's writers (none in `single` mode).
    pub fn start(db: DatabaseConnection, settings: &CheckinSettings) -> Self {
        let mut writers = Vec::new();
        let mut lookups = None;
        let max = settings.max_batch.max(1);
        if settings.write_mode == WriteMode::Group {
            for _ in 0..settings.writers.max(1) {
                let db = db.clone();
                writers.push(Batcher::start("check-in writer", max, move |scans: Vec<Scan>| {
                    let db = db.clone();
                    async move {
                        let inserted = write_batch(&db, &scans).await?;
                        Ok(scans
                            .iter()
                            .map(
                                |(row, _)| {
                                    if inserted.contains(&row.id) { Written::Inserted } else { Written::Conflict }
                                },
                            )
                            .collect())
                    }
                }));
            }
            let db = db.clone();
            lookups = Some(Batcher::start("enrolment lookup", max, move |questions: Vec<(Uuid, Uuid)>| {
                let db = db.clone();
                async move { look_up(&db, &questions).await }
            }));
        }
        Self { db, writers, lookups }
    }

    /// The person's active enrolment in the class (batched with the other scans waiting in `group` mode).
    pub async fn enrollment(&self, class_id: Uuid, person_id: Uuid) -> AppResult<Option<enrollment::Model>> {
        match &self.lookups {
            Some(lookups) => lookups.ask((class_id, person_id)).await,
            None => Ok(enrollment::active_in_class(class_id)
                .filter(enrollment::Column::PersonId.eq(person_id))
                .one(&self.db)
                .await?),
        }
    }

    /// Stores one check-in's row and its success attempt; returns once they are committed (or were not stored).
    pub async fn write(&self, row: attendance::Model, attempt: checkin_attempt::Model) -> AppResult<Written> {
        if self.writers.is_empty() {
            return write_one(&self.db, row, attempt).await;
        }
        // Spread over the writers by trainee, so one trainee's retries queue behind each other.
        let writer = &self.writers[(row.enrollment_id.as_u128() % self.writers.len() as u128) as usize];
        writer.ask((row, attempt)).await
    }
}

/// Every (class, person) question waiting, one statement (classes × people, matched in memory).
async fn look_up(
    db: &DatabaseConnection,
    questions: &[(Uuid, Uuid)],
) -> anyhow::Result<Vec<Option<enrollment::Model>>> {
    let classes: HashSet<Uuid> = questions.iter().map(|q| q.0).collect();
    let people: HashSet<Uuid> = questions.iter().map(|q| q.1).collect();
    // Plain IN lists: `class_id = ANY($1) AND person_id = ANY($2)` gets a generic plan that reads the whole class
    // (the benchmark's index-off run fell from about 2,000 to 309 scans/s with it).
    let rows = enrollment::active()
        .filter(enrollment::Column::ClassId.is_in(classes))
        .filter(enrollment::Column::PersonId.is_in(people))
        .all(db)
        .await?;
    Ok(questions
        .iter()
        .map(|(class_id, person_id)| {
            rows.iter().find(|e| e.class_id == *class_id && e.person_id == *person_id).cloned()
        })
        .collect())
}

/// Inserts the rows that do not conflict (any unique constraint, also with another row of the same batch) and the
/// attempts of those, in one transaction; returns the ids of the rows inserted. What a writer task does with each
/// batch (public for the tests).
pub async fn write_batch(db: &DatabaseConnection, scans: &[Scan]) -> Result<HashSet<Uuid>, DbErr> {
    if db.get_database_backend() == DbBackend::Postgres {
        return write_batch_pg(db, scans).await;
    }
    let txn = db.begin().await?;
    let models = scans.iter().map(|(r, _)| r.clone().into_active_model().reset_all());
    let inserted: HashSet<Uuid> = attendance::Entity::insert_many(models)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_with_returning_keys(&txn)
        .await
        .or_else(|e| if matches!(e, DbErr::RecordNotInserted) { Ok(Vec::new()) } else { Err(e) })?
        .into_iter()
        .collect();
    let attempts: Vec<_> =
        scans.iter().filter(|(r, _)| inserted.contains(&r.id)).map(|(_, a)| a.clone().into_active_model()).collect();
    if !attempts.is_empty() {
        checkin_attempt::Entity::insert_many(attempts).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(inserted)
}

/// The batch as one statement, whatever its size: the rows travel as one JSON parameter, so the statement's text
/// never changes and stays prepared on every connection (a multi-row `VALUES` list is new text for each batch size,
/// parsed and planned again each time once the connection's statement cache has cycled), and one statement is its
/// own transaction: one round trip and one commit instead of BEGIN, two inserts and COMMIT.
const WRITE_BATCH_PG: &str = r#"WITH batch AS (
    SELECT * FROM json_to_recordset($1::json) AS b(
        id uuid, session_id uuid, enrollment_id uuid, status text, checked_in_at timestamptz,
        checked_out_at timestamptz, source text, nonce text, device text, note text, created_at timestamptz,
        updated_at timestamptz,
        a_id uuid, a_at timestamptz, a_session_id uuid, a_enrollment_id uuid, a_person_id uuid, a_kind text,
        a_result text, a_client_addr text, a_user_agent text, a_device text, a_lat float8, a_lng float8,
        a_accuracy_m float8, a_coord text, a_distance_m float8, a_token_step int8, a_nonce text)
), stored AS (
    INSERT INTO attendance (id, session_id, enrollment_id, status, checked_in_at, checked_out_at, source, nonce,
        device, note, created_at, updated_at)
    SELECT id, session_id, enrollment_id, status, checked_in_at, checked_out_at, source, nonce, device, note,
        created_at, updated_at
    FROM batch
    ON CONFLICT DO NOTHING
    RETURNING id
), attempts AS (
    INSERT INTO checkin_attempt (id, at, session_id, enrollment_id, person_id, kind, result, client_addr,
        user_agent, device, lat, lng, accuracy_m, coord, distance_m, token_step, nonce)
    SELECT a_id, a_at, a_session_id, a_enrollment_id, a_person_id, a_kind, a_result, a_client_addr, a_user_agent,
        a_device, a_lat, a_lng, a_accuracy_m, a_coord, a_distance_m, a_token_step, a_nonce
    FROM batch JOIN stored USING (id)
)
SELECT id FROM stored"#;

/// One scan as a JSON object of [`WRITE_BATCH_PG`]'s batch.
#[derive(Serialize)]
struct PgRow<'a> {
    id: Uuid,
    session_id: Uuid,
    enrollment_id: Uuid,
    status: &'static str,
    checked_in_at: Option<String>,
    checked_out_at: Option<String>,
    source: &'static str,
    nonce: Option<&'a str>,
    device: Option<&'a str>,
    note: Option<&'a str>,
    created_at: String,
    updated_at: String,
    a_id: Uuid,
    a_at: String,
    a_session_id: Option<Uuid>,
    a_enrollment_id: Option<Uuid>,
    a_person_id: Option<Uuid>,
    a_kind: &'static str,
    a_result: &'a str,
    a_client_addr: Option<&'a str>,
    a_user_agent: Option<&'a str>,
    a_device: Option<&'a str>,
    a_lat: Option<f64>,
    a_lng: Option<f64>,
    a_accuracy_m: Option<f64>,
    a_coord: Option<&'a str>,
    a_distance_m: Option<f64>,
    a_token_step: Option<i64>,
    a_nonce: Option<&'a str>,
}

/// A time as PostgreSQL reads it, cut to microseconds as a bound parameter would be (PostgreSQL rounds extra
/// digits of a text value, which would store a different time than the one answered).
fn pg_time(t: DateTime<Utc>) -> String {
    t.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string()
}

async fn write_batch_pg(db: &DatabaseConnection, scans: &[Scan]) -> Result<HashSet<Uuid>, DbErr> {
    let mut rows = Vec::with_capacity(scans.len());
    for (r, a) in scans {
        rows.push(PgRow {
            id: r.id,
            session_id: r.session_id,
            enrollment_id: r.enrollment_id,
            status: r.status.as_str(),
            checked_in_at: r.checked_in_at.map(pg_time),
            checked_out_at: r.checked_out_at.map(pg_time),
            source: r.source.as_str(),
            nonce: r.nonce.as_deref(),
            device: r.device.as_deref(),
            note: r.note.as_deref(),
            created_at: pg_time(r.created_at),
            updated_at: pg_time(r.updated_at),
            a_id: a.id,
            a_at: pg_time(a.at),
            a_session_id: a.session_id,
            a_enrollment_id: a.enrollment_id,
            a_person_id: a.person_id,
            a_kind: a.kind.as_str(),
            a_result: &a.result,
            a_client_addr: a.client_addr.as_deref(),
            a_user_agent: a.user_agent.as_deref(),
            a_device: a.device.as_deref(),
            a_lat: a.lat,
            a_lng: a.lng,
            a_accuracy_m: a.accuracy_m,
            a_coord: a.coord.as_deref(),
            a_distance_m: a.distance_m,
            a_token_step: a.token_step,
            a_nonce: a.nonce.as_deref(),
        });
    }
    let json = serde_json::to_string(&rows).map_err(|e| DbErr::Custom(format!("check-in batch as JSON: {e}")))?;
    let stored =
        db.query_all_raw(Statement::from_sql_and_values(DbBackend::Postgres, WRITE_BATCH_PG, [json.into()])).await?;
    stored.iter().map(|row| row.try_get::<Uuid>("", "id")).collect()
}

/// The `single` mode: one scan, one transaction.
async fn write_one(
    db: &DatabaseConnection,
    row: attendance::Model,
    attempt: checkin_attempt::Model,
) -> AppResult<Written> {
    let txn = db.begin().await?;
    let inserted = attendance::Entity::insert(row.into_active_model().reset_all())
        .on_conflict(
            OnConflict::columns([attendance::Column::SessionId, attendance::Column::EnrollmentId])
                .do_nothing()
                .to_owned(),
        )
        .exec_without_returning(&txn)
        .await;
    match inserted {
        Ok(1) => {}
        Ok(_) => return Ok(Written::Conflict),
        // The phone's (session, device) constraint: it checked in someone else.
        Err(err) if is_unique_violation(&err) => return Ok(Written::Conflict),
        Err(err) => return Err(err.into()),
    }
    checkin_attempt::Entity::insert(attempt.into_active_model()).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(Written::Inserted)
}
