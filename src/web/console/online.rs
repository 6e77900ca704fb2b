//! An online session's page (线上考勤): where it is streamed and its rule, the meeting's attendance export uploaded
//! and previewed (nothing stored) before it is imported, the viewers the import could not match with a trainee to
//! assign each to, and every trainee's watched minutes and resulting status. Everything goes through
//! `online::service`, the same functions as the API.

use actix_multipart::Multipart;
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::staged::{self, Kind};
use super::*;
use crate::attendance::model::AttendanceStatus;
use crate::clock::{local_date, local_hhmm};
use crate::entity::class_session;
use crate::online::OnlineRule;
use crate::online::service::{self as online, OnlineAttendance, OnlineSettings, Platform};
use crate::tabular::Upload;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/sessions/{sid}/online").route(web::get().to(show)))
        .service(web::resource("/console/sessions/{sid}/online/settings").route(web::post().to(save_settings)))
        .service(web::resource("/console/sessions/{sid}/online/import").route(web::post().to(preview)))
        .service(web::resource("/console/sessions/{sid}/online/import/confirm").route(web::post().to(confirm)))
        .service(web::resource("/console/sessions/{sid}/online/assign").route(web::post().to(assign)));
}

const PLATFORMS: [Platform; 4] = [Platform::TencentMeeting, Platform::Dingtalk, Platform::Wecom, Platform::Other];
const SHORT_STATUSES: [AttendanceStatus; 3] =
    [AttendanceStatus::EarlyLeave, AttendanceStatus::Late, AttendanceStatus::Absent];

/// The settings form as typed (strings, so a refused form comes back as the person left it).
#[derive(Deserialize, Default, Clone)]
pub struct SettingsForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    platform: String,
    #[serde(default)]
    meeting_number: String,
    #[serde(default)]
    join_url: String,
    /// `own`: this session's rule below; anything else: the class's.
    #[serde(default)]
    rule_mode: String,
    #[serde(default)]
    present_percent: String,
    #[serde(default)]
    absent_below_percent: String,
    #[serde(default)]
    short_status: String,
    #[serde(default)]
    late_minutes: String,
    #[serde(default)]
    early_minutes: String,
}

impl SettingsForm {
    fn of(session: &class_session::Model, effective: &OnlineRule) -> Self {
        let stored = OnlineSettings::of(session);
        let [present_percent, absent_below_percent, short_status, late_minutes, early_minutes] =
            rule_fields(&stored.rule.unwrap_or(*effective));
        SettingsForm {
            csrf: None,
            platform: stored.platform.map(|p| p.as_str().to_owned()).unwrap_or_default(),
            meeting_number: stored.meeting_number.unwrap_or_default(),
            join_url: stored.join_url.unwrap_or_default(),
            rule_mode: if stored.rule.is_some() { "own" } else { "class" }.to_owned(),
            present_percent,
            absent_below_percent,
            short_status,
            late_minutes,
            early_minutes,
        }
    }

    fn own_rule(&self) -> bool {
        self.rule_mode == "own"
    }

    /// The settings the form asks for, or the refusal of the field that is wrong.
    fn settings(&self) -> AppResult<OnlineSettings> {
        let platform = match self.platform.trim() {
            "" => None,
            raw => {
                Some(Platform::parse(raw).ok_or_else(|| AppError::validation("请选择直播平台").on_field("platform"))?)
            }
        };
        let rule = if self.own_rule() {
            let fields = [
                &self.present_percent,
                &self.absent_below_percent,
                &self.short_status,
                &self.late_minutes,
                &self.early_minutes,
            ];
            Some(typed_rule(fields.map(String::as_str))?)
        } else {
            None
        };
        Ok(OnlineSettings {
            platform,
            meeting_number: typed(&self.meeting_number),
            join_url: typed(&self.join_url),
            rule,
        })
    }
}

/// A rule typed into a form (出勤比例, 缺勤比例, 不足时的状态, 迟到分钟, 早退分钟), or the refusal of the
/// field that is wrong (`rule` when the figures contradict each other).
pub(super) fn typed_rule([present, absent, short, late, early]: [&str; 5]) -> AppResult<OnlineRule> {
    let short_status = AttendanceStatus::parse(short.trim())
        .ok_or_else(|| AppError::validation("请选择观看不足时的状态").on_field("short_status"))?;
    let rule = OnlineRule {
        present_percent: number(present, "present_percent", "出勤所需观看比例")?,
        absent_below_percent: number(absent, "absent_below_percent", "缺勤比例")?,
        short_status,
        late_minutes: number(late, "late_minutes", "迟到分钟数")?,
        early_minutes: number(early, "early_minutes", "早退分钟数")?,
    };
    rule.check().map_err(|m| AppError::validation(m).on_field("rule"))?;
    Ok(rule)
}

