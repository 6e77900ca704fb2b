//! Spreadsheets in and out: XLSX (calamine / rust_xlsxwriter) and CSV, as training bases make them. A CSV saved
//! by Chinese Excel is often GBK, not UTF-8; both are read. Exports are UTF-8 with a BOM so Excel opens them.

use std::collections::HashMap;
use std::hash::Hash;
use std::io::Cursor;

use calamine::{Data, Reader, Xlsx};
use serde::Serialize;

use crate::error::{AppError, AppResult, ErrorCode};

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

/// Reads an uploaded XLSX or CSV file (decided by content, not by name).
pub fn read(bytes: &[u8]) -> AppResult<Sheet> {
    let rows = if bytes.starts_with(b"PK\x03\x04") { read_xlsx(bytes)? } else { read_csv(bytes)? };
    let mut iter = rows.into_iter().enumerate().map(|(i, r)| (i + 1, r));
    let Some((header_row, headers)) = iter.find(|(_, r)| r.iter().any(|c| !c.trim().is_empty())) else {
        return Err(AppError::with_message(ErrorCode::FileUnreadable, "上传的文件是空的"));
    };
    let headers = headers.into_iter().map(|h| h.trim().trim_start_matches('\u{feff}').to_owned()).collect();
    let rows = iter.filter(|(_, r)| r.iter().any(|c| !c.trim().is_empty())).collect();
    Ok(Sheet { header_row, headers, rows })
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

/// The answer to a non-dry-run import of a file with errors: nothing was written, and the first few problems.
pub fn rejected(errors: &[RowError]) -> AppError {
    let first: Vec<String> =
        errors.iter().take(3).map(|e| format!("第 {} 行{}：{}", e.row, e.field, e.message)).collect();
    AppError::with_message(
        ErrorCode::ImportRejected,
        format!("文件中共有 {} 处错误，未导入任何数据。{}", errors.len(), first.join("；")),
    )
}

fn unreadable(e: impl std::fmt::Display) -> AppError {
    AppError::new(ErrorCode::FileUnreadable).caused_by(anyhow::anyhow!("{e}"))
}

fn read_xlsx(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    let mut workbook: Xlsx<_> = Xlsx::new(Cursor::new(bytes)).map_err(unreadable)?;
    let range = workbook
        .worksheet_range_at(0)
        .ok_or_else(|| AppError::with_message(ErrorCode::FileUnreadable, "表格中没有工作表"))?
        .map_err(unreadable)?;
    // Rows before the range's start (empty leading rows) still count for row numbers.
    let first_row = range.start().map(|(r, _)| r as usize).unwrap_or(0);
    let first_col = range.start().map(|(_, c)| c as usize).unwrap_or(0);
    let mut rows = vec![Vec::new(); first_row];
    for row in range.rows() {
        let mut cells = vec![String::new(); first_col];
        cells.extend(row.iter().map(cell_text));
        rows.push(cells);
    }
    Ok(rows)
}

/// A cell as the person typed it: whole numbers without `.0` (phone numbers are often stored as numbers),
/// dates as `YYYY-MM-DD`, times as `HH:MM`.
fn cell_text(cell: &Data) -> String {
    match cell {
        Data::Empty | Data::Error(_) => String::new(),
        Data::String(s) | Data::DateTimeIso(s) | Data::DurationIso(s) => s.clone(),
        Data::Int(i) => i.to_string(),
        Data::Float(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
        Data::Float(f) => f.to_string(),
        Data::Bool(b) => b.to_string(),
        Data::DateTime(dt) => {
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

fn read_csv(bytes: &[u8]) -> AppResult<Vec<Vec<String>>> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let text = match std::str::from_utf8(bytes) {
        Ok(t) => t.to_owned(),
        Err(_) => {
            let (decoded, _, had_errors) = encoding_rs::GBK.decode(bytes);
            if had_errors {
                return Err(AppError::with_message(
                    ErrorCode::FileUnreadable,
                    "文件编码无法识别，请另存为 UTF-8 CSV 或 xlsx",
                ));
            }
            decoded.into_owned()
        }
    };
    let mut reader = csv::ReaderBuilder::new().has_headers(false).flexible(true).from_reader(text.as_bytes());
    reader.records().map(|r| r.map(|rec| rec.iter().map(str::to_owned).collect()).map_err(unreadable)).collect()
}

/// CSV with a UTF-8 BOM, for Excel.
pub fn write_csv(headers: &[&str], rows: &[Vec<String>]) -> AppResult<Vec<u8>> {
    let mut out = b"\xEF\xBB\xBF".to_vec();
    {
        let mut writer = csv::Writer::from_writer(&mut out);
        writer.write_record(headers).map_err(AppError::internal)?;
        for row in rows {
            writer.write_record(row).map_err(AppError::internal)?;
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
        let sheet = read("\u{feff}姓名,手机号\n张三,13800138000\n,\n李四,13900139000\n".as_bytes()).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号"]);
        assert_eq!(sheet.rows.len(), 2);
        assert_eq!(sheet.rows[1].0, 4, "row numbers count the blank row");
    }

    #[test]
    fn gbk_csv_is_decoded() {
        let (gbk, _, _) = encoding_rs::GBK.encode("姓名,单位\n王五,市委组织部\n");
        let sheet = read(&gbk).unwrap();
        assert_eq!(sheet.rows[0].1, vec!["王五", "市委组织部"]);
    }

    #[test]
    fn an_xlsx_round_trips_through_the_writer_and_reader() {
        let bytes = write_xlsx("名单", &["姓名", "手机号"], &[vec!["赵六".into(), "13700137000".into()]]).unwrap();
        let sheet = read(&bytes).unwrap();
        assert_eq!(sheet.headers, vec!["姓名", "手机号"]);
        assert_eq!(sheet.rows, vec![(2, vec!["赵六".to_owned(), "13700137000".to_owned()])]);
    }

    #[test]
    fn an_empty_file_is_refused() {
        assert_eq!(read(b"").unwrap_err().code, ErrorCode::FileUnreadable);
    }
}
