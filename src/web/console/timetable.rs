//! 课表: a class's sessions by day; adding one, adding many by a repeat rule, importing a file after a preview;
//! editing (with a reason once check-in has opened), deleting before it opens, opening and closing check-in by
//! hand, and the big-screen links of a session. Every action is the timetable or screen service the API calls.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::{NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use super::import::{self, ImportPage};
use super::staged::Kind;
use super::*;
use crate::clock::{from_local, local_date, local_hhmm};
use crate::completion::standing::trim_centi;
use crate::entity::class_session;
use crate::live::screen;
use crate::timetable::model::{CheckWindow, CoordSystem, Geofence, SessionInput, SessionKind, SessionView};
use crate::timetable::service::{self as timetable, RepeatRule, Slot};
use crate::timetable::window::{WindowState, window_state};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::resource("/console/classes/{id}/sessions").route(web::get().to(list)).route(web::post().to(create)),
    )
    .service(web::resource("/console/classes/{id}/sessions/new").route(web::get().to(new_form)))
    .service(
        web::resource("/console/classes/{id}/sessions/repeat")
            .route(web::get().to(repeat_form))
            .route(web::post().to(repeat)),
    )
    .service(
        web::resource("/console/classes/{id}/sessions/import")
            .route(web::get().to(import_form))
            .route(web::post().to(import::preview::<TimetableImport>)),
    )
    .service(
        web::resource("/console/classes/{id}/sessions/import/confirm")
            .route(web::post().to(import::confirm::<TimetableImport>)),
    )
    .service(
        web::resource("/console/sessions/{sid}/edit").route(web::get().to(edit_form)).route(web::post().to(update)),
    )
    .service(web::resource("/console/sessions/{sid}/delete").route(web::post().to(delete)))
    .service(web::resource("/console/sessions/{sid}/open").route(web::post().to(open)))
    .service(web::resource("/console/sessions/{sid}/close").route(web::post().to(close)))
    .service(
        web::resource("/console/sessions/{sid}/screens")
            .route(web::get().to(screens))
            .route(web::post().to(new_screen_link)),
    )
    .service(web::resource("/console/sessions/{sid}/screens/{lid}/revoke").route(web::post().to(revoke_screen_link)));
}

const KINDS: [SessionKind; 6] = [
    SessionKind::Lecture,
    SessionKind::Onsite,
    SessionKind::Discussion,
    SessionKind::OnlineLive,
    SessionKind::Morning,
    SessionKind::Other,
];

fn kinds() -> Vec<(&'static str, &'static str)> {
    KINDS.iter().map(|k| (k.as_str(), k.label())).collect()
}

/// One session as a row of the day list.
struct Row {
    id: Uuid,
    time: String,
    title: String,
    kind: &'static str,
    credit: String,
    venue: String,
    teacher: String,
    state: &'static str,
    state_class: &'static str,
    /// Check-in has not opened: the session may still be deleted.
    deletable: bool,
    open: bool,
    /// An online live session: attendance by watched time (its page), no QR screen.
    online: bool,
}

struct Day {
    date: NaiveDate,
    weekday: &'static str,
    rows: Vec<Row>,
}

fn row(s: &class_session::Model, now: chrono::DateTime<Utc>) -> Row {
    let state = window_state(s, now);
    let (label, badge) = window_badge(state);
    Row {
        id: s.id,
        time: format!("{}–{}", local_hhmm(s.starts_at), local_hhmm(s.ends_at)),
        title: s.title.clone(),
        kind: s.kind.label(),
        credit: trim_centi(i64::from(s.credit_centi)),
        venue: s.venue.clone().unwrap_or_default(),
        teacher: s.teacher.clone().unwrap_or_default(),
        state: label,
        state_class: badge,
        deletable: !timetable::window_opened(s, now),
        open: state == WindowState::Open,
        online: s.kind == crate::entity::vocab::SessionKind::OnlineLive,
    }
}

