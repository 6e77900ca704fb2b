//! Reading a meeting platform's attendance export into viewers: who (the name as the platform shows it, a phone
//! number if any), when (join intervals), and the platform's own total.
//!
//! The layouts read (by their header row, found wherever it is in the first rows of the sheet):
//! - 腾讯会议 成员参会概况: a title block, then 用户昵称（入会昵称）| 首次入会时间 | 最后退会时间 | 入会次数 |
//!   累计参会时长 (H:MM:SS) | 身份; one row per person.
//! - 腾讯会议 成员观看明细 / 参会成员明细, and our own template: one row per join, with 入会时间 and 退会时间 (the
//!   template: 手机号 or 姓名, 入会时间, 退会时间).
//! - 钉钉直播 viewer lists: 姓名 (or 昵称) and 观看时长, no times.
//!
//! Times may be full (`2026-12-03 08:58:12`, `2026/12/3 8:58`, `2026年12月3日 8:58`) or times of day on the
//! session's date; a leave earlier than its join on the same date is on the next day (a class across midnight).

use std::collections::HashMap;

use chrono::{DateTime, Duration, NaiveDate, NaiveDateTime, NaiveTime, Utc};
use serde::Serialize;

use super::watch::Interval;
use crate::tabular::{RowError, Sheet};

/// Which platform's layout the file has (as far as its headers tell).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Layout {
    /// 腾讯会议, one row per person (first join, last leave, joins, total).
    TencentSummary,
    /// One row per join (腾讯会议's detail sheet, or our template).
    Joins,
    /// A duration per viewer, no times (钉钉直播).
    Durations,
}

impl Layout {
    pub fn label(self) -> &'static str {
        match self {
            Layout::TencentSummary => "腾讯会议参会概况",
            Layout::Joins => "逐次入会记录",
            Layout::Durations => "观看时长名单",
        }
    }
}

/// One person as the export shows them (several rows of the same name and phone are one viewer).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Viewer {
    /// The name cell as written (`会中名(昵称)` and all).
    pub name: String,
    pub phone: Option<String>,
    /// Exact join intervals, when the export gives them.
    #[serde(skip)]
    pub intervals: Vec<Interval>,
    /// Only a span is known (first join to last leave, several joins in between): the total bounds the time in it.
    #[serde(skip)]
    pub span: Option<Interval>,
    /// The platform's own total (累计参会时长, 观看时长), kept beside ours.
    pub platform_seconds: Option<i64>,
    /// The spreadsheet rows this viewer came from.
    pub rows: Vec<usize>,
}

/// What a file yielded.
#[derive(Debug, Clone)]
pub struct Export {
    pub layout: Layout,
    pub viewers: Vec<Viewer>,
    pub errors: Vec<RowError>,
}

#[derive(Default)]
struct Columns {
    name: Option<usize>,
    phone: Option<usize>,
    join: Option<usize>,
    leave: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    joins: Option<usize>,
    total: Option<usize>,
    /// The total is a number of minutes (`观看时长（分钟）`) or seconds (`秒`) rather than H:MM:SS.
    total_unit_seconds: Option<i64>,
}

/// Header text without spaces, brackets unified to ASCII.
fn norm(header: &str) -> String {
    header
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '（' => '(',
            '）' => ')',
            c => c,
        })
        .collect()
}

fn columns(headers: &[String]) -> Columns {
    let mut c = Columns::default();
    for (i, h) in headers.iter().enumerate() {
        let h = norm(h);
        let set = |slot: &mut Option<usize>| {
            if slot.is_none() {
                *slot = Some(i);
            }
        };
        if h.starts_with("首次入会") || h.starts_with("首次进入") {
            set(&mut c.first);
        } else if h.starts_with("最后退会") || h.starts_with("最后离开") || h.starts_with("最后退出") {
            set(&mut c.last);
        } else if h.starts_with("入会时间") || h.starts_with("加入时间") || h.starts_with("进入时间") {
            set(&mut c.join);
        } else if h.starts_with("退会时间") || h.starts_with("离开时间") || h.starts_with("退出时间") {
            set(&mut c.leave);
        } else if h.starts_with("入会次数") || h.starts_with("进入次数") {
            set(&mut c.joins);
        } else if h.starts_with("累计参会时长")
            || h.starts_with("参会时长")
            || h.starts_with("观看时长")
            || h.starts_with("累计观看时长")
        {
            set(&mut c.total);
            if h.contains("分钟") {
                c.total_unit_seconds = Some(60);
            } else if h.contains("(秒)") {
                c.total_unit_seconds = Some(1);
            }
        } else if h.starts_with("手机") || h.starts_with("电话") || h.starts_with("联系电话") {
            set(&mut c.phone);
        } else if h.starts_with("用户昵称")
            || h.starts_with("姓名")
            || h.starts_with("昵称")
            || h.starts_with("参会者")
            || h.starts_with("观众")
            || h.starts_with("学员姓名")
            || h.starts_with("用户名")
        {
            set(&mut c.name);
        }
    }
    c
}

