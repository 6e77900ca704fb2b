//! The results as files for the teaching office: an XLSX workbook (the class, each course's indicators, the
//! comments) and an A4 PDF with the same figures. Hidden groups (fewer than 3 answers) stay hidden in both.

use printpdf::{ParsedFont, PdfDocument};

use super::form::{GRADES, QuestionKind, QuestionResult};
use super::service::Results;
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
