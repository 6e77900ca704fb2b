//! Spreadsheets in and out: reading uploads (the parsing itself, with its caps, is [`rollcall_intake::sheet`]),
//! mapping their rows onto known columns, and writing exports. Exports are UTF-8 with a BOM so Excel opens them,
//! and never carry a cell a spreadsheet would run as a formula.

use std::collections::HashMap;
use std::hash::Hash;

pub use rollcall_intake::sheet::{Limits, Sheet, SheetError};
use serde::Serialize;

use crate::error::{AppError, AppResult, ErrorCode};

/// The content types of the two export formats.
pub const XLSX_TYPE: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";
pub const CSV_TYPE: &str = "text/csv; charset=utf-8";

/// Row errors an import report lists; the report also says how many there were in all.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// Reads an uploaded XLSX or CSV file (decided by content, not by name), within `limits`.
pub fn read(bytes: &[u8], limits: Limits) -> AppResult<Sheet> {
    rollcall_intake::sheet::read(bytes, limits).map_err(refusal)
}

/// Reads every worksheet of an uploaded XLSX (named), or the one sheet of a CSV, within `limits` each.
pub fn read_sheets(bytes: &[u8], limits: Limits) -> AppResult<Vec<(String, Sheet)>> {
    rollcall_intake::sheet::read_sheets(bytes, limits).map_err(refusal)
}

fn refusal(e: SheetError) -> AppError {
    match e {
        SheetError::TooLarge(message) => AppError::with_message(ErrorCode::PayloadTooLarge, message),
        SheetError::Unreadable { message, cause } => {
            let error = match message {
                Some(m) => AppError::with_message(ErrorCode::FileUnreadable, m),
                None => AppError::new(ErrorCode::FileUnreadable),
            };
            match cause {
                Some(c) => error.caused_by(anyhow::anyhow!(c)),
                None => error,
            }
        }
    }
}

/// An uploaded spreadsheet and the caps it is read under.
pub struct Upload {
    pub bytes: Vec<u8>,
    pub limits: Limits,
}

impl Upload {
    /// [`read`] on the blocking pool, so a large file never stalls the workers answering other requests.
    pub async fn read(self) -> AppResult<Sheet> {
        tokio::task::spawn_blocking(move || read(&self.bytes, self.limits)).await?
    }

    /// [`read_sheets`] on the blocking pool.
    pub async fn read_sheets(self) -> AppResult<Vec<(String, Sheet)>> {
        tokio::task::spawn_blocking(move || read_sheets(&self.bytes, self.limits)).await?
    }
}

/// One problem in an uploaded file: the spreadsheet row, the column, and why, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RowError {
    pub row: usize,
    pub field: String,
    pub message: String,
}

impl RowError {
    pub fn new(row: usize, field: &str, message: impl Into<String>) -> Self {
        Self { row, field: field.to_owned(), message: message.into() }
    }
}

/// Maps the header row onto known columns. `known` lists accepted spellings; `None` marks a column that is
/// accepted and ignored (序号, 备注). Unknown, repeated and missing required headers are reported on the header row;
/// `hint` lists the usable headers in the message.
pub fn columns<F: Copy + Eq + Hash>(
    sheet: &Sheet,
    known: &[(&str, Option<F>)],
    required: &[(F, &str)],
    hint: &str,
) -> Result<HashMap<F, usize>, Vec<RowError>> {
    let mut columns = HashMap::new();
    let mut errors = Vec::new();
    for (i, header) in sheet.headers.iter().enumerate().filter(|(_, h)| !h.is_empty()) {
        match known.iter().find(|(name, _)| name == header) {
            Some((_, None)) => {}
            Some((_, Some(field))) => {
                if columns.insert(*field, i).is_some() {
                    errors.push(RowError::new(sheet.header_row, header, format!("表头“{header}”重复")));
                }
            }
            None => errors.push(RowError::new(
                sheet.header_row,
                header,
                format!("无法识别的表头“{header}”，可用表头：{hint}"),
            )),
        }
    }
    for (field, name) in required {
        if !columns.contains_key(field) {
            errors.push(RowError::new(sheet.header_row, name, format!("缺少必填列“{name}”")));
        }
    }
    if errors.is_empty() { Ok(columns) } else { Err(errors) }
}

/// The first [`MAX_REPORTED_ERRORS`] problems in row order, and how many there were in all.
pub fn first_errors(mut errors: Vec<RowError>) -> (Vec<RowError>, usize) {
    errors.sort_by_key(|e| e.row);
    let total = errors.len();
    errors.truncate(MAX_REPORTED_ERRORS);
    (errors, total)
}

/// The answer to a non-dry-run import of a file with errors: nothing was written, and the first few problems.
pub fn rejected(errors: &[RowError], total: usize) -> AppError {
    let first: Vec<String> =
        errors.iter().take(3).map(|e| format!("第 {} 行{}：{}", e.row, e.field, e.message)).collect();
    AppError::with_message(
        ErrorCode::ImportRejected,
        format!("文件中共有 {total} 处错误，未导入任何数据。{}", first.join("；")),
    )
}

/// A cell as it may go into a CSV: one that Excel or WPS would run as a formula (starting with `=`, `+`, `-`,
/// `@`, a tab or a carriage return) gets a leading `'`, so a name such as `=HYPERLINK(..)` stays text. A signed
/// number (`-2`, `+1.5`) and a lone `-` placeholder are left as they are: a spreadsheet reads them as values.
pub fn csv_safe(cell: &str) -> std::borrow::Cow<'_, str> {
    let risky = cell.starts_with(['=', '+', '-', '@', '\t', '\r']) && !is_plain_value(cell);
    if risky { std::borrow::Cow::Owned(format!("'{cell}")) } else { std::borrow::Cow::Borrowed(cell) }
}

