//! Uploaded spreadsheets (XLSX or CSV, decided by content) read as text, within caps.
//!
//! Uploads come from people, some careless and some hostile, so reading is bounded: the XLSX archive is
//! decompressed against a byte budget before calamine sees it, cells are streamed (never a dense range, whatever
//! the sheet's dimensions say), and rows, columns and cell lengths have caps. A CSV saved by Chinese Excel is often
//! GBK, not UTF-8; both are read.

use chrono::Timelike;
use std::collections::BTreeMap;
use std::io::{Cursor, Read};

use calamine::{DataRef, Reader, Xlsx};

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

/// Why a file was not read. The messages are Chinese, for the staff member who uploaded it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SheetError {
    /// Not a file we can read, or a broken one. `message` says what to do (`None`: the general advice); `cause`
    /// is for the log.
    Unreadable { message: Option<String>, cause: Option<String> },
    /// Over one of the caps.
    TooLarge(String),
}

impl SheetError {
    fn says(message: &str) -> Self {
        SheetError::Unreadable { message: Some(message.to_owned()), cause: None }
    }
}

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
pub fn read(bytes: &[u8], limits: Limits) -> Result<Sheet, SheetError> {
    let mut collector = Collector { limits, rows: BTreeMap::new() };
    if bytes.starts_with(b"PK\x03\x04") {
        read_xlsx(bytes, &mut collector)?;
    } else {
        read_csv(bytes, &mut collector)?;
    }
    collector.into_sheet()
}

/// Workbooks read by [`read_sheets`] look at this many worksheets at most.
pub const MAX_SHEETS: usize = 8;

