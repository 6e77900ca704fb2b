//! The automatic reminder: some hours before a form closes, each trainee who has not answered its class part gets
//! one reminder (inbox and WeChat subscribe message), without staff pressing the button. Runs on every instance;
//! the claim in [`service::remind`] makes each form's reminder go out once.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};

use super::service::{self, Reminder};
use crate::audit::Actor;
use crate::ctx::Ctx;
use crate::entity::evaluation_form;
use crate::error::AppResult;

/// One pass: every open form closing within `before` that has not had its automatic reminder. Answers the forms
/// reminded and how many trainees each.
pub async fn sweep(ctx: &Ctx, now: DateTime<Utc>, before: chrono::Duration) -> AppResult<Vec<(uuid::Uuid, usize)>> {
    let due = evaluation_form::Entity::find()
        .filter(evaluation_form::Column::AutoRemindedAt.is_null())
        .filter(evaluation_form::Column::OpensAt.lte(now))
        .filter(evaluation_form::Column::ClosesAt.gt(now))
        .filter(evaluation_form::Column::ClosesAt.lte(now + before))
        .all(&ctx.db)
        .await?;
    let actor = Actor::system("evaluation-reminder");
    let mut sent = Vec::new();
    for form in due {
        let count = service::remind(ctx.at(now), &actor, &form, Reminder::Automatic).await?;
        sent.push((form.id, count));
    }
    Ok(sent)
}

/// Runs [`sweep`] every `every`, on the injected clock, for the life of the process.
pub fn spawn(ctx: Ctx, every: Duration, before: chrono::Duration) {
    crate::jobs::every(
        ctx,
        every,
        "evaluation-reminder",
        move |ctx, now| async move { sweep(&ctx, now, before).await },
    );
}
