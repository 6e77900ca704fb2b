//! The results as files for the teaching office: an XLSX workbook (the class, each course's indicators, the
//! comments) and an A4 PDF with the same figures. Hidden groups (fewer than 3 answers) stay hidden in both.

use printpdf::{ParsedFont, PdfDocument};

use super::form::{GRADES, QuestionKind, QuestionResult};
use super::service::Results;
use super::teachers::{TeacherCourse, TeacherReport, TeacherSummary};
use crate::error::AppResult;
use crate::pdf::{LEFT, Writer};
use crate::tabular::{OutSheet, write_xlsx_sheets};

fn figure(x: Option<f64>, unit: &str) -> String {
    x.map(|x| format!("{}{unit}", format!("{x:.1}").trim_end_matches(".0"))).unwrap_or_default()
}

/// One row per question: part, question, answers, average, satisfaction, then the four grades' counts.
fn question_row(part: &str, q: &QuestionResult) -> Vec<String> {
    let mut row = vec![part.to_owned(), q.text.clone(), q.answers.to_string()];
    if q.hidden {
        row.push("不足 3 份，不显示".into());
        return row;
    }
    row.push(figure(q.average, ""));
    row.push(figure(q.satisfaction_percent, "%"));
    if q.kind == QuestionKind::Grade {
        row.extend(q.distribution.iter().map(|(_, n)| n.to_string()));
    }
    row
}

fn summary_line(r: &Results) -> String {
    format!(
        "学员总体满意度：{}    参评率：{}%",
        r.overall_satisfaction_percent.map(|p| figure(Some(p), "%")).unwrap_or_else(|| "不足 3 份，暂不显示".into()),
        figure(Some(r.response_rate_percent), "")
    )
}

/// The results as an XLSX workbook: 汇总, 课程评价 (one row per course and indicator), 意见建议.
pub fn xlsx(r: &Results) -> AppResult<Vec<u8>> {
    let summary = vec![vec![r.title.clone()], vec![summary_line(r)]];
    let mut headers = vec!["评价对象", "指标", "份数", "平均分（百分制）", "满意率"];
    headers.extend(GRADES.iter().map(|(_, label)| *label));
    let mut rows = Vec::new();
    let mut comments = Vec::new();
    for part in &r.parts {
        for q in &part.questions {
            if q.kind == QuestionKind::Text {
                comments.extend(q.comments.iter().map(|c| vec![part.label.clone(), q.text.clone(), c.clone()]));
                if q.hidden && q.answers > 0 {
                    comments.push(vec![part.label.clone(), q.text.clone(), "不足 3 份，不显示".into()]);
                }
            } else {
                rows.push(question_row(&part.label, q));
            }
        }
    }
    write_xlsx_sheets(&[
        OutSheet { name: "汇总", headers: &["教学评估结果"], rows: &summary },
        OutSheet { name: "课程评价", headers: &headers, rows: &rows },
        OutSheet { name: "意见建议", headers: &["评价对象", "问题", "内容"], rows: &comments },
    ])
}

/// The results as an A4 PDF.
pub fn pdf(font: &ParsedFont, r: &Results) -> Vec<u8> {
    let mut doc = PdfDocument::new(&r.title);
    let font_id = doc.add_font(font);
    let mut w = Writer::new(font_id);
    w.row(18.0, &[(LEFT, r.title.clone())]);
    w.row(12.0, &[(LEFT, summary_line(r))]);
    let columns = [(0.0, 62.0), (64.0, 14.0), (80.0, 18.0), (100.0, 16.0), (118.0, 64.0)];
    let header: Vec<(f32, f32, String)> = columns
        .iter()
        .zip(["指标", "份数", "平均分", "满意率", "非常满意 / 满意 / 基本满意 / 不满意"])
        .map(|((x, wd), h)| (LEFT + x, *wd, h.to_owned()))
        .collect();
    for part in &r.parts {
        w.gap(4.0);
        w.row(12.0, &[(LEFT, format!("{}（{} 份）", part.label, part.answers))]);
        w.wrapped_row(10.0, &header, None);
        for q in part.questions.iter().filter(|q| q.kind != QuestionKind::Text) {
            let cells = if q.hidden {
                [q.text.clone(), q.answers.to_string(), "不足 3 份，不显示".into(), String::new(), String::new()]
            } else {
                let counts: Vec<String> = q.distribution.iter().map(|(_, n)| n.to_string()).collect();
                [
                    q.text.clone(),
                    q.answers.to_string(),
                    figure(q.average, ""),
                    figure(q.satisfaction_percent, "%"),
                    counts.join(" / "),
                ]
            };
            let row: Vec<(f32, f32, String)> =
                columns.iter().zip(cells).map(|((x, wd), c)| (LEFT + x, *wd, c)).collect();
            w.wrapped_row(10.0, &row, Some(&header));
        }
        for q in part.questions.iter().filter(|q| q.kind == QuestionKind::Text && !q.comments.is_empty()) {
            w.row(10.0, &[(LEFT, format!("{}：", q.text))]);
            for c in &q.comments {
                w.wrapped_row(10.0, &[(LEFT + 4.0, 176.0, format!("· {c}"))], None);
            }
        }
    }
    w.save(doc)
}

