//! Reports to sending units (选派单位): each of the unit's trainees with their attendance, 学时, discipline and
//! completion decision with reasons; and the class summary (attendance rate per session and per trainee). XLSX,
//! PDF and CSV (with a BOM, for Excel).

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use printpdf::{ParsedFont, PdfDocument};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::attendance::model::Tally;
use crate::certificate::decision::{self, CompletionEntry};
use crate::completion::standing::trim_centi;
use crate::entity::{attendance, class_session, discipline_record, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pdf::{LEFT, Writer};
use crate::tabular::{OutSheet, write_csv, write_xlsx_sheets};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct UnitSummary {
    pub unit: String,
    pub trainees: u32,
    pub eligible: u32,
    pub withheld: u32,
}

/// The units of a class with their numbers, by name.
pub async fn units(db: &DatabaseConnection, class: &training_class::Model) -> AppResult<Vec<UnitSummary>> {
    let mut by_unit: BTreeMap<String, UnitSummary> = BTreeMap::new();
    for e in decision::list(db, class).await? {
        let s = by_unit.entry(e.unit.clone()).or_insert_with(|| UnitSummary {
            unit: e.unit.clone(),
            trainees: 0,
            eligible: 0,
            withheld: 0,
        });
        s.trainees += 1;
        match e.status {
            crate::certificate::CompletionStatus::Eligible => s.eligible += 1,
            crate::certificate::CompletionStatus::Withheld => s.withheld += 1,
        }
    }
    Ok(by_unit.into_values().collect())
}

/// One unit's report.
pub struct UnitReport {
    pub class: training_class::Model,
    pub unit: String,
    pub entries: Vec<CompletionEntry>,
    /// Standing discipline records per enrolment, as one line each.
    pub discipline: HashMap<Uuid, Vec<String>>,
    pub generated_at: DateTime<Utc>,
}

pub const UNIT_HEADERS: &[&str] = &[
    "序号",
    "姓名",
    "学号",
    "课程数",
    "出勤",
    "迟到",
    "早退",
    "请假",
    "旷课",
    "获得学时",
    "请假学时",
    "违纪情况",
    "结业审核",
    "原因",
];

pub async fn unit_report(
    db: &DatabaseConnection,
    class: &training_class::Model,
    unit: &str,
    now: DateTime<Utc>,
) -> AppResult<UnitReport> {
    let entries: Vec<CompletionEntry> =
        decision::list(db, class).await?.into_iter().filter(|e| e.unit == unit.trim()).collect();
    if entries.is_empty() {
        return Err(AppError::with_message(ErrorCode::NotFound, "本班没有该单位的学员"));
    }
    let mut discipline: HashMap<Uuid, Vec<String>> = HashMap::new();
    for r in discipline_record::Entity::find()
        .filter(discipline_record::Column::ClassId.eq(class.id))
        .filter(discipline_record::Column::AnnulledAt.is_null())
        .filter(discipline_record::Column::EnrollmentId.is_in(entries.iter().map(|e| e.enrollment_id)))
        .order_by_asc(discipline_record::Column::OccurredAt)
        .all(db)
        .await?
    {
        let category = r.category.label();
        let severity = r.severity.label();
        let date = r.occurred_at.with_timezone(&crate::clock::china()).format("%-m月%-d日");
        discipline.entry(r.enrollment_id).or_default().push(format!("{date} {category}（{severity}）"));
    }
    Ok(UnitReport { class: class.clone(), unit: unit.trim().to_owned(), entries, discipline, generated_at: now })
}

impl UnitReport {
    pub fn rows(&self) -> Vec<Vec<String>> {
        self.entries
            .iter()
            .enumerate()
            .map(|(i, e)| {
                let f = &e.facts;
                let mut row = vec![
                    (i + 1).to_string(),
                    e.name.clone(),
                    e.student_no.clone().unwrap_or_default(),
                    f.sessions.to_string(),
                ];
                row.extend(f.tally().cells());
                row.extend([
                    trim_centi(f.attended_centi),
                    trim_centi(f.leave_centi),
                    self.discipline.get(&e.enrollment_id).map(|d| d.join("；")).unwrap_or_else(|| "无".to_owned()),
                    e.status_label.clone(),
                    e.reasons.iter().map(|r| r.message.as_str()).collect::<Vec<_>>().join("；"),
                ]);
                row
            })
            .collect()
    }

    fn title(&self) -> String {
        format!("{}学员培训情况报告", self.class.name)
    }

    pub fn xlsx(&self) -> AppResult<Vec<u8>> {
        let rows = self.rows();
        write_xlsx_sheets(&[OutSheet { name: "学员培训情况", headers: UNIT_HEADERS, rows: &rows }])
    }

    pub fn csv(&self) -> AppResult<Vec<u8>> {
        write_csv(UNIT_HEADERS, &self.rows())
    }

    /// An A4 letter to the unit: the table, then each trainee's details.
    pub fn pdf(&self, font: &ParsedFont) -> Vec<u8> {
        let mut doc = PdfDocument::new(&self.title());
        let font_id = doc.add_font(font);
        let mut w = Writer::new(font_id);
        let c = &self.class;
        w.row(17.0, &[(LEFT, self.title())]);
        w.row(11.0, &[(LEFT, format!("致：{}", self.unit))]);
        w.row(
            10.0,
            &[(
                LEFT,
                format!(
                    "培训班编号 {}    培训时间 {} 至 {}    本单位参训学员 {} 人",
                    c.code,
                    c.start_date.format("%Y年%-m月%-d日"),
                    c.end_date.format("%Y年%-m月%-d日"),
                    self.entries.len()
                ),
            )],
        );
        w.gap(3.0);
        let columns = [0.0, 20.0, 38.0, 52.0, 64.0, 76.0, 88.0, 100.0, 116.0, 136.0];
        let header = ["姓名", "课程数", "出勤", "迟到", "早退", "请假", "旷课", "获得学时", "请假学时", "结业审核"];
        w.row(10.0, &columns.iter().zip(header).map(|(x, h)| (LEFT + x, h.to_owned())).collect::<Vec<_>>());
        for e in &self.entries {
            let f = &e.facts;
            let mut cells = vec![e.name.clone(), f.sessions.to_string()];
            cells.extend(f.tally().cells());
            cells.extend([trim_centi(f.attended_centi), trim_centi(f.leave_centi), e.status_label.clone()]);
            w.row(10.0, &columns.iter().zip(cells).map(|(x, v)| (LEFT + x, v)).collect::<Vec<_>>());
        }
        w.gap(4.0);
        w.row(12.0, &[(LEFT, "违纪与结业审核说明".to_owned())]);
        let mut any = false;
        for e in &self.entries {
            let records = self.discipline.get(&e.enrollment_id);
            if e.reasons.is_empty() && records.is_none() {
                continue;
            }
            any = true;
            w.row(10.0, &[(LEFT + 2.0, format!("{}：{}", e.name, e.status_label))]);
            if let Some(records) = records {
                for r in records {
                    w.row(9.5, &[(LEFT + 8.0, format!("违纪：{r}"))]);
                }
            }
            for r in &e.reasons {
                for line in chunks(&r.message, 48) {
                    w.row(9.5, &[(LEFT + 8.0, line)]);
                }
            }
        }
        if !any {
            w.row(10.0, &[(LEFT + 2.0, "本单位学员均无违纪记录，均达到结业要求。".to_owned())]);
        }
        w.gap(8.0);
        let organiser = c.organiser.clone().unwrap_or_else(|| "培训基地".to_owned());
        w.row(11.0, &[(LEFT + 110.0, organiser)]);
        let date = self.generated_at.with_timezone(&crate::clock::china()).format("%Y年%-m月%-d日").to_string();
        w.row(11.0, &[(LEFT + 110.0, date)]);
        w.save(doc)
    }
}

fn chunks(text: &str, n: usize) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    chars.chunks(n.max(1)).map(|c| c.iter().collect()).collect()
}

