//! Results per teacher (授课教师) across the classes of a year: what the teaching office reads when it reviews its
//! teachers. A course counts for its teacher when it starts in the year, has a teacher on the timetable and is asked
//! about by an evaluation form; its sheets are added up per indicator. As in a class's results, a group of fewer than
//! [`MIN_GROUP`] sheets (a teacher's year, or one course) shows no figures.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::form::{GRADES, MIN_GROUP, Question, QuestionKind, QuestionResult, tally};
use super::service::CLASS_PART;
use crate::entity::{class_session, evaluation_form, evaluation_sheet, training_class};
use crate::error::AppResult;

/// One indicator (a course question of a grade, stars or score kind) over a teacher's courses, by its wording.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Indicator {
    pub text: String,
    pub kind: QuestionKind,
    pub answers: usize,
    /// Grade: average on 100 points; stars and score: the mean.
    pub average: Option<f64>,
    /// Grade: (非常满意 + 满意) / answers, in percent.
    pub satisfaction_percent: Option<f64>,
}

/// A teacher's year: every grade answer of their courses together, and each indicator.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeacherSummary {
    pub teacher: String,
    /// Courses evaluated (sessions asked about by a form).
    pub courses: usize,
    /// Classes those courses belong to.
    pub classes: usize,
    /// Sheets: one per trainee and course.
    pub answers: usize,
    /// Fewer than 3 sheets: no figures.
    pub hidden: bool,
    /// 综合得分: the average of all grade answers on 100 points.
    pub score: Option<f64>,
    /// (非常满意 + 满意) / grade answers, in percent.
    pub satisfaction_percent: Option<f64>,
    pub indicators: Vec<Indicator>,
}