/// The fields of a rule form, in the order [`typed_rule`] reads them.
pub(super) fn rule_fields(rule: &OnlineRule) -> [String; 5] {
    [
        rule.present_percent.to_string(),
        rule.absent_below_percent.to_string(),
        rule.short_status.as_str().to_owned(),
        rule.late_minutes.to_string(),
        rule.early_minutes.to_string(),
    ]
}

/// The short statuses a rule may give, for its select.
pub(super) fn short_statuses() -> Vec<(&'static str, &'static str)> {
    SHORT_STATUSES.iter().map(|s| (s.as_str(), s.label())).collect()
}

/// The rule in one sentence, as staff read it.
fn rule_text(rule: &OnlineRule) -> String {
    format!(
        "观看达到课程时长的 {}% 记出勤，低于 {}% 记旷课，其间记{}；开课 {} 分钟后才首次入会记迟到，下课前 {} 分钟以上最后退出记早退。",
        rule.present_percent,
        rule.absent_below_percent,
        rule.short_status.label(),
        rule.late_minutes,
        rule.early_minutes
    )
}

/// 72 分钟, or 71 分 59 秒.
fn duration_label(seconds: i64) -> String {
    let seconds = seconds.max(0);
    match (seconds / 60, seconds % 60) {
        (m, 0) => format!("{m} 分钟"),
        (0, s) => format!("{s} 秒"),
        (m, s) => format!("{m} 分 {s} 秒"),
    }
}

fn percent_label(p: f64) -> String {
    let text = format!("{p:.1}");
    format!("{}%", text.strip_suffix(".0").unwrap_or(&text))
}

fn status_class(status: AttendanceStatus) -> &'static str {
    match status {
        AttendanceStatus::Present => "open",
        AttendanceStatus::Late | AttendanceStatus::EarlyLeave => "draft",
        AttendanceStatus::Leave | AttendanceStatus::Exempt => "finished",
        AttendanceStatus::Absent => "bad",
    }
}

struct ViewerRow {
    name: String,
    phone: String,
    how: String,
    trainee: String,
    watched: String,
    platform: String,
    times: String,
    rows: String,
}

struct TraineeRow {
    name: String,
    unit: String,
    watched: String,
    percent: String,
    status: String,
    status_class: &'static str,
    current: String,
    kept: String,
}

/// What the page shows of the session's online attendance (stored, or a dry run's).
struct Shown {
    /// One line about the import behind the figures.
    summary: String,
    rule: String,
    unmatched: Vec<ViewerRow>,
    matched: Vec<ViewerRow>,
    trainees: Vec<TraineeRow>,
    /// (enrolment, 姓名 · 单位) for the assignment lists.
    roster: Vec<(Uuid, String)>,
    has_import: bool,
}

impl Shown {
    fn of(view: OnlineAttendance) -> Shown {
        let (unmatched, matched): (Vec<_>, Vec<_>) = view.viewers.into_iter().partition(|v| v.enrollment_id.is_none());
        let roster: Vec<(Uuid, String)> =
            view.trainees.iter().map(|t| (t.enrollment_id, format!("{} · {}", t.name, t.unit))).collect();
        // The trainee with their unit: two 张伟 are told apart.
        let who = |id: Option<Uuid>| roster.iter().find(|(e, _)| Some(*e) == id).map(|(_, l)| l.clone());
        let row = |v: crate::online::service::ViewerLine| ViewerRow {
            trainee: who(v.enrollment_id).or(v.trainee_name).unwrap_or_default(),
            times: match (v.first_join, v.last_leave) {
                (Some(a), Some(b)) => format!("{}–{}", local_hhmm(a), local_hhmm(b)),
                _ => String::new(),
            },
            rows: v.rows.iter().map(ToString::to_string).collect::<Vec<_>>().join("、"),
            watched: duration_label(v.watched_seconds),
            platform: v.platform_seconds.map(duration_label).unwrap_or_default(),
            phone: v.phone.unwrap_or_default(),
            how: v.matched_label,
            name: v.display_name,
        };
        let summary = match (&view.import, view.dry_run) {
            (_, true) => format!(
                "预览（尚未导入）：文件按「{}」读取，{} 个参会名称，{} 个待指定；导入将写入 {} 条考勤记录。",
                view.layout_label.as_deref().unwrap_or("参会记录"),
                unmatched.len() + matched.len(),
                unmatched.len(),
                view.changed
            ),
            (Some(i), false) => format!(
                "最近一次导入：{}，{} 个参会名称，已匹配 {}，待指定 {}；{} 于 {} {} 导入。",
                i.layout,
                i.viewers,
                i.matched,
                i.unmatched,
                i.imported_by,
                local_date(i.imported_at),
                local_hhmm(i.imported_at)
            ),
            (None, false) => "还没有导入参会记录。直播结束后，从会议平台导出参会明细，在下方上传。".to_owned(),
        };
        let unmatched: Vec<ViewerRow> = unmatched.into_iter().map(row).collect();
        let matched: Vec<ViewerRow> = matched.into_iter().map(row).collect();
        Shown {
            summary,
            rule: rule_text(&view.rule),
            has_import: view.import.is_some() || view.dry_run,
            trainees: view
                .trainees
                .into_iter()
                .map(|t| TraineeRow {
                    watched: duration_label(t.watched_seconds),
                    percent: percent_label(t.watched_percent),
                    status_class: status_class(t.status),
                    status: t.status_label,
                    current: t.current.map(|s| s.label().to_owned()).unwrap_or_else(|| "—".to_owned()),
                    kept: t.kept.unwrap_or_default(),
                    name: t.name,
                    unit: t.unit,
                })
                .collect(),
            unmatched,
            matched,
            roster,
        }
    }
}

