//! 今日: the signed-in person's classes that are running, each with today's sessions, their check-in state and
//! counts (应到, 实到, 迟到, 请假, 未到), and the leave requests waiting for them. The section fetches itself again
//! after each change in one of those classes (server-sent events from `/console/today/live`), and every minute.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::*;
use crate::class::{ClassStatus, service as classes};
use crate::clock::{china, local_hhmm};
use crate::pagination::PageRequest;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/today").route(web::get().to(today)))
        .service(web::resource("/console/today/live").route(web::get().to(live)));
}

/// Running classes the page shows at most.
const CLASSES: u64 = 50;

struct Line {
    id: Uuid,
    time: String,
    title: String,
    venue: String,
    state: &'static str,
    state_class: &'static str,
    open: bool,
    /// Check-in has opened (or the session is over): before that nobody is missing yet.
    started: bool,
    expected: u64,
    attended: u64,
    late: u64,
    leave: u64,
    missing: u64,
}

struct ClassDay {
    id: Uuid,
    name: String,
    lines: Vec<Line>,
}

#[derive(Template)]
#[template(path = "console/today.html")]
struct TodayPage {
    frame: Frame,
    date: String,
    classes: Vec<ClassDay>,
    waiting: usize,
    refreshed: String,
}

async fn today(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let now = state.now();
    let running = running(&state, &session).await?;
    let mut days = Vec::new();
    for class in running {
        let Some(scope) = scoped(&state, &session, &class.id.to_string()).await? else { continue };
        let snapshot = crate::live::class_snapshot(&state, &scope).await?;
        let lines = snapshot
            .sessions
            .into_iter()
            .map(|l| {
                use crate::attendance::model::WindowState;
                let c = l.counts;
                let (label, badge) = window_badge(l.window);
                Line {
                    id: l.session.id,
                    time: format!("{}–{}", local_hhmm(l.session.starts_at), local_hhmm(l.session.ends_at)),
                    title: l.session.title,
                    venue: l.session.venue.unwrap_or_default(),
                    state: label,
                    state_class: badge,
                    open: l.window == WindowState::Open,
                    started: l.window != WindowState::NotOpen,
                    expected: c.expected,
                    attended: c.attended,
                    late: c.late,
                    leave: c.leave,
                    missing: c.not_yet + c.absent,
                }
            })
            .collect();
        days.push(ClassDay { id: class.id, name: class.name, lines });
    }
    let waiting = crate::leave::service::waiting_for(&state.db, &session.staff).await?.len();
    let local = now.with_timezone(&china());
    let shown = TodayPage {
        frame: Frame::of(&session, "today"),
        date: format!("{} {}", local.format("%Y年%-m月%-d日"), weekday_label(local.date_naive())),
        classes: days,
        waiting,
        refreshed: local.format("%H:%M:%S").to_string(),
    };
    page(StatusCode::OK, &shown)
}

/// The person's running classes (at most `CLASSES`).
async fn running(state: &AppState, session: &Session) -> AppResult<Vec<crate::class::ClassView>> {
    let filter = classes::ClassFilter { status: Some(ClassStatus::Open), ..Default::default() };
    let page = PageRequest { page: 1, per_page: CLASSES };
    Ok(classes::list_classes(&state.db, &session.staff, filter, page).await?.items)
}

/// The page's live nudges: every change in any of the person's running classes.
async fn live(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(HttpResponse::Unauthorized().finish()) };
    let topics = running(&state, &session).await?.iter().map(|c| crate::live::class_topic(c.id)).collect();
    Ok(nudges(&state, topics))
}
