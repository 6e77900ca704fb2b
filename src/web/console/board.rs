//! The live board of a session (the desktop version of the phone monitor): counts by status, everyone on the roster
//! with their status, time and phone (those not yet here first when asked), several trainees set to one status with
//! one reason (each correction its own audited record, through the attendance service), and the failed check-in
//! attempts with who, why, distance and device — suspected relays flagged. The counts and attempts refresh every
//! 10 seconds (htmx); the list keeps the person's ticks until they act.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use uuid::Uuid;

use super::*;
use crate::attendance::model::AttendanceStatus;
use crate::attendance::service::{self as attendance, Correction};
use crate::checkin::attempts::{self, result_label};
use crate::clock::{china, local_date, local_hhmm};
use crate::entity::class_session;
use crate::pagination::PageRequest;
use crate::timetable::window::WindowState;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console/sessions/{sid}/board").route(web::get().to(board)).route(web::post().to(correct)),
    )
    .service(web::resource("/console/sessions/{sid}/live").route(web::get().to(live)))
    .service(web::resource("/console/sessions/{sid}/board/undo").route(web::post().to(undo)));
}

/// Failed attempts the board lists.
const ATTEMPTS: u64 = 50;

const STATUSES: [AttendanceStatus; 6] = [
    AttendanceStatus::Present,
    AttendanceStatus::Late,
    AttendanceStatus::EarlyLeave,
    AttendanceStatus::Leave,
    AttendanceStatus::Absent,
    AttendanceStatus::Exempt,
];

struct Entry {
    id: Uuid,
    name: String,
    unit: String,
    phone: String,
    status: String,
    status_class: &'static str,
    time: String,
    note: String,
    /// Set by staff: the last correction can be undone.
    corrected: bool,
}

struct Attempt {
    at: String,
    who: String,
    why: String,
    distance: String,
    device: String,
    suspect: Option<&'static str>,
}

#[derive(Template)]
#[template(path = "console/board.html")]
struct BoardPage {
    frame: Frame,
    head: ClassHead,
    session_id: Uuid,
    title: String,
    when: String,
    venue: String,
    /// An online live session: its attendance comes from the meeting's export (the online page).
    online: bool,
    top: Top,
    list: List,
    attempts: Vec<Attempt>,
    statuses: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<String>,
}

/// The counts and the check-in switch.
struct Top {
    state: &'static str,
    state_class: &'static str,
    open: bool,
    counts: crate::live::Counts,
}

/// Everyone on the roster with their status (or only those not here).
struct List {
    entries: Vec<Entry>,
    missing_only: bool,
}

/// One part of the board alone, for the page's live refresh: the same markup as the whole page's.
#[derive(Template)]
#[template(path = "console/board.html", block = "counts")]
struct CountsPart {
    frame: Frame,
    session_id: Uuid,
    top: Top,
}

#[derive(Template)]
#[template(path = "console/board.html", block = "list")]
struct ListPart {
    session_id: Uuid,
    list: List,
}

#[derive(Template)]
#[template(path = "console/board.html", block = "attempts")]
struct AttemptsPart {
    session_id: Uuid,
    attempts: Vec<Attempt>,
}

#[derive(serde::Deserialize)]
pub struct BoardQuery {
    #[serde(default)]
    show: Option<String>,
    #[serde(default)]
    done: Option<usize>,
    /// After an undo: the status the record has again.
    #[serde(default)]
    undone: Option<String>,
    /// `counts`, `list` or `attempts`: that part alone (the live refresh).
    #[serde(default)]
    part: Option<String>,
}

async fn board(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<BoardQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let missing_only = q.show.as_deref() == Some("missing");
    let now = state.now();
    match q.part.as_deref() {
        Some("counts") => {
            let record = attendance::for_session(&state.db, &scope, &found, now).await?;
            let top = top(&found, &record, now);
            page(StatusCode::OK, &CountsPart { frame: Frame::of(&session, "classes"), session_id: found.id, top })
        }
        Some("list") => {
            let list = list(&state, &scope, &found, missing_only).await?;
            page(StatusCode::OK, &ListPart { session_id: found.id, list })
        }
        Some("attempts") => {
            let attempts = attempts(&state, &scope, &found).await?;
            page(StatusCode::OK, &AttemptsPart { session_id: found.id, attempts })
        }
        _ => {
            let notice = match (q.done, q.undone.as_deref()) {
                (Some(n), _) => Some(format!("已修改 {n} 名学员的考勤，每人一条操作记录。")),
                (None, Some(status)) => Some(format!("已撤销修改，该学员现为“{status}”，已记入操作日志。")),
                _ => None,
            };
            board_page(&state, &session, &scope, &found, missing_only, notice, None, StatusCode::OK).await
        }
    }
}

