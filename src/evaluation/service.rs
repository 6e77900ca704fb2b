//! Evaluation as staff and trainees use it: a form per class, each part (the class, or one course) answered once by
//! each trainee while it is open, non-respondents chased, results added up.
//!
//! Anonymity is a property of the storage, not of the pages: `evaluation_respondent` says who answered which part
//! (and on which day, no time), `evaluation_sheet` holds the answers with a random id, no trainee and no time, and
//! each new sheet takes a uniformly random place among the part's sheets (its answers swap with a random earlier
//! sheet's), so neither the order of rows nor any column relates a sheet to a respondent. On PostgreSQL the
//! transaction that stores a submission does touch two sheets (the new row and the one it swapped with), which a
//! person reading system columns could narrow down to two; the README's design notes say so.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter,
    QueryOrder, QuerySelect, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};
use uuid::Uuid;

use super::form::{self, Question, QuestionResult};
use crate::audit::{self, Actor, Change};
use crate::class::ClassScope;
use crate::ctx::At;
use crate::entity::{class_session, enrollment, evaluation_form, evaluation_respondent, evaluation_sheet};
use crate::error::{AppError, AppResult, ErrorCode};

/// The part of a form about the class as a whole; the other parts are named by their session's id.
pub const CLASS_PART: &str = "class";

#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FormInput {
    /// Default: 「{班名}教学评估」.
    #[schema(max_length = 128)]
    pub title: Option<String>,
    /// When the class part opens (course parts open as each course ends).
    pub opens_at: DateTime<Utc>,
    /// When every part closes.
    pub closes_at: DateTime<Utc>,
    /// Default: the base's form (five indicators and a comment per course; organisation, logistics, overall
    /// satisfaction and a comment for the class).
    pub questions: Option<Vec<Question>>,
    /// The courses asked about. Default: every session of the class that counts toward attendance.
    pub session_ids: Option<Vec<Uuid>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartRef {
    /// `class`, or the session's id.
    pub target: String,
    /// 全班总体评价, or the course's date and title (and its teacher, when the timetable names one).
    pub label: String,
    /// When the part opens: the form's opening for the class, the course's end for a course.
    pub opens_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FormView {
    pub id: Uuid,
    pub class_id: Uuid,
    pub title: String,
    pub opens_at: DateTime<Utc>,
    pub closes_at: DateTime<Utc>,
    pub questions: Vec<Question>,
    pub parts: Vec<PartRef>,
    /// Trainees on the roster.
    pub expected: usize,
    /// Trainees who answered the class part.
    pub respondents: usize,
    pub response_rate_percent: f64,
    pub reminded_at: Option<DateTime<Utc>>,
}

fn questions_of(form: &evaluation_form::Model) -> Vec<Question> {
    serde_json::from_value(form.questions.clone()).unwrap_or_default()
}

fn session_ids_of(form: &evaluation_form::Model) -> Vec<Uuid> {
    serde_json::from_value(form.session_ids.clone()).unwrap_or_default()
}

fn percent(part: usize, whole: usize) -> f64 {
    if whole == 0 { 0.0 } else { (part as f64 * 1000.0 / whole as f64).round() / 10.0 }
}

async fn parts_of(db: &impl sea_orm::ConnectionTrait, form: &evaluation_form::Model) -> AppResult<Vec<PartRef>> {
    let ids = session_ids_of(form);
    let mut sessions = if ids.is_empty() {
        Vec::new()
    } else {
        class_session::Entity::find().filter(class_session::Column::Id.is_in(ids)).all(db).await?
    };
    sessions.sort_by_key(|s| s.starts_at);
    let mut parts =
        vec![PartRef { target: CLASS_PART.into(), label: "全班总体评价".into(), opens_at: form.opens_at }];
    parts.extend(sessions.into_iter().map(|s| PartRef {
        target: s.id.to_string(),
        label: match s.teacher.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            Some(teacher) => format!("{} {}（{teacher}）", crate::clock::local_date(s.starts_at), s.title),
            None => format!("{} {}", crate::clock::local_date(s.starts_at), s.title),
        },
        opens_at: s.ends_at,
    }));
    Ok(parts)
}

/// Trainees who answered the class part, and the roster's size.
async fn class_response(db: &DatabaseConnection, form: &evaluation_form::Model) -> AppResult<(usize, usize)> {
    let expected = enrollment::active_in_class(form.class_id).count(db).await? as usize;
    Ok((respondents_of(db, form.id, CLASS_PART).await?.len(), expected))
}

