//! The facts about each trainee of a class, read from attendance and discipline records.

use std::collections::{HashMap, HashSet};

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect};
use serde::Serialize;
use uuid::Uuid;

use crate::attendance::model::{AttendanceStatus, Tally};
use crate::completion::policy::ClassPolicy;
use crate::discipline::Severity;
use crate::entity::vocab::SessionKind;
use crate::entity::{
    attendance, class_session, discipline_record, enrollment, evaluation_form, evaluation_respondent, training_class,
};
use crate::error::AppResult;

/// One trainee's record in one class. 学时 in hundredths.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Facts {
    /// The class's total 学时: every session that counts toward attendance, held or still to come.
    pub total_centi: i64,
    /// 学时 of sessions marked 请假.
    pub leave_centi: i64,
    /// Counting sessions of the class, held or to come.
    pub sessions: u32,
    /// Sessions marked 出勤 (on time), and 请假.
    pub presents: u32,
    pub leaves: u32,
    /// Sessions marked 旷课.
    pub absences: u32,
    /// Half-days (a morning, or an afternoon/evening, China time) with any 旷课.
    pub absent_half_days: u32,
    pub lates: u32,
    pub early_leaves: u32,
    /// 学时 of sessions attended (present, late or left early); online sessions' only up to the class's cap.
    pub attended_centi: i64,
    /// Of `attended_centi`, the 学时 of online live sessions as counted (after the cap).
    pub online_attended_centi: i64,
    /// Sessions not required of this trainee (不计考勤): left out of `total_centi` and `sessions`.
    pub exempt_sessions: u32,
    /// Discipline records that stand (not annulled), and how many of them at each severity.
    pub discipline_records: u32,
    pub minor_records: u32,
    pub serious_records: u32,
    pub grave_records: u32,
    /// Evaluation forms of the class whose class part the trainee has not answered.
    pub evaluations_unanswered: u32,
}

impl Facts {
    /// The records behind the counts, for the one attended rule.
    pub fn tally(&self) -> Tally {
        Tally {
            present: u64::from(self.presents),
            late: u64::from(self.lates),
            early_leave: u64::from(self.early_leaves),
            leave: u64::from(self.leaves),
            absent: u64::from(self.absences),
            exempt: u64::from(self.exempt_sessions),
        }
    }

    /// Standing records at or above `severity`.
    pub fn records_at_least(&self, severity: Severity) -> u32 {
        match severity {
            Severity::Minor => self.minor_records + self.serious_records + self.grave_records,
            Severity::Serious => self.serious_records + self.grave_records,
            Severity::Grave => self.grave_records,
        }
    }
}

/// The half-day a session falls in: its China date, and morning (before noon) or not.
fn half_day(starts_at: chrono::DateTime<chrono::Utc>) -> (chrono::NaiveDate, bool) {
    use chrono::Timelike;
    let local = starts_at.with_timezone(&crate::clock::china());
    (local.date_naive(), local.hour() < 12)
}

