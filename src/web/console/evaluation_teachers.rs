//! 系统管理 → 教师评价 (administrators): the year's evaluation results per teacher (授课教师 on the timetable) across
//! classes, best score first, with each teacher's indicators and courses; the year as XLSX or PDF. The figures are
//! `evaluation::teachers`, the same as the API's; a teacher or course with fewer than 3 sheets shows none.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Datelike;
use serde::Deserialize;

use super::admin::admin;
use super::*;
use crate::clock::local_date;
use crate::evaluation::QuestionKind;
use crate::evaluation::teachers::{self, Indicator, TeacherSummary};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/admin/teachers").route(web::get().to(list)))
        .service(web::resource("/console/admin/teachers/detail").route(web::get().to(detail)))
        .service(web::resource("/console/admin/teachers/file").route(web::get().to(file)));
}

#[derive(Deserialize)]
struct TeacherQuery {
    #[serde(default)]
    year: String,
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    format: String,
}

impl TeacherQuery {
    /// The year asked for, this year when none or out of range.
    fn year(&self, state: &AppState) -> i32 {
        self.year
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|y| (2000..=2100).contains(y))
            .unwrap_or_else(|| local_date(state.now()).year())
    }
}

/// 84, 73.3; empty when there is no figure.
fn figure(x: Option<f64>, unit: &str) -> String {
    x.map(|x| {
        let text = format!("{x:.1}");
        format!("{}{unit}", text.strip_suffix(".0").unwrap_or(&text))
    })
    .unwrap_or_default()
}

/// One teacher as a row of the year's table.
struct TeacherRow {
    name: String,
    link: String,
    courses: usize,
    classes: usize,
    answers: usize,
    hidden: bool,
    score: String,
    satisfaction: String,
    /// The satisfaction, 0–100, for the bar.
    rate: f64,
}

impl TeacherRow {
    fn of(t: &TeacherSummary, year: i32) -> TeacherRow {
        let query = form_urlencoded::Serializer::new(String::new())
            .append_pair("year", &year.to_string())
            .append_pair("teacher", &t.teacher)
            .finish();
        TeacherRow {
            name: t.teacher.clone(),
            link: format!("/console/admin/teachers/detail?{query}"),
            courses: t.courses,
            classes: t.classes,
            answers: t.answers,
            hidden: t.hidden,
            score: figure(t.score, ""),
            satisfaction: figure(t.satisfaction_percent, "%"),
            rate: t.satisfaction_percent.unwrap_or(0.0),
        }
    }
}

#[derive(Template)]
#[template(path = "console/admin_teachers.html")]
struct ListPage {
    frame: Frame,
    year: i32,
    teachers: Vec<TeacherRow>,
    note: String,
}

async fn list(req: HttpRequest, state: web::Data<AppState>, q: web::Query<TeacherQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let year = q.year(&state);
    let report = teachers::report(&state.db, year).await?;
    let shown = ListPage {
        frame: Frame::of(&session, "admin"),
        year,
        teachers: report.teachers.iter().map(|t| TeacherRow::of(t, year)).collect(),
        note: teachers::grade_points_note(),
    };
    page(StatusCode::OK, &shown)
}

/// One indicator as the teacher's page shows it.
struct IndicatorRow {
    text: String,
    scale: &'static str,
    answers: usize,
    average: String,
    satisfaction: String,
}

impl IndicatorRow {
    fn of(i: &Indicator) -> IndicatorRow {
        IndicatorRow {
            text: i.text.clone(),
            scale: match i.kind {
                QuestionKind::Grade => "四级评价（百分制）",
                QuestionKind::Stars => "星级（1–5）",
                _ => "百分制",
            },
            answers: i.answers,
            average: figure(i.average, ""),
            satisfaction: figure(i.satisfaction_percent, "%"),
        }
    }
}

/// One course of the teacher.
struct CourseRow {
    date: String,
    class_name: String,
    class_link: String,
    title: String,
    answers: usize,
    hidden: bool,
    score: String,
    satisfaction: String,
}

#[derive(Template)]
#[template(path = "console/admin_teacher.html")]
struct DetailPage {
    frame: Frame,
    year: i32,
    teacher: TeacherRow,
    indicators: Vec<IndicatorRow>,
    courses: Vec<CourseRow>,
    note: String,
}

async fn detail(req: HttpRequest, state: web::Data<AppState>, q: web::Query<TeacherQuery>) -> AppResult<HttpResponse> {
    let session = match admin(&req, &state).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let year = q.year(&state);
    let Some(found) = teachers::detail(&state.db, year, &q.teacher).await? else {
        let why = format!("{year} 年没有「{}」已评价的课程。", q.teacher.trim());
        return message(&session, StatusCode::NOT_FOUND, "找不到该教师", &why);
    };
    let shown = DetailPage {
        frame: Frame::of(&session, "admin"),
        year,
        teacher: TeacherRow::of(&found.summary, year),
        indicators: found.summary.indicators.iter().map(IndicatorRow::of).collect(),
        courses: found
            .courses
            .iter()
            .map(|c| CourseRow {
                date: local_date(c.starts_at).to_string(),
                class_name: c.class_name.clone(),
                class_link: format!("/console/classes/{}/evaluations", c.class_id),
                title: c.title.clone(),
                answers: c.answers,
                hidden: c.hidden,
                score: figure(c.score, ""),
                satisfaction: figure(c.satisfaction_percent, "%"),
            })
            .collect(),
        note: teachers::grade_points_note(),
    };
    page(StatusCode::OK, &shown)
}

/// The year as XLSX or PDF (the file the API's `/evaluation/teachers/file` gives).
async fn file(req: HttpRequest, state: web::Data<AppState>, q: web::Query<TeacherQuery>) -> AppResult<HttpResponse> {
    if let Err(answer) = admin(&req, &state).await? {
        return Ok(answer);
    }
    let format = Some(q.format.as_str()).filter(|f| !f.is_empty());
    crate::http::routes::evaluation::teacher_file(&state, q.year(&state), format).await
}