async fn view_of(db: &DatabaseConnection, form: evaluation_form::Model) -> AppResult<FormView> {
    let (respondents, expected) = class_response(db, &form).await?;
    Ok(FormView {
        parts: parts_of(db, &form).await?,
        questions: questions_of(&form),
        id: form.id,
        class_id: form.class_id,
        title: form.title,
        opens_at: form.opens_at,
        closes_at: form.closes_at,
        expected,
        respondents,
        response_rate_percent: percent(respondents, expected),
        reminded_at: form.reminded_at,
    })
}

async fn respondents_of(db: &impl sea_orm::ConnectionTrait, form_id: Uuid, target: &str) -> AppResult<HashSet<Uuid>> {
    Ok(evaluation_respondent::Entity::find()
        .select_only()
        .column(evaluation_respondent::Column::EnrollmentId)
        .filter(evaluation_respondent::Column::FormId.eq(form_id))
        .filter(evaluation_respondent::Column::Target.eq(target))
        .into_tuple::<Uuid>()
        .all(db)
        .await?
        .into_iter()
        .collect())
}

/// Creates a class's evaluation form (administrators), audited.
pub async fn create(at: At<'_>, actor: &Actor, scope: &ClassScope, input: FormInput) -> AppResult<FormView> {
    if input.closes_at <= input.opens_at {
        return Err(AppError::validation("截止时间应晚于开放时间").on_field("closes_at"));
    }
    let title = match input.title.map(|t| t.trim().to_owned()).filter(|t| !t.is_empty()) {
        Some(t) if t.chars().count() > 128 => return Err(AppError::validation("标题过长").on_field("title")),
        Some(t) => t,
        None => format!("{}教学评估", scope.class.name),
    };
    let questions = match input.questions {
        Some(q) => q,
        None => super::defaults::questions(&at.db).await?,
    };
    form::check_questions(&questions).map_err(|m| AppError::validation(m).on_field("questions"))?;
    let sessions =
        class_session::Entity::find().filter(class_session::Column::ClassId.eq(scope.class.id)).all(&at.db).await?;
    let session_ids: Vec<Uuid> = match input.session_ids {
        Some(ids) => {
            if let Some(bad) = ids.iter().find(|id| !sessions.iter().any(|s| s.id == **id)) {
                return Err(AppError::with_message(ErrorCode::NotFound, format!("本班没有课程 {bad}")));
            }
            ids
        }
        None => sessions.iter().filter(|s| s.counts_toward_attendance).map(|s| s.id).collect(),
    };
    let row = evaluation_form::ActiveModel {
        id: Set(Uuid::new_v4()),
        class_id: Set(scope.class.id),
        title: Set(title),
        opens_at: Set(input.opens_at),
        closes_at: Set(input.closes_at),
        questions: Set(json!(questions)),
        session_ids: Set(json!(session_ids)),
        created_by: Set(actor.name.chars().take(64).collect()),
        created_at: Set(at.now),
        reminded_at: Set(None),
        auto_reminded_at: Set(None),
    };
    let (now, who, class_id) = (at.now, actor.clone(), scope.class.id);
    let created = at
        .db
        .transaction::<_, evaluation_form::Model, AppError>(|txn| {
            Box::pin(async move {
                let created = row.insert(txn).await?;
                let change = Change {
                    action: "evaluation.create",
                    entity: "evaluation_form",
                    entity_id: created.id.to_string(),
                    class_id: Some(class_id),
                    before: None,
                    after: Some(json!({"title": created.title, "opens_at": created.opens_at,
                        "closes_at": created.closes_at, "sessions": session_ids.len()})),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(created)
            })
        })
        .await?;
    view_of(&at.db, created).await
}

/// The class's forms with their response rates.
pub async fn list(db: &DatabaseConnection, scope: &ClassScope) -> AppResult<Vec<FormView>> {
    let forms = evaluation_form::Entity::find()
        .filter(evaluation_form::Column::ClassId.eq(scope.class.id))
        .order_by_asc(evaluation_form::Column::OpensAt)
        .all(db)
        .await?;
    let mut out = Vec::with_capacity(forms.len());
    for f in forms {
        out.push(view_of(db, f).await?);
    }
    Ok(out)
}

/// A form of a class the person may act on (another class's answers exactly like a missing one).
pub async fn form_in(db: &DatabaseConnection, class_id: Uuid, form_id: Uuid) -> AppResult<evaluation_form::Model> {
    evaluation_form::Entity::find_by_id(form_id)
        .filter(evaluation_form::Column::ClassId.eq(class_id))
        .one(db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

/// The class of a form, for the access check.
pub async fn class_of(db: &DatabaseConnection, form_id: Uuid) -> AppResult<Uuid> {
    evaluation_form::Entity::find_by_id(form_id)
        .one(db)
        .await?
        .map(|f| f.class_id)
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartProgress {
    pub target: String,
    pub label: String,
    /// When the part opens: the form's opening for the class, the course's end for a course.
    pub opens_at: DateTime<Utc>,
    pub respondents: usize,
    pub expected: usize,
    pub response_rate_percent: f64,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NonRespondent {
    pub enrollment_id: Uuid,
    pub name: String,
    pub unit: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Progress {
    pub form_id: Uuid,
    pub parts: Vec<PartProgress>,
    /// Trainees who have not answered the class part, by unit: whom to remind. Who answered what is never shown.
    pub non_respondents: Vec<NonRespondent>,
}

/// How many answered each part, and who has not answered the class part yet.
pub async fn progress(db: &DatabaseConnection, form: &evaluation_form::Model) -> AppResult<Progress> {
    let roster = crate::roster::service::all_active(db, form.class_id).await?;
    let expected = roster.len();
    let mut parts = Vec::new();
    let mut class_respondents = HashSet::new();
    for part in parts_of(db, form).await? {
        let who = respondents_of(db, form.id, &part.target).await?;
        let respondents = roster.iter().filter(|(e, _)| who.contains(&e.id)).count();
        if part.target == CLASS_PART {
            class_respondents = who;
        }
        parts.push(PartProgress {
            target: part.target,
            label: part.label,
            opens_at: part.opens_at,
            respondents,
            expected,
            response_rate_percent: percent(respondents, expected),
        });
    }
    let mut non_respondents: Vec<NonRespondent> = roster
        .iter()
        .filter(|(e, _)| !class_respondents.contains(&e.id))
        .map(|(e, p)| NonRespondent { enrollment_id: e.id, name: p.name.clone(), unit: p.unit.clone() })
        .collect();
    non_respondents.sort_by(|a, b| a.unit.cmp(&b.unit).then(a.name.cmp(&b.name)));
    Ok(Progress { form_id: form.id, parts, non_respondents })
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PartResult {
    pub target: String,
    pub label: String,
    /// Sheets of this part.
    pub answers: usize,
    pub questions: Vec<QuestionResult>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub form_id: Uuid,
    pub title: String,
    /// 学员总体满意度: (非常满意 + 满意) / answers of the overall question, in percent; `null` below 3 answers
    /// or without an overall question.
    pub overall_satisfaction_percent: Option<f64>,
    /// The form has an overall satisfaction question.
    pub has_overall: bool,
    /// Trainees who answered the class part / the roster.
    pub response_rate_percent: f64,
    pub parts: Vec<PartResult>,
}

/// What the answers add up to, per part and question; groups under 3 answers hidden.
pub async fn results(db: &DatabaseConnection, form: &evaluation_form::Model) -> AppResult<Results> {
    let questions = questions_of(form);
    let sheets = evaluation_sheet::Entity::find().filter(evaluation_sheet::Column::FormId.eq(form.id)).all(db).await?;
    let mut by_part: HashMap<&str, Vec<BTreeMap<String, Value>>> = HashMap::new();
    for s in &sheets {
        let answers: BTreeMap<String, Value> = serde_json::from_value(s.answers.clone()).unwrap_or_default();
        by_part.entry(s.target.as_str()).or_default().push(answers);
    }
    let mut parts = Vec::new();
    let mut overall = None;
    for part in parts_of(db, form).await? {
        let is_class = part.target == CLASS_PART;
        let sheets: Vec<&BTreeMap<String, Value>> =
            by_part.get(part.target.as_str()).map(|v| v.iter().collect()).unwrap_or_default();
        let results: Vec<QuestionResult> = questions
            .iter()
            .filter(|q| q.per_session != is_class)
            .map(|q| {
                let r = form::tally(q, &sheets);
                if q.overall {
                    overall = r.satisfaction_percent;
                }
                r
            })
            .collect();
        parts.push(PartResult { target: part.target, label: part.label, answers: sheets.len(), questions: results });
    }
    let (respondents, expected) = class_response(db, form).await?;
    Ok(Results {
        form_id: form.id,
        title: form.title.clone(),
        overall_satisfaction_percent: overall,
        has_overall: questions.iter().any(|q| q.overall),
        response_rate_percent: percent(respondents, expected),
        parts,
    })
}

/// Who sends a reminder: staff from the console (any number of times), or the job before the deadline (once).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reminder {
    Staff,
    Automatic,
}

/// Reminds the trainees who have not answered the class part (inbox, and the WeChat subscribe message where the
/// base configured one), audited with how many. Answers how many were reminded. The automatic reminder claims the
/// form first (`auto_reminded_at` set only where it is still empty), so of several instances running the job only
/// one sends it, and a form is reminded automatically once.
pub async fn remind(at: At<'_>, actor: &Actor, form: &evaluation_form::Model, by: Reminder) -> AppResult<usize> {
    if at.now >= form.closes_at {
        return Err(AppError::new(ErrorCode::EvaluationClosed));
    }
    let answered = respondents_of(&at.db, form.id, CLASS_PART).await?;
    let pending: Vec<enrollment::Model> = enrollment::active_in_class(form.class_id)
        .all(&at.db)
        .await?
        .into_iter()
        .filter(|e| !answered.contains(&e.id))
        .collect();
    let notice = crate::notify::Notice {
        kind: crate::notify::NoticeKind::Evaluation,
        class_id: Some(form.class_id),
        title: "请完成教学评估".into(),
        body: format!(
            "「{}」将于 {} 截止，请在“我的考勤 → 评估”中填写。评估匿名，工作人员只能看到是否已提交。",
            form.title,
            crate::notify::wechat_time(form.closes_at)
        ),
        link: Some("/h5/me#evaluation".into()),
        vars: BTreeMap::from([("title", form.title.clone()), ("deadline", crate::notify::wechat_time(form.closes_at))]),
    };
    let templates = at.templates().clone();
    let (now, who, form_id, class_id, count) = (at.now, actor.clone(), form.id, form.class_id, pending.len());
    at.db
        .transaction::<_, usize, AppError>(|txn| {
            Box::pin(async move {
                let claimed = match by {
                    Reminder::Staff => evaluation_form::Entity::update_many()
                        .col_expr(evaluation_form::Column::RemindedAt, Expr::value(now))
                        .filter(evaluation_form::Column::Id.eq(form_id)),
                    Reminder::Automatic => evaluation_form::Entity::update_many()
                        .col_expr(evaluation_form::Column::AutoRemindedAt, Expr::value(now))
                        .filter(evaluation_form::Column::Id.eq(form_id))
                        .filter(evaluation_form::Column::AutoRemindedAt.is_null()),
                }
                .exec(txn)
                .await?;
                if claimed.rows_affected == 0 {
                    return Ok(0);
                }
                for e in &pending {
                    let to =
                        crate::notify::Recipient::Trainee { person_id: e.person_id, openid: e.wechat_openid.clone() };
                    crate::notify::send(txn, &templates, now, &to, &notice).await?;
                }
                let change = Change {
                    action: "evaluation.remind",
                    entity: "evaluation_form",
                    entity_id: form_id.to_string(),
                    class_id: Some(class_id),
                    before: None,
                    after: Some(json!({ "reminded": count, "automatic": by == Reminder::Automatic })),
                    reason: None,
                };
                audit::record(txn, now, &who, change).await?;
                Ok(count)
            })
        })
        .await
        .map_err(AppError::from)
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyPart {
    pub target: String,
    pub label: String,
    /// It may be answered now.
    pub open: bool,
    pub answered: bool,
    pub opens_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct MyForm {
    pub form_id: Uuid,
    pub class_id: Uuid,
    pub class_name: String,
    pub title: String,
    pub closes_at: DateTime<Utc>,
    pub questions: Vec<Question>,
    pub parts: Vec<MyPart>,
}

fn part_open(part: &PartRef, form: &evaluation_form::Model, now: DateTime<Utc>) -> bool {
    part.opens_at <= now && now < form.closes_at && (part.target != CLASS_PART || form.opens_at <= now)
}

/// The trainee's forms (of their active enrolments) that are open or will open, with what they have answered.
pub async fn mine(db: &DatabaseConnection, person_id: Uuid, now: DateTime<Utc>) -> AppResult<Vec<MyForm>> {
    let enrollments = enrollment::active_of_person(person_id).all(db).await?;
    let by_class: HashMap<Uuid, Uuid> = enrollments.iter().map(|e| (e.class_id, e.id)).collect();
    let forms = evaluation_form::Entity::find()
        .filter(evaluation_form::Column::ClassId.is_in(by_class.keys().copied().collect::<Vec<_>>()))
        .filter(evaluation_form::Column::ClosesAt.gt(now))
        .order_by_asc(evaluation_form::Column::ClosesAt)
        .all(db)
        .await?;
    let mut out = Vec::new();
    for form in forms {
        let enrollment_id = by_class[&form.class_id];
        let answered: HashSet<String> = evaluation_respondent::Entity::find()
            .filter(evaluation_respondent::Column::FormId.eq(form.id))
            .filter(evaluation_respondent::Column::EnrollmentId.eq(enrollment_id))
            .all(db)
            .await?
            .into_iter()
            .map(|r| r.target)
            .collect();
        let class_name = crate::entity::training_class::Entity::find_by_id(form.class_id)
            .one(db)
            .await?
            .map(|c| c.name)
            .unwrap_or_default();
        let parts = parts_of(db, &form)
            .await?
            .into_iter()
            .map(|p| MyPart {
                open: part_open(&p, &form, now),
                answered: answered.contains(&p.target),
                target: p.target,
                label: p.label,
                opens_at: p.opens_at,
            })
            .collect();
        out.push(MyForm {
            form_id: form.id,
            class_id: form.class_id,
            class_name,
            title: form.title.clone(),
            closes_at: form.closes_at,
            questions: questions_of(&form),
            parts,
        });
    }
    Ok(out)
}

/// Stores a trainee's answers to one part of a form: once, while the part is open. The respondent row and the
/// sheet are written in one transaction (the answer is acknowledged only once both are stored); the sheet takes a
/// random place among the part's sheets.
pub async fn submit(
    at: At<'_>,
    person_id: Uuid,
    form_id: Uuid,
    target: &str,
    answers: BTreeMap<String, Value>,
) -> AppResult<()> {
    let form = evaluation_form::Entity::find_by_id(form_id)
        .one(&at.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let enrollment = enrollment::active_of_person(person_id)
        .filter(enrollment::Column::ClassId.eq(form.class_id))
        .one(&at.db)
        .await?
        .ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let part = parts_of(&at.db, &form)
        .await?
        .into_iter()
        .find(|p| p.target == target)
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "评估表中没有这门课程"))?;
    if !part_open(&part, &form, at.now) {
        return Err(AppError::new(ErrorCode::EvaluationClosed));
    }
    let questions = questions_of(&form);
    let asked: Vec<&Question> = questions.iter().filter(|q| q.per_session != (target == CLASS_PART)).collect();
    form::check_answers(&asked, &answers).map_err(AppError::validation)?;
    let today = crate::clock::local_date(at.now);
    let target = target.to_owned();
    let (enrollment_id, answers) = (enrollment.id, json!(answers));
    at.db
        .transaction::<_, (), AppError>(|txn| {
            Box::pin(async move {
                // Submissions to one form one at a time (PostgreSQL; SQLite has one writer), so the swap below
                // never reads a sheet another submission is changing.
                evaluation_form::Entity::find_by_id(form_id).lock_exclusive().one(txn).await?;
                let marked = evaluation_respondent::Entity::insert(evaluation_respondent::ActiveModel {
                    form_id: Set(form_id),
                    target: Set(target.clone()),
                    enrollment_id: Set(enrollment_id),
                    submitted_on: Set(today),
                })
                .on_conflict_do_nothing()
                .exec_without_returning(txn)
                .await?;
                if !matches!(marked, sea_orm::TryInsertResult::Inserted(n) if n > 0) {
                    return Err(AppError::new(ErrorCode::AlreadyAnswered));
                }
                let part = || {
                    evaluation_sheet::Entity::find()
                        .filter(evaluation_sheet::Column::FormId.eq(form_id))
                        .filter(evaluation_sheet::Column::Target.eq(target.as_str()))
                };
                let earlier = part().count(txn).await?;
                // A uniformly random place among the n + 1 sheets: keep the new answers in the new row with
                // probability 1/(n+1), else swap them with a random earlier sheet's.
                let stay = rand::random_range(0..=earlier) == earlier;
                let swapped = if stay {
                    None
                } else {
                    part().order_by(Expr::cust("RANDOM()"), sea_orm::Order::Asc).one(txn).await?
                };
                let stored = match swapped {
                    Some(other) => {
                        let moved = other.answers.clone();
                        let mut active: evaluation_sheet::ActiveModel = other.into();
                        active.answers = Set(answers);
                        active.update(txn).await?;
                        moved
                    }
                    None => answers,
                };
                evaluation_sheet::ActiveModel {
                    id: Set(Uuid::new_v4()),
                    form_id: Set(form_id),
                    target: Set(target.clone()),
                    answers: Set(stored),
                }
                .insert(txn)
                .await?;
                Ok(())
            })
        })
        .await?;
    Ok(())
}
