//! Reading and changing a class's policy (administrators; audited).

use sea_orm::{ActiveModelTrait, ActiveValue::Set, TransactionTrait};
use serde_json::json;

use super::policy::ClassPolicy;
use crate::audit::{self, Actor, Change};
use crate::class::ClassScope;
use crate::ctx::{At, Committed};
use crate::entity::training_class;
use crate::error::{AppError, AppResult};

/// Saves a class's completion rules; everyone's warnings are then evaluated against them.
pub async fn save(
    at: At<'_>,
    actor: &Actor,
    scope: &ClassScope,
    policy: ClassPolicy,
    reason: Option<String>,
) -> AppResult<ClassPolicy> {
    let (db, now) = (&at.db, at.now);
    policy.validate()?;
    let before = ClassPolicy::of(&scope.class);
    let value = serde_json::to_value(&policy).map_err(AppError::internal)?;
    let txn = db.begin().await?;
    let mut active: training_class::ActiveModel = scope.class.clone().into();
    active.completion_policy = Set(Some(value.clone()));
    active.updated_at = Set(now);
    active.update(&txn).await?;
    let change = Change {
        action: "class.policy",
        entity: "training_class",
        entity_id: scope.class.id.to_string(),
        class_id: Some(scope.class.id),
        before: Some(json!(before)),
        after: Some(value),
        reason: reason.map(|r| r.trim().to_owned()).filter(|r| !r.is_empty()),
    };
    audit::record(&txn, now, actor, change).await?;
    txn.commit().await?;
    at.after_commit(Committed::standing(scope.class.id, None)).await;
    Ok(policy)
}
