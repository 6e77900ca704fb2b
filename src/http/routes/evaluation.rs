//! Course evaluation (教学评估): forms per class, progress and reminders for staff, results, and the trainee's own
//! forms and answers. Staff see who has answered, never what.

use std::collections::BTreeMap;

use actix_web::{HttpResponse, get, post, put, web};
use serde::Deserialize;
use serde_json::Value;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::error::AppResult;
use crate::evaluation::defaults::{self, DefaultForm, DefaultFormInput};
use crate::evaluation::service::{self, FormInput, FormView, MyForm, Progress, Results};
use crate::evaluation::teachers::{self as teacher_results, TeacherDetail, TeacherReport};
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Staff, Trainee};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Creates a class's evaluation form (administrators); without questions, the base's default form.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = FormInput,
    responses(
        (status = 201, body = FormView),
        (status = 400, body = ErrorBody, description = "`validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
        (status = 404, body = ErrorBody, description = "`not_found`: the class, or a session not of it"),
    )
)]
#[post("/classes/{class_id}/evaluations")]
pub async fn create(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<FormInput>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let form = service::create(state.at_now(), &who.actor(), &scope, body.into_inner()).await?;
    Ok(HttpResponse::Created().json(form))
}

/// The class's evaluation forms with their response rates.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<FormView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/evaluations")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<FormView>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(service::list(&state.db, &scope).await?))
}

/// The form of `form_id` when the staff member may see its class.
async fn scoped_form(
    state: &AppState,
    who: &crate::auth::StaffPrincipal,
    form_id: Uuid,
) -> AppResult<crate::entity::evaluation_form::Model> {
    let class_id = service::class_of(&state.db, form_id).await?;
    let scope = class_scope(&state.db, who, class_id).await?;
    service::form_in(&state.db, scope.class.id, form_id).await
}

