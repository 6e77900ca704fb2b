//! Background jobs every instance runs (`[jobs]`): absences at close, evaluation reminders, retention. Each pass is
//! idempotent and safe to run on several instances at once; this module only runs one on a timer.

use std::future::Future;
use std::time::Duration;

use chrono::{DateTime, Utc};

use crate::ctx::Ctx;
use crate::error::AppResult;

/// Runs `pass` every `every` at the injected clock's now, for the life of the process; a failed pass is logged
/// (as `what`) and tried again at the next tick.
pub fn every<T, F, Fut>(ctx: Ctx, every: Duration, what: &'static str, pass: F)
where
    T: Send,
    F: Fn(Ctx, DateTime<Utc>) -> Fut + Send + 'static,
    Fut: Future<Output = AppResult<T>> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            let now = ctx.now();
            if let Err(err) = pass(ctx.clone(), now).await {
                tracing::warn!(error = ?err, job = what, "background job run failed; will retry");
            }
        }
    });
}