#[derive(Template)]
#[template(path = "console/sessions.html")]
struct ListPage {
    frame: Frame,
    head: ClassHead,
    days: Vec<Day>,
    total: usize,
    credit: String,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    deleted: Option<String>,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let notice = match (&q.added, &q.saved, &q.deleted) {
        (Some(n), _, _) => Some(format!("已添加 {n} 节课程。")),
        (None, Some(_), _) => Some("已保存。".to_owned()),
        (None, None, Some(_)) => Some("已删除该课程。".to_owned()),
        _ => None,
    };
    list_with(&state, &session, &scope, notice, None, StatusCode::OK).await
}

async fn list_with(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let rows = timetable::rows(&state.db, &[scope.class.id], None).await?;
    let credit: i32 = rows.iter().filter(|s| s.counts_toward_attendance).map(|s| s.credit_centi).sum();
    let mut days: Vec<Day> = Vec::new();
    for s in &rows {
        let date = local_date(s.starts_at);
        match days.last_mut() {
            Some(day) if day.date == date => day.rows.push(row(s, now)),
            _ => days.push(Day { date, weekday: weekday_label(date), rows: vec![row(s, now)] }),
        }
    }
    let shown = ListPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/sessions"),
        days,
        total: rows.len(),
        credit: trim_centi(i64::from(credit)),
        notice,
        error,
    };
    page(status, &shown)
}

/// A session form as typed, so a refused form comes back with what the person entered.
#[derive(Deserialize, Clone, Default)]
pub struct SessionForm {
    #[serde(default)]
    title: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    date: String,
    #[serde(default)]
    start: String,
    #[serde(default)]
    end: String,
    #[serde(default)]
    credit_hours: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    teacher: String,
    #[serde(default)]
    open_before_min: String,
    #[serde(default)]
    late_after_min: String,
    #[serde(default)]
    close_after_min: String,
    #[serde(default)]
    rotation_seconds: String,
    #[serde(default)]
    checkout_required: Option<String>,
    #[serde(default)]
    counts_toward_attendance: Option<String>,
    #[serde(default)]
    geo_lat: String,
    #[serde(default)]
    geo_lng: String,
    #[serde(default)]
    geo_radius_m: String,
    #[serde(default)]
    geo_coord: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

impl SessionForm {
    fn blank(scope: &ClassScope) -> SessionForm {
        let w = CheckWindow::default();
        SessionForm {
            kind: SessionKind::Lecture.as_str().to_owned(),
            date: scope.class.start_date.to_string(),
            start: "08:30".to_owned(),
            end: "11:30".to_owned(),
            credit_hours: "3".to_owned(),
            venue: scope.class.venue.clone().unwrap_or_default(),
            open_before_min: w.open_before_min.to_string(),
            late_after_min: w.late_after_min.to_string(),
            close_after_min: w.close_after_min.to_string(),
            rotation_seconds: "10".to_owned(),
            counts_toward_attendance: Some("on".to_owned()),
            geo_coord: CoordSystem::Gcj02.as_str().to_owned(),
            ..SessionForm::default()
        }
    }

    fn of(s: &class_session::Model) -> SessionForm {
        let view = SessionView::from(s);
        let fence = view.geofence;
        SessionForm {
            title: view.title,
            kind: s.kind.as_str().to_owned(),
            date: local_date(s.starts_at).to_string(),
            start: local_hhmm(s.starts_at),
            end: local_hhmm(s.ends_at),
            credit_hours: trim_centi(i64::from(s.credit_centi)),
            venue: view.venue.unwrap_or_default(),
            teacher: view.teacher.unwrap_or_default(),
            open_before_min: s.open_before_min.to_string(),
            late_after_min: s.late_after_min.to_string(),
            close_after_min: s.close_after_min.to_string(),
            rotation_seconds: s.rotation_seconds.to_string(),
            checkout_required: s.checkout_required.then(|| "on".to_owned()),
            counts_toward_attendance: s.counts_toward_attendance.then(|| "on".to_owned()),
            geo_lat: fence.map(|g| g.lat.to_string()).unwrap_or_default(),
            geo_lng: fence.map(|g| g.lng.to_string()).unwrap_or_default(),
            geo_radius_m: fence.map(|g| g.radius_m.to_string()).unwrap_or_default(),
            geo_coord: fence.map_or(CoordSystem::Gcj02, |g| g.coord).as_str().to_owned(),
            reason: String::new(),
            csrf: None,
        }
    }

