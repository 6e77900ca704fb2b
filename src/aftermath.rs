//! What follows a committed attendance change, in one place: the implementation of [`Ctx::after_commit`]. It sits
//! above the domain (start-up wires it in), so the services that write records need not know who listens.

use uuid::Uuid;

use crate::ctx::{AfterCommit, Committed, Ctx};

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
        for session_id in &committed.stale_sessions {
            ctx.caches.sessions.remove(session_id);
        }
        for person_id in &committed.revoked_logins {
            ctx.caches.forget_person(*person_id);
        }
        let kv = ctx.infra.kv.as_ref();
        crate::checkin::service::forget(&ctx.db, kv, &committed.stale_records).await;
        for change in committed.events {
            crate::live::publish(kv, ctx.infra.events.as_ref(), change).await;
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
