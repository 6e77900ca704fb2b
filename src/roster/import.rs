//! Reading a roster spreadsheet: Chinese headers as training bases use them, a report line for every bad row.

use std::collections::HashMap;

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
}

/// Header spellings seen in training bases' spreadsheets; `None` columns are accepted and ignored.
const HEADERS: &[(&str, Option<Field>)] = &[
    ("姓名", Some(Field::Name)),
    ("性别", Some(Field::Gender)),
    ("手机号", Some(Field::Phone)),
    ("手机", Some(Field::Phone)),
    ("手机号码", Some(Field::Phone)),
    ("联系电话", Some(Field::Phone)),
    ("单位", Some(Field::Unit)),
    ("工作单位", Some(Field::Unit)),
    ("选派单位", Some(Field::Unit)),
    ("职务", Some(Field::Post)),
    ("职级", Some(Field::Rank)),
    ("学号", Some(Field::StudentNo)),
    ("序号", None),
    ("备注", None),
];

const REQUIRED: &[(Field, &str)] = &[(Field::Name, "姓名"), (Field::Phone, "手机号"), (Field::Unit, "单位")];

pub use crate::tabular::RowError;

/// The good rows, and a report line for each bad one.
#[derive(Debug, Default)]
pub struct Parsed {
    pub rows: Vec<(usize, PersonFields)>,
    pub errors: Vec<RowError>,
    pub total_rows: usize,
}

pub fn parse(sheet: &Sheet) -> Parsed {
    let mut parsed = Parsed { total_rows: sheet.rows.len(), ..Parsed::default() };
    let columns = match crate::tabular::columns(sheet, HEADERS, REQUIRED, "姓名、性别、手机号、单位、职务、职级、学号")
    {
        Ok(c) => c,
        Err(errors) => {
            parsed.errors = errors;
            return parsed;
        }
    };
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
