//! The import page shared by the roster and the timetable: choose a file, read the preview (every row of the file
//! as it was read, with its problems in Chinese, from the service's dry run), then confirm the kept file or fix it
//! and upload again. Nothing is written before the confirmation.

use askama::Template;

use super::{ClassHead, Frame};
use crate::tabular::{RowError, Sheet};

/// Rows of the file the preview shows; problems further down are still listed below the table.
const PREVIEW_ROWS: usize = 300;

/// What is being imported, and how the file should look.
pub struct What {
    pub title: &'static str,
    /// Where the file is posted (the preview), and `{action}/confirm` takes the confirmation.
    pub action: String,
    pub back: String,
    pub columns: &'static str,
    pub example: &'static str,
}

/// The dry run's figures.
pub struct Summary {
    pub total: usize,
    pub valid: usize,
    pub error_count: usize,
    /// A figure particular to the import (such as trainees already on the roster).
    pub extra: Option<String>,
}

pub struct PreviewRow {
    pub number: usize,
    pub cells: Vec<String>,
    pub problems: Vec<String>,
}

pub struct Preview {
    pub headers: Vec<String>,
    pub rows: Vec<PreviewRow>,
    /// Rows of the file beyond those shown.
    pub more_rows: usize,
    /// Problems not on a shown row (the header, or rows further down).
    pub other_problems: Vec<String>,
    pub summary: Summary,
    /// The key of the kept file, when it may be imported as it is.
    pub staged: Option<String>,
}

#[derive(Template)]
#[template(path = "console/import.html")]
pub struct ImportPage {
    frame: Frame,
    head: ClassHead,
    what: What,
    error: Option<String>,
    preview: Option<Preview>,
}

impl ImportPage {
    pub(super) fn new(frame: Frame, head: ClassHead, what: What) -> Self {
        ImportPage { frame, head, what, error: None, preview: None }
    }

    /// The page with a refusal of the whole file (unreadable, too large, expired).
    pub fn refused(self, message: &str) -> Self {
        ImportPage { error: Some(message.to_owned()), ..self }
    }

    /// The page with the file's rows and the dry run's problems.
    pub fn preview(self, sheet: &Sheet, summary: Summary, errors: &[RowError], staged: Option<String>) -> Self {
        let width = sheet.headers.len().max(sheet.rows.iter().map(|(_, c)| c.len()).max().unwrap_or(0)).min(16);
        let mut rows: Vec<PreviewRow> = sheet
            .rows
            .iter()
            .take(PREVIEW_ROWS)
            .map(|(number, cells)| PreviewRow {
                number: *number,
                cells: (0..width).map(|i| cells.get(i).cloned().unwrap_or_default()).collect(),
                problems: Vec::new(),
            })
            .collect();
        let mut other_problems = Vec::new();
        for e in errors {
            let text = if e.field.is_empty() { e.message.clone() } else { format!("{}：{}", e.field, e.message) };
            match rows.iter_mut().find(|r| r.number == e.row) {
                Some(row) => row.problems.push(text),
                None if e.row == 0 || e.row == sheet.header_row => other_problems.push(text),
                None => other_problems.push(format!("第 {} 行 {text}", e.row)),
            }
        }
        let headers = (0..width).map(|i| sheet.headers.get(i).cloned().unwrap_or_default()).collect();
        let more_rows = sheet.rows.len().saturating_sub(PREVIEW_ROWS);
        ImportPage { preview: Some(Preview { headers, rows, more_rows, other_problems, summary, staged }), ..self }
    }
}
