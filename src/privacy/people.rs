//! Finding a person across classes (an administrator answering a request about someone's personal information):
//! by part of the name or the phone number, with the classes they took part in and whether an erasure would be
//! refused now (active in a class that has not ended).

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, Condition, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::vocab::ClassStatus;
use crate::entity::{enrollment, person, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::roster::model::{STATUS_ACTIVE, shown_phone};

/// At most this many people answer one search.
pub const SEARCH_LIMIT: u64 = 50;

#[derive(Debug, Clone)]
pub struct ClassBrief {
    pub code: String,
    pub name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    /// Still enrolled (not withdrawn).
    pub active: bool,
    /// Neither past its end date nor marked 结业.
    pub open: bool,
}

#[derive(Debug, Clone)]
pub struct PersonSummary {
    pub id: Uuid,
    pub name: String,
    pub unit: String,
    /// 已删除 once erased.
    pub phone: String,
    pub erased_at: Option<DateTime<Utc>>,
    pub classes: Vec<ClassBrief>,
}

impl PersonSummary {
    /// The first class that makes an erasure wait (active in it, and it has not ended).
    pub fn blocking_class(&self) -> Option<&ClassBrief> {
        self.classes.iter().find(|c| c.active && c.open)
    }
}

/// People whose name or phone number contains `q` (at least 2 characters), newest first.
pub async fn search(db: &DatabaseConnection, q: &str, today: NaiveDate) -> AppResult<Vec<PersonSummary>> {
    let q = q.trim();
    if q.chars().count() < 2 {
        return Ok(Vec::new());
    }
    let people = person::Entity::find()
        .filter(
            Condition::any()
                .add(person::Column::Name.contains(q))
                .add(Condition::all().add(person::Column::Phone.contains(q)).add(person::Column::ErasedAt.is_null())),
        )
        .order_by_desc(person::Column::CreatedAt)
        .limit(SEARCH_LIMIT)
        .all(db)
        .await?;
    summaries(db, people, today).await
}

/// One person, with their classes.
pub async fn find(db: &DatabaseConnection, id: Uuid, today: NaiveDate) -> AppResult<PersonSummary> {
    let p = person::Entity::find_by_id(id).one(db).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    summary(db, p, today).await
}

/// A person already loaded, with their classes.
pub async fn summary(db: &DatabaseConnection, p: person::Model, today: NaiveDate) -> AppResult<PersonSummary> {
    Ok(summaries(db, vec![p], today).await?.remove(0))
}

async fn summaries(
    db: &DatabaseConnection,
    people: Vec<person::Model>,
    today: NaiveDate,
) -> AppResult<Vec<PersonSummary>> {
    let ids: Vec<Uuid> = people.iter().map(|p| p.id).collect();
    let enrollments = enrollment::Entity::find()
        .filter(enrollment::Column::PersonId.is_in(ids))
        .order_by_asc(enrollment::Column::CreatedAt)
        .all(db)
        .await?;
    let classes = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(enrollments.iter().map(|e| e.class_id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    Ok(people
        .into_iter()
        .map(|p| PersonSummary {
            id: p.id,
            phone: shown_phone(&p),
            classes: enrollments
                .iter()
                .filter(|e| e.person_id == p.id)
                .filter_map(|e| {
                    let c = classes.iter().find(|c| c.id == e.class_id)?;
                    Some(ClassBrief {
                        code: c.code.clone(),
                        name: c.name.clone(),
                        start_date: c.start_date,
                        end_date: c.end_date,
                        active: e.status == STATUS_ACTIVE,
                        open: is_open(c, today),
                    })
                })
                .collect(),
            name: p.name,
            unit: p.unit,
            erased_at: p.erased_at,
        })
        .collect())
}

/// A class has not ended: neither past its end date nor marked 结业.
fn is_open(c: &training_class::Model, today: NaiveDate) -> bool {
    c.end_date >= today && c.status != ClassStatus::Finished
}