/// `-`, `+`, or a sign followed by digits with at most one decimal point.
fn is_plain_value(cell: &str) -> bool {
    let Some(rest) = cell.strip_prefix(['+', '-']) else { return false };
    rest.is_empty()
        || (rest.bytes().all(|b| b.is_ascii_digit() || b == b'.')
            && rest.bytes().filter(|b| *b == b'.').count() <= 1
            && rest.bytes().any(|b| b.is_ascii_digit()))
}

/// CSV with a UTF-8 BOM, for Excel; every cell passes through [`csv_safe`].
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(headers.iter().map(|h| csv_safe(h).into_owned())).map_err(AppError::internal)?;
        for row in rows {
            writer.write_record(row.iter().map(|c| csv_safe(c).into_owned())).map_err(AppError::internal)?;
        }
        writer.flush().map_err(AppError::internal)?;
    }
    Ok(out)
}

/// An XLSX workbook with one sheet; every cell is text (so phone numbers keep their digits).
pub fn write_xlsx(sheet_name: &str, headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    write_xlsx_sheets(&[OutSheet { name: sheet_name, headers, rows }])
}

/// One sheet of a workbook.
pub struct OutSheet<'a> {
    pub name: &'a str,
    pub headers: &'a [&'a str],
    pub rows: &'a [Vec<String>],
}

/// An XLSX workbook with several sheets; every cell is text.
pub fn write_xlsx_sheets(sheets: &[OutSheet<'_>]) -> AppResult<Vec<u8>> {
    let xlsx_err = |e: rust_xlsxwriter::XlsxError| AppError::internal(anyhow::anyhow!("xlsx: {e}"));
    let mut workbook = rust_xlsxwriter::Workbook::new();
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for s in sheets {
        let sheet = workbook.add_worksheet();
        sheet.set_name(s.name).map_err(xlsx_err)?;
        for (c, h) in s.headers.iter().enumerate() {
            sheet.write_string_with_format(0, c as u16, *h, &bold).map_err(xlsx_err)?;
            sheet.set_column_width(c as u16, 16).map_err(xlsx_err)?;
        }
        for (r, row) in s.rows.iter().enumerate() {
            for (c, value) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, value).map_err(xlsx_err)?;
            }
        }
    }
    workbook.save_to_buffer().map_err(xlsx_err)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_xlsx_round_trips_through_the_writer_and_reader() {
        let bytes = write_xlsx("名单", &["姓名", "手机号"], &[vec!["赵六".into(), "13700137000".into()]]).unwrap();
        let sheet = read(&bytes, Limits::default()).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号"]);
        assert_eq!(sheet.rows, vec![(2, vec!["赵六".to_owned(), "13700137000".to_owned()])]);
    }

    #[test]
    fn refusals_keep_their_code_and_chinese_message() {
        let too_many = read("姓名\n甲\n乙\n".as_bytes(), Limits { max_rows: 1, ..Limits::default() }).unwrap_err();
        assert_eq!(too_many.code, ErrorCode::PayloadTooLarge);
        assert!(too_many.message.contains("1 行"));
        let broken = read(b"PK\x03\x04garbage", Limits::default()).unwrap_err();
        assert_eq!(
            (broken.code, broken.message.as_ref()),
            (ErrorCode::FileUnreadable, ErrorCode::FileUnreadable.default_message())
        );
        assert!(broken.source.is_some(), "the cause goes to the log");
    }
    #[test]
    fn report_errors_are_cut_to_the_first_hundred_in_row_order() {
        let errors = (0..250).rev().map(|r| RowError::new(r + 2, "姓名", "缺少姓名")).collect();
        let (first, total) = first_errors(errors);
        assert_eq!((first.len(), total), (MAX_REPORTED_ERRORS, 250));
        assert_eq!(first[0].row, 2);
        assert!(rejected(&first, total).message.contains("共有 250 处错误"));
    }

    #[test]
    fn csv_cells_that_a_spreadsheet_would_run_as_formulas_are_written_as_text() {
        let rows = vec![vec![
            "=HYPERLINK(\"http://x\")".to_owned(),
            "-2+3".to_owned(),
            "+cmd|' /C calc'!A0".to_owned(),
            "@SUM(A1)".to_owned(),
            "\tx".to_owned(),
            "\rx".to_owned(),
            "张三".to_owned(),
            "-1.5".to_owned(),
            "-".to_owned(),
        ]];
        let headers = ["a", "b", "c", "d", "e", "f", "g", "h", "i"];
        let out = String::from_utf8(write_csv(&headers, &rows).unwrap()).unwrap();
        let mut reader = csv::ReaderBuilder::new().from_reader(out.trim_start_matches('\u{feff}').as_bytes());
        let record = reader.records().next().unwrap().unwrap();
        let cells: Vec<&str> = record.iter().collect();
        assert_eq!(
            cells,
            [
                "'=HYPERLINK(\"http://x\")",
                "'-2+3",
                "'+cmd|' /C calc'!A0",
                "'@SUM(A1)",
                "'\tx",
                "'\rx",
                "张三",
                "-1.5",
                "-"
            ]
        );
    }
}
