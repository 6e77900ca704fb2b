//! The base's default evaluation form: the questions a new class form starts from. Administrators edit it; until
//! they do, it is the built-in form ([`form::default_questions`]).

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, EntityTrait, TransactionTrait, sea_query::OnConflict};
use serde::{Deserialize, Serialize};
use serde_json::json;

use super::form::{self, Question};
use crate::audit::{self, Actor, Change};
use crate::ctx::At;
use crate::entity::evaluation_default_form;
use crate::error::{AppError, AppResult};

/// The one row's id: rollcall serves one base.
const BASE: &str = "base";

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DefaultForm {
    pub questions: Vec<Question>,
    /// Who last changed it; `null` while it is the built-in form.
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DefaultFormInput {
    pub questions: Vec<Question>,
}

/// The base's default form as it stands.
pub async fn get(db: &impl ConnectionTrait) -> AppResult<DefaultForm> {
    let row = evaluation_default_form::Entity::find_by_id(BASE).one(db).await?;
    Ok(match row {
        Some(r) => DefaultForm {
            questions: serde_json::from_value(r.questions).unwrap_or_else(|_| form::default_questions()),
            updated_by: Some(r.updated_by),
            updated_at: Some(r.updated_at),
        },
        None => DefaultForm { questions: form::default_questions(), updated_by: None, updated_at: None },
    })
}

/// The questions a new class form gets when none are given.
pub async fn questions(db: &impl ConnectionTrait) -> AppResult<Vec<Question>> {
    Ok(get(db).await?.questions)
}

/// Replaces the base's default form (administrators), audited with the questions before and after. Forms already
/// created keep their own questions.
pub async fn save(at: At<'_>, actor: &Actor, input: DefaultFormInput) -> AppResult<DefaultForm> {
    form::check_questions(&input.questions).map_err(|m| AppError::validation(m).on_field("questions"))?;
    let (now, who) = (at.now, actor.clone());
    let questions = input.questions;
    let stored = questions.clone();
    at.db
        .transaction::<_, (), AppError>(|txn| {
            Box::pin(async move {
                let before = get(txn).await?;
                evaluation_default_form::Entity::insert(evaluation_default_form::ActiveModel {
                    id: Set(BASE.to_owned()),
                    questions: Set(json!(stored)),
                    updated_by: Set(who.name.chars().take(64).collect()),
                    updated_at: Set(now),
                })
                .on_conflict(
                    OnConflict::column(evaluation_default_form::Column::Id)
                        .update_columns([
                            evaluation_default_form::Column::Questions,
                            evaluation_default_form::Column::UpdatedBy,
                            evaluation_default_form::Column::UpdatedAt,
                        ])
                        .to_owned(),
                )
                .exec_without_returning(txn)
                .await?;
                let change = Change {
                    action: "evaluation.default_form",
                    entity: "evaluation_default_form",
                    entity_id: BASE.to_owned(),
                    class_id: None,
                    before: Some(json!(before.questions)),
                    after: Some(json!(stored)),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(())
            })
        })
        .await?;
    Ok(DefaultForm { questions, updated_by: Some(actor.name.clone()), updated_at: Some(now) })
}
