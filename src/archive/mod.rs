//! The 学时 archive (培训档案): per person across classes, 学时 earned per class and per year, against the yearly and
//! five-year requirements of their rank. 学时 earned are the credits of counting sessions attended (present, late
//! or left early), dated by the session.

use std::collections::{BTreeMap, HashMap};

use chrono::Datelike;
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter};
use serde::Serialize;
use uuid::Uuid;

use crate::attendance::model::AttendanceStatus;
use crate::completion::standing::trim_centi;
use crate::config::HoursRequirement;
use crate::entity::{attendance, certificate, class_session, enrollment, person, training_class};
use crate::error::{AppError, AppResult, ErrorCode};

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ClassHours {
    pub class_id: Uuid,
    pub class_code: String,
    pub class_name: String,
    pub start_date: chrono::NaiveDate,
    pub end_date: chrono::NaiveDate,
    /// 学时 earned in the class.
    pub hours: String,
    /// The valid certificate's serial, if issued.
    pub certificate_serial: Option<String>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct YearHours {
    pub year: i32,
    pub hours: String,
    pub required: Option<String>,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct FiveYears {
    pub from_year: i32,
    pub to_year: i32,
    pub hours: String,
    pub required: Option<String>,
    pub met: Option<bool>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonHours {
    pub person_id: Uuid,
    pub name: String,
    pub unit: String,
    pub rank: Option<String>,
    /// The requirement that applies to the rank, if any.
    pub requirement: Option<HoursRequirement>,
    pub classes: Vec<ClassHours>,
    /// Years with 学时, and the current year, newest first.
    pub years: Vec<YearHours>,
    pub five_years: FiveYears,
}

fn requirement_for(rank: Option<&str>, reqs: &[HoursRequirement]) -> Option<HoursRequirement> {
    let rank = rank?;
    reqs.iter().find(|r| !r.rank.is_empty() && rank.contains(&r.rank)).cloned()
}

fn centi(hours: f64) -> i64 {
    (hours * 100.0).round() as i64
}

/// 学时 earned per person, per class and per year.
struct Earned {
    /// person → class → centi
    by_class: HashMap<Uuid, BTreeMap<Uuid, i64>>,
    /// person → year → centi
    by_year: HashMap<Uuid, BTreeMap<i32, i64>>,
}

async fn earned(db: &DatabaseConnection, people: Option<&[Uuid]>) -> AppResult<(Earned, Vec<enrollment::Model>)> {
    let mut q = enrollment::Entity::find();
    if let Some(ids) = people {
        q = q.filter(enrollment::Column::PersonId.is_in(ids.to_vec()));
    }
    let enrollments = q.all(db).await?;
    let by_id: HashMap<Uuid, &enrollment::Model> = enrollments.iter().map(|e| (e.id, e)).collect();
    let class_ids: Vec<Uuid> = enrollments.iter().map(|e| e.class_id).collect();
    let sessions: HashMap<Uuid, (Uuid, i64, i32)> = class_session::Entity::find()
        .filter(class_session::Column::ClassId.is_in(class_ids))
        .filter(class_session::Column::CountsTowardAttendance.eq(true))
        .all(db)
        .await?
        .into_iter()
        .map(|s| (s.id, (s.class_id, i64::from(s.credit_centi), crate::clock::local_date(s.starts_at).year())))
        .collect();
    let mut rows = attendance::Entity::find().filter(attendance::Column::Status.is_in(AttendanceStatus::ATTENDED));
    if people.is_some() {
        rows = rows.filter(attendance::Column::EnrollmentId.is_in(by_id.keys().copied()));
    }
    let mut out = Earned { by_class: HashMap::new(), by_year: HashMap::new() };
    for row in rows.all(db).await? {
        let (Some(e), Some((class_id, credit, year))) = (by_id.get(&row.enrollment_id), sessions.get(&row.session_id))
        else {
            continue;
        };
        *out.by_class.entry(e.person_id).or_default().entry(*class_id).or_default() += credit;
        *out.by_year.entry(e.person_id).or_default().entry(*year).or_default() += credit;
    }
    Ok((out, enrollments))
}

fn judge(hours: i64, required: Option<f64>) -> (Option<String>, Option<bool>) {
    match required {
        Some(r) => (Some(trim_centi(centi(r))), Some(hours >= centi(r))),
        None => (None, None),
    }
}

/// One person's archive, as of `year`.
pub async fn for_person(
    db: &DatabaseConnection,
    reqs: &[HoursRequirement],
    person_id: Uuid,
    year: i32,
) -> AppResult<PersonHours> {
    let p = person::Entity::find_by_id(person_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "没有该学员的培训档案"))?;
    let (earned, enrollments) = earned(db, Some(&[person_id])).await?;
    let classes: HashMap<Uuid, training_class::Model> = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(enrollments.iter().map(|e| e.class_id)))
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.id, c))
        .collect();
    let certs: HashMap<Uuid, String> = certificate::Entity::find()
        .filter(certificate::Column::PersonId.eq(person_id))
        .filter(certificate::Column::RevokedAt.is_null())
        .all(db)
        .await?
        .into_iter()
        .map(|c| (c.class_id, c.serial))
        .collect();
    let by_class = earned.by_class.get(&person_id).cloned().unwrap_or_default();
    let mut class_rows: Vec<ClassHours> = enrollments
        .iter()
        .filter_map(|e| classes.get(&e.class_id))
        .map(|c| ClassHours {
            class_id: c.id,
            class_code: c.code.clone(),
            class_name: c.name.clone(),
            start_date: c.start_date,
            end_date: c.end_date,
            hours: trim_centi(by_class.get(&c.id).copied().unwrap_or(0)),
            certificate_serial: certs.get(&c.id).cloned(),
        })
        .collect();
    class_rows.sort_by_key(|c| std::cmp::Reverse(c.start_date));
    let requirement = requirement_for(p.rank.as_deref(), reqs);
    Ok(summarise(&p, requirement, class_rows, earned.by_year.get(&person_id), year))
}