#[derive(Template)]
#[template(path = "console/online.html")]
struct OnlinePage {
    frame: Frame,
    head: ClassHead,
    session_id: Uuid,
    title: String,
    when: String,
    form: SettingsForm,
    /// The class's rule (what "按本班规则" means).
    class_rule: String,
    shown: Shown,
    /// The key of a previewed file waiting for its confirmation.
    staged: Option<String>,
    platforms: Vec<(&'static str, &'static str)>,
    short_statuses: Vec<(&'static str, &'static str)>,
    notice: Option<String>,
    error: Option<(Option<&'static str>, String)>,
}

impl OnlinePage {
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    /// A refusal that names no field of the settings form.
    fn error_general(&self) -> Option<&str> {
        match &self.error {
            Some((Some(f), _))
                if [
                    "platform",
                    "present_percent",
                    "absent_below_percent",
                    "short_status",
                    "late_minutes",
                    "early_minutes",
                    "rule",
                ]
                .contains(f) =>
            {
                None
            }
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

/// What to show beside the session's figures: a notice, a refusal, the settings as typed, a dry run.
#[derive(Default)]
struct Extras {
    notice: Option<String>,
    error: Option<(Option<&'static str>, String)>,
    form: Option<SettingsForm>,
    preview: Option<(OnlineAttendance, String)>,
}

async fn render(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    found: &class_session::Model,
    extras: Extras,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let (view, staged) = match extras.preview {
        Some((view, key)) => (view, Some(key)),
        None => (online::view(&state.db, scope, found).await?, None),
    };
    let class_rule = online::rule_for(&scope.class, &class_session::Model { online_rule: None, ..found.clone() });
    let day = local_date(found.starts_at);
    let shown = OnlinePage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/sessions"),
        session_id: found.id,
        title: found.title.clone(),
        when: format!("{day} {} {}–{}", weekday_label(day), local_hhmm(found.starts_at), local_hhmm(found.ends_at)),
        form: extras.form.unwrap_or_else(|| SettingsForm::of(found, &view.rule)),
        class_rule: rule_text(&class_rule),
        shown: Shown::of(view),
        staged,
        platforms: PLATFORMS.iter().map(|p| (p.as_str(), p.label())).collect(),
        short_statuses: short_statuses(),
        notice: extras.notice,
        error: extras.error,
    };
    page(status, &shown)
}

/// The online session at `raw`, or the page to answer instead (404; another kind of session is refused).
async fn online_scoped(
    state: &AppState,
    session: &Session,
    raw: &str,
) -> AppResult<Result<(ClassScope, class_session::Model), HttpResponse>> {
    match session_scoped(state, session, raw).await? {
        Ok((_, found)) if found.kind != crate::entity::vocab::SessionKind::OnlineLive => message(
            session,
            StatusCode::BAD_REQUEST,
            "不是在线直播课程",
            "只有类型为“在线直播”的课程按观看时长考勤。可以在课表中把课程类型改为“在线直播”。",
        )
        .map(Err),
        other => Ok(other),
    }
}

async fn show(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<DoneQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (scope, found) = match online_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let notice = match (q.done.as_deref(), q.n) {
        (Some("settings"), _) => Some("已保存直播设置。规则的改动在下次导入或指定时生效。".to_owned()),
        (Some("imported"), Some(n)) => Some(format!("已导入，写入 {n} 条考勤记录，已记入操作日志。")),
        (Some("assigned"), Some(n)) => {
            Some(format!("已指定，本班其他线上课程也会按此匹配；写入 {n} 条考勤记录，已记入操作日志。"))
        }
        _ => None,
    };
    render(&state, &session, &scope, &found, Extras { notice, ..Extras::default() }, StatusCode::OK).await
}

async fn save_settings(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<SettingsForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match online_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let form = form.into_inner();
    let saved = match form.settings() {
        Ok(settings) => {
            let at = state.at(state.now());
            online::set_settings(at, &session.staff.actor(), &scope, found.clone(), settings).await.map(|_| ())
        }
        Err(e) => Err(e),
    };
    match saved {
        Ok(()) => Ok(see_other(&format!("/console/sessions/{}/online?done=settings", found.id))),
        Err(e) => match correctable(&e) {
            Some(status) => {
                let extras = Extras { error: shown_error(e), form: Some(form), ..Extras::default() };
                render(&state, &session, &scope, &found, extras, status).await
            }
            None => Err(e),
        },
    }
}

/// Reads the uploaded export and shows what importing it would do (nothing stored); the file is kept for the
/// confirmation.
async fn preview(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    payload: Multipart,
) -> AppResult<HttpResponse> {
    let posted = staged::read(payload).await;
    let csrf = posted.as_ref().ok().and_then(|p| p.field("csrf").map(str::to_owned));
    let session = match posting(&req, &state, csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match online_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let refusal = |message: String| Extras { error: Some((None, message)), ..Extras::default() };
    let bytes = match posted.map(|p| p.file) {
        Ok(Some(bytes)) => bytes,
        Ok(None) => {
            let extras = refusal("请选择会议平台导出的参会明细文件（.xlsx 或 .csv）".to_owned());
            return render(&state, &session, &scope, &found, extras, StatusCode::BAD_REQUEST).await;
        }
        Err(e) => return refused_with(&state, &session, &scope, &found, e).await,
    };
    let file = Upload { bytes: bytes.clone(), limits: state.settings.import.roster() };
    let at = state.at(state.now());
    match online::import(at, &session.staff.actor(), &scope, &found, file, true).await {
        Ok(view) => {
            let kv = state.infra.kv.as_ref();
            let key = staged::keep(kv, Kind::Online, found.id, session.staff.staff.id, &bytes).await?;
            let extras = Extras { preview: Some((view, key)), ..Extras::default() };
            render(&state, &session, &scope, &found, extras, StatusCode::OK).await
        }
        Err(e) => refused_with(&state, &session, &scope, &found, e).await,
    }
}

/// The page with a refusal the person can act on (at its status); a failure of the server stays an error.
async fn refused_with(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    found: &class_session::Model,
    e: AppError,
) -> AppResult<HttpResponse> {
    match correctable(&e) {
        Some(status) => {
            let extras = Extras { error: Some((None, e.message.into_owned())), ..Extras::default() };
            render(state, session, scope, found, extras, status).await
        }
        None => Err(e),
    }
}

#[derive(Deserialize)]
pub struct ConfirmForm {
    #[serde(default)]
    staged: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Imports the previewed file: the session's records in one transaction, audited.
async fn confirm(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ConfirmForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match online_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let kv = state.infra.kv.as_ref();
    let staff_id = session.staff.staff.id;
    let imported = match staged::take(kv, Kind::Online, found.id, staff_id, &form.staged).await {
        Ok(bytes) => {
            let file = Upload { bytes, limits: state.settings.import.roster() };
            let at = state.at(state.now());
            online::import(at, &session.staff.actor(), &scope, &found, file, false).await
        }
        Err(e) => Err(e),
    };
    match imported {
        Ok(view) => {
            staged::forget(kv, Kind::Online, found.id, staff_id, &form.staged).await;
            Ok(see_other(&format!("/console/sessions/{}/online?done=imported&n={}", found.id, view.changed)))
        }
        Err(e) => refused_with(&state, &session, &scope, &found, e).await,
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    csrf: Option<String>,
    #[serde(default)]
    display_name: String,
    #[serde(default)]
    enrollment_id: String,
}

/// Assigns an unmatched viewer to a trainee (remembered for the class) and writes the session's records again.
async fn assign(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (scope, found) = match online_scoped(&state, &session, &path).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let assigned = match form.enrollment_id.trim().parse::<Uuid>() {
        Ok(enrollment_id) => {
            let at = state.at(state.now());
            online::assign(at, &session.staff.actor(), &scope, &found, &form.display_name, enrollment_id).await
        }
        Err(_) => Err(AppError::validation(format!("请为「{}」选择一名学员", form.display_name.trim()))),
    };
    match assigned {
        Ok(view) => Ok(see_other(&format!("/console/sessions/{}/online?done=assigned&n={}", found.id, view.changed))),
        Err(e) => refused_with(&state, &session, &scope, &found, e).await,
    }
}
