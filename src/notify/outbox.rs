//! The outbox: notifications to deliver outside rollcall, written in the transaction of the change that caused
//! them. A worker on every instance claims due rows with a conditional UPDATE (a row is claimed by exactly one
//! worker: the UPDATE re-checks `locked_until` under the row lock), sends, and records the outcome only while it
//! still holds the claim. Delivery is at least once in theory (a worker that dies after WeChat accepted but before
//! it recorded "sent" leaves the row to be retried after the lock expires) and exactly once in every other case.

use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, Condition, ConnectionTrait, DatabaseConnection, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};
use serde::Serialize;
use uuid::Uuid;

use super::wechat::{Outcome, SubscribePayload, WechatSender};
use crate::entity::outbox;
use crate::entity::vocab::{NoticeKind, OutboxStatus};
use crate::error::{AppError, AppResult};
use crate::pagination::{Page, PageRequest};

pub const PENDING: OutboxStatus = OutboxStatus::Pending;
pub const SENT: OutboxStatus = OutboxStatus::Sent;
pub const SKIPPED: OutboxStatus = OutboxStatus::Skipped;
pub const FAILED: OutboxStatus = OutboxStatus::Failed;

/// Tries before giving up (about 2 h of backoff in all).
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claim holds; longer than one send with a token refresh (two WeChat timeouts).
pub const CLAIM: Duration = Duration::seconds(60);
/// Rows one worker claims at a time.
const BATCH: u64 = 20;

/// Wait before the next try after `attempts` tries: 30 s, 1 min, 2 min, … capped at 1 h.
pub fn backoff(attempts: i32) -> Duration {
    let exp = attempts.clamp(1, 8) - 1;
    Duration::seconds((30i64 << exp).min(3600))
}

pub async fn enqueue<C: ConnectionTrait>(
    conn: &C,
    now: DateTime<Utc>,
    kind: NoticeKind,
    payload: &SubscribePayload,
) -> AppResult<Uuid> {
    let id = Uuid::now_v7();
    let payload = serde_json::to_value(payload).map_err(AppError::internal)?;
    outbox::Entity::insert(outbox::ActiveModel {
        id: Set(id),
        kind: Set(kind),
        channel: Set("wechat".to_owned()),
        payload: Set(payload),
        status: Set(PENDING),
        attempts: Set(0),
        next_attempt_at: Set(now),
        locked_until: Set(None),
        locked_by: Set(None),
        last_error: Set(None),
        created_at: Set(now),
        done_at: Set(None),
    })
    .exec_without_returning(conn)
    .await?;
    Ok(id)
}

/// What one delivery pass did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Report {
    pub sent: u32,
    pub retrying: u32,
    pub skipped: u32,
    pub failed: u32,
}

impl Report {
    pub fn handled(&self) -> u32 {
        self.sent + self.retrying + self.skipped + self.failed
    }
}