/// One course of a teacher.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeacherCourse {
    pub class_id: Uuid,
    pub class_name: String,
    pub session_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub answers: usize,
    pub hidden: bool,
    pub score: Option<f64>,
    pub satisfaction_percent: Option<f64>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeacherReport {
    pub year: i32,
    /// By score, best first; hidden ones last, by name.
    pub teachers: Vec<TeacherSummary>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TeacherDetail {
    pub year: i32,
    pub summary: TeacherSummary,
    /// By date.
    pub courses: Vec<TeacherCourse>,
}

/// One answer as a one-question sheet, so [`tally`] adds answers up.
type Single = BTreeMap<String, Value>;
/// An indicator: its wording and kind.
type IndicatorKey = (String, KindKey);

/// The answers of one group (a teacher, or a course) to the course questions, by indicator; and the sheet count.
#[derive(Default)]
struct Pool {
    sheets: usize,
    /// (text, kind) and one single-answer sheet per value, so [`tally`] adds them up; in the order the forms ask.
    values: Vec<(IndicatorKey, Vec<Single>)>,
    grades: Vec<Single>,
}

/// `QuestionKind` as a map key (order: as declared).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct KindKey(u8);

const SCORED: [QuestionKind; 3] = [QuestionKind::Grade, QuestionKind::Stars, QuestionKind::Score];

impl KindKey {
    fn of(kind: QuestionKind) -> Option<KindKey> {
        SCORED.iter().position(|k| *k == kind).map(|i| KindKey(i as u8))
    }

    fn kind(self) -> QuestionKind {
        SCORED[self.0 as usize]
    }
}

fn one(value: &Value) -> Single {
    BTreeMap::from([("v".to_owned(), value.clone())])
}

impl Pool {
    fn add(&mut self, questions: &[&Question], sheet: &BTreeMap<String, Value>) {
        self.sheets += 1;
        for q in questions {
            let (Some(key), Some(v)) = (KindKey::of(q.kind), sheet.get(&q.id).filter(|v| !v.is_null())) else {
                continue;
            };
            self.push((q.text.clone(), key), std::iter::once(one(v)));
            if q.kind == QuestionKind::Grade {
                self.grades.push(one(v));
            }
        }
    }

    fn push(&mut self, key: IndicatorKey, values: impl IntoIterator<Item = Single>) {
        match self.values.iter_mut().find(|(k, _)| *k == key) {
            Some((_, found)) => found.extend(values),
            None => self.values.push((key, values.into_iter().collect())),
        }
    }

    fn tally(values: &[Single], text: &str, kind: QuestionKind) -> QuestionResult {
        let q = Question {
            id: "v".into(),
            text: text.into(),
            kind,
            options: Vec::new(),
            per_session: true,
            required: false,
            overall: false,
        };
        tally(&q, &values.iter().collect::<Vec<_>>())
    }

    fn hidden(&self) -> bool {
        self.sheets < MIN_GROUP
    }

    /// (score, satisfaction) of all grade answers; `None` when hidden.
    fn overall(&self) -> (Option<f64>, Option<f64>) {
        if self.hidden() || self.grades.is_empty() {
            return (None, None);
        }
        let r = Self::tally(&self.grades, "", QuestionKind::Grade);
        (r.average, r.satisfaction_percent)
    }

    fn indicators(&self) -> Vec<Indicator> {
        self.values
            .iter()
            .map(|((text, key), values)| {
                let r = Self::tally(values, text, key.kind());
                let shown = !self.hidden();
                Indicator {
                    text: text.clone(),
                    kind: key.kind(),
                    answers: values.len(),
                    average: r.average.filter(|_| shown),
                    satisfaction_percent: r.satisfaction_percent.filter(|_| shown),
                }
            })
            .collect()
    }
}

/// Ids per `IN (…)` list.
const IN_CHUNK: usize = 500;

/// A course asked about by a form, with its teacher.
struct Course {
    session: class_session::Model,
    pool: Pool,
}

/// The evaluated courses starting in `year` (China time), optionally of one teacher, with their sheets pooled.
async fn courses(db: &DatabaseConnection, year: i32, teacher: Option<&str>) -> AppResult<Vec<Course>> {
    let start = |y: i32| NaiveDate::from_ymd_opt(y, 1, 1).map(|d| crate::clock::from_local(d, NaiveTime::MIN));
    let (Some(from), Some(to)) = (start(year), start(year + 1)) else { return Ok(Vec::new()) };
    let mut find = class_session::Entity::find()
        .filter(class_session::Column::Teacher.is_not_null())
        .filter(class_session::Column::StartsAt.gte(from))
        .filter(class_session::Column::StartsAt.lt(to));
    if let Some(t) = teacher {
        find = find.filter(class_session::Column::Teacher.eq(t));
    }
    let sessions: HashMap<Uuid, class_session::Model> = find
        .all(db)
        .await?
        .into_iter()
        .filter(|s| s.teacher.as_deref().is_some_and(|t| !t.trim().is_empty()))
        .map(|s| (s.id, s))
        .collect();
    if sessions.is_empty() {
        return Ok(Vec::new());
    }
    let class_ids: Vec<Uuid> =
        sessions.values().map(|s| s.class_id).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let mut forms = Vec::new();
    for chunk in class_ids.chunks(IN_CHUNK) {
        forms.extend(
            evaluation_form::Entity::find()
                .filter(evaluation_form::Column::ClassId.is_in(chunk.to_vec()))
                .all(db)
                .await?,
        );
    }
    // Each form's course questions, and which of the year's courses it asks about.
    let mut asked: HashMap<Uuid, Vec<Question>> = HashMap::new();
    let mut pools: HashMap<Uuid, Pool> = HashMap::new();
    for f in &forms {
        let ids: Vec<Uuid> = serde_json::from_value(f.session_ids.clone()).unwrap_or_default();
        if ids.iter().any(|id| sessions.contains_key(id)) {
            let questions: Vec<Question> = serde_json::from_value(f.questions.clone()).unwrap_or_default();
            asked.insert(f.id, questions.into_iter().filter(|q| q.per_session).collect());
            for id in ids.into_iter().filter(|id| sessions.contains_key(id)) {
                pools.entry(id).or_default();
            }
        }
    }
    let form_ids: Vec<Uuid> = asked.keys().copied().collect();
    for chunk in form_ids.chunks(IN_CHUNK) {
        let sheets: Vec<(Uuid, String, Value)> = evaluation_sheet::Entity::find()
            .select_only()
            .columns([
                evaluation_sheet::Column::FormId,
                evaluation_sheet::Column::Target,
                evaluation_sheet::Column::Answers,
            ])
            .filter(evaluation_sheet::Column::FormId.is_in(chunk.to_vec()))
            .filter(evaluation_sheet::Column::Target.ne(CLASS_PART))
            .into_tuple()
            .all(db)
            .await?;
        for (form_id, target, answers) in sheets {
            let (Ok(session_id), Some(questions)) = (target.parse::<Uuid>(), asked.get(&form_id)) else { continue };
            let Some(pool) = pools.get_mut(&session_id) else { continue };
            let answers: BTreeMap<String, Value> = serde_json::from_value(answers).unwrap_or_default();
            pool.add(&questions.iter().collect::<Vec<_>>(), &answers);
        }
    }
    let mut sessions = sessions;
    Ok(pools
        .into_iter()
        .filter_map(|(id, pool)| sessions.remove(&id).map(|session| Course { session, pool }))
        .collect())
}

fn teacher_of(c: &Course) -> String {
    c.session.teacher.as_deref().unwrap_or_default().trim().to_owned()
}

fn summary(teacher: String, courses: &[&Course]) -> TeacherSummary {
    let mut pool = Pool::default();
    for c in courses {
        pool.sheets += c.pool.sheets;
        pool.grades.extend(c.pool.grades.iter().cloned());
        for (key, values) in &c.pool.values {
            pool.push(key.clone(), values.iter().cloned());
        }
    }
    let (score, satisfaction_percent) = pool.overall();
    let classes: std::collections::HashSet<Uuid> = courses.iter().map(|c| c.session.class_id).collect();
    TeacherSummary {
        teacher,
        courses: courses.len(),
        classes: classes.len(),
        answers: pool.sheets,
        hidden: pool.hidden(),
        score,
        satisfaction_percent,
        indicators: pool.indicators(),
    }
}

fn by_score(a: &TeacherSummary, b: &TeacherSummary) -> std::cmp::Ordering {
    match (a.score, b.score) {
        (Some(x), Some(y)) => y.total_cmp(&x).then_with(|| a.teacher.cmp(&b.teacher)),
        (Some(_), None) => std::cmp::Ordering::Less,
        (None, Some(_)) => std::cmp::Ordering::Greater,
        (None, None) => a.teacher.cmp(&b.teacher),
    }
}

/// One summary per teacher, best score first.
fn summaries(all: &[Course]) -> Vec<TeacherSummary> {
    let mut by_teacher: BTreeMap<String, Vec<&Course>> = BTreeMap::new();
    for c in all {
        by_teacher.entry(teacher_of(c)).or_default().push(c);
    }
    let mut teachers: Vec<TeacherSummary> = by_teacher.into_iter().map(|(t, cs)| summary(t, &cs)).collect();
    teachers.sort_by(by_score);
    teachers
}

/// The courses as rows, by date, with their classes' names.
async fn course_rows(db: &DatabaseConnection, all: &mut [Course]) -> AppResult<Vec<TeacherCourse>> {
    all.sort_by_key(|c| c.session.starts_at);
    let class_ids: Vec<Uuid> =
        all.iter().map(|c| c.session.class_id).collect::<std::collections::HashSet<_>>().into_iter().collect();
    let mut names: HashMap<Uuid, String> = HashMap::new();
    for chunk in class_ids.chunks(IN_CHUNK) {
        let classes =
            training_class::Entity::find().filter(training_class::Column::Id.is_in(chunk.to_vec())).all(db).await?;
        names.extend(classes.into_iter().map(|c| (c.id, c.name)));
    }
    Ok(all
        .iter()
        .map(|c| {
            let (score, satisfaction_percent) = c.pool.overall();
            TeacherCourse {
                class_id: c.session.class_id,
                class_name: names.get(&c.session.class_id).cloned().unwrap_or_default(),
                session_id: c.session.id,
                title: c.session.title.clone(),
                starts_at: c.session.starts_at,
                answers: c.pool.sheets,
                hidden: c.pool.hidden(),
                score,
                satisfaction_percent,
            }
        })
        .collect())
}

/// Every teacher of the year with their figures, best score first; and, for the workbook, every course with its
/// teacher.
pub async fn report_with_courses(
    db: &DatabaseConnection,
    year: i32,
) -> AppResult<(TeacherReport, Vec<(String, TeacherCourse)>)> {
    let mut all = courses(db, year, None).await?;
    let teachers = summaries(&all);
    let teacher_names: Vec<String> = {
        all.sort_by_key(|c| c.session.starts_at);
        all.iter().map(teacher_of).collect()
    };
    let rows = course_rows(db, &mut all).await?;
    Ok((TeacherReport { year, teachers }, teacher_names.into_iter().zip(rows).collect()))
}

/// Every teacher of the year with their figures, best score first.
pub async fn report(db: &DatabaseConnection, year: i32) -> AppResult<TeacherReport> {
    let all = courses(db, year, None).await?;
    let teachers = summaries(&all);
    Ok(TeacherReport { year, teachers })
}

/// One teacher's year: the summary and each course. `None` when they taught no evaluated course that year.
pub async fn detail(db: &DatabaseConnection, year: i32, teacher: &str) -> AppResult<Option<TeacherDetail>> {
    let mut all = courses(db, year, Some(teacher.trim())).await?;
    if all.is_empty() {
        return Ok(None);
    }
    let refs: Vec<&Course> = all.iter().collect();
    let summary = summary(teacher.trim().to_owned(), &refs);
    let courses = course_rows(db, &mut all).await?;
    Ok(Some(TeacherDetail { year, summary, courses }))
}

/// The grade labels, for pages that explain the score.
pub fn grade_points_note() -> String {
    let labels: Vec<&str> = GRADES.iter().map(|(_, l)| *l).collect();
    format!("综合得分按百分制：{} 分别计 100、80、60、40 分", labels.join("、"))
}