/// Facts for the given enrollments of a class (every active one when `only` is `None`).
pub async fn for_class<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
    only: Option<&[Uuid]>,
) -> AppResult<HashMap<Uuid, Facts>> {
    let sessions: HashMap<Uuid, (i64, (chrono::NaiveDate, bool), bool)> = class_session::Entity::find()
        .filter(class_session::Column::ClassId.eq(class_id))
        .filter(class_session::Column::CountsTowardAttendance.eq(true))
        .all(conn)
        .await?
        .into_iter()
        .map(|s| (s.id, (i64::from(s.credit_centi), half_day(s.starts_at), s.kind == SessionKind::OnlineLive)))
        .collect();
    let total_centi: i64 = sessions.values().map(|(c, _, _)| c).sum();
    let mut half_days: HashMap<Uuid, HashSet<(chrono::NaiveDate, bool)>> = HashMap::new();
    let ids: Vec<Uuid> = match only {
        Some(ids) => ids.to_vec(),
        None => enrollment::active_in_class(class_id).all(conn).await?.into_iter().map(|e| e.id).collect(),
    };
    let count = sessions.len() as u32;
    let mut out: HashMap<Uuid, Facts> =
        ids.iter().map(|id| (*id, Facts { total_centi, sessions: count, ..Facts::default() })).collect();
    if ids.is_empty() {
        return Ok(out);
    }
    // Only the three columns the facts need: a class of 300 × 60 reads 18,000 rows here, and whole rows (times,
    // device, nonce, note) cost several times as much to fetch and decode.
    let mut rows = attendance::Entity::find()
        .select_only()
        .columns([attendance::Column::EnrollmentId, attendance::Column::SessionId, attendance::Column::Status])
        .filter(attendance::Column::SessionId.is_in(sessions.keys().copied()));
    if only.is_some() {
        rows = rows.filter(attendance::Column::EnrollmentId.is_in(ids.clone()));
    }
    let rows: Vec<(Uuid, Uuid, AttendanceStatus)> = rows.into_tuple().all(conn).await?;
    // Attended 学时 online, before the class's cap.
    let mut online: HashMap<Uuid, i64> = HashMap::new();
    for (enrollment_id, session_id, status) in rows {
        let (Some(f), Some((credit, half, is_online))) = (out.get_mut(&enrollment_id), sessions.get(&session_id))
        else {
            continue;
        };
        match status {
            AttendanceStatus::Present => f.presents += 1,
            AttendanceStatus::Late => f.lates += 1,
            AttendanceStatus::EarlyLeave => f.early_leaves += 1,
            AttendanceStatus::Leave => {
                f.leaves += 1;
                f.leave_centi += *credit;
            }
            AttendanceStatus::Absent => {
                f.absences += 1;
                half_days.entry(enrollment_id).or_default().insert(*half);
            }
            // Not required of this trainee: out of their total, so their limits are on what they had to attend.
            AttendanceStatus::Exempt => {
                f.exempt_sessions += 1;
                f.total_centi -= *credit;
                f.sessions = f.sessions.saturating_sub(1);
            }
        }
        if status.attended() && *is_online {
            *online.entry(enrollment_id).or_default() += *credit;
        } else if status.attended() {
            f.attended_centi += *credit;
        }
    }
    if !online.is_empty() {
        let class = training_class::Entity::find_by_id(class_id).one(conn).await?;
        let policy = class.as_ref().map(|c| ClassPolicy::of(c).completion).unwrap_or_default();
        for (id, online) in online {
            if let Some(f) = out.get_mut(&id) {
                let in_person = f.attended_centi;
                f.attended_centi = policy.attended_centi(in_person, online);
                f.online_attended_centi = f.attended_centi - in_person;
            }
        }
    }
    for (id, days) in half_days {
        if let Some(f) = out.get_mut(&id) {
            f.absent_half_days = days.len() as u32;
        }
    }
    let mut records = discipline_record::Entity::find()
        .filter(discipline_record::Column::ClassId.eq(class_id))
        .filter(discipline_record::Column::AnnulledAt.is_null());
    if only.is_some() {
        records = records.filter(discipline_record::Column::EnrollmentId.is_in(ids));
    }
    for r in records.all(conn).await? {
        if let Some(f) = out.get_mut(&r.enrollment_id) {
            f.discipline_records += 1;
            match r.severity {
                Severity::Grave => f.grave_records += 1,
                Severity::Serious => f.serious_records += 1,
                Severity::Minor => f.minor_records += 1,
            }
        }
    }
    let forms: Vec<Uuid> = evaluation_form::Entity::find()
        .select_only()
        .column(evaluation_form::Column::Id)
        .filter(evaluation_form::Column::ClassId.eq(class_id))
        .into_tuple()
        .all(conn)
        .await?;
    if !forms.is_empty() {
        let mut answered: HashMap<Uuid, u32> = HashMap::new();
        let marks: Vec<Uuid> = evaluation_respondent::Entity::find()
            .select_only()
            .column(evaluation_respondent::Column::EnrollmentId)
            .filter(evaluation_respondent::Column::FormId.is_in(forms.clone()))
            .filter(evaluation_respondent::Column::Target.eq(crate::evaluation::service::CLASS_PART))
            .into_tuple()
            .all(conn)
            .await?;
        for e in marks {
            *answered.entry(e).or_default() += 1;
        }
        for (id, f) in out.iter_mut() {
            f.evaluations_unanswered = (forms.len() as u32).saturating_sub(answered.get(id).copied().unwrap_or(0));
        }
    }
    Ok(out)
}