    /// The service's input; what is not a date, time or number is refused here, on its field.
    fn input(&self) -> AppResult<SessionInput> {
        let day = date(&self.date, "date")?;
        let start = time_of_day(&self.start, "start")?;
        let end = time_of_day(&self.end, "end")?;
        let window = CheckWindow {
            open_before_min: number(&self.open_before_min, "window", "提前开放分钟数")?,
            late_after_min: number(&self.late_after_min, "window", "迟到界限分钟数")?,
            close_after_min: number(&self.close_after_min, "window", "签到截止分钟数")?,
        };
        let fence_parts = [&self.geo_lat, &self.geo_lng, &self.geo_radius_m];
        let geofence = if fence_parts.iter().all(|p| p.trim().is_empty()) {
            None
        } else {
            Some(Geofence {
                lat: number(&self.geo_lat, "geofence", "纬度")?,
                lng: number(&self.geo_lng, "geofence", "经度")?,
                radius_m: number(&self.geo_radius_m, "geofence", "半径（米）")?,
                coord: CoordSystem::parse(&self.geo_coord).unwrap_or(CoordSystem::Gcj02),
            })
        };
        Ok(SessionInput {
            title: Some(self.title.trim().to_owned()),
            kind: Some(SessionKind::parse(&self.kind).unwrap_or(SessionKind::Lecture)),
            starts_at: Some(from_local(day, start)),
            ends_at: Some(from_local(day, end)),
            credit_hours: Some(number(&self.credit_hours, "credit_hours", "学时")?),
            venue: Some(typed(&self.venue)),
            teacher: Some(typed(&self.teacher)),
            geofence: Some(geofence),
            window: Some(window),
            checkout_required: Some(self.checkout_required.is_some()),
            counts_toward_attendance: Some(self.counts_toward_attendance.is_some()),
            rotation_seconds: Some(number(&self.rotation_seconds, "rotation_seconds", "二维码刷新秒数")?),
        })
    }
}

#[derive(Template)]
#[template(path = "console/session_form.html")]
struct FormPage {
    frame: Frame,
    head: ClassHead,
    /// `None` when adding.
    session_id: Option<Uuid>,
    /// Check-in has opened: changing times, 学时 or the rules needs a reason.
    locked: bool,
    form: SessionForm,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<(Option<&'static str>, String)>,
}

const SESSION_FIELDS: [&str; 11] = [
    "title",
    "date",
    "start",
    "end",
    "credit_hours",
    "venue",
    "teacher",
    "window",
    "rotation_seconds",
    "geofence",
    "reason",
];

impl FormPage {
    fn new(
        session: &Session,
        scope: &ClassScope,
        edited: Option<(&class_session::Model, bool)>,
        form: SessionForm,
    ) -> Self {
        FormPage {
            frame: Frame::of(session, "classes"),
            head: ClassHead::of(scope, "/sessions"),
            session_id: edited.map(|(s, _)| s.id),
            locked: edited.is_some_and(|(_, locked)| locked),
            form,
            kinds: kinds(),
            error: None,
        }
    }

    fn with(mut self, e: AppError) -> Self {
        self.error = shown_error(e);
        self
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _)) if SESSION_FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn new_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    page(StatusCode::OK, &FormPage::new(&session, &scope, None, SessionForm::blank(&scope)))
}

async fn create(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SessionForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let form = form.into_inner();
    let created = match form.input() {
        Ok(input) => timetable::create(&state.db, &session.staff.actor(), &scope, input, state.now()).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(_) => Ok(see_other(&format!("/console/classes/{}/sessions?added=1", scope.class.id))),
        Err(e) => refused(e, |e| FormPage::new(&session, &scope, None, form).with(e)),
    }
}

async fn edit_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let locked = timetable::window_opened(&found, state.now());
    page(StatusCode::OK, &FormPage::new(&session, &scope, Some((&found, locked)), SessionForm::of(&found)))
}

