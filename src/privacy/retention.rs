//! The retention job: on every instance, every `jobs.retention_scan_seconds`, removes what the notice says is kept
//! only for a while. Each rule is one conditional statement, so running it again (or on two instances at once)
//! changes nothing more; each run that removed anything leaves one audit entry with how many of what, not whose.
//!
//! - check-in attempts older than `privacy.attempt_details_days`: raw position, browser (user agent) and network
//!   address (the distance to the classroom and the accuracy stay, as does the result);
//! - device ids on the attendance records and attempts of classes that have ended (the enrolment's own binding is
//!   the trainee's login credential and stays);
//! - sick-note and evidence images `privacy.image_days_after_class` after their class ended (the leave decision,
//!   the breach and their texts stay);
//! - expired and revoked tokens.

use std::time::Duration;

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::sea_query::{Expr, ExprTrait, Query};
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, TransactionTrait};
use serde::Serialize;
use serde_json::json;
use uuid::Uuid;

use crate::audit::{self, Actor, Change};
use crate::config::PrivacySettings;
use crate::ctx::Ctx;
use crate::entity::{
    attachment, attendance, auth_token, checkin_attempt, class_session, discipline_record, leave_request,
    training_class,
};
use crate::error::{AppError, AppResult};

/// How many of each kind one run removed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Purged {
    /// Attempts whose position, browser and address were cleared.
    pub attempt_details: u64,
    /// Attendance records and attempts whose device id was cleared.
    pub device_ids: u64,
    /// Images deleted.
    pub images: u64,
    /// Tokens deleted.
    pub tokens: u64,
}

impl Purged {
    fn any(&self) -> bool {
        self.attempt_details + self.device_ids + self.images + self.tokens > 0
    }
}

/// The ids of the sessions of classes that ended before `day` (China time), as a subquery.
fn sessions_of_classes_ended_before(day: NaiveDate) -> sea_orm::sea_query::SelectStatement {
    Query::select()
        .column(class_session::Column::Id)
        .from(class_session::Entity)
        .and_where(
            Expr::col(class_session::Column::ClassId).in_subquery(
                Query::select()
                    .column(training_class::Column::Id)
                    .from(training_class::Entity)
                    .and_where(Expr::col(training_class::Column::EndDate).lt(day))
                    .to_owned(),
            ),
        )
        .to_owned()
}

/// One run of every rule at `now`, in one transaction, audited when it removed anything.
pub async fn run_once(ctx: &Ctx, now: DateTime<Utc>) -> AppResult<Purged> {
    let settings: PrivacySettings = ctx.settings.privacy.clone();
    ctx.db
        .transaction::<_, Purged, AppError>(|txn| {
            Box::pin(async move {
                let purged = purge(txn, &settings, now).await?;
                if purged.any() {
                    let change = Change {
                        action: "privacy.retention",
                        entity: "retention",
                        entity_id: crate::clock::local_date(now).to_string(),
                        class_id: None,
                        before: None,
                        after: Some(json!(purged)),
                        reason: Some("保存期限已到（个人信息保护）".into()),
                    };
                    audit::record(txn, now, &Actor::system("retention"), change).await?;
                    tracing::info!(?purged, "retention removed personal data past its period");
                }
                Ok(purged)
            })
        })
        .await
        .map_err(AppError::from)
}