fn top(
    found: &class_session::Model,
    record: &attendance::SessionAttendance,
    now: chrono::DateTime<chrono::Utc>,
) -> Top {
    let window = crate::timetable::window::window_state(found, now);
    Top {
        state: window_badge(window).0,
        state_class: window_badge(window).1,
        open: window == WindowState::Open,
        counts: crate::live::counts(record),
    }
}

async fn list(
    state: &AppState,
    scope: &ClassScope,
    found: &class_session::Model,
    missing_only: bool,
) -> AppResult<List> {
    let record = attendance::for_session(&state.db, scope, found, state.now()).await?;
    entries(state, scope, record, missing_only).await
}

async fn entries(
    state: &AppState,
    scope: &ClassScope,
    record: attendance::SessionAttendance,
    missing_only: bool,
) -> AppResult<List> {
    let roster = crate::roster::service::all_active(&state.db, scope.class.id).await?;
    let phones: HashMap<Uuid, String> =
        roster.iter().map(|(e, p)| (e.id, crate::roster::model::shown_phone(p))).collect();
    let mut entries: Vec<Entry> = record
        .entries
        .into_iter()
        .filter(|e| {
            !missing_only
                || !e
                    .status
                    .is_some_and(|s| s.attended() || matches!(s, AttendanceStatus::Leave | AttendanceStatus::Exempt))
        })
        .map(|e| Entry {
            id: e.enrollment_id,
            phone: phones.get(&e.enrollment_id).cloned().unwrap_or_default(),
            status_class: match e.status {
                Some(s) if s.attended() => "open",
                Some(AttendanceStatus::Leave | AttendanceStatus::Exempt) => "draft",
                Some(_) => "bad",
                None => "finished",
            },
            time: match (e.checked_in_at, e.checked_out_at) {
                (Some(i), Some(o)) => format!("{} / {}", local_hhmm(i), local_hhmm(o)),
                (Some(i), None) => local_hhmm(i),
                _ => String::new(),
            },
            note: e.note.unwrap_or_default(),
            corrected: e.source.as_deref() == Some("staff"),
            name: e.name,
            unit: e.unit,
            status: e.status_label,
        })
        .collect();
    if missing_only {
        entries.sort_by(|a, b| a.unit.cmp(&b.unit));
    }
    Ok(List { entries, missing_only })
}

/// The failed attempts, newest first, with who (from the roster), why, distance and device; suspected relays flagged.
async fn attempts(state: &AppState, scope: &ClassScope, found: &class_session::Model) -> AppResult<Vec<Attempt>> {
    let failed = attempts::list(&state.db, found.id, None, PageRequest { page: 1, per_page: ATTEMPTS }).await?;
    let failed: Vec<_> = failed.items.into_iter().filter(|a| a.result != "ok" && a.result != "already").collect();
    if failed.is_empty() {
        return Ok(Vec::new());
    }
    let roster = crate::roster::service::all_active(&state.db, scope.class.id).await?;
    let by_enrollment: HashMap<Uuid, (String, String)> =
        roster.iter().map(|(e, p)| (e.id, (p.name.clone(), p.unit.clone()))).collect();
    let by_person: HashMap<Uuid, (String, String)> =
        roster.iter().map(|(_, p)| (p.id, (p.name.clone(), p.unit.clone()))).collect();
    // A device used by two trainees for this session is a likely relay.
    let mut users_of: HashMap<&str, std::collections::HashSet<Uuid>> = HashMap::new();
    for a in &failed {
        if let (Some(d), Some(e)) = (a.device.as_deref(), a.enrollment_id.or(a.person_id)) {
            users_of.entry(d).or_default().insert(e);
        }
    }
    let radius = crate::timetable::model::Geofence::of(found).map(|g| f64::from(g.radius_m));
    Ok(failed
        .iter()
        .map(|a| {
            let shared = a.device.as_deref().is_some_and(|d| users_of.get(d).is_some_and(|s| s.len() > 1));
            let far = matches!((a.distance_m, radius), (Some(d), Some(r)) if d > 3.0 * r);
            Attempt {
                at: a.at.with_timezone(&china()).format("%H:%M:%S").to_string(),
                who: a
                    .enrollment_id
                    .and_then(|e| by_enrollment.get(&e))
                    .or_else(|| a.person_id.and_then(|p| by_person.get(&p)))
                    .map(|(n, u)| format!("{n}（{u}）"))
                    .unwrap_or_else(|| "未识别".to_owned()),
                why: result_label(&a.result).to_owned(),
                distance: a.distance_m.map(|d| format!("{d:.0} 米")).unwrap_or_default(),
                // The end of the device id tells devices apart; the whole id stays in the attempt log.
                device: a
                    .device
                    .as_deref()
                    .map(|d| {
                        let chars: Vec<char> = d.chars().collect();
                        chars[chars.len().saturating_sub(8)..].iter().collect()
                    })
                    .unwrap_or_default(),
                suspect: if shared || a.result == "device_shared" {
                    Some("疑似代签：同一手机")
                } else if far {
                    Some("远离签到范围")
                } else if a.result == "qr_token_forged" || a.result == "qr_token_expired" {
                    Some("疑似转发二维码")
                } else {
                    None
                },
            }
        })
        .collect())
}