async fn update(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SessionForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let form = form.into_inner();
    let locked = timetable::window_opened(&found, state.now());
    let kept = found.clone();
    let updated = match form.input() {
        Ok(input) => {
            timetable::update(state.at_now(), &session.staff.actor(), &scope, found, input, typed(&form.reason))
                .await
                .map_err(|e| if e.code == ErrorCode::ReasonRequired { e.on_field("reason") } else { e })
        }
        Err(e) => Err(e),
    };
    match updated {
        Ok(_) => Ok(see_other(&format!("/console/classes/{}/sessions?saved=1", scope.class.id))),
        Err(e) => refused(e, |e| FormPage::new(&session, &scope, Some((&kept, locked)), form).with(e)),
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn delete(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    match timetable::delete(state.at_now(), &session.staff.actor(), found, typed(&form.reason)).await {
        Ok(()) => Ok(see_other(&format!("/console/classes/{}/sessions?deleted=1", scope.class.id))),
        Err(e) => match correctable(&e) {
            Some(status) => list_with(&state, &session, &scope, None, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

async fn open(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    set_window(req, state, path, form, true).await
}

async fn close(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    set_window(req, state, path, form, false).await
}

/// Opens or closes check-in by hand (audited by the attendance service), then back to the day list.
async fn set_window(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
    opening: bool,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    crate::attendance::service::set_window(state.at_now(), &session.staff.actor(), found, opening).await?;
    Ok(see_other(&format!("/console/classes/{}/sessions?saved=1", scope.class.id)))
}

/// The repeat rule as typed: dates, weekdays (repeated `weekday` fields), skipped dates and up to four time slots
/// (`s1_start`, `s1_end`, `s1_title`, `s1_kind`, `s1_credit`, `s1_venue`, …).
#[derive(Clone, Default)]
struct RepeatForm {
    from: String,
    to: String,
    weekdays: Vec<u32>,
    skip: String,
    slots: Vec<SlotForm>,
    csrf: Option<String>,
}

#[derive(Clone, Default)]
struct SlotForm {
    start: String,
    end: String,
    title: String,
    kind: String,
    credit: String,
    venue: String,
}

const SLOTS: usize = 4;

impl RepeatForm {
    fn blank(scope: &ClassScope) -> RepeatForm {
        let slot = |start: &str, end: &str, credit: &str| SlotForm {
            start: start.to_owned(),
            end: end.to_owned(),
            kind: SessionKind::Lecture.as_str().to_owned(),
            credit: credit.to_owned(),
            venue: scope.class.venue.clone().unwrap_or_default(),
            ..SlotForm::default()
        };
        let mut slots = vec![slot("08:30", "11:30", "3"), slot("14:30", "17:30", "3")];
        slots.resize(SLOTS, SlotForm { kind: SessionKind::Lecture.as_str().to_owned(), ..SlotForm::default() });
        RepeatForm {
            from: scope.class.start_date.to_string(),
            to: scope.class.end_date.to_string(),
            weekdays: vec![1, 2, 3, 4, 5],
            skip: String::new(),
            slots,
            csrf: None,
        }
    }

    fn parse(pairs: Vec<(String, String)>) -> RepeatForm {
        let mut form = RepeatForm { slots: vec![SlotForm::default(); SLOTS], ..RepeatForm::default() };
        for (name, value) in pairs {
            match name.as_str() {
                "from" => form.from = value,
                "to" => form.to = value,
                "skip" => form.skip = value,
                "csrf" => form.csrf = Some(value),
                "weekday" => form.weekdays.extend(value.parse::<u32>().ok().filter(|d| (1..=7).contains(d))),
                other => {
                    let Some((slot, part)) = other.strip_prefix('s').and_then(|r| r.split_once('_')) else { continue };
                    let Some(slot) = slot.parse::<usize>().ok().filter(|n| (1..=SLOTS).contains(n)) else { continue };
                    let s = &mut form.slots[slot - 1];
                    match part {
                        "start" => s.start = value,
                        "end" => s.end = value,
                        "title" => s.title = value,
                        "kind" => s.kind = value,
                        "credit" => s.credit = value,
                        "venue" => s.venue = value,
                        _ => {}
                    }
                }
            }
        }
        form
    }

    fn rule(&self) -> AppResult<RepeatRule> {
        let mut skip_dates = Vec::new();
        for part in self.skip.split([',', '，', ' ', '、', '\n']).map(str::trim).filter(|p| !p.is_empty()) {
            skip_dates.push(date(part, "skip")?);
        }
        let mut slots = Vec::new();
        for s in &self.slots {
            if [&s.start, &s.end, &s.title].iter().all(|v| v.trim().is_empty()) {
                continue;
            }
            slots.push(Slot {
                start: time_of_day(&s.start, "slots")?,
                end: time_of_day(&s.end, "slots")?,
                template: SessionInput {
                    title: Some(s.title.trim().to_owned()),
                    kind: Some(SessionKind::parse(&s.kind).unwrap_or(SessionKind::Lecture)),
                    credit_hours: Some(number(&s.credit, "slots", "学时")?),
                    venue: Some(typed(&s.venue)),
                    geofence: Some(None),
                    ..SessionInput::default()
                },
            });
        }
        if self.weekdays.is_empty() {
            return Err(AppError::validation("请至少选择一天（星期几）").on_field("weekdays"));
        }
        Ok(RepeatRule {
            from: date(&self.from, "from")?,
            to: date(&self.to, "to")?,
            weekdays: self.weekdays.clone(),
            skip_dates,
            slots,
        })
    }
}

#[derive(Template)]
#[template(path = "console/session_repeat.html")]
struct RepeatPage {
    frame: Frame,
    head: ClassHead,
    form: RepeatForm,
    kinds: Vec<(&'static str, &'static str)>,
    weekdays: [(u32, &'static str); 7],
    error: Option<(Option<&'static str>, String)>,
}

impl RepeatPage {
    fn new(session: &Session, scope: &ClassScope, form: RepeatForm, error: Option<AppError>) -> Self {
        RepeatPage {
            frame: Frame::of(session, "classes"),
            head: ClassHead::of(scope, "/sessions"),
            form,
            kinds: kinds(),
            weekdays: [(1, "周一"), (2, "周二"), (3, "周三"), (4, "周四"), (5, "周五"), (6, "周六"), (7, "周日")],
            error: error.and_then(shown_error),
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _)) if ["from", "to", "weekdays", "skip"].contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }

    fn slot_number(&self, index: &usize) -> usize {
        index + 1
    }
}

async fn repeat_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    page(StatusCode::OK, &RepeatPage::new(&session, &scope, RepeatForm::blank(&scope), None))
}

async fn repeat(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let form = RepeatForm::parse(form.into_inner());
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let created = match form.rule() {
        Ok(rule) => timetable::create_batch(&state.db, &session.staff.actor(), &scope, rule, state.now()).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(views) => Ok(see_other(&format!("/console/classes/{}/sessions?added={}", scope.class.id, views.len()))),
        Err(e) => refused(e, |e| RepeatPage::new(&session, &scope, form, Some(e))),
    }
}

fn import_page(session: &Session, scope: &ClassScope) -> ImportPage {
    ImportPage::new(
        Frame::of(session, "classes"),
        ClassHead::of(scope, "/sessions"),
        import::What {
            title: "导入课表",
            action: format!("/console/classes/{}/sessions/import", scope.class.id),
            back: format!("/console/classes/{}/sessions", scope.class.id),
            columns: "日期、开始时间、结束时间、课程名称、类型、学时、地点（可选：纬度、经度、半径、坐标系）",
            example: "2026-11-23，08:30，11:30，习近平新时代中国特色社会主义思想概论，讲授，3，第一教室",
        },
    )
}

async fn import_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    page(StatusCode::OK, &import_page(&session, &scope))
}

/// The timetable import: the timetable service's check and import.
pub(super) struct TimetableImport;

impl import::Importer for TimetableImport {
    const KIND: Kind = Kind::Timetable;

    fn page(session: &Session, scope: &ClassScope) -> ImportPage {
        import_page(session, scope)
    }

    fn limits(state: &AppState) -> crate::tabular::Limits {
        state.settings.import.timetable()
    }

    fn done(class_id: Uuid, count: usize) -> String {
        format!("/console/classes/{class_id}/sessions?added={count}")
    }

    async fn run(
        state: &AppState,
        session: &Session,
        scope: &ClassScope,
        file: crate::tabular::Upload,
        dry_run: bool,
    ) -> AppResult<import::Checked> {
        let report = timetable::import(&state.db, &session.staff.actor(), scope, file, dry_run, state.now()).await?;
        Ok(import::Checked {
            summary: import::Summary {
                total: report.total_rows,
                valid: report.valid_rows,
                error_count: report.error_count,
                extra: None,
            },
            errors: report.errors,
        })
    }
}

struct LinkRow {
    id: Uuid,
    created: String,
    expires: String,
    state: &'static str,
    live: bool,
}

#[derive(Template)]
#[template(path = "console/screens.html")]
struct ScreensPage {
    frame: Frame,
    head: ClassHead,
    session_id: Uuid,
    title: String,
    when: String,
    links: Vec<LinkRow>,
    /// The link just made: shown once, since only its hash is kept.
    new_url: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Deserialize)]
pub struct ScreensQuery {
    #[serde(default)]
    revoked: Option<String>,
}

async fn screens(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ScreensQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let notice = q.revoked.as_ref().map(|_| "已撤销该链接，使用它的屏幕会立即停止显示。");
    screens_page(&state, &session, &scope, &found, None, notice).await
}

async fn screens_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    found: &class_session::Model,
    new_url: Option<String>,
    notice: Option<&'static str>,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let stamp = |t: chrono::DateTime<Utc>| t.with_timezone(&crate::clock::china()).format("%m-%d %H:%M").to_string();
    let links = screen::list(&state.db, found.id)
        .await?
        .into_iter()
        .map(|l| LinkRow {
            id: l.id,
            created: stamp(l.created_at),
            expires: stamp(l.expires_at),
            state: if l.revoked_at.is_some() {
                "已撤销"
            } else if l.expires_at <= now {
                "已过期"
            } else {
                "有效"
            },
            live: l.revoked_at.is_none() && l.expires_at > now,
        })
        .collect();
    let r = row(found, now);
    let shown = ScreensPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/sessions"),
        session_id: found.id,
        title: found.title.clone(),
        when: format!("{} {} {}", local_date(found.starts_at), weekday_label(local_date(found.starts_at)), r.time),
        links,
        new_url,
        notice,
    };
    page(StatusCode::OK, &shown)
}

async fn new_screen_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match session_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let link = screen::create(&state.db, &session.staff.actor(), &state.base_url(), &found, state.now()).await?;
    screens_page(&state, &session, &scope, &found, Some(link.url), None).await
}

async fn revoke_screen_link(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (sid, lid) = path.into_inner();
    let (_, found) = match session_scoped(&state, &session, &sid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let Ok(link_id) = lid.parse::<Uuid>() else {
        return message(&session, StatusCode::NOT_FOUND, "找不到链接", "该大屏链接不存在。");
    };
    screen::revoke(&state.db, &session.staff.actor(), &found, link_id, state.now()).await?;
    Ok(see_other(&format!("/console/sessions/{}/screens?revoked=1", found.id)))
}
