//! Reading a timetable spreadsheet: 日期, 开始时间, 结束时间, 课程名称, 类型, 学时, 地点, 授课教师, and optionally a geofence
//! (纬度, 经度, 半径, 坐标系).

use chrono::{NaiveDate, NaiveTime};

use super::model::{CoordSystem, Geofence, SessionInput, SessionKind};
use crate::clock::from_local;
use crate::tabular::RowError;
use crate::tabular::Sheet;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Date,
    Start,
    End,
    Title,
    Kind,
    Credit,
    Venue,
    Teacher,
    Lat,
    Lng,
    Radius,
    Coord,
}

const HEADERS: &[(&str, Option<Field>)] = &[
    ("日期", Some(Field::Date)),
    ("开始时间", Some(Field::Start)),
    ("结束时间", Some(Field::End)),
    ("课程名称", Some(Field::Title)),
    ("课程", Some(Field::Title)),
    ("内容", Some(Field::Title)),
    ("类型", Some(Field::Kind)),
    ("课程类型", Some(Field::Kind)),
    ("学时", Some(Field::Credit)),
    ("地点", Some(Field::Venue)),
    ("纬度", Some(Field::Lat)),
    ("经度", Some(Field::Lng)),
    ("半径", Some(Field::Radius)),
    ("半径（米）", Some(Field::Radius)),
    ("半径(米)", Some(Field::Radius)),
    ("坐标系", Some(Field::Coord)),
    ("序号", None),
    ("授课教师", Some(Field::Teacher)),
    ("授课人", Some(Field::Teacher)),
    ("主讲人", Some(Field::Teacher)),
    ("教师", Some(Field::Teacher)),
    ("备注", None),
];

const REQUIRED: &[(Field, &str)] = &[
    (Field::Date, "日期"),
    (Field::Start, "开始时间"),
    (Field::End, "结束时间"),
    (Field::Title, "课程名称"),
    (Field::Credit, "学时"),
];

pub struct Parsed {
    pub rows: Vec<(usize, SessionInput)>,
    pub errors: Vec<RowError>,
}

pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"].iter().find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

pub fn parse_time(s: &str) -> Option<NaiveTime> {
    let s = s.trim().replace('：', ":");
    ["%H:%M", "%H:%M:%S"].iter().find_map(|f| NaiveTime::parse_from_str(&s, f).ok())
}

pub fn parse(sheet: &Sheet) -> Parsed {
    let mut parsed = Parsed { rows: Vec::new(), errors: Vec::new() };
    let hint = "日期、开始时间、结束时间、课程名称、类型、学时、地点、纬度、经度、半径、坐标系";
    let columns = match crate::tabular::columns(sheet, HEADERS, REQUIRED, hint) {
        Ok(c) => c,
        Err(errors) => {
            parsed.errors = errors;
            return parsed;
        }
    };
    let col = |f: Field| columns.get(&f).copied();
    for (row, cells) in &sheet.rows {
        let cell = |f: Field| Sheet::cell(cells, col(f));
        match parse_row(&cell) {
            Ok(input) => parsed.rows.push((*row, input)),
            Err((field, message)) => parsed.errors.push(RowError::new(*row, field, message)),
        }
    }
    parsed
}

fn parse_row<'a>(cell: &dyn Fn(Field) -> &'a str) -> Result<SessionInput, (&'static str, String)> {
    let date = parse_date(cell(Field::Date)).ok_or(("日期", "日期格式应为 2026-11-26".to_owned()))?;
    let start = parse_time(cell(Field::Start)).ok_or(("开始时间", "时间格式应为 08:30".to_owned()))?;
    let end = parse_time(cell(Field::End)).ok_or(("结束时间", "时间格式应为 11:30".to_owned()))?;
    let kind = SessionKind::from_label(cell(Field::Kind))
        .ok_or(("类型", "类型应为 讲授、现场教学、研讨、在线直播、晨读/体育 或 其他".to_owned()))?;
    let credit: f64 = cell(Field::Credit).parse().map_err(|_| ("学时", "学时应为数字，如 3 或 0.5".to_owned()))?;
    let geo_cells = [cell(Field::Lat), cell(Field::Lng), cell(Field::Radius)];
    let geofence = if geo_cells.iter().all(|c| c.is_empty()) {
        None
    } else {
        let number = |s: &str| s.parse::<f64>().ok();
        let (Some(lat), Some(lng), Some(radius)) = (number(geo_cells[0]), number(geo_cells[1]), number(geo_cells[2]))
        else {
            return Err(("纬度", "签到范围须同时填写纬度、经度和半径（数字）".to_owned()));
        };
        let coord = match cell(Field::Coord).to_ascii_lowercase().replace('-', "").as_str() {
            "" | "gcj02" | "火星坐标" => CoordSystem::Gcj02,
            "wgs84" | "gps" => CoordSystem::Wgs84,
            _ => return Err(("坐标系", "坐标系应为 GCJ-02 或 WGS-84".to_owned())),
        };
        Some(Geofence { lat, lng, radius_m: radius.round() as i32, coord })
    };
    let venue = Some(cell(Field::Venue)).filter(|v| !v.is_empty()).map(str::to_owned);
    Ok(SessionInput {
        title: Some(cell(Field::Title).to_owned()),
        kind: Some(kind),
        starts_at: Some(from_local(date, start)),
        ends_at: Some(from_local(date, end)),
        credit_hours: Some(credit),
        venue: Some(venue),
        teacher: Some(Some(cell(Field::Teacher)).filter(|t| !t.is_empty()).map(str::to_owned)),
        geofence: Some(geofence),
        ..SessionInput::default()
    })
}