#[allow(clippy::too_many_arguments)]
async fn board_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    found: &class_session::Model,
    missing_only: bool,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let record = attendance::for_session(&state.db, scope, found, now).await?;
    let top = top(found, &record, now);
    let list = entries(state, scope, record, missing_only).await?;
    let attempts = attempts(state, scope, found).await?;
    let day = local_date(found.starts_at);
    let shown = BoardPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/sessions"),
        session_id: found.id,
        title: found.title.clone(),
        when: format!("{day} {} {}–{}", weekday_label(day), local_hhmm(found.starts_at), local_hhmm(found.ends_at)),
        venue: found.venue.clone().unwrap_or_default(),
        online: found.kind == crate::entity::vocab::SessionKind::OnlineLive,
        top,
        list,
        attempts,
        statuses: STATUSES.iter().map(|s| (s.as_str(), s.label())).collect(),
        notice,
        error,
    };
    page(status, &shown)
}

/// The board's live nudges: one event per change of this session, from any instance (see `http::sse`).
async fn live(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(HttpResponse::Unauthorized().finish()) };
    let (_, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    Ok(nudges(&state, vec![crate::live::session_topic(found.id)]))
}

/// Sets the ticked trainees (repeated `e` fields) to one status with one reason: one correction, and one audit row,
/// per trainee.
async fn correct(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str());
    let session = match posting(&req, &state, field("csrf")).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let chosen: Vec<Uuid> = form.iter().filter(|(k, _)| k == "e").filter_map(|(_, v)| v.parse().ok()).collect();
    let status = field("status").and_then(AttendanceStatus::parse);
    let reason = field("reason").unwrap_or_default();
    let refuse = |why: String| {
        let state = state.clone();
        let (session, scope, found) = (&session, &scope, &found);
        async move { board_page(&state, session, scope, found, false, None, Some(why), StatusCode::BAD_REQUEST).await }
    };
    let Some(status) = status else { return refuse("请选择要设置的考勤状态".to_owned()).await };
    if chosen.is_empty() {
        return refuse("请先勾选学员".to_owned()).await;
    }
    if reason.trim().is_empty() {
        return refuse("修改考勤必须填写原因（将记入操作日志）".to_owned()).await;
    }
    let actor = session.staff.actor();
    let mut done = 0;
    for enrollment_id in chosen {
        let correction = Correction { enrollment_id, status, reason };
        match attendance::correct(state.at_now(), &actor, &scope, &found, correction).await {
            Ok(_) => done += 1,
            Err(e) => match correctable(&e) {
                Some(code) => {
                    let why = format!("已修改 {done} 人；其后的一人未能修改：{}", e.message);
                    return board_page(&state, &session, &scope, &found, false, None, Some(why), code).await;
                }
                None => return Err(e),
            },
        }
    }
    Ok(see_other(&format!("/console/sessions/{}/board?done={done}", found.id)))
}

/// Undoes the last correction of one trainee (`undo`), with the reason asked for on the button (`undo_reason`, or
/// the bar's reason without a script).
async fn undo(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).filter(|v| !v.is_empty());
    let session = match posting(&req, &state, field("csrf")).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let Some(enrollment_id) = field("undo").and_then(|v| v.parse::<Uuid>().ok()) else {
        let why = "请选择要撤销修改的学员".to_owned();
        return board_page(&state, &session, &scope, &found, false, None, Some(why), StatusCode::BAD_REQUEST).await;
    };
    let reason = field("undo_reason").or(field("reason")).unwrap_or_default();
    let actor = session.staff.actor();
    match attendance::undo_correction(state.at_now(), &actor, &scope, &found, enrollment_id, reason).await {
        Ok(status) => {
            let label = status.map(|s| s.label()).unwrap_or("未签到");
            let label: String = form_urlencoded::byte_serialize(label.as_bytes()).collect();
            Ok(see_other(&format!("/console/sessions/{}/board?undone={label}", found.id)))
        }
        Err(e) => match correctable(&e) {
            Some(code) => {
                let why = e.message.into_owned();
                board_page(&state, &session, &scope, &found, false, None, Some(why), code).await
            }
            None => Err(e),
        },
    }
}
