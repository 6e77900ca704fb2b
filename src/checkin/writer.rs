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
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

pub use crate::config::{CheckinSettings, WriteMode};
use crate::entity::{attendance, checkin_attempt, enrollment};
use crate::error::{AppError, AppResult, ErrorCode, is_unique_violation};

/// What became of one check-in's row.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// Stored and committed, with its success attempt.
    Inserted,
    /// Not stored: a row for this (session, trainee) exists, or this phone already checked in someone else.
    Conflict,
}

struct Pending {
    row: attendance::Model,
    attempt: checkin_attempt::ActiveModel,
    reply: oneshot::Sender<Result<Written, ErrorCode>>,
}

/// One scan's question: the active enrolment of this person in this class.
struct Lookup {
    class_id: Uuid,
    person_id: Uuid,
    reply: oneshot::Sender<Result<Option<enrollment::Model>, ErrorCode>>,
}

#[derive(Clone)]
pub struct CheckinWriter {
    db: DatabaseConnection,
    queues: Vec<mpsc::Sender<Pending>>,
    lookups: Option<mpsc::Sender<Lookup>>,
}

/// Scans waiting for each writer task (and for the lookup task); a full queue answers 503 (see [`ask`]).
const QUEUE: usize = 4096;

impl CheckinWriter {
    /// Starts this instance's writers (none in `single` mode).
    pub fn start(db: DatabaseConnection, settings: &CheckinSettings) -> Self {
        let mut queues = Vec::new();
        let mut lookups = None;
        if settings.write_mode == WriteMode::Group {
            for _ in 0..settings.writers.max(1) {
                let (tx, rx) = mpsc::channel(QUEUE);
                tokio::spawn(run(db.clone(), rx, settings.max_batch.max(1)));
                queues.push(tx);
            }
            let (tx, rx) = mpsc::channel(QUEUE);
            tokio::spawn(look_up(db.clone(), rx, settings.max_batch.max(1)));
            lookups = Some(tx);
        }
        Self { db, queues, lookups }
    }

    /// The person's active enrolment in the class (batched with the other scans waiting in `group` mode).
    pub async fn enrollment(&self, class_id: Uuid, person_id: Uuid) -> AppResult<Option<enrollment::Model>> {
        let Some(queue) = &self.lookups else {
            return Ok(enrollment::active_in_class(class_id)
                .filter(enrollment::Column::PersonId.eq(person_id))
                .one(&self.db)
                .await?);
        };
        ask(queue, "enrolment lookup", |reply| Lookup { class_id, person_id, reply }).await
    }

    /// Stores one check-in's row and its success attempt; returns once they are committed (or were not stored).
    pub async fn write(&self, row: attendance::Model, attempt: checkin_attempt::ActiveModel) -> AppResult<Written> {
        if self.queues.is_empty() {
            return write_one(&self.db, row, attempt).await;
        }
        // Spread over the writers by trainee, so one trainee's retries queue behind each other.
        let queue = &self.queues[(row.enrollment_id.as_u128() % self.queues.len() as u128) as usize];
        ask(queue, "check-in writer", |reply| Pending { row, attempt, reply }).await
    }
}

/// Sends a question to a batching task and waits for its answer; a full queue answers 503 (the phone retries with
/// the same nonce).
async fn ask<M, T>(
    queue: &mpsc::Sender<M>,
    what: &'static str,
    message: impl FnOnce(oneshot::Sender<Result<T, ErrorCode>>) -> M,
) -> AppResult<T> {
    let (reply, answer) = oneshot::channel();
    queue
        .try_send(message(reply))
        .map_err(|_| AppError::new(ErrorCode::ServiceUnavailable).caused_by(anyhow::anyhow!("{what} queue full")))?;
    match answer.await {
        Ok(Ok(value)) => Ok(value),
        Ok(Err(code)) => Err(AppError::new(code)),
        Err(_) => Err(AppError::internal(anyhow::anyhow!("{what} stopped"))),
    }
}

/// One writer: waits for a scan, takes every other scan already waiting (up to `max`), writes them together.
async fn run(db: DatabaseConnection, mut rx: mpsc::Receiver<Pending>, max: usize) {
    let mut batch = Vec::with_capacity(max);
    while rx.recv_many(&mut batch, max).await > 0 {
        let pending = std::mem::replace(&mut batch, Vec::with_capacity(max));
        let (scans, replies): (Vec<_>, Vec<_>) = pending.into_iter().map(|p| ((p.row, p.attempt), p.reply)).unzip();
        let result = write_batch(&db, &scans).await;
        if let Err(err) = &result {
            tracing::error!(error = %err, scans = scans.len(), "could not store a batch of check-ins");
        }
        for ((row, _), reply) in scans.iter().zip(replies) {
            let answer = match &result {
                Ok(inserted) if inserted.contains(&row.id) => Ok(Written::Inserted),
                Ok(_) => Ok(Written::Conflict),
                Err(_) => Err(ErrorCode::ServiceUnavailable),
            };
            // The scan may have given up waiting (its deadline passed): its row is stored all the same, and its
            // retry with the same nonce finds it.
            let _ = reply.send(answer);
        }
    }
}

/// The lookup task: every question waiting, one statement (classes × people, matched in memory).
async fn look_up(db: DatabaseConnection, mut rx: mpsc::Receiver<Lookup>, max: usize) {
    let mut batch = Vec::with_capacity(max);
    while rx.recv_many(&mut batch, max).await > 0 {
        let questions = std::mem::replace(&mut batch, Vec::with_capacity(max));
        let classes: HashSet<Uuid> = questions.iter().map(|q| q.class_id).collect();
        let people: HashSet<Uuid> = questions.iter().map(|q| q.person_id).collect();
        let found = enrollment::active()
            .filter(enrollment::Column::ClassId.is_in(classes))
            .filter(enrollment::Column::PersonId.is_in(people))
            .all(&db)
            .await;
        if let Err(err) = &found {
            tracing::error!(error = %err, scans = questions.len(), "could not look up enrolments for check-ins");
        }
        for q in questions {
            let answer = match &found {
                Ok(rows) => Ok(rows.iter().find(|e| e.class_id == q.class_id && e.person_id == q.person_id).cloned()),
                Err(_) => Err(ErrorCode::ServiceUnavailable),
            };
            let _ = q.reply.send(answer);
        }
    }
}

/// Inserts the rows that do not conflict (any unique constraint, also with another row of the same batch) and the
/// attempts of those, in one transaction; returns the ids of the rows inserted. What a writer task does with each
/// batch (public for the tests).
pub async fn write_batch(
    db: &DatabaseConnection,
    scans: &[(attendance::Model, checkin_attempt::ActiveModel)],
) -> Result<HashSet<Uuid>, DbErr> {
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