fn summarise(
    p: &person::Model,
    requirement: Option<HoursRequirement>,
    classes: Vec<ClassHours>,
    by_year: Option<&BTreeMap<i32, i64>>,
    year: i32,
) -> PersonHours {
    let mut per_year = by_year.cloned().unwrap_or_default();
    per_year.entry(year).or_insert(0);
    let yearly = requirement.as_ref().and_then(|r| r.yearly_hours);
    let years = per_year
        .iter()
        .rev()
        .map(|(y, c)| {
            let (required, met) = judge(*c, yearly);
            YearHours { year: *y, hours: trim_centi(*c), required, met }
        })
        .collect();
    let five: i64 = per_year.range(year - 4..=year).map(|(_, c)| c).sum();
    let (required, met) = judge(five, requirement.as_ref().and_then(|r| r.five_year_hours));
    PersonHours {
        person_id: p.id,
        name: p.name.clone(),
        unit: p.unit.clone(),
        rank: p.rank.clone(),
        requirement,
        classes,
        years,
        five_years: FiveYears { from_year: year - 4, to_year: year, hours: trim_centi(five), required, met },
    }
}

pub const EXPORT_HEADERS: &[&str] =
    &["姓名", "单位", "职务", "职级", "年度", "年度学时", "年度要求", "年度达标", "五年学时", "五年要求", "五年达标"];

/// Everyone with an enrolment, for `year`: one row each.
pub async fn export_rows(db: &DatabaseConnection, reqs: &[HoursRequirement], year: i32) -> AppResult<Vec<Vec<String>>> {
    let (earned, enrollments) = earned(db, None).await?;
    let mut people_ids: Vec<Uuid> = enrollments.iter().map(|e| e.person_id).collect();
    people_ids.sort();
    people_ids.dedup();
    let people = crate::roster::service::people_by_id(db, people_ids).await?;
    let mut list: Vec<&person::Model> = people.values().collect();
    list.sort_by(|a, b| a.unit.cmp(&b.unit).then(a.name.cmp(&b.name)));
    let yes_no = |m: Option<bool>| match m {
        Some(true) => "是".to_owned(),
        Some(false) => "否".to_owned(),
        None => "-".to_owned(),
    };
    Ok(list
        .into_iter()
        .map(|p| {
            let s = summarise(p, requirement_for(p.rank.as_deref(), reqs), Vec::new(), earned.by_year.get(&p.id), year);
            let this = s.years.iter().find(|y| y.year == year);
            vec![
                p.name.clone(),
                p.unit.clone(),
                p.post.clone().unwrap_or_default(),
                p.rank.clone().unwrap_or_default(),
                year.to_string(),
                this.map(|y| y.hours.clone()).unwrap_or_else(|| "0".to_owned()),
                this.and_then(|y| y.required.clone()).unwrap_or_else(|| "-".to_owned()),
                yes_no(this.and_then(|y| y.met)),
                s.five_years.hours.clone(),
                s.five_years.required.clone().unwrap_or_else(|| "-".to_owned()),
                yes_no(s.five_years.met),
            ]
        })
        .collect())
}
