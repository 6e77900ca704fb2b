//! 消息: the staff member's messages (new leave requests waiting for them, trainees crossing a warning line), newest
//! first, each linking to the console page where it is dealt with; opening the page marks them read. The menu
//! shows the number unread, fetched after the page loads and every minute (so pages do not wait for it).

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::*;
use crate::clock::china;
use crate::notify::Recipient;
use crate::notify::inbox;
use crate::pagination::{PageQuery, PageRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/inbox").route(web::get().to(messages)))
        .service(web::resource("/console/inbox/badge").route(web::get().to(badge)));
}

const PER_PAGE: u64 = 30;

struct Message {
    at: String,
    title: String,
    body: String,
    link: Option<String>,
    unread: bool,
}

#[derive(Template)]
#[template(path = "console/inbox.html")]
struct InboxPage {
    frame: Frame,
    messages: Vec<Message>,
    unread: u64,
    prev: Option<String>,
    next: Option<String>,
}

/// Where a message is dealt with in the console (the stored link is the API's).
fn console_link(kind: &str, class_id: Option<Uuid>) -> Option<String> {
    match (kind, class_id) {
        ("leave_submitted", _) => Some("/console/leave".to_owned()),
        ("warning", Some(class)) => Some(format!("/console/classes/{class}/completion")),
        (_, Some(class)) => Some(format!("/console/classes/{class}")),
        _ => None,
    }
}

#[derive(serde::Deserialize)]
pub struct InboxQuery {
    #[serde(default)]
    page: Option<u64>,
}

async fn messages(req: HttpRequest, state: web::Data<AppState>, q: web::Query<InboxQuery>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let me = Recipient::Staff(session.staff.staff.id);
    let request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let found = inbox::list(&state.db, &me, request).await?;
    if found.unread > 0 {
        inbox::mark_all_read(&state.db, &me, state.now()).await?;
    }
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let shown = InboxPage {
        frame: Frame::of(&session, "inbox"),
        unread: found.unread,
        messages: found
            .items
            .into_iter()
            .map(|m| Message {
                at: m.created_at.with_timezone(&china()).format("%m-%d %H:%M").to_string(),
                link: console_link(&m.kind, m.class_id),
                title: m.title,
                body: m.body,
                unread: !m.read,
            })
            .collect(),
        prev: (request.page > 1).then(|| format!("/console/inbox?page={}", request.page - 1)),
        next: (request.page < pages).then(|| format!("/console/inbox?page={}", request.page + 1)),
    };
    page(StatusCode::OK, &shown)
}

/// The menu's count of unread messages (empty when none), for htmx to put in place.
async fn badge(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let n = inbox::unread(&state.db, &Recipient::Staff(session.staff.staff.id)).await?;
    let html = if n == 0 { String::new() } else { format!(r#"<span class="badge">{}</span>"#, n.min(99)) };
    Ok(HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
        .body(html))
}
