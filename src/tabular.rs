//! Spreadsheets in and out: XLSX (calamine / rust_xlsxwriter) and CSV, as training bases make them. A CSV saved
//! by Chinese Excel is often GBK, not UTF-8; both are read. Exports are UTF-8 with a BOM so Excel opens them.
//!
//! Uploads come from people, some careless and some hostile, so reading is bounded: the XLSX archive is
//! decompressed against a byte budget before calamine sees it, cells are streamed (never a dense range, whatever
//! the sheet's dimensions say), and rows, columns and cell lengths have caps. Parsing is CPU work: callers on the
//! async runtime use [`Upload::read`].

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};
use serde::Serialize;

use crate::error::{AppError, AppResult, ErrorCode};

/// How much of an uploaded spreadsheet is read before it is refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Data rows (non-empty rows after the header).
    pub max_rows: usize,
    /// Columns that may hold a value.
    pub max_columns: usize,
    /// Characters in one cell.
    pub max_cell_chars: usize,
    /// Bytes of all the parts of an XLSX archive once decompressed.
    pub max_unzipped_bytes: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { max_rows: 5_000, max_columns: 64, max_cell_chars: 1_000, max_unzipped_bytes: 40 * 1024 * 1024 }
    }
}

/// Rows above the header a sheet may have (a title, a date line) on top of `max_rows`.
const TITLE_ROWS: usize = 20;
/// Row errors an import report lists; the report also says how many there were in all.
pub const MAX_REPORTED_ERRORS: usize = 100;

/// A sheet as text: the header row, then the data rows (1-based row numbers as the spreadsheet shows them).
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    /// The spreadsheet row number of the header row.
    pub header_row: usize,
    pub headers: Vec<String>,
    /// (spreadsheet row number, cells). Entirely empty rows are left out.
    pub rows: Vec<(usize, Vec<String>)>,
}

impl Sheet {
    /// The cell of `row` under header index `col`, trimmed ("" when the row is short).
    pub fn cell(cells: &[String], col: Option<usize>) -> &str {
        col.and_then(|c| cells.get(c)).map(|s| s.trim()).unwrap_or("")
    }
}

/// Reads an uploaded XLSX or CSV file (decided by content, not by name), within `limits`.
pub fn read(bytes: &[u8], limits: Limits) -> AppResult<Sheet> {
    let mut collector = Collector { limits, rows: BTreeMap::new() };
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, &mut collector)?;
    } else {
        read_csv(bytes, &mut collector)?;
    }
    collector.into_sheet()
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
}

fn too_large(message: String) -> AppError {
    AppError::with_message(ErrorCode::PayloadTooLarge, message)
}

/// The non-empty rows as they arrive, kept sparse: a cell at row 1,000,000,000 costs one entry, not a billion.
struct Collector {
    limits: Limits,
    rows: BTreeMap<usize, Vec<String>>,
}

impl Collector {
    /// One cell at a 0-based position. Blank cells are skipped; control characters (NUL among them, which
    /// PostgreSQL cannot store) are dropped.
    fn cell(&mut self, row: usize, col: usize, text: &str) -> AppResult<()> {
        if text.trim().is_empty() {
            return Ok(());
        }
        let limits = self.limits;
        if col >= limits.max_columns {
            return Err(too_large(format!(
                "第 {} 行第 {} 列有内容，表格最多 {} 列，请删除多余的列后重新上传",
                row + 1,
                col + 1,
                limits.max_columns
            )));
        }
        if text.chars().count() > limits.max_cell_chars {
            return Err(too_large(format!(
                "第 {} 行第 {} 列的内容超过 {} 个字，请检查后重新上传",
                row + 1,
                col + 1,
                limits.max_cell_chars
            )));
        }
        let kept = self.rows.len();
        let cells = match self.rows.entry(row) {
            std::collections::btree_map::Entry::Occupied(e) => e.into_mut(),
            std::collections::btree_map::Entry::Vacant(e) => {
                if kept > limits.max_rows + TITLE_ROWS {
                    return Err(too_many_rows(limits.max_rows));
                }
                e.insert(Vec::new())
            }
        };
        if cells.len() <= col {
            cells.resize(col + 1, String::new());
        }
        cells[col] = text.chars().filter(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r')).collect();
        Ok(())
    }

    fn into_sheet(self) -> AppResult<Sheet> {
        let max_rows = self.limits.max_rows;
        let mut iter = self.rows.into_iter().map(|(r, cells)| (r + 1, cells));
        let Some((header_row, headers)) = iter.next() else {
            return Err(AppError::with_message(ErrorCode::FileUnreadable, "上传的文件是空的"));
        };
        let headers: Vec<String> =
            headers.into_iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_owned()).collect();
        let mut rows: Vec<_> = iter.collect();
        if rows.len() > max_rows {
            return Err(too_many_rows(max_rows));
        }
        // Blank cells were skipped; rows are as wide as the header at least, as the sheet shows them.
        for (_, cells) in &mut rows {
            if cells.len() < headers.len() {
                cells.resize(headers.len(), String::new());
            }
        }
        Ok(Sheet { header_row, headers, rows })
    }
}

