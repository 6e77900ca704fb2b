//! 教学评估: a class's evaluation forms with their response rates, and for administrators the form to create one
//! (the base's default questions about the courses ticked and the class as a whole, summarised, and adjustable for
//! this class in the builder of `evaluation_builder`, whose buttons show the form again as typed); a form's page with
//! how many answered each part, who has not answered the class part (with a reminder to them), and the results: the
//! class's overall satisfaction, per part and question the average, satisfaction and grades, and the comments.
//! Groups under 3 answers stay hidden, and nothing links a trainee to answers (the service keeps nothing that could).
//! Everything goes through `evaluation::service`, the same functions as the API.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::evaluation_builder::{self as builder, Builder, Op, Row};
use super::*;
use crate::clock::{china, from_local, local_date, local_hhmm, local_minute as stamp};
use crate::entity::evaluation_form;
use crate::evaluation::defaults;
use crate::evaluation::form::GRADES;
use crate::evaluation::service::{self as evaluations, FormInput, FormView, NonRespondent, PartResult};
use crate::evaluation::{QuestionKind, QuestionResult};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console/classes/{id}/evaluations")
            .app_data(builder::form_limit())
            .route(web::get().to(list))
            .route(web::post().to(create)),
    )
    .service(web::resource("/console/evaluations/{fid}").route(web::get().to(show)))
    .service(web::resource("/console/evaluations/{fid}/remind").route(web::post().to(remind)))
    .service(web::resource("/console/evaluations/{fid}/results/file").route(web::get().to(results_file)));
}

/// 83.3%, 80%.
fn percent_label(p: f64) -> String {
    let text = format!("{p:.1}");
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}

/// 84, 73.3.
fn figure(x: f64) -> String {
    let text = format!("{x:.1}");
    text.strip_suffix(".0").unwrap_or(&text).to_owned()
}

/// 「已提交 10 / 12（83.3%）」.
fn responses_label(respondents: usize, expected: usize, rate: f64) -> String {
    format!("已提交 {respondents} / {expected}（{}）", percent_label(rate))
}

/// Whether the form is open at `now`: the words and the badge's style.
fn form_state(opens_at: DateTime<Utc>, closes_at: DateTime<Utc>, now: DateTime<Utc>) -> (&'static str, &'static str) {
    if now < opens_at {
        ("未开放", "draft")
    } else if now < closes_at {
        ("进行中", "open")
    } else {
        ("已截止", "finished")
    }
}

/// One form in the class's list.
struct FormRow {
    id: Uuid,
    title: String,
    when: String,
    state: (&'static str, &'static str),
    responses: String,
    /// How many courses it asks about.
    courses: usize,
}

impl FormRow {
    fn of(view: &FormView, now: DateTime<Utc>) -> FormRow {
        FormRow {
            id: view.id,
            title: view.title.clone(),
            when: format!("{} 至 {}", stamp(view.opens_at), stamp(view.closes_at)),
            state: form_state(view.opens_at, view.closes_at, now),
            responses: responses_label(view.respondents, view.expected, view.response_rate_percent),
            courses: view.parts.len().saturating_sub(1),
        }
    }
}

/// A session of the class as its checkbox shows it.
struct CourseChoice {
    id: String,
    label: String,
    counts: bool,
    checked: bool,
}

/// The create form as typed (strings, so a refused form comes back as the person left it).
#[derive(Default, Clone)]
struct CreateForm {
    title: String,
    opens_date: String,
    opens_time: String,
    closes_date: String,
    closes_time: String,
    /// The ticked sessions; `None` before the form was sent (every counting session ticked).
    sessions: Option<Vec<String>>,
    /// The questions in the builder; `None` before it was sent (the base's default form).
    questions: Option<Vec<Row>>,
    /// Whether a builder button was pressed (the builder is shown open).
    edited: bool,
}

