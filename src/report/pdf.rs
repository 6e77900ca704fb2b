//! A small PDF writer on printpdf: lines of text on A4 pages, paginated, in one embedded (subset) CJK font.

use std::sync::{Arc, OnceLock};

use printpdf::{Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem};

use crate::attendance::notice::{DailyNotice, NoticeLine};
use crate::clock::local_hhmm;
use crate::config::ReportSettings;
use crate::error::{AppError, AppResult, ErrorCode};

/// The loaded font, or why none could be loaded (kept so a missing font is reported, not retried per request).
static FONT: OnceLock<Result<Arc<ParsedFont>, String>> = OnceLock::new();

/// The CJK font, loaded on first use.
pub fn font(settings: &ReportSettings) -> AppResult<Arc<ParsedFont>> {
    let loaded = FONT.get_or_init(|| {
        let bytes = std::fs::read(&settings.cjk_font_path)
            .map_err(|e| format!("cannot read {}: {e}", settings.cjk_font_path.display()))?;
        ParsedFont::from_bytes(&bytes, settings.cjk_font_index, &mut Vec::new()).map(Arc::new).ok_or_else(|| {
            format!("cannot parse {} (face {})", settings.cjk_font_path.display(), settings.cjk_font_index)
        })
    });
    loaded.clone().map_err(|why| {
        AppError::with_message(ErrorCode::ServiceUnavailable, "暂时无法生成 PDF，请使用打印页面")
            .caused_by(anyhow::anyhow!("CJK font unavailable: {why} (set report.cjk_font_path)"))
    })
}

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;
const TOP: f32 = 280.0;
const BOTTOM: f32 = 18.0;
pub(crate) const LEFT: f32 = 16.0;

/// Lays out lines of text top to bottom, starting a new page when one is full.
pub(crate) struct Writer {
    font: printpdf::FontId,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Writer {
    pub(crate) fn new(font: printpdf::FontId) -> Self {
        Self { font, pages: vec![Vec::new()], y: TOP }
    }

    fn text(&mut self, x: f32, size: f32, text: &str) {
        let ops = self.pages.last_mut();
        if let Some(ops) = ops {
            ops.extend([
                Op::StartTextSection,
                Op::SetTextCursor { pos: Point { x: Mm(x).into(), y: Mm(self.y).into() } },
                Op::SetFont { font: PdfFontHandle::External(self.font.clone()), size: Pt(size) },
                Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
                Op::EndTextSection,
            ]);
        }
    }

    /// One line of cells at the given x positions (mm), then moves down.
    pub(crate) fn row(&mut self, size: f32, cells: &[(f32, String)]) {
        let height = size * 0.3528 * 1.6; // points to mm, with leading
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
        }
        for (x, text) in cells {
            self.text(*x, size, text);
        }
        self.y -= height;
    }

    pub(crate) fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }
}

fn section(w: &mut Writer, title: &str, lines: &[NoticeLine]) {
    w.gap(3.0);
    w.row(12.0, &[(LEFT, format!("{title}（{}人次）", lines.len()))]);
    if lines.is_empty() {
        w.row(10.0, &[(LEFT + 4.0, "无".to_owned())]);
    }
    for l in lines {
        w.row(
            10.0,
            &[
                (LEFT + 4.0, l.name.clone()),
                (LEFT + 30.0, l.unit.chars().take(16).collect()),
                (
                    LEFT + 86.0,
                    format!("{} {}", local_hhmm(l.starts_at), l.session_title.chars().take(18).collect::<String>()),
                ),
                (LEFT + 150.0, l.note.as_deref().unwrap_or("").chars().take(14).collect()),
            ],
        );
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
    let columns = [0.0, 24.0, 100.0, 114.0, 128.0, 142.0, 156.0, 170.0];
    let header = ["时间", "课程", "应到", "实到", "迟到", "早退", "请假", "旷课"];
    w.row(10.0, &columns.iter().zip(header).map(|(x, h)| (LEFT + x, h.to_owned())).collect::<Vec<_>>());
    for s in &notice.sessions {
        let cells = [
            format!("{}–{}", local_hhmm(s.starts_at), local_hhmm(s.ends_at)),
            s.title.chars().take(22).collect(),
            s.expected.to_string(),
            s.tally().attended().to_string(),
            s.late.to_string(),
            s.early_leave.to_string(),
            s.leave.to_string(),
            s.absent.to_string(),
        ];
        w.row(10.0, &columns.iter().zip(cells).map(|(x, c)| (LEFT + x, c)).collect::<Vec<_>>());
    }
    section(&mut w, "迟到", &notice.late);
    section(&mut w, "早退", &notice.early_leave);
    section(&mut w, "旷课", &notice.absent);
    section(&mut w, "请假", &notice.leave);
    w.gap(6.0);
    w.row(10.0, &[(LEFT + 100.0, "如对考勤有异议，请于当日向班主任提出。".to_owned())]);
    w.save(doc)
}

impl Writer {
    /// The pages written so far as the document's pages, saved with the font subset.
    pub(crate) fn save(self, mut doc: PdfDocument) -> Vec<u8> {
        let pages = self.pages.into_iter().map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)).collect();
        let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
        doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}