/// The class summary: attendance rate per session and per trainee.
pub struct ClassSummary {
    pub sessions: Vec<Vec<String>>,
    pub trainees: Vec<Vec<String>>,
}

pub const SESSION_HEADERS: &[&str] =
    &["日期", "时间", "课程", "应到", "出勤", "迟到", "早退", "请假", "旷课", "出勤率"];
pub const TRAINEE_HEADERS: &[&str] =
    &["姓名", "单位", "已上课程", "出勤", "迟到", "早退", "请假", "旷课", "出勤率", "获得学时", "结业审核"];

fn rate(attended: u32, of: u32) -> String {
    if of == 0 { "-".to_owned() } else { format!("{:.1}%", f64::from(attended) * 100.0 / f64::from(of)) }
}

/// One held session of a class with its records counted (active trainees only).
pub struct SessionTally {
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The active roster: everyone is expected.
    pub expected: u64,
    pub tally: Tally,
}

/// The class's sessions that count and have started by `now`, in order, each with its records counted; and the
/// decisions of the class (which the counts follow: only active trainees).
pub async fn session_tallies(
    db: &DatabaseConnection,
    class: &training_class::Model,
    entries: &[CompletionEntry],
    now: DateTime<Utc>,
) -> AppResult<Vec<SessionTally>> {
    let sessions = class_session::Entity::find()
        .filter(class_session::Column::ClassId.eq(class.id))
        .filter(class_session::Column::CountsTowardAttendance.eq(true))
        .filter(class_session::Column::StartsAt.lte(now))
        .order_by_asc(class_session::Column::StartsAt)
        .all(db)
        .await?;
    let active: std::collections::HashSet<Uuid> = entries.iter().map(|e| e.enrollment_id).collect();
    let rows: Vec<(Uuid, Uuid, crate::attendance::model::AttendanceStatus)> = attendance::Entity::find()
        .select_only()
        .columns([attendance::Column::SessionId, attendance::Column::EnrollmentId, attendance::Column::Status])
        .filter(attendance::Column::SessionId.is_in(sessions.iter().map(|s| s.id)))
        .into_tuple()
        .all(db)
        .await?;
    let mut counts: HashMap<Uuid, Tally> = HashMap::new();
    for (session_id, enrollment_id, status) in rows {
        if active.contains(&enrollment_id) {
            counts.entry(session_id).or_default().add(status);
        }
    }
    Ok(sessions
        .into_iter()
        .map(|s| SessionTally {
            tally: counts.remove(&s.id).unwrap_or_default(),
            title: s.title,
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            expected: entries.len() as u64,
        })
        .collect())
}