impl CreateForm {
    /// The form's first showing: open from now (China time) until the class's last day at 18:00, or three days when
    /// the class has ended.
    fn fresh(scope: &ClassScope, now: DateTime<Utc>) -> CreateForm {
        let local = now.with_timezone(&china());
        let today = local.date_naive();
        let last = if scope.class.end_date > today { scope.class.end_date } else { today + chrono::Duration::days(3) };
        CreateForm {
            title: String::new(),
            opens_date: today.to_string(),
            opens_time: local.format("%H:%M").to_string(),
            closes_date: last.to_string(),
            closes_time: "18:00".to_owned(),
            sessions: None,
            questions: None,
            edited: false,
        }
    }

    fn read(fields: &[(String, String)]) -> CreateForm {
        let field = |name: &str| fields.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone()).unwrap_or_default();
        CreateForm {
            title: field("title"),
            opens_date: field("opens_date"),
            opens_time: field("opens_time"),
            closes_date: field("closes_date"),
            closes_time: field("closes_time"),
            sessions: Some(fields.iter().filter(|(k, _)| k == "session").map(|(_, v)| v.clone()).collect()),
            questions: builder::read(fields),
            edited: false,
        }
    }

    /// What the form asks the service for, or the refusal of the field that is wrong.
    fn input(&self) -> AppResult<FormInput> {
        let opens_at = from_local(date(&self.opens_date, "opens_at")?, time_of_day(&self.opens_time, "opens_at")?);
        let closes_at = from_local(date(&self.closes_date, "closes_at")?, time_of_day(&self.closes_time, "closes_at")?);
        let session_ids = self
            .sessions
            .iter()
            .flatten()
            .map(|raw| raw.parse::<Uuid>().map_err(|_| AppError::validation("请重新勾选课程").on_field("sessions")))
            .collect::<AppResult<Vec<Uuid>>>()?;
        Ok(FormInput {
            title: typed(&self.title),
            opens_at,
            closes_at,
            questions: self.questions.as_deref().map(builder::questions_of),
            session_ids: Some(session_ids),
        })
    }
}