/// The indicators' wordings in the order they first appear across the teachers (the workbook's columns).
fn indicator_columns(r: &TeacherReport) -> Vec<String> {
    let mut columns: Vec<String> = Vec::new();
    for t in &r.teachers {
        for i in &t.indicators {
            if !columns.contains(&i.text) {
                columns.push(i.text.clone());
            }
        }
    }
    columns
}

fn teacher_figures(t: &TeacherSummary) -> [String; 2] {
    if t.hidden {
        ["不足 3 份，不显示".into(), String::new()]
    } else {
        [figure(t.score, ""), figure(t.satisfaction_percent, "%")]
    }
}

/// A year's results per teacher as an XLSX workbook: 教师汇总 (one row per teacher, one column per indicator) and
/// 课程明细 (one row per course).
pub fn teachers_xlsx(r: &TeacherReport, courses: &[(String, TeacherCourse)]) -> AppResult<Vec<u8>> {
    let indicators = indicator_columns(r);
    let mut headers = vec!["授课教师", "课程数", "班次数", "评价份数", "综合得分（百分制）", "满意率"];
    headers.extend(indicators.iter().map(String::as_str));
    let rows: Vec<Vec<String>> = r
        .teachers
        .iter()
        .map(|t| {
            let mut row = vec![t.teacher.clone(), t.courses.to_string(), t.classes.to_string(), t.answers.to_string()];
            row.extend(teacher_figures(t));
            row.extend(indicators.iter().map(|text| {
                t.indicators.iter().find(|i| &i.text == text).map(|i| figure(i.average, "")).unwrap_or_default()
            }));
            row
        })
        .collect();
    let detail: Vec<Vec<String>> = courses
        .iter()
        .map(|(teacher, c)| {
            let mut row = vec![
                teacher.clone(),
                c.class_name.clone(),
                crate::clock::local_date(c.starts_at).to_string(),
                c.title.clone(),
                c.answers.to_string(),
            ];
            if c.hidden {
                row.push("不足 3 份，不显示".into());
            } else {
                row.push(figure(c.score, ""));
                row.push(figure(c.satisfaction_percent, "%"));
            }
            row
        })
        .collect();
    write_xlsx_sheets(&[
        OutSheet { name: "教师汇总", headers: &headers, rows: &rows },
        OutSheet {
            name: "课程明细",
            headers: &["授课教师", "班级", "日期", "课程", "评价份数", "得分（百分制）", "满意率"],
            rows: &detail,
        },
    ])
}

/// A year's results per teacher as an A4 PDF: one line per teacher.
pub fn teachers_pdf(font: &ParsedFont, r: &TeacherReport) -> Vec<u8> {
    let title = format!("{} 年授课教师教学评估汇总", r.year);
    let mut doc = PdfDocument::new(&title);
    let font_id = doc.add_font(font);
    let mut w = Writer::new(font_id);
    w.row(18.0, &[(LEFT, title)]);
    w.row(10.0, &[(LEFT, super::teachers::grade_points_note())]);
    let columns = [(0.0, 40.0), (42.0, 18.0), (62.0, 18.0), (82.0, 22.0), (106.0, 44.0), (152.0, 30.0)];
    let header: Vec<(f32, f32, String)> = columns
        .iter()
        .zip(["授课教师", "课程数", "班次数", "评价份数", "综合得分", "满意率"])
        .map(|((x, wd), h)| (LEFT + x, *wd, h.to_owned()))
        .collect();
    w.gap(4.0);
    w.wrapped_row(10.0, &header, None);
    for t in &r.teachers {
        let [score, satisfaction] = teacher_figures(t);
        let cells = [
            t.teacher.clone(),
            t.courses.to_string(),
            t.classes.to_string(),
            t.answers.to_string(),
            score,
            satisfaction,
        ];
        let row: Vec<(f32, f32, String)> = columns.iter().zip(cells).map(|((x, wd), c)| (LEFT + x, *wd, c)).collect();
        w.wrapped_row(10.0, &row, Some(&header));
    }
    if r.teachers.is_empty() {
        w.row(10.0, &[(LEFT, "本年度没有已评价的课程（课表中须填写授课教师）。".to_owned())]);
    }
    w.save(doc)
}
