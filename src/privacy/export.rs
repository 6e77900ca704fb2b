//! A person's own data, as one document (个人信息副本): who they are, each enrolment with its binding and the notice
//! shown, attendance, the check-in attempts still kept, leave, discipline, completion, certificates, 学时, and which
//! evaluation parts they answered (the answers themselves are stored without the person and cannot be given back).
//! Built from the same functions the trainee's pages use, so it holds what they see and nobody else's records.

use chrono::{DateTime, NaiveDate, Utc};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use serde::Serialize;
use uuid::Uuid;

use crate::archive::PersonHours;
use crate::attendance::service::MyAttendance;
use crate::certificate::decision::MyCompletion;
use crate::certificate::issue::CertificateView;
use crate::config::HoursRequirement;
use crate::discipline::DisciplineView;
use crate::entity::{checkin_attempt, enrollment, evaluation_respondent, person, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::leave::LeaveView;

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonRecord {
    pub name: String,
    pub gender: Option<String>,
    pub phone: String,
    pub unit: String,
    pub post: Option<String>,
    pub rank: Option<String>,
    /// When an administrator erased the person's personal information (the phone then reads 已删除).
    pub erased_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EnrolmentRecord {
    pub class_code: String,
    pub class_name: String,
    pub start_date: NaiveDate,
    pub end_date: NaiveDate,
    pub student_no: Option<String>,
    /// `active` or `withdrawn`.
    pub status: String,
    /// When a phone or WeChat account was bound, and whether one still is.
    pub bound_at: Option<DateTime<Utc>>,
    pub phone_bound: bool,
    pub wechat_bound: bool,
    /// The personal-information notice shown at binding.
    pub notice_version: Option<String>,
    pub notice_shown_at: Option<DateTime<Utc>>,
}

/// A check-in attempt as kept (positions only of failed attempts, and only until the retention period ends).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttemptRecord {
    pub at: DateTime<Utc>,
    pub result: String,
    pub distance_m: Option<f64>,
    pub accuracy_m: Option<f64>,
    pub lat: Option<f64>,
    pub lng: Option<f64>,
    pub client_addr: Option<String>,
    pub user_agent: Option<String>,
    pub device: Option<String>,
}

/// An evaluation part the person answered: the day only (the answers are anonymous).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct EvaluationRecord {
    pub form_id: Uuid,
    /// `class`, or the course's session id.
    pub part: String,
    pub submitted_on: NaiveDate,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct PersonData {
    /// When this copy was made.
    pub exported_at: DateTime<Utc>,
    pub person: PersonRecord,
    pub enrolments: Vec<EnrolmentRecord>,
    pub attendance: MyAttendance,
    pub checkin_attempts: Vec<AttemptRecord>,
    pub leave_requests: Vec<LeaveView>,
    pub discipline: Vec<DisciplineView>,
    pub completion: Vec<MyCompletion>,
    pub certificates: Vec<CertificateView>,
    pub hours: PersonHours,
    pub evaluations_answered: Vec<EvaluationRecord>,
    /// What the copy cannot contain, in Chinese.
    pub notes: Vec<String>,
}

/// Everything rollcall holds about `person_id`.
pub async fn person_data(
    db: &DatabaseConnection,
    reqs: &[HoursRequirement],
    base_url: &str,
    person_id: Uuid,
    now: DateTime<Utc>,
) -> AppResult<PersonData> {
    let p = person::Entity::find_by_id(person_id).one(db).await?.ok_or_else(|| AppError::new(ErrorCode::NotFound))?;
    let enrollments = enrollment::Entity::find()
        .filter(enrollment::Column::PersonId.eq(person_id))
        .order_by_asc(enrollment::Column::CreatedAt)
        .all(db)
        .await?;
    let ids: Vec<Uuid> = enrollments.iter().map(|e| e.id).collect();
    let classes = training_class::Entity::find()
        .filter(training_class::Column::Id.is_in(enrollments.iter().map(|e| e.class_id).collect::<Vec<_>>()))
        .all(db)
        .await?;
    let enrolments = enrollments
        .iter()
        .filter_map(|e| {
            let c = classes.iter().find(|c| c.id == e.class_id)?;
            Some(EnrolmentRecord {
                class_code: c.code.clone(),
                class_name: c.name.clone(),
                start_date: c.start_date,
                end_date: c.end_date,
                student_no: e.student_no.clone(),
                status: e.status.as_str().to_owned(),
                bound_at: e.bound_at,
                phone_bound: e.device_id.is_some(),
                wechat_bound: e.wechat_openid.is_some(),
                notice_version: e.notice_version.clone(),
                notice_shown_at: e.notice_shown_at,
            })
        })
        .collect();
    let checkin_attempts = checkin_attempt::Entity::find()
        .filter(checkin_attempt::Column::PersonId.eq(person_id))
        .order_by_asc(checkin_attempt::Column::At)
        .all(db)
        .await?
        .into_iter()
        .map(|a| AttemptRecord {
            at: a.at,
            result: a.result,
            distance_m: a.distance_m,
            accuracy_m: a.accuracy_m,
            lat: a.lat,
            lng: a.lng,
            client_addr: a.client_addr,
            user_agent: a.user_agent,
            device: a.device,
        })
        .collect();
    let evaluations_answered = evaluation_respondent::Entity::find()
        .filter(evaluation_respondent::Column::EnrollmentId.is_in(ids))
        .all(db)
        .await?
        .into_iter()
        .map(|r| EvaluationRecord { form_id: r.form_id, part: r.target, submitted_on: r.submitted_on })
        .collect();
    use chrono::Datelike;
    let phone = crate::roster::model::shown_phone(&p);
    Ok(PersonData {
        exported_at: now,
        person: PersonRecord {
            name: p.name,
            gender: p.gender,
            phone,
            erased_at: p.erased_at,
            unit: p.unit,
            post: p.post,
            rank: p.rank,
        },
        enrolments,
        attendance: crate::attendance::service::mine(db, person_id, now, crate::completion::online_cap).await?,
        checkin_attempts,
        leave_requests: crate::leave::service::mine(db, person_id).await?,
        discipline: crate::discipline::mine(db, person_id).await?,
        completion: crate::certificate::decision::mine(db, person_id).await?,
        certificates: crate::certificate::issue::mine(db, base_url, person_id).await?,
        hours: crate::archive::for_person(db, reqs, person_id, crate::clock::local_date(now).year()).await?,
        evaluations_answered,
        notes: vec![
            "教学评估匿名保存，答卷不含本人信息，因此无法提供您的评估内容，只能列出您提交过的评估部分及日期。".into(),
            "签到成功时不保存经纬度；签到未成功时的经纬度、网络地址和浏览器信息保存 30 天。".into(),
            "病假条等照片不在本副本中，可在“我的考勤 → 请假”中查看。".into(),
        ],
    })
}

/// The copy as a readable A4 PDF, and its file name (个人信息副本_姓名.pdf).
pub async fn person_pdf(report: &crate::config::ReportSettings, data: PersonData) -> AppResult<(String, Vec<u8>)> {
    let font = crate::pdf::font(report)?;
    let name = format!("个人信息副本_{}.pdf", data.person.name);
    let bytes =
        tokio::task::spawn_blocking(move || super::copy_pdf::pdf(&font, &data)).await.map_err(AppError::internal)?;
    Ok((name, bytes))
}
