//! Every check-in attempt is stored, failures included. A successful attempt is written in the check-in's own
//! transaction; failed ones go through a bounded channel to a batch writer, so a burst of bad scans never slows
//! the good ones. A crash can lose the last moment of *failed* attempts (what is still queued), never a success.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use tokio::sync::mpsc;
use uuid::Uuid;

use crate::entity::checkin_attempt;
use crate::error::AppResult;
use crate::pagination::{Page, PageRequest};

const QUEUE: usize = 10_000;
const BATCH: usize = 50;

#[derive(Clone)]
pub struct AttemptLog {
    tx: mpsc::Sender<checkin_attempt::ActiveModel>,
}

impl AttemptLog {
    /// Starts the batch writer for this instance.
    pub fn start(db: DatabaseConnection) -> Self {
        let (tx, mut rx) = mpsc::channel::<checkin_attempt::ActiveModel>(QUEUE);
        tokio::spawn(async move {
            while let Some(first) = rx.recv().await {
                let mut batch = vec![first];
                while batch.len() < BATCH {
                    match rx.try_recv() {
                        Ok(next) => batch.push(next),
                        Err(_) => break,
                    }
                }
                if let Err(err) = checkin_attempt::Entity::insert_many(batch).exec_without_returning(&db).await {
                    tracing::warn!(error = %err, "could not store failed check-in attempts");
                    tokio::time::sleep(Duration::from_millis(200)).await;
                }
            }
        });
        Self { tx }
    }

    /// Queues a failed attempt; when the queue is full the attempt is dropped with a warning.
    pub fn record_failure(&self, attempt: checkin_attempt::ActiveModel) {
        if self.tx.try_send(attempt).is_err() {
            tracing::warn!("check-in attempt queue full; a failed attempt was not stored");
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptView {
    pub id: Uuid,
    pub at: DateTime<Utc>,
    pub enrollment_id: Option<Uuid>,
    pub person_id: Option<Uuid>,
    /// `in` or `out`.
    pub kind: String,
    /// `ok`, `already`, or the error code (e.g. `outside_geofence`, `device_shared`); `qr_token_forged` for a
    /// token that names this session but was not minted by rollcall (tampering or a made-up code).
    pub result: String,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub device: Option<String>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub coord: Option<String>,
    /// Distance from the geofence centre, when a position was checked.
    pub distance_m: Option<f64>,
    pub token_step: Option<i64>,
    /// Who tried, when the attempt could be tied to a person (for staff: the phone monitor and the board).
    pub name: Option<String>,
    pub unit: Option<String>,
    /// `result` in Chinese, for staff to read.
    pub result_label: String,
}

impl From<checkin_attempt::Model> for AttemptView {
    fn from(m: checkin_attempt::Model) -> Self {
        Self {
            id: m.id,
            at: m.at,
            enrollment_id: m.enrollment_id,
            person_id: m.person_id,
            kind: m.kind.as_str().to_owned(),
            result_label: result_label(&m.result).to_owned(),
            result: m.result,
            client_addr: m.client_addr,
            user_agent: m.user_agent,
            device: m.device,
            lat: m.lat,
            lng: m.lng,
            accuracy_m: m.accuracy_m,
            coord: m.coord,
            distance_m: m.distance_m,
            token_step: m.token_step,
            name: None,
            unit: None,
        }
    }
}

/// A session's attempts, newest first, optionally one result only.
pub async fn list(
    db: &DatabaseConnection,
    session_id: Uuid,
    result: Option<&str>,
    page: PageRequest,
) -> AppResult<Page<AttemptView>> {
    let mut query = checkin_attempt::Entity::find().filter(checkin_attempt::Column::SessionId.eq(session_id));
    if let Some(result) = result {
        query = query.filter(checkin_attempt::Column::Result.eq(result));
    }
    let total = query.clone().count(db).await?;
    let rows = query
        .order_by_desc(checkin_attempt::Column::At)
        .order_by_desc(checkin_attempt::Column::Id)
        .offset(page.offset())
        .limit(page.limit())
        .all(db)
        .await?;
    let mut views: Vec<AttemptView> = rows.into_iter().map(AttemptView::from).collect();
    name_them(db, &mut views).await?;
    Ok(page.wrap(views, total))
}

/// Fills in who made each attempt: by the enrolment it was tied to, else by the person who logged in.
async fn name_them(db: &DatabaseConnection, views: &mut [AttemptView]) -> AppResult<()> {
    use crate::entity::enrollment;
    let enrollments: Vec<Uuid> = views.iter().filter_map(|v| v.enrollment_id).collect();
    let by_enrollment: std::collections::HashMap<Uuid, Uuid> = if enrollments.is_empty() {
        Default::default()
    } else {
        enrollment::Entity::find()
            .filter(enrollment::Column::Id.is_in(enrollments))
            .all(db)
            .await?
            .into_iter()
            .map(|e| (e.id, e.person_id))
            .collect()
    };
    let person_of = |v: &AttemptView| v.enrollment_id.and_then(|e| by_enrollment.get(&e).copied()).or(v.person_id);
    let mut people: Vec<Uuid> = views.iter().filter_map(person_of).collect();
    people.sort();
    people.dedup();
    if people.is_empty() {
        return Ok(());
    }
    let found = crate::roster::service::people_by_id(db, people).await?;
    for v in views.iter_mut() {
        if let Some(p) = person_of(v).and_then(|id| found.get(&id)) {
            v.name = Some(p.name.clone());
            v.unit = Some(p.unit.clone());
        }
    }
    Ok(())
}

/// What an attempt's result means, for staff to read (the trainee saw the longer message of its error code).
pub fn result_label(result: &str) -> &str {
    match result {
        "ok" => "签到成功",
        "already" => "重复扫码",
        "qr_token_invalid" => "二维码无效",
        "qr_token_expired" => "二维码已过期（可能是转发的照片）",
        "qr_token_forged" => "伪造的二维码",
        "session_not_open" => "签到未开始",
        "session_closed" => "签到已结束",
        "not_enrolled" => "不在本班名单",
        "location_required" => "未提供位置",
        "outside_geofence" => "不在签到范围内",
        "device_mismatch" => "不是本人绑定的手机",
        "device_shared" => "同一手机为多人签到",
        "rate_limited" => "操作过于频繁",
        other => other,
    }
}