impl Columns {
    fn layout(&self) -> Option<Layout> {
        let who = self.name.is_some() || self.phone.is_some();
        if !who {
            return None;
        }
        if self.join.is_some() && self.leave.is_some() {
            Some(Layout::Joins)
        } else if self.first.is_some() && (self.last.is_some() || self.total.is_some()) {
            Some(Layout::TencentSummary)
        } else if self.total.is_some() {
            Some(Layout::Durations)
        } else {
            None
        }
    }
}

/// Where the header row may be: a 腾讯会议 workbook has its title block above it (row 9).
const HEADER_SEARCH_ROWS: usize = 30;

/// The hint shown when no header row is found.
pub const LAYOUT_HINT: &str =
    "未识别表头：请上传腾讯会议导出的参会明细、钉钉直播观看名单，或使用模板（姓名或手机号、入会时间、退会时间）";

/// Reads `rows` (every non-empty row of the sheet, header included, with spreadsheet row numbers). Times of day
/// are on `date` (China time). `None` when no known header row is found.
pub fn read(rows: &[(usize, Vec<String>)], date: NaiveDate) -> Option<Export> {
    let (at, layout, cols) = rows.iter().take(HEADER_SEARCH_ROWS).enumerate().find_map(|(i, (_, cells))| {
        let cols = columns(cells);
        cols.layout().map(|l| (i, l, cols))
    })?;
    let mut viewers: Vec<Viewer> = Vec::new();
    let mut index: HashMap<(String, Option<String>), usize> = HashMap::new();
    let mut errors = Vec::new();
    let cell = |cells: &[String], c: Option<usize>| -> String {
        c.and_then(|c| cells.get(c)).map(|s| s.trim().to_owned()).unwrap_or_default()
    };
    for (row, cells) in &rows[at + 1..] {
        let name = cell(cells, cols.name);
        let phone = crate::online::matching::phone_in(&cell(cells, cols.phone))
            .or_else(|| if cols.phone.is_none() { crate::online::matching::phone_in(&name) } else { None });
        if name.is_empty() && phone.is_none() {
            continue;
        }
        // 腾讯会议 ends its sheet with notes: a row without any time or duration is not a viewer.
        if [cols.join, cols.leave, cols.first, cols.last, cols.total].iter().all(|c| cell(cells, *c).is_empty()) {
            continue;
        }
        let (mut interval, mut span, mut total) = (None, None, None);
        match layout {
            Layout::Joins => {
                let (join, leave) = (cell(cells, cols.join), cell(cells, cols.leave));
                match (parse_time(&join, date), parse_time(&leave, date)) {
                    (Some(from), Some(to)) => {
                        let to = if to < from && !has_date(&leave) { to + Duration::days(1) } else { to };
                        interval = Some(Interval { from, to });
                    }
                    _ => {
                        errors.push(RowError::new(
                            *row,
                            "入会时间",
                            format!("入会或退会时间无法识别（{join} / {leave}）"),
                        ));
                        continue;
                    }
                }
            }
            Layout::TencentSummary => {
                let first = parse_time(&cell(cells, cols.first), date);
                let last = parse_time(&cell(cells, cols.last), date).map(|to| match first {
                    Some(from) if to < from && !has_date(&cell(cells, cols.last)) => to + Duration::days(1),
                    _ => to,
                });
                total = parse_duration(&cell(cells, cols.total), cols.total_unit_seconds);
                let joins: Option<u32> = cell(cells, cols.joins).parse().ok();
                match (first, last) {
                    (Some(from), Some(to)) if joins.is_none_or(|n| n <= 1) => interval = Some(Interval { from, to }),
                    (Some(from), Some(to)) => span = Some(Interval { from, to }),
                    _ if total.is_some() => {}
                    _ => {
                        errors.push(RowError::new(*row, "首次入会时间", "没有可识别的入会时间或参会时长"));
                        continue;
                    }
                }
            }
            Layout::Durations => match parse_duration(&cell(cells, cols.total), cols.total_unit_seconds) {
                Some(t) => total = Some(t),
                None => {
                    errors.push(RowError::new(
                        *row,
                        "观看时长",
                        format!("观看时长无法识别（{}）", cell(cells, cols.total)),
                    ));
                    continue;
                }
            },
        }
        let key = (name.clone(), phone.clone());
        let at = *index.entry(key).or_insert_with(|| {
            viewers.push(Viewer {
                name,
                phone,
                intervals: Vec::new(),
                span: None,
                platform_seconds: None,
                rows: Vec::new(),
            });
            viewers.len() - 1
        });
        let v = &mut viewers[at];
        v.rows.push(*row);
        v.intervals.extend(interval);
        if let Some(s) = span {
            v.span = Some(match v.span {
                Some(old) => Interval { from: old.from.min(s.from), to: old.to.max(s.to) },
                None => s,
            });
        }
        if let Some(t) = total {
            v.platform_seconds = Some(v.platform_seconds.unwrap_or(0) + t);
        }
    }
    Some(Export { layout, viewers, errors })
}