#[derive(Template)]
#[template(path = "console/evaluation_list.html")]
struct ListPage {
    frame: Frame,
    head: ClassHead,
    forms: Vec<FormRow>,
    form: CreateForm,
    courses: Vec<CourseChoice>,
    default_title: String,
    error: Option<(Option<&'static str>, String)>,
    /// The questions the form will ask (administrators): the builder, and in words per group.
    builder: Builder,
    course_summary: String,
    class_summary: String,
    /// Whether they differ from the base's default form.
    adjusted: bool,
    /// Whether the builder is shown open (after a builder button or a refusal of the questions).
    builder_open: bool,
}

const CREATE_FIELDS: [&str; 5] = ["title", "opens_at", "closes_at", "sessions", "questions"];

impl ListPage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _)) if CREATE_FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn list_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    form: CreateForm,
    error: Option<AppError>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let forms = evaluations::list(&state.db, scope).await?.iter().rev().map(|v| FormRow::of(v, now)).collect();
    let path = format!("/console/classes/{}/evaluations", scope.class.id);
    let mut questions = Builder::new(Vec::new(), path);
    let mut adjusted = false;
    if session.staff.is_admin() {
        let base = defaults::questions(&state.db).await?;
        questions.rows = form.questions.clone().unwrap_or_else(|| builder::rows_of(&base));
        adjusted = builder::questions_of(&questions.rows) != base;
        if form.edited {
            questions.notice = Some("问题已调整，点击「发起评估」后用于本次评估；本基地默认问卷不变。");
        }
    }
    let error = error.and_then(shown_error);
    if let Some((Some("questions"), m)) = &error {
        questions.refuse(m.clone());
    }
    let courses = if session.staff.is_admin() {
        crate::timetable::service::rows(&state.db, &[scope.class.id], None)
            .await?
            .into_iter()
            .map(|s| {
                let id = s.id.to_string();
                let day = local_date(s.starts_at);
                CourseChoice {
                    checked: match &form.sessions {
                        Some(ticked) => ticked.contains(&id),
                        None => s.counts_toward_attendance,
                    },
                    label: format!(
                        "{} {} {}–{} {}",
                        day.format("%m-%d"),
                        weekday_label(day),
                        local_hhmm(s.starts_at),
                        local_hhmm(s.ends_at),
                        s.title
                    ),
                    counts: s.counts_toward_attendance,
                    id,
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let shown = ListPage {
        builder_open: form.edited || questions.error.is_some(),
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/evaluations"),
        forms,
        form,
        courses,
        default_title: format!("{}教学评估", scope.class.name),
        course_summary: builder::summary(&questions.rows, true),
        class_summary: builder::summary(&questions.rows, false),
        adjusted,
        builder: questions,
        error,
    };
    page(status, &shown)
}

async fn list(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let form = CreateForm::fresh(&scope, state.now());
    list_page(&state, &session, &scope, form, None, StatusCode::OK).await
}

/// Creates a form (administrators), then to its page.
async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let csrf = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    let session = match posting(&req, &state, csrf).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, "只有管理员可以发起教学评估。").await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let mut typed_form = CreateForm::read(&form);
    let op = builder::op_of(&form);
    if op != Op::Main {
        let rows = match (op, typed_form.questions.take()) {
            (Op::Reset, _) | (_, None) => builder::rows_of(&defaults::questions(&state.db).await?),
            (_, Some(rows)) => rows,
        };
        typed_form.questions = Some(builder::apply(rows, op));
        typed_form.edited = true;
        return list_page(&state, &session, &scope, typed_form, None, StatusCode::OK).await;
    }
    typed_form.questions = typed_form.questions.map(|rows| builder::apply(rows, Op::Refresh));
    let created = match typed_form.input() {
        Ok(input) => evaluations::create(state.at_now(), &session.staff.actor(), &scope, input).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(view) => Ok(see_other(&format!("/console/evaluations/{}?done=created", view.id))),
        Err(e) => match correctable(&e) {
            Some(status) => list_page(&state, &session, &scope, typed_form, Some(e), status).await,
            None => Err(e),
        },
    }
}

/// A form's part as its progress row shows it.
struct PartRow {
    label: String,
    opens: String,
    responses: String,
    /// The share answered, 0–100, for the bar.
    rate: f64,
}

/// One segment of a distribution bar: its label, count and place (x and width out of 100).
struct Segment {
    label: String,
    count: usize,
    x: f64,
    width: f64,
    /// `g0`…`g3` for the four grades; `opt` for other choices.
    class: &'static str,
}

/// One question's results as the page shows them.
struct QuestionView {
    text: String,
    answers: usize,
    hidden: bool,
    kind: QuestionKind,
    average: String,
    satisfaction: String,
    /// Grades: one stacked bar; other kinds: one bar per option (each out of the answers).
    segments: Vec<Segment>,
    comments: Vec<String>,
}

impl QuestionView {
    fn of(q: QuestionResult) -> QuestionView {
        let total = q.answers.max(1) as f64;
        let grade = q.kind == QuestionKind::Grade;
        let mut x = 0.0;
        let segments = q
            .distribution
            .iter()
            .enumerate()
            .map(|(i, (label, count))| {
                let width = *count as f64 * 100.0 / total;
                let segment = Segment {
                    label: label.clone(),
                    count: *count,
                    x: if grade { x } else { 0.0 },
                    width,
                    class: if grade { ["g0", "g1", "g2", "g3"].get(i).copied().unwrap_or("opt") } else { "opt" },
                };
                x += width;
                segment
            })
            .collect();
        let average = match (q.kind, q.average) {
            (QuestionKind::Grade, Some(a)) => format!("{} 分", figure(a)),
            (QuestionKind::Stars, Some(a)) => format!("{} 星", figure(a)),
            (QuestionKind::Score, Some(a)) => format!("{} 分", figure(a)),
            _ => String::new(),
        };
        QuestionView {
            text: q.text,
            answers: q.answers,
            hidden: q.hidden,
            kind: q.kind,
            average,
            satisfaction: q.satisfaction_percent.map(percent_label).unwrap_or_default(),
            segments,
            comments: q.comments,
        }
    }

    fn is_text(&self) -> bool {
        self.kind == QuestionKind::Text
    }

    fn is_grade(&self) -> bool {
        self.kind == QuestionKind::Grade
    }

    /// The bar's words for a screen reader: 「非常满意 5，满意 3，基本满意 1，不满意 1」.
    fn spoken(&self) -> String {
        self.segments.iter().map(|s| format!("{} {}", s.label, s.count)).collect::<Vec<_>>().join("，")
    }
}

/// One part's results: the figures of its rated questions, then its comments.
struct PartView {
    label: String,
    answers: usize,
    rated: Vec<QuestionView>,
    texts: Vec<QuestionView>,
}

impl PartView {
    fn of(part: PartResult) -> PartView {
        let (texts, rated): (Vec<_>, Vec<_>) =
            part.questions.into_iter().map(QuestionView::of).partition(QuestionView::is_text);
        PartView { label: part.label, answers: part.answers, rated, texts }
    }

    /// Every question of the part under 3 answers: one line says so instead of a table of hidden rows.
    fn all_hidden(&self) -> bool {
        self.rated.iter().chain(&self.texts).all(|q| q.hidden)
    }
}

#[derive(Template)]
#[template(path = "console/evaluation.html")]
struct FormPage {
    frame: Frame,
    head: ClassHead,
    form_id: Uuid,
    title: String,
    when: String,
    state: (&'static str, &'static str),
    responses: String,
    /// 「80%」; `None`: hidden (or no overall question, see `has_overall`).
    overall: Option<String>,
    has_overall: bool,
    parts: Vec<PartRow>,
    non_respondents: Vec<NonRespondent>,
    results: Vec<PartView>,
    /// Before the opening there is nothing to remind of; after the deadline the service refuses.
    not_open: bool,
    closed: bool,
    reminded_at: Option<String>,
    grades: Vec<&'static str>,
    notice: Option<String>,
    error: Option<String>,
}

/// The form at `raw` and its class when the person may see it, or the page to answer instead (404: a missing form
/// and another class's answer alike).
async fn form_scoped(
    state: &AppState,
    session: &Session,
    raw: &str,
) -> AppResult<Result<(ClassScope, evaluation_form::Model), HttpResponse>> {
    let missing =
        || message(session, StatusCode::NOT_FOUND, "找不到评估表", "该评估表不存在，或您没有被分配到它的培训班。");
    let Ok(id) = raw.parse::<Uuid>() else { return missing().map(Err) };
    let class_id = match evaluations::class_of(&state.db, id).await {
        Ok(class_id) => class_id,
        Err(e) if e.code == ErrorCode::NotFound => return missing().map(Err),
        Err(e) => return Err(e),
    };
    let Some(scope) = scoped(state, session, &class_id.to_string()).await? else { return missing().map(Err) };
    match evaluations::form_in(&state.db, scope.class.id, id).await {
        Ok(form) => Ok(Ok((scope, form))),
        Err(e) if e.code == ErrorCode::NotFound => missing().map(Err),
        Err(e) => Err(e),
    }
}

async fn form_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    form: &evaluation_form::Model,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let progress = evaluations::progress(&state.db, form).await?;
    let results = evaluations::results(&state.db, form).await?;
    let class_part = progress.parts.iter().find(|p| p.target == evaluations::CLASS_PART);
    let has_overall = results.has_overall;
    let parts = progress
        .parts
        .iter()
        .map(|p| {
            let opens_at = p.opens_at;
            PartRow {
                label: p.label.clone(),
                opens: if p.target == evaluations::CLASS_PART {
                    stamp(opens_at)
                } else if now < opens_at {
                    format!("课程结束后（{}）", stamp(opens_at))
                } else {
                    format!("{}（课程结束）", stamp(opens_at))
                },
                responses: responses_label(p.respondents, p.expected, p.response_rate_percent),
                rate: p.response_rate_percent.clamp(0.0, 100.0),
            }
        })
        .collect();
    let shown = FormPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/evaluations"),
        form_id: form.id,
        title: form.title.clone(),
        when: format!("{} 至 {}", stamp(form.opens_at), stamp(form.closes_at)),
        state: form_state(form.opens_at, form.closes_at, now),
        responses: class_part
            .map(|p| responses_label(p.respondents, p.expected, p.response_rate_percent))
            .unwrap_or_default(),
        overall: results.overall_satisfaction_percent.map(percent_label),
        has_overall,
        parts,
        non_respondents: progress.non_respondents,
        results: results.parts.into_iter().map(PartView::of).collect(),
        not_open: now < form.opens_at,
        closed: now >= form.closes_at,
        reminded_at: form.reminded_at.map(stamp),
        grades: GRADES.iter().map(|(_, label)| *label).collect(),
        notice,
        error,
    };
    page(status, &shown)
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (scope, form) = match form_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let notice = match (q.done.as_deref(), q.n) {
        (Some("created"), _) => Some(
            "已发起评估。学员在开放时间内可在手机上“我的考勤 → 评估”中填写，课程部分在每门课结束后开放。".to_owned(),
        ),
        (Some("reminded"), Some(0)) => Some("全班学员都已提交，没有需要提醒的学员。".to_owned()),
        (Some("reminded"), Some(n)) => Some(format!("已提醒 {n} 名学员（站内消息，已配置微信订阅消息的同时发送）。")),
        _ => None,
    };
    form_page(&state, &session, &scope, &form, notice, None, StatusCode::OK).await
}