fn too_many_rows(max_rows: usize) -> AppError {
    too_large(format!("表格超过 {max_rows} 行的上限，请分成几个文件分别导入"))
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

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::FileUnreadable).caused_by(anyhow::anyhow!("{e}"))
}

/// Decompresses every part of the archive against `budget` bytes, trusting no size the archive declares, so a
/// small upload that inflates to gigabytes is refused before anything parses it.
fn check_archive(bytes: &[u8], budget: u64) -> AppResult<()> {
    let refuse = || too_large("表格文件解压后过大，请删除无关的工作表、图片和格式后重新上传".to_owned());
    let mut archive = zip::ZipArchive::new(Cursor::new(bytes)).map_err(unreadable)?;
    let mut used: u64 = 0;
    for i in 0..archive.len() {
        let mut part = archive.by_index(i).map_err(unreadable)?;
        let left = budget.saturating_sub(used);
        if part.size() > left {
            return Err(refuse());
        }
        used += std::io::copy(&mut (&mut part).take(left + 1), &mut std::io::sink()).map_err(unreadable)?;
        if used > budget {
            return Err(refuse());
        }
    }
    Ok(())
}

fn read_xlsx(bytes: &[u8], out: &mut Collector) -> AppResult<()> {
    check_archive(bytes, out.limits.max_unzipped_bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook
        .sheet_names()
        .first()
        .cloned()
        .ok_or_else(|| AppError::with_message(ErrorCode::FileUnreadable, "表格中没有工作表"))?;
    // Cells one at a time: a dense range would be as large as the sheet claims to be.
    let mut cells = workbook.worksheet_cells_reader(&first).map_err(unreadable)?;
    let declared = cells.dimensions();
    if beyond_excel(declared.end) {
        return Err(beyond_excel_error());
    }
    while let Some(cell) = cells.next_cell().map_err(unreadable)? {
        let (row, col) = cell.get_position();
        if beyond_excel((row, col)) {
            return Err(beyond_excel_error());
        }
        out.cell(row as usize, col as usize, &cell_text(cell.get_value()))?;
    }
    Ok(())
}

/// Excel's own sheet size (1,048,576 rows × 16,384 columns): no file Excel or WPS saved reaches past it.
fn beyond_excel((row, col): (u32, u32)) -> bool {
    row >= 1_048_576 || col >= 16_384
}

fn beyond_excel_error() -> AppError {
    AppError::with_message(ErrorCode::FileUnreadable, "表格的范围超出了 Excel 的上限，文件可能已损坏，请另存后重新上传")
}

/// A cell as the person typed it: whole numbers without `.0` (phone numbers are often stored as numbers),
/// dates as `YYYY-MM-DD`, times as `HH:MM`.
fn cell_text(cell: &DataRef<'_>) -> String {
    match cell {
        DataRef::Empty | DataRef::Error(_) => String::new(),
        DataRef::String(s) | DataRef::DateTimeIso(s) | DataRef::DurationIso(s) => s.clone(),
        DataRef::SharedString(s) => (*s).to_owned(),
        DataRef::Int(i) => i.to_string(),
        DataRef::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        DataRef::Float(f) => f.to_string(),
        DataRef::Bool(b) => b.to_string(),
        DataRef::DateTime(dt) => {
            let value = dt.as_f64();
            match dt.as_datetime() {
                Some(t) if value < 1.0 => t.format("%H:%M").to_string(),
                Some(t) if value.fract() == 0.0 => t.format("%Y-%m-%d").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
                None => value.to_string(),
            }
        }
    }
}

fn read_csv(bytes: &[u8], out: &mut Collector) -> AppResult<()> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(AppError::with_message(
                    ErrorCode::FileUnreadable,
                    "文件编码无法识别，请另存为 UTF-8 CSV 或 xlsx",
                ));
            }
            decoded
        }
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    let mut record = csv::StringRecord::new();
    let mut row = 0;
    while reader.read_record(&mut record).map_err(unreadable)? {
        for (col, field) in record.iter().enumerate() {
            out.cell(row, col, field)?;
        }
        row += 1;
    }
    Ok(())
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
    fn csv_with_bom_and_blank_rows_is_read_with_row_numbers() {
        let sheet = read_default("\u{feff}姓名,手机号\n张三,13800138000\n,\n李四,13900139000\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号"]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].0, 4, "row numbers count the blank row");
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,单位\n王五,市委组织部\n");
        let sheet = read_default(&gbk).unwrap();
        assert_eq!(sheet.rows[0].1, vec!["王五", "市委组织部"]);
    }

    #[test]
    fn an_xlsx_round_trips_through_the_writer_and_reader() {
        let bytes = write_xlsx("名单", &["姓名", "手机号"], &[vec!["赵六".into(), "13700137000".into()]]).unwrap();
        let sheet = read_default(&bytes).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号"]);
        assert_eq!(sheet.rows, vec![(2, vec!["赵六".to_owned(), "13700137000".to_owned()])]);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(read_default(b"").unwrap_err().code, ErrorCode::FileUnreadable);
    }

    fn read_default(bytes: &[u8]) -> AppResult<Sheet> {
        read(bytes, Limits::default())
    }

    fn small() -> Limits {
        Limits { max_rows: 10, max_columns: 5, max_cell_chars: 20, max_unzipped_bytes: 1024 * 1024 }
    }

    #[test]
    fn a_cell_far_beyond_excels_last_row_is_refused_without_building_the_range() {
        let bytes = include_bytes!("../tests/fixtures/cell-at-a1000000000.xlsx");
        let err = read_default(bytes).unwrap_err();
        assert_eq!(err.code, ErrorCode::FileUnreadable, "{err:?}");
        assert!(err.message.contains("Excel 的上限"), "{}", err.message);
    }

    #[test]
    fn an_archive_that_inflates_past_the_budget_is_refused_before_parsing() {
        let bytes = include_bytes!("../tests/fixtures/inflates-to-64mib.xlsx");
        let err = read(bytes, small()).unwrap_err();
        assert_eq!(err.code, ErrorCode::PayloadTooLarge, "{err:?}");
        assert!(err.message.contains("解压后过大"), "{}", err.message);
    }

    #[test]
    fn more_data_rows_than_the_cap_are_refused() {
        let mut csv = String::from("姓名,手机号\n");
        for i in 0..11 {
            csv.push_str(&format!("学员{i},1380000{i:04}\n"));
        }
        let err = read(csv.as_bytes(), small()).unwrap_err();
        assert_eq!(err.code, ErrorCode::PayloadTooLarge);
        assert!(err.message.contains("10 行"), "{}", err.message);
        let at_cap: String = csv.lines().take(11).map(|l| format!("{l}\n")).collect();
        assert_eq!(read(at_cap.as_bytes(), small()).unwrap().rows.len(), 10, "exactly the cap is fine");
    }

    #[test]
    fn an_xlsx_with_too_many_rows_stops_reading_at_the_cap() {
        let rows: Vec<Vec<String>> = (0..50).map(|i| vec![format!("学员{i}"), format!("1380000{i:04}")]).collect();
        let bytes = write_xlsx("名单", &["姓名", "手机号"], &rows).unwrap();
        assert_eq!(read(&bytes, small()).unwrap_err().code, ErrorCode::PayloadTooLarge);
    }

    #[test]
    fn a_value_beyond_the_column_cap_or_a_too_long_cell_is_refused() {
        let wide = format!("姓名{}\n张三\n", ",".repeat(5) + "备注");
        let err = read(wide.as_bytes(), small()).unwrap_err();
        assert_eq!(err.code, ErrorCode::PayloadTooLarge);
        assert!(err.message.contains("第 1 行第 6 列"), "{}", err.message);
        let long = format!("姓名\n{}\n", "长".repeat(21));
        let err = read(long.as_bytes(), small()).unwrap_err();
        assert!(err.message.contains("第 2 行第 1 列的内容超过 20 个字"), "{}", err.message);
        let empty_columns = format!("姓名{}\n张三\n", ",".repeat(10_000));
        assert_eq!(
            read(empty_columns.as_bytes(), small()).unwrap().headers,
            vec!["姓名"],
            "blank columns cost nothing"
        );
    }

    #[test]
    fn control_characters_are_dropped_from_cells() {
        let sheet = read_default("姓名,单位\n张\u{0}三,市委\u{7}组织部\n".as_bytes()).unwrap();
        assert_eq!(sheet.rows[0].1, vec!["张三", "市委组织部"]);
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
