//! Reading a roster spreadsheet: Chinese headers as training bases use them, a report line for every bad row.

use std::collections::HashMap;

use serde::Serialize;

use super::model::{PersonFields, RawPerson};
use crate::tabular::Sheet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Name,
    Gender,
    Phone,
    Unit,
    Post,
    Rank,
    StudentNo,
    Ignored,
}

/// Header spellings seen in training bases' spreadsheets.
const HEADERS: &[(&str, Field)] = &[
    ("姓名", Field::Name),
    ("性别", Field::Gender),
    ("手机号", Field::Phone),
    ("手机", Field::Phone),
    ("手机号码", Field::Phone),
    ("联系电话", Field::Phone),
    ("单位", Field::Unit),
    ("工作单位", Field::Unit),
    ("选派单位", Field::Unit),
    ("职务", Field::Post),
    ("职级", Field::Rank),
    ("学号", Field::StudentNo),
    ("序号", Field::Ignored),
    ("备注", Field::Ignored),
];

const REQUIRED: &[(Field, &str)] = &[(Field::Name, "姓名"), (Field::Phone, "手机号"), (Field::Unit, "单位")];

/// One problem in the file: the spreadsheet row (1 = the header row), the column, and why, in Chinese.
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

/// The good rows, and a report line for each bad one.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<(usize, PersonFields)>,
    pub errors: Vec<RowError>,
    pub total_rows: usize,
}

pub fn parse(sheet: &Sheet) -> Parsed {
    let mut parsed = Parsed { total_rows: sheet.rows.len(), ..Parsed::default() };
    let header_row = sheet.rows.first().map(|(n, _)| n.saturating_sub(1)).unwrap_or(1).max(1);
    let mut columns: HashMap<Field, usize> = HashMap::new();
    for (i, header) in sheet.headers.iter().enumerate() {
        if header.is_empty() {
            continue;
        }
        match HEADERS.iter().find(|(name, _)| name == header) {
            Some((_, field)) if columns.contains_key(field) && *field != Field::Ignored => {
                parsed.errors.push(RowError::new(header_row, header, format!("表头“{header}”重复")))
            }
            Some((_, field)) => {
                columns.insert(*field, i);
            }
            None => parsed.errors.push(RowError::new(
                header_row,
                header,
                format!("无法识别的表头“{header}”，可用表头：姓名、性别、手机号、单位、职务、职级、学号"),
            )),
        }
    }
    for (field, name) in REQUIRED {
        if !columns.contains_key(field) {
            parsed.errors.push(RowError::new(header_row, name, format!("缺少必填列“{name}”")));
        }
    }
    if !parsed.errors.is_empty() {
        return parsed;
    }
    let col = |f: Field| columns.get(&f).copied();
    let mut phones: HashMap<String, usize> = HashMap::new();
    let mut student_nos: HashMap<String, usize> = HashMap::new();
    for (row, cells) in &sheet.rows {
        let raw = RawPerson {
            name: Sheet::cell(cells, col(Field::Name)),
            gender: Sheet::cell(cells, col(Field::Gender)),
            phone: Sheet::cell(cells, col(Field::Phone)),
            unit: Sheet::cell(cells, col(Field::Unit)),
            post: Sheet::cell(cells, col(Field::Post)),
            rank: Sheet::cell(cells, col(Field::Rank)),
            student_no: Sheet::cell(cells, col(Field::StudentNo)),
        };
        let fields = match PersonFields::parse(&raw) {
            Ok(f) => f,
            Err((field, err)) => {
                parsed.errors.push(RowError::new(*row, field, err.message.to_string()));
                continue;
            }
        };
        let first_phone = *phones.entry(fields.phone.as_ref().to_owned()).or_insert(*row);
        if first_phone != *row {
            parsed.errors.push(RowError::new(*row, "手机号", format!("手机号与第 {first_phone} 行重复")));
            continue;
        }
        if let Some(no) = &fields.student_no {
            let first_no = *student_nos.entry(no.clone()).or_insert(*row);
            if first_no != *row {
                parsed.errors.push(RowError::new(*row, "学号", format!("学号与第 {first_no} 行重复")));
                continue;
            }
        }
        parsed.rows.push((*row, fields));
    }
    parsed
}
