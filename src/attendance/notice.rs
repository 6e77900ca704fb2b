//! The daily attendance notice (考勤公示): per class and day, each session's counts and, by name, who was late, left
//! early, was absent or on leave. Bases post it daily; the same data feeds the print page.

use std::collections::HashMap;

use chrono::{DateTime, NaiveDate, NaiveTime, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use super::model::{AttendanceStatus, Tally};
use crate::class::ClassScope;
use crate::clock::from_local;
use crate::entity::{attendance, class_session, leave_request, leave_request_session};
use crate::error::AppResult;
use crate::roster::service::all_active;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeSession {
    pub session_id: Uuid,
    pub title: String,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub expected: u64,
    pub present: u64,
    pub late: u64,
    pub early_leave: u64,
    pub leave: u64,
    pub absent: u64,
    pub not_yet: u64,
}

impl NoticeSession {
    fn set_tally(&mut self, t: Tally) {
        (self.present, self.late, self.early_leave, self.leave, self.absent) =
            (t.present, t.late, t.early_leave, t.leave, t.absent);
        self.not_yet = self.expected.saturating_sub(t.recorded());
    }

    pub fn tally(&self) -> Tally {
        Tally {
            present: self.present,
            late: self.late,
            early_leave: self.early_leave,
            leave: self.leave,
            absent: self.absent,
            exempt: 0,
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct NoticeLine {
    pub name: String,
    pub unit: String,
    pub session_title: String,
    pub starts_at: DateTime<Utc>,
    /// The reason of a staff correction, if any: for staff only, never on the posted notice (it may be health data).
    pub note: Option<String>,
    /// What the posted notice says about the line: the leave kind (病假, 事假, 公假) of an approved request for a
    /// 请假 line, otherwise nothing (the section already says 迟到, 早退 or 旷课).
    pub public_note: String,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct DailyNotice {
    pub class_id: Uuid,
    pub class_code: String,
    pub class_name: String,
    pub date: NaiveDate,
    pub sessions: Vec<NoticeSession>,
    pub late: Vec<NoticeLine>,
    pub early_leave: Vec<NoticeLine>,
    pub absent: Vec<NoticeLine>,
    pub leave: Vec<NoticeLine>,
}

pub async fn daily(db: &DatabaseConnection, scope: &ClassScope, date: NaiveDate) -> AppResult<DailyNotice> {
    let from = from_local(date, NaiveTime::MIN);
    let sessions = class_session::Entity::find()
        .filter(class_session::Column::ClassId.eq(scope.class.id))
        .filter(class_session::Column::StartsAt.gte(from))
        .filter(class_session::Column::StartsAt.lt(from + chrono::Duration::days(1)))
        .filter(class_session::Column::CountsTowardAttendance.eq(true))
        .order_by_asc(class_session::Column::StartsAt)
        .all(db)
        .await?;
    let roster = all_active(db, scope.class.id).await?;
    let people: HashMap<Uuid, (String, String)> =
        roster.iter().map(|(e, p)| (e.id, (p.name.clone(), p.unit.clone()))).collect();
    let rows = attendance::Entity::find()
        .filter(attendance::Column::SessionId.is_in(sessions.iter().map(|s| s.id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    let kinds = leave_kinds(db, &sessions).await?;
    let mut notice = DailyNotice {
        class_id: scope.class.id,
        class_code: scope.class.code.clone(),
        class_name: scope.class.name.clone(),
        date,
        sessions: Vec::new(),
        late: Vec::new(),
        early_leave: Vec::new(),
        absent: Vec::new(),
        leave: Vec::new(),
    };
    for s in &sessions {
        let mut line = NoticeSession {
            session_id: s.id,
            title: s.title.clone(),
            starts_at: s.starts_at,
            ends_at: s.ends_at,
            expected: people.len() as u64,
            present: 0,
            late: 0,
            early_leave: 0,
            leave: 0,
            absent: 0,
            not_yet: 0,
        };
        let mut tally = Tally::default();
        for r in rows.iter().filter(|r| r.session_id == s.id) {
            let Some((name, unit)) = people.get(&r.enrollment_id) else { continue };
            let entry = || NoticeLine {
                name: name.clone(),
                unit: unit.clone(),
                session_title: s.title.clone(),
                starts_at: s.starts_at,
                note: r.note.clone(),
                public_note: match r.status {
                    AttendanceStatus::Leave => {
                        kinds.get(&(s.id, r.enrollment_id)).copied().unwrap_or("请假").to_owned()
                    }
                    _ => String::new(),
                },
            };
            tally.add(r.status);
            match r.status {
                AttendanceStatus::Present | AttendanceStatus::Exempt => {}
                AttendanceStatus::Late => notice.late.push(entry()),
                AttendanceStatus::EarlyLeave => notice.early_leave.push(entry()),
                AttendanceStatus::Absent => notice.absent.push(entry()),
                AttendanceStatus::Leave => notice.leave.push(entry()),
            }
        }
        line.set_tally(tally);
        notice.sessions.push(line);
    }
    Ok(notice)
}

/// The kind of the approved leave request behind each (session, enrolment) on leave.
async fn leave_kinds(
    db: &DatabaseConnection,
    sessions: &[class_session::Model],
) -> AppResult<HashMap<(Uuid, Uuid), &'static str>> {
    let covered = leave_request_session::Entity::find()
        .filter(leave_request_session::Column::SessionId.is_in(sessions.iter().map(|s| s.id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    if covered.is_empty() {
        return Ok(HashMap::new());
    }
    let approved: HashMap<Uuid, &'static str> = leave_request::Entity::find()
        .filter(leave_request::Column::Id.is_in(covered.iter().map(|c| c.leave_request_id).collect::<Vec<_>>()))
        .filter(leave_request::Column::Status.eq(leave_request::LeaveStatus::Approved))
        .all(db)
        .await?
        .into_iter()
        .map(|r| (r.id, r.kind.label()))
        .collect();
    Ok(covered
        .into_iter()
        .filter_map(|c| approved.get(&c.leave_request_id).map(|k| ((c.session_id, c.enrollment_id), *k)))
        .collect())
}
