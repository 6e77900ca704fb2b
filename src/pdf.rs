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

    /// A row of cells that wrap within their widths: each cell is `(x, width, text)` in mm; the row is as tall as
    /// its tallest cell. A row that does not fit goes to a new page, where `header` (a row of the same columns) is
    /// written again first.
    pub fn wrapped_row(&mut self, size: f32, cells: &[(f32, f32, String)], header: Option<&[(f32, f32, String)]>) {
        let line = size * 0.3528 * 1.45;
        let lines: Vec<Vec<String>> = cells.iter().map(|(_, width, text)| wrap(text, *width, size)).collect();
        let height = lines.iter().map(Vec::len).max().unwrap_or(1).max(1) as f32 * line + size * 0.3528 * 0.3;
        if self.y - height < BOTTOM {
            self.pages.push(Vec::new());
            self.y = TOP;
            if let Some(header) = header {
                self.wrapped_row(size, header, None);
            }
        }
        for ((x, _, _), cell) in cells.iter().zip(&lines) {
            let top = self.y;
            for text in cell {
                self.text(*x, size, text);
                self.y -= line;
            }
            self.y = top;
        }
        self.y -= height;
    }

    pub fn gap(&mut self, mm: f32) {
        self.y -= mm;
    }
}

/// The width of `c` at `size` points, in mm: CJK and other wide characters are one em, the rest about half.
fn char_mm(c: char, size: f32) -> f32 {
    let em = size * 0.3528;
    if c.is_ascii() { em * 0.55 } else { em }
}

/// `text` broken into lines no wider than `width` mm (a character wider than the column gets a line of its own).
pub fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = vec![String::new()];
    let mut used = 0.0;
    for c in text.chars() {
        let w = char_mm(c, size);
        if used + w > width && !lines.last().is_some_and(String::is_empty) {
            lines.push(String::new());
            used = 0.0;
        }
        if let Some(last) = lines.last_mut() {
            last.push(c);
        }
        used += w;
    }
    lines
}

impl Writer {
    /// The pages written so far as the document's pages, saved with the font subset.
    pub fn save(self, mut doc: PdfDocument) -> Vec<u8> {
        let pages = self.pages.into_iter().map(|ops| PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), ops)).collect();
        let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
        doc.with_pages(pages).save(&options, &mut Vec::new())
    }
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn text_wraps_within_its_width_and_keeps_every_character() {
        let title = "专题讲授：深入学习贯彻党的二十届三中全会精神，进一步全面深化改革推进中国式现代化";
        let lines = wrap(title, 40.0, 10.0);
        assert!(lines.len() > 1, "{lines:?}");
        assert_eq!(lines.concat(), title, "nothing is lost");
        assert!(lines.iter().all(|l| l.chars().count() <= 11), "10 pt CJK is 3.5 mm: 11 a line in 40 mm: {lines:?}");
        assert_eq!(wrap("", 40.0, 10.0), vec![String::new()]);
        assert_eq!(wrap("短", 1.0, 10.0), vec!["短".to_owned()], "a character wider than the column still shows");
    }
}
