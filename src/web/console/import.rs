//! The import page shared by the roster and the timetable: choose a file, read the preview (every row of the file
//! as it was read, with its problems in Chinese, from the service's dry run), then confirm the kept file or fix it
//! and upload again. Nothing is written before the confirmation.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::staged::{self, Kind};
use super::*;
use crate::tabular::{Limits, RowError, Sheet, Upload};

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

/// One kind of import (roster, timetable): its page, the caps its file is read under, where a confirmed import
/// leads, and the service that checks (dry run) or imports a file.
pub(super) trait Importer {
    const KIND: Kind;

    fn page(session: &Session, scope: &ClassScope) -> ImportPage;

    fn limits(state: &AppState) -> Limits;

    /// The page after `count` rows were imported.
    fn done(class_id: Uuid, count: usize) -> String;

    async fn run(
        state: &AppState,
        session: &Session,
        scope: &ClassScope,
        file: Upload,
        dry_run: bool,
    ) -> AppResult<Checked>;
}

/// What the service says of a file.
pub(super) struct Checked {
    pub summary: Summary,
    pub errors: Vec<RowError>,
}

/// Checks an uploaded file (nothing is saved) and shows every row with its problems; a clean file is kept for the
/// confirmation.
pub(super) async fn preview<I: Importer>(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let posted = staged::read(payload).await;
    let csrf = posted.as_ref().ok().and_then(|p| p.field("csrf").map(str::to_owned));
    let session = match posting(&req, &state, csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let shown = I::page(&session, &scope);
    let bytes = match posted.map(|p| p.file) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => return page(StatusCode::BAD_REQUEST, &shown.refused("请选择要导入的 .xlsx 或 .csv 文件")),
        Err(e) => return refused(e, |e| shown.refused(&e.message)),
    };
    let limits = I::limits(&state);
    let file = Upload { bytes: bytes.clone(), limits };
    let checked = match I::run(&state, &session, &scope, file, true).await {
        Ok(checked) => checked,
        Err(e) => return refused(e, |e| shown.refused(&e.message)),
    };
    let sheet = Upload { bytes: bytes.clone(), limits }.read().await?;
    let importable = checked.summary.error_count == 0 && checked.summary.valid > 0;
    let kept = if importable {
        let kv = state.infra.kv.as_ref();
        Some(staged::keep(kv, I::KIND, scope.class.id, session.staff.staff.id, &bytes).await?)
    } else {
        None
    };
    page(StatusCode::OK, &shown.preview(&sheet, checked.summary, &checked.errors, kept))
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    staged: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Imports the file that was previewed, all rows or none.
pub(super) async fn confirm<I: Importer>(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let kv = state.infra.kv.as_ref();
    let (class_id, staff_id) = (scope.class.id, session.staff.staff.id);
    let imported = match staged::take(kv, I::KIND, class_id, staff_id, &form.staged).await {
        Ok(bytes) => I::run(&state, &session, &scope, Upload { bytes, limits: I::limits(&state) }, false).await,
        Err(e) => Err(e),
    };
    match imported {
        Ok(checked) => {
            staged::forget(kv, I::KIND, class_id, staff_id, &form.staged).await;
            Ok(see_other(&I::done(class_id, checked.summary.valid)))
        }
        Err(e) => refused(e, |e| I::page(&session, &scope).refused(&e.message)),
    }
}