/// Reads a workbook whose sheets may hold a summary and the per-join detail (腾讯会议 exports 成员参会概况 and a
/// detail sheet of each join). The summary is the list of viewers; a viewer the detail lists gets its exact joins
/// from it (which merge exactly, where the summary only gives a span and a total), keeping the platform's total; a
/// viewer only in the detail is added. Without a summary, the first sheet that reads as an export. `None` when no
/// sheet does.
pub fn read_workbook(sheets: &[(String, Sheet)], date: NaiveDate) -> Option<Export> {
    let mut exports: Vec<Export> = sheets
        .iter()
        .filter_map(|(_, sheet)| {
            let mut rows = Vec::with_capacity(sheet.rows.len() + 1);
            rows.push((sheet.header_row, sheet.headers.clone()));
            rows.extend(sheet.rows.iter().cloned());
            read(&rows, date)
        })
        .filter(|e| !e.viewers.is_empty() || !e.errors.is_empty())
        .collect();
    let Some(summary) = exports.iter().position(|e| e.layout != Layout::Joins) else {
        return (!exports.is_empty()).then(|| exports.swap_remove(0));
    };
    let mut chosen = exports.remove(summary);
    let Some(detail) = exports.into_iter().find(|e| e.layout == Layout::Joins) else { return Some(chosen) };
    chosen.errors.extend(detail.errors);
    let index: HashMap<(String, Option<String>), usize> =
        chosen.viewers.iter().enumerate().map(|(i, v)| ((v.name.clone(), v.phone.clone()), i)).collect();
    for joins in detail.viewers {
        match index.get(&(joins.name.clone(), joins.phone.clone())) {
            Some(&i) => {
                let v = &mut chosen.viewers[i];
                v.intervals = joins.intervals;
                v.span = None;
            }
            None => chosen.viewers.push(joins),
        }
    }
    Some(chosen)
}

fn has_date(text: &str) -> bool {
    text.contains('-') || text.contains('/') || text.contains('年')
}

/// A time as exports write it; a time of day is on `date`.
pub fn parse_time(text: &str, date: NaiveDate) -> Option<DateTime<Utc>> {
    let t = text.trim().replace(['年', '月'], "-").replace('日', " ").replace('/', "-").replace('T', " ");
    let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
    if t.is_empty() {
        return None;
    }
    let local = ["%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S%.f"]
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&t, f).ok())
        .or_else(|| {
            ["%H:%M:%S", "%H:%M"]
                .iter()
                .find_map(|f| NaiveTime::parse_from_str(&t, f).ok())
                .map(|time| date.and_time(time))
        })?;
    Some(crate::clock::from_local(local.date(), local.time()))
}