/// Reminds the trainees who have not answered the class part, then back to the form's page with how many.
async fn remind(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match form_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    match evaluations::remind(state.at_now(), &session.staff.actor(), &found, evaluations::Reminder::Staff).await {
        Ok(n) => Ok(see_other(&format!("/console/evaluations/{}?done=reminded&n={n}", found.id))),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let why = if e.code == ErrorCode::EvaluationClosed {
                    "评估已截止，不能再提醒。".to_owned()
                } else {
                    e.message.into_owned()
                };
                form_page(&state, &session, &scope, &found, None, Some(why), status).await
            }
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct FileQuery {
    #[serde(default)]
    format: String,
}

/// The results as a file for the teaching office (XLSX or PDF, the same as the API's); hidden groups stay hidden.
async fn results_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<FileQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (_, form) = match form_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let figures = evaluations::results(&state.db, &form).await?;
    let name = format!("{}-结果", form.title);
    let file = match q.format.as_str() {
        "pdf" => match crate::pdf::font(&state.settings.report) {
            Ok(font) => tokio::task::spawn_blocking(move || crate::evaluation::export::pdf(&font, &figures))
                .await
                .map_err(AppError::internal)
                .map(|bytes| (bytes, "application/pdf", format!("{name}.pdf"))),
            Err(e) => Err(e),
        },
        _ => crate::evaluation::export::xlsx(&figures)
            .map(|bytes| (bytes, crate::tabular::XLSX_TYPE, format!("{name}.xlsx"))),
    };
    match file {
        Ok((bytes, content_type, name)) => Ok(crate::http::routes::download(bytes, content_type, name)),
        Err(e) => match correctable(&e) {
            Some(status) => message(&session, status, "无法生成文件", &e.message),
            None => Err(e),
        },
    }
}
