//! 请假审批: the requests waiting for the signed-in person across their classes, oldest first, each with the
//! covered sessions, the hours asked, the sick-note image and the trainee's leave so far against the class's limit;
//! approve or reject with a comment (the leave service: the approval chain, the attendance it changes, the
//! trainee's notices, the audit trail); and the requests decided lately.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::clock::china;
use crate::leave::service as leave;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/leave").route(web::get().to(queue)))
        .service(web::resource("/console/leave/{id}/approve").route(web::post().to(approve)))
        .service(web::resource("/console/leave/{id}/reject").route(web::post().to(reject)))
        .service(web::resource("/console/leave/{id}/attachment").route(web::get().to(attachment)));
}

/// Decided requests the page lists below the queue.
const DECIDED: u64 = 30;

fn stamp(t: chrono::DateTime<Utc>) -> String {
    t.with_timezone(&china()).format("%m-%d %H:%M").to_string()
}

struct Card {
    id: Uuid,
    class_id: Uuid,
    class_name: String,
    enrollment_id: Uuid,
    name: String,
    unit: String,
    kind: String,
    when: String,
    asked: String,
    reason: String,
    sessions: Vec<String>,
    step: String,
    has_attachment: bool,
    leave: String,
    limit: String,
    over: bool,
    waiting_since: String,
}

struct Decided {
    class_name: String,
    name: String,
    kind: String,
    when: String,
    asked: String,
    status: String,
    approved: bool,
    by: String,
    decided: String,
}

#[derive(Template)]
#[template(path = "console/leave.html")]
struct QueuePage {
    frame: Frame,
    cards: Vec<Card>,
    decided: Vec<Decided>,
    notice: Option<&'static str>,
    /// The refusal of a decision, and the request it was about.
    error: Option<(Uuid, String)>,
}

impl QueuePage {
    fn error_on(&self, id: &Uuid) -> Option<&str> {
        self.error.as_ref().filter(|(e, _)| e == id).map(|(_, m)| m.as_str())
    }
}

#[derive(Deserialize)]
pub struct QueueQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn queue(req: HttpRequest, state: web::Data<AppState>, q: web::Query<QueueQuery>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let notice = match q.done.as_deref() {
        Some("approved") => Some("已批准，学员会收到通知。"),
        Some("advanced") => Some("已同意，待教务管理员审批。"),
        Some("rejected") => Some("已驳回，学员会收到通知和您的意见。"),
        _ => None,
    };
    queue_page(&state, &session, notice, None, StatusCode::OK).await
}

async fn queue_page(
    state: &AppState,
    session: &Session,
    notice: Option<&'static str>,
    error: Option<(Uuid, String)>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let waiting = leave::waiting_for(&state.db, &session.staff).await?;
    let cards = waiting
        .into_iter()
        .map(|w| {
            let r = &w.request;
            Card {
                id: r.id,
                class_id: r.class_id,
                enrollment_id: r.enrollment_id,
                class_name: w.class_name.clone(),
                name: r.name.clone(),
                unit: r.unit.clone(),
                kind: r.kind_label.clone(),
                when: format!("{} 至 {}", stamp(r.starts_at), stamp(r.ends_at)),
                asked: format!("{}", r.credit_hours),
                reason: r.reason.clone(),
                sessions: r
                    .sessions
                    .iter()
                    .map(|s| format!("{} {}（{} 学时）", stamp(s.starts_at), s.title, s.credit_hours))
                    .collect(),
                step: if r.steps_required > 1 {
                    format!(
                        "第 {} / {} 步（{}）",
                        r.step,
                        r.steps_required,
                        r.waiting_for_label.clone().unwrap_or_default()
                    )
                } else {
                    String::new()
                },
                has_attachment: r.has_attachment,
                leave: w.leave_hours(),
                limit: format!(
                    "{} 学时（总学时 {} 的 {}/{}）",
                    w.limit_hours,
                    w.total_hours(),
                    w.limit.num,
                    w.limit.den
                ),
                over: w.over_if_approved,
                waiting_since: stamp(r.created_at),
            }
        })
        .collect();
    let decided = leave::decided_lately(&state.db, &session.staff, DECIDED)
        .await?
        .into_iter()
        .map(|(v, class_name)| Decided {
            class_name,
            name: v.name,
            kind: v.kind_label,
            when: format!("{} 至 {}", stamp(v.starts_at), stamp(v.ends_at)),
            asked: format!("{}", v.credit_hours),
            approved: v.status == crate::leave::LeaveStatus::Approved,
            status: v.status_label,
            by: v
                .steps
                .iter()
                .map(|s| match &s.comment {
                    Some(c) => format!("{}：{}", s.staff_name, c),
                    None => s.staff_name.clone(),
                })
                .collect::<Vec<_>>()
                .join("；"),
            decided: v.decided_at.map(stamp).unwrap_or_default(),
        })
        .collect();
    let shown = QueuePage { frame: Frame::of(session, "leave"), cards, decided, notice, error };
    page(status, &shown)
}

#[derive(Deserialize)]
pub struct DecisionForm {
    #[serde(default)]
    comment: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn approve(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(req, state, path, form, true).await
}

async fn reject(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
) -> AppResult<HttpResponse> {
    decide(req, state, path, form, false).await
}

fn request_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到请假申请", "该请假申请不存在，或不属于您的班级。")
}

async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<DecisionForm>,
    approving: bool,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Ok(id) = path.parse::<Uuid>() else { return request_not_found(&session) };
    match leave::decide(state.at_now(), &session.staff, id, approving, Some(&form.comment)).await {
        Ok(view) => {
            let done = match (approving, view.status) {
                (false, _) => "rejected",
                (true, crate::leave::LeaveStatus::Approved) => "approved",
                (true, _) => "advanced",
            };
            Ok(see_other(&format!("/console/leave?done={done}")))
        }
        Err(e) if e.code == ErrorCode::NotFound => request_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => queue_page(&state, &session, None, Some((id, e.message.into_owned())), status).await,
            None => Err(e),
        },
    }
}

/// The sick note or other image of a request, for staff of its class.
async fn attachment(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Ok(id) = path.parse::<Uuid>() else { return request_not_found(&session) };
    match leave::attachment_for_staff(&state.db, &session.staff, id).await {
        Ok(a) => Ok(crate::http::routes::leave::image(a)),
        Err(e) if e.code == ErrorCode::NotFound => request_not_found(&session),
        Err(e) => Err(e),
    }
}
