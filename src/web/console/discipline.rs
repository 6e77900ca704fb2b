//! 违纪: a class's discipline records (newest first), recording one (trainee, category, severity, time,
//! description, evidence, an optional photo) and annulling one (administrators, with a reason). The discipline
//! service keeps the rules: the audit trail, the trainee's notice, the completion standing.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::attachment::{self, Owner};
use crate::clock::{china, from_local};
use crate::discipline::{self, Category, DisciplineInput, Severity};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console/classes/{id}/discipline").route(web::get().to(list)).route(web::post().to(record)),
    )
    .service(web::resource("/console/discipline/{rid}/annul").route(web::post().to(annul)))
    .service(web::resource("/console/discipline/{rid}/photo").route(web::get().to(photo)));
}

const CATEGORIES: [Category; 6] = [
    Category::Classroom,
    Category::Schedule,
    Category::LatenessCumulative,
    Category::Absence,
    Category::Integrity,
    Category::Other,
];

struct Row {
    id: Uuid,
    name: String,
    unit: String,
    when: String,
    category: String,
    severity: String,
    description: String,
    evidence: String,
    has_photo: bool,
    recorded_by: String,
    annulled: Option<String>,
}

/// The record form as typed.
#[derive(Default, Clone)]
struct RecordForm {
    enrollment_id: String,
    category: String,
    severity: String,
    date: String,
    time: String,
    description: String,
    evidence: String,
}

#[derive(Template)]
#[template(path = "console/discipline.html")]
struct ListPage {
    frame: Frame,
    head: ClassHead,
    rows: Vec<Row>,
    trainees: Vec<(Uuid, String)>,
    categories: Vec<(&'static str, &'static str)>,
    severities: Vec<(&'static str, &'static str)>,
    form: RecordForm,
    notice: Option<&'static str>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let notice = match q.done.as_deref() {
        Some("recorded") => Some("已记录。学员会收到通知，结业审核会计入。"),
        Some("annulled") => Some("已撤销该记录，原因已记入操作日志。"),
        _ => None,
    };
    let local = state.now().with_timezone(&china());
    let form = RecordForm {
        category: Category::Classroom.as_str().to_owned(),
        severity: Severity::Minor.as_str().to_owned(),
        date: local.format("%Y-%m-%d").to_string(),
        time: local.format("%H:%M").to_string(),
        ..RecordForm::default()
    };
    list_page(&state, &session, &scope, form, notice, None, StatusCode::OK).await
}

async fn list_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    form: RecordForm,
    notice: Option<&'static str>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let rows = discipline::list_for_class(&state.db, scope, None)
        .await?
        .into_iter()
        .map(|d| Row {
            id: d.id,
            when: crate::clock::local_minute(d.occurred_at),
            category: d.category_label,
            severity: d.severity_label,
            description: d.description,
            evidence: d.evidence.unwrap_or_default(),
            has_photo: d.has_attachment,
            recorded_by: d.recorded_by,
            annulled: d
                .annulled
                .then(|| format!("{} 撤销：{}", d.annulled_by.unwrap_or_default(), d.annul_reason.unwrap_or_default())),
            name: d.name,
            unit: d.unit,
        })
        .collect();
    let trainees = crate::roster::service::all_active(&state.db, scope.class.id)
        .await?
        .into_iter()
        .map(|(e, p)| (e.id, format!("{}（{}）", p.name, p.unit)))
        .collect();
    let shown = ListPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/discipline"),
        rows,
        trainees,
        categories: CATEGORIES.iter().map(|c| (c.as_str(), c.label())).collect(),
        severities: [Severity::Minor, Severity::Serious, Severity::Grave]
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        form,
        notice,
        error,
    };
    page(status, &shown)
}

/// Records one (multipart: the fields and an optional photo).
async fn record(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let posted = super::staged::read(payload).await;
    let csrf = posted.as_ref().ok().and_then(|p| p.field("csrf").map(str::to_owned));
    let session = match posting(&req, &state, csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let posted = posted?;
    let field = |name: &str| posted.field(name).unwrap_or_default().to_owned();
    let form = RecordForm {
        enrollment_id: field("enrollment_id"),
        category: field("category"),
        severity: field("severity"),
        date: field("date"),
        time: field("time"),
        description: field("description"),
        evidence: field("evidence"),
    };
    let recorded = async {
        let enrollment_id = form.enrollment_id.parse::<Uuid>().map_err(|_| AppError::validation("请选择学员"))?;
        let occurred_at = from_local(date(&form.date, "date")?, time_of_day(&form.time, "time")?);
        let attachment_id = match &posted.file {
            Some(bytes) => Some(
                attachment::store(&state.db, Owner::Staff(session.staff.staff.id), bytes.clone(), state.now())
                    .await?
                    .id,
            ),
            None => None,
        };
        let input = DisciplineInput {
            enrollment_id,
            category: Category::parse(&form.category).unwrap_or(Category::Other),
            severity: Severity::parse(&form.severity).unwrap_or(Severity::Minor),
            occurred_at,
            description: form.description.clone(),
            evidence: typed(&form.evidence),
            attachment_id,
        };
        discipline::record(state.at_now(), &session.staff, &scope, input).await
    }
    .await;
    match recorded {
        Ok(_) => Ok(see_other(&format!("/console/classes/{}/discipline?done=recorded", scope.class.id))),
        Err(e) => match correctable(&e) {
            Some(status) => list_page(&state, &session, &scope, form, None, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct AnnulForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

fn record_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到违纪记录", "该记录不存在，或不属于您的班级。")
}

/// Annuls a record (administrators, with a reason), then back to the class's list.
async fn annul(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AnnulForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    if !session.staff.is_admin() {
        return admins_only(&session, "只有管理员可以撤销违纪记录。");
    }
    let Ok(id) = path.parse::<Uuid>() else { return record_not_found(&session) };
    match discipline::annul(state.at_now(), &session.staff, id, &form.reason).await {
        Ok(view) => Ok(see_other(&format!("/console/classes/{}/discipline?done=annulled", view.class_id))),
        Err(e) if e.code == ErrorCode::NotFound => record_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => message(&session, status, "未能撤销", &e.message),
            None => Err(e),
        },
    }
}

async fn photo(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Ok(id) = path.parse::<Uuid>() else { return record_not_found(&session) };
    let who = crate::auth::Principal::Staff(session.staff.clone());
    match discipline::attachment_for(&state.db, &who, id).await {
        Ok(a) => Ok(crate::http::routes::leave::image(a)),
        Err(e) if e.code == ErrorCode::NotFound || e.code == ErrorCode::Forbidden => record_not_found(&session),
        Err(e) => Err(e),
    }
}