async fn purge<C: ConnectionTrait>(conn: &C, settings: &PrivacySettings, now: DateTime<Utc>) -> AppResult<Purged> {
    let today = crate::clock::local_date(now);
    let mut purged = Purged::default();

    let cutoff = now - chrono::Duration::days(i64::from(settings.attempt_details_days));
    purged.attempt_details = checkin_attempt::Entity::update_many()
        .col_expr(checkin_attempt::Column::Lat, Expr::value(Option::<f64>::None))
        .col_expr(checkin_attempt::Column::Lng, Expr::value(Option::<f64>::None))
        .col_expr(checkin_attempt::Column::UserAgent, Expr::value(Option::<String>::None))
        .col_expr(checkin_attempt::Column::ClientAddr, Expr::value(Option::<String>::None))
        .filter(checkin_attempt::Column::At.lt(cutoff))
        .filter(
            checkin_attempt::Column::Lat
                .is_not_null()
                .or(checkin_attempt::Column::Lng.is_not_null())
                .or(checkin_attempt::Column::UserAgent.is_not_null())
                .or(checkin_attempt::Column::ClientAddr.is_not_null()),
        )
        .exec(conn)
        .await?
        .rows_affected;

    let ended = sessions_of_classes_ended_before(today);
    purged.device_ids = attendance::Entity::update_many()
        .col_expr(attendance::Column::Device, Expr::value(Option::<String>::None))
        .filter(attendance::Column::Device.is_not_null())
        .filter(attendance::Column::SessionId.in_subquery(ended.clone()))
        .exec(conn)
        .await?
        .rows_affected
        + checkin_attempt::Entity::update_many()
            .col_expr(checkin_attempt::Column::Device, Expr::value(Option::<String>::None))
            .filter(checkin_attempt::Column::Device.is_not_null())
            .filter(checkin_attempt::Column::SessionId.in_subquery(ended))
            .exec(conn)
            .await?
            .rows_affected;

    let image_day = today - chrono::Duration::days(i64::from(settings.image_days_after_class));
    let old_classes = Query::select()
        .column(training_class::Column::Id)
        .from(training_class::Entity)
        .and_where(Expr::col(training_class::Column::EndDate).lt(image_day))
        .to_owned();
    let mut images: Vec<Uuid> = leave_request::Entity::find()
        .select_only()
        .column(leave_request::Column::AttachmentId)
        .filter(leave_request::Column::AttachmentId.is_not_null())
        .filter(leave_request::Column::ClassId.in_subquery(old_classes.clone()))
        .into_tuple::<Option<Uuid>>()
        .all(conn)
        .await?
        .into_iter()
        .flatten()
        .collect();
    images.extend(
        discipline_record::Entity::find()
            .select_only()
            .column(discipline_record::Column::AttachmentId)
            .filter(discipline_record::Column::AttachmentId.is_not_null())
            .filter(discipline_record::Column::ClassId.in_subquery(old_classes.clone()))
            .into_tuple::<Option<Uuid>>()
            .all(conn)
            .await?
            .into_iter()
            .flatten(),
    );
    leave_request::Entity::update_many()
        .col_expr(leave_request::Column::AttachmentId, Expr::value(Option::<Uuid>::None))
        .filter(leave_request::Column::AttachmentId.is_not_null())
        .filter(leave_request::Column::ClassId.in_subquery(old_classes.clone()))
        .exec(conn)
        .await?;
    discipline_record::Entity::update_many()
        .col_expr(discipline_record::Column::AttachmentId, Expr::value(Option::<Uuid>::None))
        .filter(discipline_record::Column::AttachmentId.is_not_null())
        .filter(discipline_record::Column::ClassId.in_subquery(old_classes))
        .exec(conn)
        .await?;
    for chunk in images.chunks(crate::entity::ROWS_PER_INSERT * 10) {
        purged.images += attachment::Entity::delete_many()
            .filter(attachment::Column::Id.is_in(chunk.to_vec()))
            .exec(conn)
            .await?
            .rows_affected;
    }

    purged.tokens = auth_token::Entity::delete_many()
        .filter(auth_token::Column::ExpiresAt.lt(now).or(auth_token::Column::RevokedAt.is_not_null()))
        .exec(conn)
        .await?
        .rows_affected;
    Ok(purged)
}

/// Runs [`run_once`] every `every`, on the injected clock, for the life of the process.
pub fn spawn(ctx: Ctx, every: Duration) {
    crate::jobs::every(ctx, every, "retention", |ctx, now| async move { run_once(&ctx, now).await });
}