pub async fn class_summary(
    db: &DatabaseConnection,
    class: &training_class::Model,
    now: DateTime<Utc>,
) -> AppResult<ClassSummary> {
    let entries = decision::list(db, class).await?;
    let sessions = session_tallies(db, class, &entries, now).await?;
    let china = crate::clock::china();
    let session_rows = sessions
        .iter()
        .map(|s| {
            let local = s.starts_at.with_timezone(&china);
            let mut row = vec![
                local.format("%Y-%m-%d").to_string(),
                format!("{}–{}", local.format("%H:%M"), s.ends_at.with_timezone(&china).format("%H:%M")),
                s.title.clone(),
                s.expected.to_string(),
            ];
            row.extend(s.tally.cells());
            row.push(rate(s.tally.attended() as u32, s.expected as u32));
            row
        })
        .collect();
    let held = sessions.len() as u32;
    let trainee_rows = entries
        .iter()
        .map(|e| {
            let f = &e.facts;
            let tally = f.tally();
            let mut row = vec![e.name.clone(), e.unit.clone(), held.to_string()];
            row.extend(tally.cells());
            row.extend([rate(tally.attended() as u32, held), trim_centi(f.attended_centi), e.status_label.clone()]);
            row
        })
        .collect();
    Ok(ClassSummary { sessions: session_rows, trainees: trainee_rows })
}

impl ClassSummary {
    pub fn xlsx(&self) -> AppResult<Vec<u8>> {
        write_xlsx_sheets(&[
            OutSheet { name: "按课程", headers: SESSION_HEADERS, rows: &self.sessions },
            OutSheet { name: "按学员", headers: TRAINEE_HEADERS, rows: &self.trainees },
        ])
    }
}