/// How many answered each part, and who has not answered the class part (to remind them).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("form_id" = Uuid, Path)),
    responses(
        (status = 200, body = Progress),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/evaluations/{form_id}/progress")]
pub async fn progress(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Progress>> {
    let form = scoped_form(&state, &who, path.into_inner()).await?;
    Ok(web::Json(service::progress(&state.db, &form).await?))
}

/// The results: per course and question (average, grade distribution, comments) and the class's overall
/// satisfaction; a group with fewer than 3 answers is hidden.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("form_id" = Uuid, Path)),
    responses(
        (status = 200, body = Results),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/evaluations/{form_id}/results")]
pub async fn results(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Results>> {
    let form = scoped_form(&state, &who, path.into_inner()).await?;
    Ok(web::Json(service::results(&state.db, &form).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct ExportQuery {
    /// `xlsx` (default) or `pdf`.
    #[param(schema_with = export_formats)]
    pub format: Option<String>,
}

fn export_formats() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(&["xlsx", "pdf"], "`xlsx` (default) or `pdf`.")
}

/// The results as a file for the teaching office: XLSX (汇总, 课程评价, 意见建议) or PDF; hidden groups stay hidden.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("form_id" = Uuid, Path), ExportQuery),
    responses(
        (status = 200, description = "XLSX or PDF", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/pdf"))),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: unknown format"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/evaluations/{form_id}/results/file")]
pub async fn results_file(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<ExportQuery>,
) -> AppResult<HttpResponse> {
    let form = scoped_form(&state, &who, path.into_inner()).await?;
    let figures = service::results(&state.db, &form).await?;
    let name = format!("{}-结果", form.title);
    match query.format.as_deref().unwrap_or("xlsx") {
        "xlsx" => {
            let bytes = crate::evaluation::export::xlsx(&figures)?;
            Ok(super::download(bytes, crate::tabular::XLSX_TYPE, format!("{name}.xlsx")))
        }
        "pdf" => {
            let font = crate::pdf::font(&state.settings.report)?;
            let bytes = tokio::task::spawn_blocking(move || crate::evaluation::export::pdf(&font, &figures))
                .await
                .map_err(crate::error::AppError::internal)?;
            Ok(super::download(bytes, "application/pdf", format!("{name}.pdf")))
        }
        _ => Err(crate::error::AppError::validation("格式须为 xlsx 或 pdf")),
    }
}

#[derive(Debug, serde::Serialize, utoipa::ToSchema)]
pub struct Reminded {
    /// Trainees reminded: those who have not answered the class part.
    pub reminded: usize,
}

/// Reminds the trainees who have not answered the class part (inbox and WeChat subscribe message), audited.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("form_id" = Uuid, Path)),
    responses(
        (status = 200, body = Reminded),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`evaluation_closed`: past the deadline"),
    )
)]
#[post("/evaluations/{form_id}/remind")]
pub async fn remind(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Reminded>> {
    let form = scoped_form(&state, &who, path.into_inner()).await?;
    let reminded = service::remind(state.at_now(), &who.actor(), &form, service::Reminder::Staff).await?;
    Ok(web::Json(Reminded { reminded }))
}

/// The trainee's evaluation forms still open or to open, with the parts they have answered.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<MyForm>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/evaluations")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<Vec<MyForm>>> {
    Ok(web::Json(service::mine(&state.db, who.person_id, state.now()).await?))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AnswerRequest {
    /// `class`, or the id of a course (session) of the form.
    #[schema(max_length = 36)]
    pub target: String,
    /// Question id → answer: a grade code (`very_satisfied`, `satisfied`, `fair`, `dissatisfied`), stars 1–5, a
    /// score 0–100, an option index, option indexes, or text.
    #[schema(value_type = Object)]
    pub answers: BTreeMap<String, Value>,
}

/// Submits the trainee's answers to one part of a form: once, while it is open. Stored without the trainee.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(("form_id" = Uuid, Path)),
    request_body = AnswerRequest,
    responses(
        (status = 201, description = "stored"),
        (status = 400, body = ErrorBody, description = "`validation_failed`: a required answer missing, out of range"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such form for this trainee, or part"),
        (status = 409, body = ErrorBody, description = "`already_answered`; `evaluation_closed`: not open yet or past the deadline"),
    )
)]
#[post("/me/evaluations/{form_id}/answers")]
pub async fn answer(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
    path: web::Path<Uuid>,
    body: web::Json<AnswerRequest>,
) -> AppResult<HttpResponse> {
    let body = body.into_inner();
    service::submit(state.at_now(), who.person_id, path.into_inner(), &body.target, body.answers).await?;
    Ok(HttpResponse::Created().finish())
}

/// The base's default evaluation form: the questions a new class form starts from (administrators).
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    responses(
        (status = 200, body = DefaultForm),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
    )
)]
#[get("/evaluation/default-form")]
pub async fn default_form(state: web::Data<AppState>, Admin(_who): Admin) -> AppResult<web::Json<DefaultForm>> {
    Ok(web::Json(defaults::get(&state.db).await?))
}

/// Replaces the base's default evaluation form (administrators), audited; forms already created keep theirs.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    request_body = DefaultFormInput,
    responses(
        (status = 200, body = DefaultForm),
        (status = 400, body = ErrorBody, description = "`validation_failed`: the questions do not make a form; `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
    )
)]
#[put("/evaluation/default-form")]
pub async fn save_default_form(
    state: web::Data<AppState>,
    Admin(who): Admin,
    body: web::Json<DefaultFormInput>,
) -> AppResult<web::Json<DefaultForm>> {
    Ok(web::Json(defaults::save(state.at_now(), &who.actor(), body.into_inner()).await?))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct TeacherQuery {
    /// The year (China time) whose courses count; default this year.
    #[param(minimum = 2000, maximum = 2100)]
    pub year: Option<i32>,
    /// One teacher, by the name on the timetable (`/evaluation/teachers/detail` only).
    #[param(max_length = 64)]
    pub teacher: Option<String>,
    /// `xlsx` (default) or `pdf` (`/evaluation/teachers/file` only).
    #[param(schema_with = export_formats)]
    pub format: Option<String>,
}

impl TeacherQuery {
    fn year(&self, state: &AppState) -> AppResult<i32> {
        use chrono::Datelike;
        match self.year {
            None => Ok(crate::clock::local_date(state.now()).year()),
            Some(y) if (2000..=2100).contains(&y) => Ok(y),
            Some(_) => Err(crate::error::AppError::validation("年份应在 2000 到 2100 之间").on_field("year")),
        }
    }
}

/// Results per teacher across the year's classes (administrators): courses, sheets, the score on 100 points, the
/// satisfaction and each indicator; a teacher with fewer than 3 sheets shows no figures.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(TeacherQuery),
    responses(
        (status = 200, body = TeacherReport),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: year out of range"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
    )
)]
#[get("/evaluation/teachers")]
pub async fn teachers(
    state: web::Data<AppState>,
    Admin(_who): Admin,
    query: web::Query<TeacherQuery>,
) -> AppResult<web::Json<TeacherReport>> {
    let year = query.year(&state)?;
    Ok(web::Json(teacher_results::report(&state.db, year).await?))
}

/// One teacher's year (administrators): the summary and each course with its class.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(TeacherQuery),
    responses(
        (status = 200, body = TeacherDetail),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: no teacher, year out of range"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
        (status = 404, body = ErrorBody, description = "`not_found`: no evaluated course of this teacher that year"),
    )
)]
#[get("/evaluation/teachers/detail")]
pub async fn teacher(
    state: web::Data<AppState>,
    Admin(_who): Admin,
    query: web::Query<TeacherQuery>,
) -> AppResult<web::Json<TeacherDetail>> {
    let year = query.year(&state)?;
    let name = query.teacher.as_deref().map(str::trim).filter(|t| !t.is_empty());
    let name = name.ok_or_else(|| crate::error::AppError::validation("请填写授课教师").on_field("teacher"))?;
    let found = teacher_results::detail(&state.db, year, name).await?;
    Ok(web::Json(found.ok_or_else(|| crate::error::AppError::new(crate::error::ErrorCode::NotFound))?))
}

