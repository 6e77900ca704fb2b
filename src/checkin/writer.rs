//! Where a check-in becomes durable. Two modes, chosen in `[checkin] write_mode`:
//!
//! - `group` (the default): a few writer tasks per instance each take whatever check-ins are waiting (no timer:
//!   a lone scan is written at once, a burst is written together), insert their attendance rows in one statement
//!   and their success attempts in another inside one transaction, commit once, and only then answer each scan.
//!   One commit (one fsync) carries many check-ins, which is what lets a base's 08:30 burst run near the
//!   database's durable-insert ceiling.
//! - `single`: each scan runs its own transaction (two inserts and a commit), for comparison in the benchmark.
//!
//! In `group` mode the scans' enrolment lookups are batched the same way: one statement for every scan waiting.
//!
//! Either way a row that could not be inserted (the trainee is already recorded, or the phone checked in someone
//! else for this session) comes back as [`Written::Conflict`], and the caller resolves it as one scan.

use std::collections::HashSet;

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, DatabaseConnection, DbErr, EntityTrait, IntoActiveModel, QueryFilter,
    TransactionTrait,
};
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
pub type Scan = (attendance::Model, checkin_attempt::ActiveModel);

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
    pub async fn write(&self, row: attendance::Model, attempt: checkin_attempt::ActiveModel) -> AppResult<Written> {
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
    let txn = db.begin().await?;
    let models = scans.iter().map(|(r, _)| r.clone().into_active_model().reset_all());
    let inserted: HashSet<Uuid> = attendance::Entity::insert_many(models)
        .on_conflict(OnConflict::new().do_nothing().to_owned())
        .exec_with_returning_keys(&txn)
        .await
        .or_else(|e| if matches!(e, DbErr::RecordNotInserted) { Ok(Vec::new()) } else { Err(e) })?
        .into_iter()
        .collect();
    let attempts: Vec<_> = scans.iter().filter(|(r, _)| inserted.contains(&r.id)).map(|(_, a)| a.clone()).collect();
    if !attempts.is_empty() {
        checkin_attempt::Entity::insert_many(attempts).exec_without_returning(&txn).await?;
    }
    txn.commit().await?;
    Ok(inserted)
}

/// The `single` mode: one scan, one transaction.
async fn write_one(
    db: &DatabaseConnection,
    row: attendance::Model,
    attempt: checkin_attempt::ActiveModel,
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
    checkin_attempt::Entity::insert(attempt).exec_without_returning(&txn).await?;
    txn.commit().await?;
    Ok(Written::Inserted)
}
