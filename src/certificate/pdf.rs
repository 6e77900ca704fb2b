//! The certificate as an A4 PDF: Chinese text in an embedded subset CJK font, and the verification QR drawn as
//! vector squares (crisp at any print size, and no image codec needed).

use printpdf::{
    Color, Greyscale, LinePoint, Mm, Op, PaintMode, ParsedFont, PdfDocument, PdfFontHandle, PdfPage, PdfSaveOptions,
    Point, Polygon, PolygonRing, Pt, Rect, Rgb, TextItem, WindingOrder,
};

use crate::entity::{certificate, training_class};
use crate::error::AppResult;

const PAGE_W: f32 = 210.0;
const PAGE_H: f32 = 297.0;

/// Everything printed on one certificate.
pub struct Printable<'a> {
    pub cert: &'a certificate::Model,
    pub class: &'a training_class::Model,
    pub verify_url: String,
}

/// Approximate width in mm of `text` at `size` pt: CJK characters are square, ASCII about half.
fn width_mm(text: &str, size: f32) -> f32 {
    let em = size * 0.3528;
    text.chars().map(|c| if c.is_ascii() { 0.6 * em } else { em }).sum()
}

struct Page {
    font: printpdf::FontId,
    ops: Vec<Op>,
}

impl Page {
    fn text(&mut self, x: f32, y: f32, size: f32, text: &str) {
        self.ops.extend([
            Op::StartTextSection,
            Op::SetTextCursor { pos: Point { x: Mm(x).into(), y: Mm(y).into() } },
            Op::SetFont { font: PdfFontHandle::External(self.font.clone()), size: Pt(size) },
            Op::ShowText { items: vec![TextItem::Text(text.to_owned())] },
            Op::EndTextSection,
        ]);
    }

    fn centred(&mut self, y: f32, size: f32, text: &str) {
        let x = (PAGE_W - width_mm(text, size)) / 2.0;
        self.text(x.max(10.0), y, size, text);
    }

    fn right(&mut self, right_edge: f32, y: f32, size: f32, text: &str) {
        self.text(right_edge - width_mm(text, size), y, size, text);
    }

    fn fill(&mut self, color: Color) {
        self.ops.push(Op::SetFillColor { col: color });
    }

    fn frame(&mut self, inset: f32, thickness: f32) {
        self.ops.extend([
            Op::SetOutlineColor { col: red() },
            Op::SetOutlineThickness { pt: Pt(thickness) },
            Op::DrawRectangle {
                rectangle: Rect {
                    x: Mm(inset).into(),
                    y: Mm(inset).into(),
                    width: Mm(PAGE_W - 2.0 * inset).into(),
                    height: Mm(PAGE_H - 2.0 * inset).into(),
                    mode: Some(PaintMode::Stroke),
                    winding_order: None,
                },
            },
        ]);
    }

    /// The QR's dark modules as one filled polygon, `size` mm square with its lower-left corner at (x, y).
    fn qr(&mut self, data: &str, x: f32, y: f32, size: f32) -> AppResult<()> {
        let code = crate::qr::render::code(data)?;
        let n = code.width();
        let quiet = 4.0;
        let module = size / (n as f32 + 2.0 * quiet);
        let colors = code.to_colors();
        let mut rings = Vec::new();
        for (i, c) in colors.iter().enumerate() {
            if *c != qrcode::Color::Dark {
                continue;
            }
            let (col, row) = ((i % n) as f32, (i / n) as f32);
            let x0 = x + (quiet + col) * module;
            let y0 = y + size - (quiet + row + 1.0) * module;
            let p = |px: f32, py: f32| LinePoint { p: Point { x: Mm(px).into(), y: Mm(py).into() }, bezier: false };
            rings.push(PolygonRing {
                points: vec![p(x0, y0), p(x0 + module, y0), p(x0 + module, y0 + module), p(x0, y0 + module)],
            });
        }
        self.fill(Color::Greyscale(Greyscale { percent: 0.0, icc_profile: None }));
        self.ops.push(Op::DrawPolygon {
            polygon: Polygon { rings, mode: PaintMode::Fill, winding_order: WindingOrder::NonZero },
        });
        Ok(())
    }
}

fn red() -> Color {
    Color::Rgb(Rgb { r: 0.72, g: 0.1, b: 0.1, icc_profile: None })
}

fn black() -> Color {
    Color::Rgb(Rgb { r: 0.1, g: 0.1, b: 0.1, icc_profile: None })
}

