//! Documents for print and download: the daily notice as PDF. Chinese text needs a CJK font embedded in the PDF;
//! rollcall loads one from the system (configured path, Noto Sans CJK by default) once, and embeds only the glyphs
//! a document uses.

pub mod chart;
pub mod file;
pub mod pdf;
pub mod unit;