/// Reads every worksheet of an uploaded XLSX (the first [`MAX_SHEETS`]; each within `limits`, empty ones left
/// out), or the one sheet of a CSV (named ""). For exports that put a summary and the detail on separate sheets.
pub fn read_sheets(bytes: &[u8], limits: Limits) -> Result<Vec<(String, Sheet)>, SheetError> {
    if !bytes.starts_with(b"PK\x03\x04") {
        return read(bytes, limits).map(|sheet| vec![(String::new(), sheet)]);
    }
    check_archive(bytes, limits.max_unzipped_bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let names: Vec<String> = workbook.sheet_names().into_iter().take(MAX_SHEETS).collect();
    let mut sheets = Vec::new();
    for name in names {
        let mut collector = Collector { limits, rows: BTreeMap::new() };
        read_worksheet(&mut workbook, &name, &mut collector)?;
        if !collector.rows.is_empty() {
            sheets.push((name, collector.into_sheet()?));
        }
    }
    if sheets.is_empty() {
        return Err(SheetError::says("上传的文件是空的"));
    }
    Ok(sheets)
}

fn too_large(message: String) -> SheetError {
    SheetError::TooLarge(message)
}

/// The non-empty rows as they arrive, kept sparse: a cell at row 1,000,000,000 costs one entry, not a billion.
struct Collector {
    limits: Limits,
    rows: BTreeMap<usize, Vec<String>>,
}

impl Collector {
    /// One cell at a 0-based position. Blank cells are skipped; control characters (NUL among them, which
    /// PostgreSQL cannot store) are dropped.
    fn cell(&mut self, row: usize, col: usize, text: &str) -> Result<(), SheetError> {
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

    fn into_sheet(self) -> Result<Sheet, SheetError> {
        let max_rows = self.limits.max_rows;
        let mut iter = self.rows.into_iter().map(|(r, cells)| (r + 1, cells));
        let Some((header_row, headers)) = iter.next() else {
            return Err(SheetError::says("上传的文件是空的"));
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

fn too_many_rows(max_rows: usize) -> SheetError {
    too_large(format!("表格超过 {max_rows} 行的上限，请分成几个文件分别导入"))
}

fn unreadable(e: impl std::fmt::Display) -> SheetError {
    SheetError::Unreadable { message: None, cause: Some(e.to_string()) }
}

/// Decompresses every part of the archive against `budget` bytes, trusting no size the archive declares, so a
/// small upload that inflates to gigabytes is refused before anything parses it.
fn check_archive(bytes: &[u8], budget: u64) -> Result<(), SheetError> {
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

fn read_xlsx(bytes: &[u8], out: &mut Collector) -> Result<(), SheetError> {
    check_archive(bytes, out.limits.max_unzipped_bytes)?;
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let first = workbook.sheet_names().first().cloned().ok_or_else(|| SheetError::says("表格中没有工作表"))?;
    read_worksheet(&mut workbook, &first, out)
}

fn read_worksheet(workbook: &mut Xlsx<Cursor<&[u8]>>, name: &str, out: &mut Collector) -> Result<(), SheetError> {
    // Cells one at a time: a dense range would be as large as the sheet claims to be.
    let mut cells = workbook.worksheet_cells_reader(name).map_err(unreadable)?;
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

fn beyond_excel_error() -> SheetError {
    SheetError::says("表格的范围超出了 Excel 的上限，文件可能已损坏，请另存后重新上传")
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
            // Seconds only when there are some (a meeting export's join times have them; a timetable's do not).
            match dt.as_datetime() {
                Some(t) if value < 1.0 && t.second() != 0 => t.format("%H:%M:%S").to_string(),
                Some(t) if value < 1.0 => t.format("%H:%M").to_string(),
                Some(t) if value.fract() == 0.0 => t.format("%Y-%m-%d").to_string(),
                Some(t) if t.second() != 0 => t.format("%Y-%m-%d %H:%M:%S").to_string(),
                Some(t) => t.format("%Y-%m-%d %H:%M").to_string(),
                None => value.to_string(),
            }
        }
    }
}

fn read_csv(bytes: &[u8], out: &mut Collector) -> Result<(), SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => std::borrow::Cow::Borrowed(t),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(SheetError::says("文件编码无法识别，请另存为 UTF-8 CSV 或 xlsx"));
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

#[cfg(test)]
mod tests {
    use super::*;

    fn read_default(bytes: &[u8]) -> Result<Sheet, SheetError> {
        read(bytes, Limits::default())
    }

    fn small() -> Limits {
        Limits { max_rows: 10, max_columns: 5, max_cell_chars: 20, max_unzipped_bytes: 1024 * 1024 }
    }

    fn too_large(result: Result<Sheet, SheetError>) -> String {
        match result {
            Err(SheetError::TooLarge(message)) => message,
            other => panic!("expected TooLarge, got {other:?}"),
        }
    }

    fn xlsx(headers: &[&str], rows: &[Vec<String>]) -> Vec<u8> {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let sheet = workbook.add_worksheet();
        for (c, h) in headers.iter().enumerate() {
            sheet.write_string(0, c as u16, *h).unwrap();
        }
        for (r, row) in rows.iter().enumerate() {
            for (c, v) in row.iter().enumerate() {
                sheet.write_string(r as u32 + 1, c as u16, v).unwrap();
            }
        }
        workbook.save_to_buffer().unwrap()
    }

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
    fn an_xlsx_is_read_with_spreadsheet_row_numbers_and_header_wide_rows() {
        let bytes = xlsx(&["姓名", "手机号", "备注"], &[vec!["赵六".into(), "13700137000".into()]]);
        let sheet = read_default(&bytes).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号", "备注"]);
        assert_eq!(sheet.rows, vec![(2, vec!["赵六".to_owned(), "13700137000".to_owned(), String::new()])]);
    }

    #[test]
    fn every_non_empty_worksheet_is_read_by_name_and_a_csv_is_one_sheet() {
        let mut workbook = rust_xlsxwriter::Workbook::new();
        let summary = workbook.add_worksheet().set_name("参会概况").unwrap();
        summary.write_string(2, 0, "用户昵称").unwrap();
        summary.write_string(3, 0, "李娜").unwrap();
        workbook.add_worksheet().set_name("空白").unwrap();
        let detail = workbook.add_worksheet().set_name("参会明细").unwrap();
        detail.write_string(0, 0, "用户昵称").unwrap();
        detail.write_string(0, 1, "入会时间").unwrap();
        detail.write_string(1, 0, "李娜").unwrap();
        detail.write_string(1, 1, "09:00").unwrap();
        let sheets = read_sheets(&workbook.save_to_buffer().unwrap(), Limits::default()).unwrap();
        let names: Vec<&str> = sheets.iter().map(|(n, _)| n.as_str()).collect();
        assert_eq!(names, ["参会概况", "参会明细"], "the empty sheet is left out");
        assert_eq!(
            (sheets[0].1.header_row, sheets[1].1.rows[0].1.clone()),
            (3, vec!["李娜".to_owned(), "09:00".to_owned()])
        );
        let csv = read_sheets("姓名\n李娜\n".as_bytes(), Limits::default()).unwrap();
        assert_eq!((csv.len(), csv[0].0.as_str(), csv[0].1.rows.len()), (1, "", 1));
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert!(matches!(read_default(b""), Err(SheetError::Unreadable { .. })));
        assert!(matches!(read_default(b"PK\x03\x04garbage"), Err(SheetError::Unreadable { message: None, .. })));
    }

    #[test]
    fn a_cell_far_beyond_excels_last_row_is_refused_without_building_the_range() {
        let bytes = include_bytes!("../../tests/fixtures/cell-at-a1000000000.xlsx");
        match read_default(bytes) {
            Err(SheetError::Unreadable { message: Some(m), .. }) => assert!(m.contains("Excel 的上限"), "{m}"),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_archive_that_inflates_past_the_budget_is_refused_before_parsing() {
        let bytes = include_bytes!("../../tests/fixtures/inflates-to-64mib.xlsx");
        assert!(too_large(read(bytes, small())).contains("解压后过大"));
        assert!(too_large(read_default(bytes)).contains("解压后过大"), "64 MiB is over the default 40 MiB too");
    }

    #[test]
    fn more_data_rows_than_the_cap_are_refused() {
        let mut csv = String::from("姓名,手机号\n");
        for i in 0..11 {
            csv.push_str(&format!("学员{i},1380000{i:04}\n"));
        }
        assert!(too_large(read(csv.as_bytes(), small())).contains("10 行"));
        let at_cap: String = csv.lines().take(11).map(|l| format!("{l}\n")).collect();
        assert_eq!(read(at_cap.as_bytes(), small()).unwrap().rows.len(), 10, "exactly the cap is fine");
    }

    #[test]
    fn an_xlsx_with_too_many_rows_stops_reading_at_the_cap() {
        let rows: Vec<Vec<String>> = (0..50).map(|i| vec![format!("学员{i}"), format!("1380000{i:04}")]).collect();
        too_large(read(&xlsx(&["姓名", "手机号"], &rows), small()));
    }

    #[test]
    fn a_value_beyond_the_column_cap_or_a_too_long_cell_is_refused() {
        let wide = format!("姓名{}\n张三\n", ",".repeat(5) + "备注");
        assert!(too_large(read(wide.as_bytes(), small())).contains("第 1 行第 6 列"));
        let long = format!("姓名\n{}\n", "长".repeat(21));
        assert!(too_large(read(long.as_bytes(), small())).contains("第 2 行第 1 列的内容超过 20 个字"));
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

    proptest::proptest! {
        #[test]
        fn any_bytes_are_read_or_refused_within_the_caps(bytes in proptest::collection::vec(proptest::num::u8::ANY, 0..4096)) {
            if let Ok(sheet) = read(&bytes, small()) {
                proptest::prop_assert!(sheet.rows.len() <= 10);
                for (_, cells) in std::iter::once(&(0, sheet.headers.clone())).chain(&sheet.rows) {
                    proptest::prop_assert!(cells.len() <= 5.max(sheet.headers.len()));
                    proptest::prop_assert!(cells.iter().all(|c| c.chars().count() <= 20 && !c.contains('\0')));
                }
            }
        }

        #[test]
        fn any_csv_text_is_read_or_refused(text in "[a-z0-9,\"\n\r 张三\u{0}-]{0,400}") {
            let _ = read(text.as_bytes(), small());
        }
    }
}
