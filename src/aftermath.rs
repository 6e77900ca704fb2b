//! What follows a committed attendance change, in one place: the implementation of [`Ctx::after_commit`]. It sits
//! above the domain (start-up wires it in), so the services that write records need not know who listens.

use uuid::Uuid;

use crate::ctx::{AfterCommit, CACHE_TOPIC, Caches, Committed, Ctx, StaleEntries};

pub struct Aftermath;

/// The [`crate::ctx::RecordGuard`]: the certificate rules, checked inside each change's transaction.
pub struct CertificateGuard;

#[async_trait::async_trait]
impl crate::ctx::RecordGuard for CertificateGuard {
    async fn after_changes(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        class_id: Uuid,
        enrollment_ids: &[Uuid],
    ) -> crate::error::AppResult<()> {
        crate::certificate::decision::ensure_consistent(txn, class_id, enrollment_ids).await
    }
}

#[async_trait::async_trait]
impl AfterCommit for Aftermath {
    async fn run(&self, ctx: &Ctx, committed: Committed) {
        let stale = committed.stale_entries();
        if !stale.is_empty() {
            ctx.caches.apply(&stale);
            if let Ok(json) = serde_json::to_string(&stale)
                && let Err(err) = ctx.infra.events.publish(CACHE_TOPIC, &json).await
            {
                crate::kv::log_degraded(&err, "could not tell the other instances which cached entries are stale");
            }
        }
        let kv = ctx.infra.kv.as_ref();
        crate::checkin::service::forget(&ctx.db, kv, &committed.stale_records).await;
        let mut remember = committed.remember;
        for change in committed.events {
            crate::live::publish(kv, ctx.infra.events.as_ref(), change, &std::mem::take(&mut remember)).await;
        }
        if !remember.is_empty()
            && let Err(err) = kv.set_many(&remember).await
        {
            crate::kv::log_degraded(&err, "could not remember a change's answers");
        }
        if committed.standing.is_empty() {
            return;
        }
        if committed.standing_in_background {
            let (ctx, standing) = (ctx.clone(), committed.standing);
            tokio::spawn(async move { evaluate(&ctx, standing).await });
        } else {
            evaluate(ctx, committed.standing).await;
        }
    }
}

async fn evaluate(ctx: &Ctx, standing: Vec<(Uuid, Option<Vec<Uuid>>)>) {
    for (class_id, only) in standing {
        crate::warning::evaluate_after(ctx, class_id, only.as_deref()).await;
    }
}

/// Applies the stale entries the other instances announce (and this one's own, again: harmless). A listener that
/// fell behind may have missed some, so it drops everything.
pub fn listen_for_stale_entries(caches: std::sync::Arc<Caches>, events: &dyn crate::kv::events::EventBus) {
    let mut rx = events.subscribe(CACHE_TOPIC);
    tokio::spawn(async move {
        use tokio::sync::broadcast::error::RecvError;
        loop {
            match rx.recv().await {
                Ok(payload) => match serde_json::from_str::<StaleEntries>(&payload) {
                    Ok(stale) => caches.apply(&stale),
                    Err(err) => tracing::warn!(error = %err, "unreadable stale-entries message"),
                },
                Err(RecvError::Lagged(_)) => caches.clear(),
                Err(RecvError::Closed) => return,
            }
        }
    });
}
