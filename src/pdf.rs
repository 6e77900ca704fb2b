//! A small PDF writer on printpdf: lines of text on A4 pages, paginated, in one embedded (subset) CJK font. Used
//! by the reports and the certificates.

use std::sync::{Arc, OnceLock};

use printpdf::{Mm, Op, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions, Point, Pt, TextItem};

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
pub const LEFT: f32 = 16.0;

/// Lays out lines of text top to bottom, starting a new page when one is full.
pub struct Writer {
    font: printpdf::FontId,
    pages: Vec<Vec<Op>>,
    y: f32,
}

impl Writer {
    pub fn new(font: printpdf::FontId) -> Self {
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
    pub fn row(&mut self, size: f32, cells: &[(f32, String)]) {
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

    pub fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }
}

impl Writer {
    /// The pages written so far as the document's pages, saved with the font subset.
    pub fn save(self, mut doc: PdfDocument) -> Vec<u8> {
        let pages = self.pages.into_iter().map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)).collect();
        let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
        doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}