/// Claims up to a batch of due rows for `worker`, delivers them, and records each outcome.
pub async fn deliver_once(
    db: &DatabaseConnection,
    sender: &WechatSender,
    worker: &str,
    now: DateTime<Utc>,
) -> AppResult<Report> {
    let claim = format!("{worker}:{}", Uuid::new_v4().simple());
    let claim: String = claim.chars().take(64).collect();
    let free = || Condition::any().add(outbox::Column::LockedUntil.is_null()).add(outbox::Column::LockedUntil.lt(now));
    let mut report = Report::default();
    let mut mine = Vec::new();
    // Another worker may claim the rows this one just read; then read again (a few times) for the rest.
    for _ in 0..3 {
        let due: Vec<Uuid> = outbox::Entity::find()
            .select_only()
            .column(outbox::Column::Id)
            .filter(outbox::Column::Status.eq(PENDING))
            .filter(outbox::Column::NextAttemptAt.lte(now))
            .filter(free())
            .order_by_asc(outbox::Column::NextAttemptAt)
            .limit(BATCH)
            .into_tuple()
            .all(db)
            .await?;
        if due.is_empty() {
            return Ok(report);
        }
        outbox::Entity::update_many()
            .col_expr(outbox::Column::LockedBy, Expr::value(claim.clone()))
            .col_expr(outbox::Column::LockedUntil, Expr::value(now + CLAIM))
            .filter(outbox::Column::Id.is_in(due))
            .filter(outbox::Column::Status.eq(PENDING))
            .filter(free())
            .exec(db)
            .await?;
        mine = outbox::Entity::find()
            .filter(outbox::Column::LockedBy.eq(claim.as_str()))
            .filter(outbox::Column::Status.eq(PENDING))
            .order_by_asc(outbox::Column::NextAttemptAt)
            .all(db)
            .await?;
        if !mine.is_empty() {
            break;
        }
    }
    for row in mine {
        let attempts = row.attempts + 1;
        let outcome = match serde_json::from_value::<SubscribePayload>(row.payload.clone()) {
            Ok(payload) => sender.send(&payload, now).await,
            Err(err) => Outcome::Failed(format!("unreadable payload: {err}")),
        };
        let (status, error, next) = match outcome {
            Outcome::Sent => {
                report.sent += 1;
                (SENT, None, row.next_attempt_at)
            }
            Outcome::Skipped(why) => {
                report.skipped += 1;
                (SKIPPED, Some(why), row.next_attempt_at)
            }
            Outcome::Failed(why) => {
                report.failed += 1;
                (FAILED, Some(why), row.next_attempt_at)
            }
            Outcome::Retry(why) if attempts >= MAX_ATTEMPTS => {
                report.failed += 1;
                (FAILED, Some(format!("gave up after {attempts} tries: {why}")), row.next_attempt_at)
            }
            Outcome::Retry(why) => {
                report.retrying += 1;
                (PENDING, Some(why), now + backoff(attempts))
            }
        };
        if let Some(why) = &error {
            tracing::info!(outbox_id = %row.id, attempts, status = status.as_str(), error = %why, "notification not delivered");
        }
        let done = (status != PENDING).then_some(now);
        outbox::Entity::update_many()
            .col_expr(outbox::Column::Status, Expr::value(status))
            .col_expr(outbox::Column::Attempts, Expr::value(attempts))
            .col_expr(outbox::Column::NextAttemptAt, Expr::value(next))
            .col_expr(outbox::Column::LastError, Expr::value(error))
            .col_expr(outbox::Column::DoneAt, Expr::value(done))
            .col_expr(outbox::Column::LockedUntil, Expr::value(Option::<DateTime<Utc>>::None))
            .filter(outbox::Column::Id.eq(row.id))
            .filter(outbox::Column::LockedBy.eq(claim.as_str()))
            .exec(db)
            .await?;
    }
    Ok(report)
}

/// One outbox row, for administrators watching delivery.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct OutboxItem {
    pub id: Uuid,
    pub kind: String,
    pub channel: String,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub done_at: Option<DateTime<Utc>>,
    #[schema(value_type = Object)]
    pub payload: serde_json::Value,
}

pub async fn list(db: &DatabaseConnection, status: Option<&str>, page: PageRequest) -> AppResult<Page<OutboxItem>> {
    let mut q = outbox::Entity::find();
    if let Some(s) = status {
        q = q.filter(outbox::Column::Status.eq(s));
    }
    let total = q.clone().count(db).await?;
    let items = q
        .order_by_desc(outbox::Column::CreatedAt)
        .offset(page.offset())
        .limit(page.limit())
        .all(db)
        .await?
        .into_iter()
        .map(|m| OutboxItem {
            id: m.id,
            kind: m.kind.as_str().to_owned(),
            channel: m.channel,
            status: m.status.as_str().to_owned(),
            attempts: m.attempts,
            next_attempt_at: m.next_attempt_at,
            last_error: m.last_error,
            created_at: m.created_at,
            done_at: m.done_at,
            payload: m.payload,
        })
        .collect();
    Ok(page.wrap(items, total))
}

/// Runs [`deliver_once`] every `every` on the injected clock, for the life of the process.
pub fn spawn(
    db: DatabaseConnection,
    sender: WechatSender,
    clock: std::sync::Arc<dyn crate::clock::Clock>,
    every: std::time::Duration,
) {
    let worker = format!("w{}", &Uuid::new_v4().simple().to_string()[..8]);
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            // Drain: a full batch means more may be due.
            loop {
                match deliver_once(&db, &sender, &worker, clock.now()).await {
                    Ok(r) if r.handled() as u64 >= BATCH => continue,
                    Ok(_) => break,
                    Err(err) => {
                        tracing::warn!(error = ?err, "outbox delivery failed; will retry");
                        break;
                    }
                }
            }
        }
    });
}