/// A duration in seconds: `1:23:45`, `83:20` (H:MM is what a spreadsheet shows for a time cell, so two parts are
/// hours and minutes), `1小时23分45秒`, `83分钟`, or a bare number in `unit_seconds` (minutes when unknown).
pub fn parse_duration(text: &str, unit_seconds: Option<i64>) -> Option<i64> {
    let t: String = text.trim().chars().filter(|c| !c.is_whitespace()).collect();
    if t.is_empty() {
        return None;
    }
    if t.contains(':') {
        let parts: Vec<&str> = t.split(':').collect();
        let nums: Option<Vec<i64>> = parts.iter().map(|p| p.parse::<i64>().ok().filter(|n| *n >= 0)).collect();
        return match nums?.as_slice() {
            [h, m, s] if *m < 60 && *s < 60 => Some(h * 3600 + m * 60 + s),
            [h, m] if *m < 60 => Some(h * 3600 + m * 60),
            _ => None,
        };
    }
    if let Ok(n) = t.parse::<f64>() {
        return (n >= 0.0 && n.is_finite()).then(|| (n * unit_seconds.unwrap_or(60) as f64).round() as i64);
    }
    // 1小时23分45秒, 1时23分, 83分钟, 45秒
    let mut total = 0i64;
    let mut number = String::new();
    let mut any = false;
    let mut chars = t.chars().peekable();
    while let Some(c) = chars.next() {
        if c.is_ascii_digit() {
            number.push(c);
            continue;
        }
        let unit = match c {
            '小' if chars.peek() == Some(&'时') => {
                chars.next();
                3600
            }
            '时' => 3600,
            '分' => {
                if chars.peek() == Some(&'钟') {
                    chars.next();
                }
                60
            }
            '秒' => 1,
            _ => return None,
        };
        let n: i64 = number.parse().ok()?;
        number.clear();
        total += n * unit;
        any = true;
    }
    (any && number.is_empty()).then_some(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn date() -> NaiveDate {
        NaiveDate::from_ymd_opt(2026, 12, 3).unwrap()
    }

    fn at(h: u32, m: u32, s: u32) -> DateTime<Utc> {
        crate::clock::from_local(date(), NaiveTime::from_hms_opt(h, m, s).unwrap())
    }

    fn fixture(name: &str) -> Vec<(usize, Vec<String>)> {
        let path = format!("{}/tests/fixtures/online/{name}", env!("CARGO_MANIFEST_DIR"));
        let sheet = crate::tabular::read(&std::fs::read(path).unwrap(), crate::tabular::Limits::default()).unwrap();
        let mut rows = vec![(sheet.header_row, sheet.headers)];
        rows.extend(sheet.rows);
        rows
    }

    fn minutes(v: &Viewer) -> i64 {
        v.intervals.iter().map(|i| (i.to - i.from).num_minutes()).sum()
    }

    #[test]
    fn a_tencent_meeting_workbook_with_its_title_block_is_read_per_person() {
        let e = read(&fixture("tencent-meeting-attendance.xlsx"), date()).expect("header on row 9 found");
        assert_eq!(e.layout, Layout::TencentSummary);
        assert!(e.errors.is_empty(), "{:?}", e.errors);
        let names: Vec<&str> = e.viewers.iter().map(|v| v.name.as_str()).collect();
        assert_eq!(names, ["主持人-教务处", "李娜（市发改委）", "小王(王芳)", "赵强", "张伟", "13700137000", "iPhone"]);
        let li = &e.viewers[1];
        assert_eq!(li.intervals, vec![Interval { from: at(8, 58, 2), to: at(10, 30, 11) }], "Excel date cells");
        assert_eq!(li.platform_seconds, Some(5529), "1:32:09");
        assert_eq!(li.rows, vec![11]);
        let wang = &e.viewers[2];
        assert_eq!(wang.intervals[0].from, at(9, 7, 40), "text cells");
        let zhao = &e.viewers[3];
        assert!(zhao.intervals.is_empty(), "three joins: only the span is known");
        assert_eq!(zhao.span, Some(Interval { from: at(8, 59, 30), to: at(10, 30, 0) }));
        assert_eq!(zhao.platform_seconds, Some(3912));
        assert_eq!(e.viewers[5].phone.as_deref(), Some("13700137000"), "a phone as the nickname");
    }

    #[test]
    fn the_detail_sheet_of_a_tencent_workbook_gives_its_viewers_their_exact_joins() {
        let bytes = std::fs::read(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/tests/fixtures/online/tencent-meeting-attendance.xlsx"
        ))
        .unwrap();
        let sheets = crate::tabular::read_sheets(&bytes, crate::tabular::Limits::default()).unwrap();
        assert_eq!(sheets.len(), 2, "成员参会概况 and 成员观看明细");
        let e = read_workbook(&sheets, date()).unwrap();
        assert_eq!(e.layout, Layout::TencentSummary, "the summary lists the viewers");
        assert_eq!(e.viewers.len(), 7, "nobody lost or added: the detail lists only 赵强");
        let zhao = e.viewers.iter().find(|v| v.name == "赵强").unwrap();
        assert_eq!(zhao.span, None);
        assert_eq!(
            zhao.intervals,
            vec![
                Interval { from: at(8, 59, 30), to: at(9, 20, 0) },
                Interval { from: at(9, 45, 0), to: at(10, 5, 0) },
                Interval { from: at(10, 5, 18), to: at(10, 30, 0) },
            ]
        );
        assert_eq!(zhao.platform_seconds, Some(3912), "the platform's total is kept beside ours");
        let li = e.viewers.iter().find(|v| v.name.starts_with("李娜")).unwrap();
        assert_eq!(li.intervals, vec![Interval { from: at(8, 58, 2), to: at(10, 30, 11) }], "from the summary");
        // A detail sheet alone reads as joins.
        let e = read_workbook(&sheets[1..], date()).unwrap();
        assert_eq!((e.layout, e.viewers.len()), (Layout::Joins, 1));
    }

    #[test]
    fn a_dingtalk_viewer_list_saved_as_gbk_csv_gives_durations() {
        let e = read(&fixture("dingtalk-live-viewers-gbk.csv"), date()).unwrap();
        assert_eq!(e.layout, Layout::Durations);
        let got: Vec<(&str, Option<i64>)> = e.viewers.iter().map(|v| (v.name.as_str(), v.platform_seconds)).collect();
        assert_eq!(got, [("李娜", Some(5100)), ("王芳", Some(2880)), ("赵强", Some(5470))]);
    }

    #[test]
    fn the_template_groups_joins_per_person_and_crosses_midnight() {
        let e = read(&fixture("template-across-midnight.csv"), date()).unwrap();
        assert_eq!(e.layout, Layout::Joins);
        assert_eq!(e.viewers.len(), 2);
        let zhang = &e.viewers[0];
        assert_eq!((zhang.phone.as_deref(), zhang.rows.clone()), (Some("13800138000"), vec![2, 3]));
        assert_eq!(zhang.intervals[1], Interval { from: at(23, 45, 0), to: at(0, 40, 0) + Duration::days(1) });
        assert_eq!(minutes(zhang), 30 + 55, "two rows; the overlap is merged later, not here");
        assert_eq!(minutes(&e.viewers[1]), 34, "23:31 to 00:05 the next day");
    }

    #[test]
    fn a_file_without_a_known_header_is_not_guessed() {
        let rows = vec![(1, vec!["序号".to_owned(), "备注".to_owned()]), (2, vec!["1".to_owned(), "x".to_owned()])];
        assert!(read(&rows, date()).is_none());
        let rows = vec![
            (1, vec!["姓名".to_owned(), "入会时间".to_owned(), "退会时间".to_owned()]),
            (2, vec!["李娜".to_owned(), "九点".to_owned(), "10:00".to_owned()]),
        ];
        let e = read(&rows, date()).unwrap();
        assert!(e.viewers.is_empty());
        assert_eq!(e.errors[0].row, 2);
    }

    #[test]
    fn times_and_durations_in_the_forms_exports_write() {
        for text in
            ["2026-12-03 08:58:12", "2026/12/3 8:58:12", "2026年12月3日 08:58:12", "08:58:12", "2026-12-03T08:58:12"]
        {
            assert_eq!(parse_time(text, date()), Some(at(8, 58, 12)), "{text}");
        }
        assert_eq!(parse_time("8:58", date()), Some(at(8, 58, 0)));
        assert_eq!(parse_time("明天", date()), None);
        assert_eq!(parse_duration("1:23:45", None), Some(5025));
        assert_eq!(parse_duration("0:05:00", None), Some(300));
        assert_eq!(parse_duration("01:23", None), Some(4980), "H:MM, as a spreadsheet shows a time cell");
        assert_eq!(parse_duration("1小时23分45秒", None), Some(5025));
        assert_eq!(parse_duration("83分钟", None), Some(4980));
        assert_eq!(parse_duration("45秒", None), Some(45));
        assert_eq!(parse_duration("83", None), Some(4980), "a bare number is minutes");
        assert_eq!(parse_duration("4980", Some(1)), Some(4980));
        assert_eq!(parse_duration("1:75:00", None), None);
        assert_eq!(parse_duration("很久", None), None);
    }
}