/// Splits text into lines of at most `width` mm at `size` pt. A run of ASCII letters and digits (a year, a class
/// code) is never split.
fn wrap(text: &str, size: f32, width: f32) -> Vec<String> {
    let mut units: Vec<String> = Vec::new();
    for c in text.chars() {
        match units.last_mut() {
            Some(last) if c.is_ascii_alphanumeric() && last.chars().all(|l| l.is_ascii_alphanumeric() || l == '.') => {
                last.push(c)
            }
            Some(last) if c == '.' && last.chars().all(|l| l.is_ascii_digit()) => last.push(c),
            _ => units.push(c.to_string()),
        }
    }
    let mut lines = Vec::new();
    let mut line = String::new();
    for unit in units {
        // Closing punctuation never starts a line (避头): it stays with the text before it.
        let closing = unit.chars().all(|c| "，。、；：）」』！？》".contains(c));
        if !line.is_empty() && !closing && width_mm(&format!("{line}{unit}"), size) > width {
            lines.push(std::mem::take(&mut line));
        }
        line.push_str(&unit);
    }
    if !line.is_empty() {
        lines.push(line);
    }
    lines
}

fn chinese_date(d: chrono::NaiveDate) -> String {
    d.format("%Y年%-m月%-d日").to_string()
}

fn page(font_id: printpdf::FontId, p: &Printable<'_>) -> AppResult<PdfPage> {
    let mut page = Page { font: font_id, ops: Vec::new() };
    page.frame(10.0, 3.0);
    page.frame(13.0, 0.8);
    page.fill(black());
    page.right(PAGE_W - 22.0, 272.0, 10.0, &format!("证书编号：{}", p.cert.serial));
    page.fill(red());
    page.centred(235.0, 40.0, "结业证书");
    page.fill(black());
    let kind = p.class.kind.label();
    let body = format!(
        "　　{}同志（{}）于{}至{}参加{}（{}）学习，完成规定的培训课程，累计参训{}学时，经考核，准予结业。",
        p.cert.holder_name,
        p.cert.holder_unit,
        chinese_date(p.class.start_date),
        chinese_date(p.class.end_date),
        p.class.name,
        kind,
        crate::completion::standing::trim_centi(i64::from(p.cert.credit_centi)),
    );
    let size = 16.0;
    let mut y = 195.0;
    for line in wrap(&body, size, 150.0) {
        page.text(30.0, y, size, &line);
        y -= 11.0;
    }
    let organiser = p.class.organiser.clone().unwrap_or_else(|| "培训基地".to_owned());
    page.right(PAGE_W - 30.0, 95.0, 14.0, &organiser);
    page.right(PAGE_W - 30.0, 84.0, 14.0, &chinese_date(p.cert.issue_date));
    page.qr(&p.verify_url, 24.0, 30.0, 38.0)?;
    page.fill(black());
    page.text(26.0, 26.0, 9.0, "扫码验证证书真伪");
    page.text(26.0, 21.0, 9.0, &format!("验证码：{}", p.cert.verification_code));
    page.text(26.0, 16.5, 7.0, &p.verify_url);
    Ok(PdfPage::new(Mm(PAGE_W), Mm(PAGE_H), page.ops))
}

/// One certificate, one page.
pub fn render(font: &ParsedFont, p: &Printable<'_>) -> AppResult<Vec<u8>> {
    render_many(font, std::slice::from_ref(p))
}

/// Several certificates in one document, a page each (for printing a class at once).
pub fn render_many(font: &ParsedFont, items: &[Printable<'_>]) -> AppResult<Vec<u8>> {
    let title = items.first().map(|p| format!("结业证书 {}", p.cert.serial)).unwrap_or_else(|| "结业证书".to_owned());
    let mut doc = PdfDocument::new(&title);
    let font_id = doc.add_font(font);
    let pages = items.iter().map(|p| page(font_id.clone(), p)).collect::<AppResult<Vec<_>>>()?;
    let options = PdfSaveOptions { subset_fonts: true, ..PdfSaveOptions::default() };
    Ok(doc.with_pages(pages).save(&options, &mut Vec::new()))
}

#[cfg(test)]
mod tests {
    use super::wrap;

    #[test]
    fn long_text_wraps_within_the_width() {
        let lines = wrap(&"培".repeat(60), 16.0, 150.0);
        assert!(lines.len() >= 2);
        assert!(lines.iter().all(|l| super::width_mm(l, 16.0) <= 150.0));
        assert_eq!(lines.concat(), "培".repeat(60));
    }

    #[test]
    fn no_line_starts_with_closing_punctuation() {
        for n in 20..40 {
            let text = format!("{}，完成规定的培训课程。", "培".repeat(n));
            assert!(wrap(&text, 16.0, 150.0).iter().all(|l| !l.starts_with('，') && !l.starts_with('。')));
        }
    }

    #[test]
    fn numbers_and_codes_stay_whole() {
        let text = format!("{}于2026年11月23日参加C45BE8C15培训班，累计24.5学时", "培".repeat(20));
        for width in [60.0, 80.0, 100.0, 150.0] {
            let lines = wrap(&text, 16.0, width);
            let joined = lines.join("|");
            for token in ["2026", "C45BE8C15", "24.5"] {
                assert!(lines.iter().any(|l| l.contains(token)), "{token} split in {joined}");
            }
        }
    }
}
