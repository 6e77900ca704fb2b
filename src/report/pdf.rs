//! The daily attendance notice as a PDF, on the shared writer.

use printpdf::{ParsedFont, PdfDocument};

use crate::attendance::notice::{DailyNotice, NoticeLine};
use crate::clock::local_hhmm;
pub use crate::pdf::font;
use crate::pdf::{LEFT, Writer};

/// A 迟到/早退/旷课/请假 section: who, their unit, the session and the posted note, each wrapping in its column.
fn section(w: &mut Writer, title: &str, lines: &[NoticeLine]) {
    w.gap(3.0);
    w.row(12.0, &[(LEFT, format!("{title}（{}人次）", lines.len()))]);
    if lines.is_empty() {
        w.row(10.0, &[(LEFT + 4.0, "无".to_owned())]);
        return;
    }
    let columns = [(4.0, 24.0), (30.0, 54.0), (86.0, 62.0), (150.0, 28.0)];
    let header: Vec<(f32, f32, String)> = columns
        .iter()
        .zip(["姓名", "单位", "课程", "说明"])
        .map(|((x, wd), h)| (LEFT + x, *wd, h.to_owned()))
        .collect();
    w.wrapped_row(10.0, &header, None);
    for l in lines {
        let cells = [
            l.name.clone(),
            l.unit.clone(),
            format!("{} {}", local_hhmm(l.starts_at), l.session_title),
            l.public_note.clone(),
        ];
        let row: Vec<(f32, f32, String)> = columns.iter().zip(cells).map(|((x, wd), c)| (LEFT + x, *wd, c)).collect();
        w.wrapped_row(10.0, &row, Some(&header));
    }
}

/// The daily notice as an A4 PDF.
pub fn daily_notice(font: &ParsedFont, notice: &DailyNotice) -> Vec<u8> {
    let mut doc = PdfDocument::new(&format!("{} 考勤公示 {}", notice.class_name, notice.date));
    let font_id = doc.add_font(font);
    let mut w = Writer::new(font_id);
    w.row(18.0, &[(LEFT, format!("{}考勤公示", notice.class_name))]);
    w.row(11.0, &[(LEFT, format!("培训班编号 {}    {}", notice.class_code, notice.date.format("%Y年%m月%d日")))]);
    w.gap(3.0);
    w.row(12.0, &[(LEFT, "课程出勤情况".to_owned())]);
    let columns = [
        (0.0, 23.5),
        (24.0, 74.0),
        (100.0, 12.0),
        (114.0, 12.0),
        (128.0, 12.0),
        (142.0, 12.0),
        (156.0, 12.0),
        (170.0, 12.0),
    ];
    let header: Vec<(f32, f32, String)> = columns
        .iter()
        .zip(["时间", "课程", "应到", "实到", "迟到", "早退", "请假", "旷课"])
        .map(|((x, wd), h)| (LEFT + x, *wd, h.to_owned()))
        .collect();
    w.wrapped_row(10.0, &header, None);
    for s in &notice.sessions {
        let cells = [
            format!("{}–{}", local_hhmm(s.starts_at), local_hhmm(s.ends_at)),
            s.title.clone(),
            s.expected.to_string(),
            s.tally().attended().to_string(),
            s.late.to_string(),
            s.early_leave.to_string(),
            s.leave.to_string(),
            s.absent.to_string(),
        ];
        let row: Vec<(f32, f32, String)> = columns.iter().zip(cells).map(|((x, wd), c)| (LEFT + x, *wd, c)).collect();
        w.wrapped_row(10.0, &row, Some(&header));
    }
    section(&mut w, "迟到", &notice.late);
    section(&mut w, "早退", &notice.early_leave);
    section(&mut w, "旷课", &notice.absent);
    section(&mut w, "请假", &notice.leave);
    w.gap(6.0);
    w.row(10.0, &[(LEFT + 100.0, "如对考勤有异议，请于当日向班主任提出。".to_owned())]);
    w.save(doc)
}