/// The year's results per teacher as a file (administrators): XLSX (教师汇总, 课程明细) or PDF.
#[utoipa::path(
    tag = "evaluation",
    security(("bearer" = [])),
    params(TeacherQuery),
    responses(
        (status = 200, description = "XLSX or PDF", content(("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"), ("application/pdf"))),
        (status = 400, body = ErrorBody, description = "`invalid_query`, `validation_failed`: unknown format, year out of range"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an administrator"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/evaluation/teachers/file")]
pub async fn teachers_file(
    state: web::Data<AppState>,
    Admin(_who): Admin,
    query: web::Query<TeacherQuery>,
) -> AppResult<HttpResponse> {
    let year = query.year(&state)?;
    teacher_file(&state, year, query.format.as_deref()).await
}

/// The file of `/evaluation/teachers/file`, for the console too.
pub async fn teacher_file(state: &AppState, year: i32, format: Option<&str>) -> AppResult<HttpResponse> {
    let name = format!("{year}年授课教师教学评估");
    match format.unwrap_or("xlsx") {
        "xlsx" => {
            let (report, courses) = teacher_results::report_with_courses(&state.db, year).await?;
            let bytes = crate::evaluation::export::teachers_xlsx(&report, &courses)?;
            Ok(super::download(bytes, crate::tabular::XLSX_TYPE, format!("{name}.xlsx")))
        }
        "pdf" => {
            let report = teacher_results::report(&state.db, year).await?;
            let font = crate::pdf::font(&state.settings.report)?;
            let bytes = tokio::task::spawn_blocking(move || crate::evaluation::export::teachers_pdf(&font, &report))
                .await
                .map_err(crate::error::AppError::internal)?;
            Ok(super::download(bytes, "application/pdf", format!("{name}.pdf")))
        }
        _ => Err(crate::error::AppError::validation("格式须为 xlsx 或 pdf")),
    }
}

pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(list)
        .service(progress)
        .service(results)
        .service(results_file)
        .service(remind)
        .service(mine)
        .service(answer)
        .service(default_form)
        .service(save_default_form)
        .service(teachers)
        .service(teacher)
        .service(teachers_file);
}
