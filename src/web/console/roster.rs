//! 学员名单: a class's roster with search; adding one trainee, importing a file after a preview; withdrawing and
//! restoring; exports; the printable invite sheet; and per trainee a page with their attendance, leave, discipline
//! and 学时 in this class, where a new invite code is issued with a reason. Every action is the roster service the
//! API calls.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use chrono::Utc;
use serde::Deserialize;
use uuid::Uuid;

use super::import::{self, ImportPage};
use super::staged::Kind;
use super::*;
use crate::clock::{china, local_date, local_hhmm};
use crate::leave::model::LeaveKind;
use crate::pagination::{PageQuery, PageRequest};
use crate::roster::model::RawPerson;
use crate::roster::{PersonFields, RosterEntry, service as roster};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/classes/{id}/roster").route(web::get().to(list)).route(web::post().to(add)))
        .service(web::resource("/console/classes/{id}/roster/new").route(web::get().to(new_form)))
        .service(
            web::resource("/console/classes/{id}/roster/import")
                .route(web::get().to(import_form))
                .route(web::post().to(import::preview::<RosterImport>)),
        )
        .service(
            web::resource("/console/classes/{id}/roster/import/confirm")
                .route(web::post().to(import::confirm::<RosterImport>)),
        )
        .service(web::resource("/console/classes/{id}/roster.xlsx").route(web::get().to(export_xlsx)))
        .service(web::resource("/console/classes/{id}/roster.csv").route(web::get().to(export_csv)))
        .service(web::resource("/console/classes/{id}/invites").route(web::get().to(invite_sheet)))
        .service(web::resource("/console/classes/{id}/roster/{eid}").route(web::get().to(trainee)))
        .service(web::resource("/console/classes/{id}/roster/{eid}/withdraw").route(web::post().to(withdraw)))
        .service(web::resource("/console/classes/{id}/roster/{eid}/restore").route(web::post().to(restore)))
        .service(web::resource("/console/classes/{id}/roster/{eid}/invite").route(web::post().to(reset_invite)))
        .service(web::resource("/console/classes/{id}/roster/{eid}/leave").route(web::post().to(record_leave)))
        .service(web::resource("/console/classes/{id}/roster/{eid}/exempt").route(web::post().to(exempt)));
}

const PER_PAGE: u64 = 50;

struct Row {
    id: Uuid,
    name: String,
    gender: String,
    phone: String,
    unit: String,
    post: String,
    active: bool,
    bound: &'static str,
}

fn bound_label(e: &RosterEntry) -> &'static str {
    match (e.wechat_bound, e.device_bound) {
        (true, _) => "已绑定微信",
        (false, true) => "已绑定手机",
        (false, false) => "未绑定",
    }
}

impl From<RosterEntry> for Row {
    fn from(e: RosterEntry) -> Self {
        let bound = bound_label(&e);
        Row {
            id: e.enrollment_id,
            name: e.name,
            gender: e.gender.unwrap_or_default(),
            phone: e.phone,
            unit: e.unit,
            post: e.post.unwrap_or_default(),
            active: e.status == crate::roster::model::STATUS_ACTIVE.as_str(),
            bound,
        }
    }
}

#[derive(Template)]
#[template(path = "console/roster.html")]
struct ListPage {
    frame: Frame,
    head: ClassHead,
    q: String,
    status: String,
    rows: Vec<Row>,
    total: u64,
    page: u64,
    pages: u64,
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
    notice: Option<String>,
}

#[derive(Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    page: Option<u64>,
    #[serde(default)]
    added: Option<usize>,
    #[serde(default)]
    saved: Option<String>,
}

async fn list(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<ListQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let q = q.into_inner();
    let search =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(64).collect::<String>());
    let status = q.status.as_deref().filter(|s| ["active", "withdrawn"].contains(s));
    let page_request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let found = roster::list(&state.db, &scope, search.as_deref(), status, page_request).await?;
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let link = |p: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = &search {
            query.append_pair("q", s);
        }
        if let Some(s) = status {
            query.append_pair("status", s);
        }
        query.append_pair("page", &p.to_string());
        format!("?{}", query.finish())
    };
    let page_no = page_request.page;
    let notice = match (&q.added, &q.saved) {
        (Some(n), _) => Some(format!("已加入 {n} 名学员。")),
        (None, Some(_)) => Some("已保存。".to_owned()),
        _ => None,
    };
    let shown = ListPage {
        frame: Frame::of(&session, "classes"),
        head: ClassHead::of(&scope, "/roster"),
        q: search.clone().unwrap_or_default(),
        status: status.unwrap_or_default().to_owned(),
        rows: found.items.into_iter().map(Row::from).collect(),
        total: found.total,
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        filtered: search.is_some() || status.is_some(),
        notice,
    };
    page(StatusCode::OK, &shown)
}

/// The add form as typed.
#[derive(Deserialize, Clone, Default)]
pub struct TraineeForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    gender: String,
    #[serde(default)]
    phone: String,
    #[serde(default)]
    unit: String,
    #[serde(default)]
    post: String,
    #[serde(default)]
    rank: String,
    #[serde(default)]
    student_no: String,
    #[serde(default)]
    csrf: Option<String>,
}

impl TraineeForm {
    fn fields(&self) -> AppResult<PersonFields> {
        let raw = RawPerson {
            name: &self.name,
            gender: &self.gender,
            phone: &self.phone,
            unit: &self.unit,
            post: &self.post,
            rank: &self.rank,
            student_no: &self.student_no,
        };
        PersonFields::parse(&raw).map_err(|(header, e)| {
            let field = match header {
                "姓名" => "name",
                "性别" => "gender",
                "手机号" => "phone",
                "单位" => "unit",
                "职务" => "post",
                "职级" => "rank",
                _ => "student_no",
            };
            e.on_field(field)
        })
    }
}

#[derive(Template)]
#[template(path = "console/trainee_form.html")]
struct FormPage {
    frame: Frame,
    head: ClassHead,
    form: TraineeForm,
    error: Option<(Option<&'static str>, String)>,
}

impl FormPage {
    fn new(session: &Session, scope: &ClassScope, form: TraineeForm, error: Option<AppError>) -> Self {
        FormPage {
            frame: Frame::of(session, "classes"),
            head: ClassHead::of(scope, "/roster"),
            form,
            error: error.and_then(shown_error),
        }
    }

    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    fn error_general(&self) -> Option<&str> {
        const FIELDS: [&str; 7] = ["name", "gender", "phone", "unit", "post", "rank", "student_no"];
        match &self.error {
            Some((Some(f), _)) if FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn new_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    page(StatusCode::OK, &FormPage::new(&session, &scope, TraineeForm::default(), None))
}

async fn add(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<TraineeForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let form = form.into_inner();
    let added = match form.fields() {
        Ok(fields) => {
            roster::add_one(&state.db, &state.master_secret, &session.staff.actor(), &scope, fields, state.now())
                .await
                .map_err(|e| if e.code == ErrorCode::AlreadyEnrolled { e.on_field("phone") } else { e })
        }
        Err(e) => Err(e),
    };
    match added {
        Ok(entry) => {
            Ok(see_other(&format!("/console/classes/{}/roster/{}?added=1", scope.class.id, entry.enrollment_id)))
        }
        Err(e) => refused(e, |e| FormPage::new(&session, &scope, form, Some(e))),
    }
}

fn import_page(session: &Session, scope: &ClassScope) -> ImportPage {
    ImportPage::new(
        Frame::of(session, "classes"),
        ClassHead::of(scope, "/roster"),
        import::What {
            title: "导入学员名单",
            action: format!("/console/classes/{}/roster/import", scope.class.id),
            back: format!("/console/classes/{}/roster", scope.class.id),
            columns: "姓名、性别、手机号、单位、职务、职级、学号（姓名、手机号、单位必填）",
            example: "张三，男，13800138000，某某县委组织部，科长，正科，01",
        },
    )
}

async fn import_form(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    page(StatusCode::OK, &import_page(&session, &scope))
}

/// The roster import: the roster service's check and import.
pub(super) struct RosterImport;

impl import::Importer for RosterImport {
    const KIND: Kind = Kind::Roster;

    fn page(session: &Session, scope: &ClassScope) -> ImportPage {
        import_page(session, scope)
    }

    fn limits(state: &AppState) -> crate::tabular::Limits {
        state.settings.import.roster()
    }

    fn done(class_id: Uuid, count: usize) -> String {
        format!("/console/classes/{class_id}/roster?added={count}")
    }

    async fn run(
        state: &AppState,
        session: &Session,
        scope: &ClassScope,
        file: crate::tabular::Upload,
        dry_run: bool,
    ) -> AppResult<import::Checked> {
        let actor = session.staff.actor();
        let report = roster::import(&state.db, &state.master_secret, &actor, scope, file, dry_run, state.now()).await?;
        Ok(import::Checked {
            summary: import::Summary {
                total: report.total_rows,
                valid: report.to_enroll,
                error_count: report.error_count,
                extra: (report.already_enrolled > 0)
                    .then(|| format!("另有 {} 人已在本班名单中，将跳过", report.already_enrolled)),
            },
            errors: report.errors,
        })
    }
}

async fn export_xlsx(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    export(req, state, path, true).await
}

async fn export_csv(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    export(req, state, path, false).await
}

async fn export(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    xlsx: bool,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let actor = session.staff.actor();
    let (bytes, content_type, name) = roster::export_file(&state.db, &actor, &scope, xlsx, state.now()).await?;
    Ok(crate::http::routes::download(bytes, content_type, name))
}

/// To the printable invite sheet through a signed link (the print page needs no login, so it prints from any
/// browser); the link is valid for 24 hours.
async fn invite_sheet(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let until = state.now() + chrono::Duration::hours(24);
    let url = crate::print_link::invite_sheet_url(&state.master_secret, "", scope.class.id, until)?;
    Ok(see_other(&url))
}

struct AttendanceRow {
    session_id: Uuid,
    /// Already 请假, or checked in: no 补假 box.
    no_leave: bool,
    date: String,
    title: String,
    credit: String,
    status: String,
    status_class: &'static str,
    times: String,
    note: String,
}

struct LeaveRow {
    kind: String,
    when: String,
    hours: String,
    status: String,
    reason: String,
}

struct DisciplineRow {
    when: String,
    category: String,
    severity: String,
    description: String,
    annulled: bool,
}

#[derive(Template)]
#[template(path = "console/trainee.html")]
struct TraineePage {
    frame: Frame,
    head: ClassHead,
    entry: RosterEntry,
    active: bool,
    bound: &'static str,
    totals: crate::attendance::service::Totals,
    attendance: Vec<AttendanceRow>,
    leave: Vec<LeaveRow>,
    discipline: Vec<DisciplineRow>,
    /// A code just issued: shown once.
    new_code: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    kinds: [(&'static str, &'static str); 3],
}

#[derive(Deserialize)]
pub struct TraineeQuery {
    #[serde(default)]
    added: Option<String>,
    #[serde(default)]
    saved: Option<String>,
    #[serde(default)]
    leave: Option<String>,
    #[serde(default)]
    exempt: Option<usize>,
}

/// The enrolment at `raw` in the class at `class`, or the page to answer instead (404).
async fn entry_scoped(
    state: &AppState,
    session: &Session,
    class: &str,
    raw: &str,
) -> AppResult<Result<(ClassScope, crate::entity::enrollment::Model, crate::entity::person::Model), HttpResponse>> {
    let Some(scope) = scoped(state, session, class).await? else { return class_not_found(session).map(Err) };
    let missing = || message(session, StatusCode::NOT_FOUND, "找不到学员", "本班名单中没有该学员。");
    let Ok(id) = raw.parse::<Uuid>() else { return missing().map(Err) };
    match roster::enrollment_in_class(&state.db, &scope, id).await {
        Ok((e, p)) => Ok(Ok((scope, e, p))),
        Err(e) if e.code == ErrorCode::NotFound => missing().map(Err),
        Err(e) => Err(e),
    }
}

async fn trainee(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    q: web::Query<TraineeQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let (class, eid) = path.into_inner();
    let (scope, e, p) = match entry_scoped(&state, &session, &class, &eid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let notice = match (&q.added, &q.saved, &q.leave, q.exempt) {
        (Some(_), _, _, _) => Some("已加入本班名单。"),
        (None, Some(_), _, _) => Some("已保存。"),
        (None, None, Some(_), _) => Some("已补假：所选课程记为请假，学员会收到通知，原因已记入操作日志。"),
        (None, None, None, Some(_)) => {
            Some("所选课程已设为不计考勤：不计入该学员的学时和请假、旷课上限，原因已记入操作日志。")
        }
        _ => None,
    };
    trainee_page(&state, &session, &scope, &e, &p, None, notice, None, StatusCode::OK).await
}

#[allow(clippy::too_many_arguments)]
async fn trainee_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    e: &crate::entity::enrollment::Model,
    p: &crate::entity::person::Model,
    new_code: Option<String>,
    notice: Option<&'static str>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let now = state.now();
    let record = crate::attendance::service::of_enrollment(&state.db, e, now, crate::completion::online_cap).await?;
    let leave = crate::leave::service::list_for_enrollment(&state.db, scope, e.id).await?;
    let discipline = crate::discipline::list_for_class(&state.db, scope, Some(e.id)).await?;
    let stamp = |t: chrono::DateTime<Utc>| t.with_timezone(&china()).format("%m-%d %H:%M").to_string();
    let entry = RosterEntry::new(e, p);
    let shown = TraineePage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/roster"),
        active: entry.status == crate::roster::model::STATUS_ACTIVE.as_str(),
        bound: bound_label(&entry),
        entry,
        totals: record.totals,
        attendance: record
            .sessions
            .into_iter()
            .rev()
            .map(|s| AttendanceRow {
                session_id: s.session_id,
                no_leave: s
                    .status
                    .is_some_and(|st| st.attended() || st == crate::attendance::model::AttendanceStatus::Leave),
                date: format!("{} {}", local_date(s.starts_at), local_hhmm(s.starts_at)),
                title: s.title,
                credit: format!("{}", s.credit_hours),
                status_class: match s.status {
                    Some(st) if st.attended() => "open",
                    Some(_) => "draft",
                    None => "finished",
                },
                status: s.status_label,
                times: match (s.checked_in_at, s.checked_out_at) {
                    (Some(i), Some(o)) => format!("{} / {}", local_hhmm(i), local_hhmm(o)),
                    (Some(i), None) => local_hhmm(i),
                    _ => String::new(),
                },
                note: s.note.unwrap_or_default(),
            })
            .collect(),
        leave: leave
            .into_iter()
            .map(|l| LeaveRow {
                kind: l.kind_label,
                when: format!("{} 至 {}", stamp(l.starts_at), stamp(l.ends_at)),
                hours: format!("{}", l.credit_hours),
                status: l.status_label,
                reason: l.reason,
            })
            .collect(),
        discipline: discipline
            .into_iter()
            .map(|d| DisciplineRow {
                when: stamp(d.occurred_at),
                category: d.category_label,
                severity: d.severity_label,
                description: d.description,
                annulled: d.annulled,
            })
            .collect(),
        new_code,
        notice,
        error,
        kinds: [LeaveKind::Personal, LeaveKind::Sick, LeaveKind::Official].map(|k| (k.as_str(), k.label())),
    };
    page(status, &shown)
}

/// What a form posted from the trainee page's 考勤记录 carries: the person, the trainee, and the ticked sessions (`s`).
struct Ticked {
    session: Session,
    scope: ClassScope,
    e: crate::entity::enrollment::Model,
    p: crate::entity::person::Model,
    sessions: Vec<Uuid>,
}

impl Ticked {
    /// The trainee page again with `why` above it, answered with `code`.
    async fn refuse(&self, state: &AppState, why: String, code: StatusCode) -> AppResult<HttpResponse> {
        trainee_page(state, &self.session, &self.scope, &self.e, &self.p, None, None, Some(why), code).await
    }
}

/// The checks both 补假 and 不计考勤 start with (CSRF, the class, the trainee), and the ticked sessions.
async fn ticked(
    req: &HttpRequest,
    state: &AppState,
    (class, eid): (String, String),
    form: &[(String, String)],
) -> AppResult<Result<Ticked, HttpResponse>> {
    let csrf = form.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str());
    let session = match posting(req, state, csrf).await? {
        Ok(session) => session,
        Err(answer) => return Ok(Err(answer)),
    };
    let (scope, e, p) = match entry_scoped(state, &session, &class, &eid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(Err(answer)),
    };
    let sessions = form.iter().filter(|(k, _)| k == "s").filter_map(|(_, v)| v.parse().ok()).collect();
    Ok(Ok(Ticked { session, scope, e, p, sessions }))
}

/// 补假: leave recorded by staff after the fact for the ticked sessions (`s`), approved at once by the leave
/// service (the sessions turn 请假, the trainee is told, the reason is audited).
async fn record_leave(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    let field = |name: &str| form.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap_or_default();
    let t = match ticked(&req, &state, path.into_inner(), &form).await? {
        Ok(t) => t,
        Err(answer) => return Ok(answer),
    };
    if t.sessions.is_empty() {
        return t.refuse(&state, "补假请先在考勤记录中勾选课程".to_owned(), StatusCode::BAD_REQUEST).await;
    }
    let Some(kind) = LeaveKind::parse(field("kind")) else {
        return t.refuse(&state, "请选择请假类型".to_owned(), StatusCode::BAD_REQUEST).await;
    };
    let input = crate::leave::model::LeaveRecordInput {
        enrollment_id: t.e.id,
        kind,
        reason: field("reason").to_owned(),
        session_ids: Some(t.sessions.clone()),
        starts_at: None,
        ends_at: None,
        record_reason: field("record_reason").to_owned(),
    };
    match crate::leave::service::record(state.at_now(), &t.session.staff, &t.scope, input).await {
        Ok(_) => Ok(see_other(&format!("/console/classes/{}/roster/{}?leave=1", t.scope.class.id, t.e.id))),
        Err(err) => match correctable(&err) {
            Some(code) => t.refuse(&state, err.message.into_owned(), code).await,
            None => Err(err),
        },
    }
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn withdraw(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, eid) = path.into_inner();
    let (scope, e, _) = match entry_scoped(&state, &session, &class, &eid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    roster::withdraw(state.at_now(), &session.staff.actor(), &scope, e.id, typed(&form.reason)).await?;
    Ok(see_other(&format!("/console/classes/{}/roster/{}?saved=1", scope.class.id, e.id)))
}

/// Puts a withdrawn trainee back on the roster (the roster service's add, which restores the enrolment).
async fn restore(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, eid) = path.into_inner();
    let (scope, e, p) = match entry_scoped(&state, &session, &class, &eid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let raw = RawPerson {
        name: &p.name,
        gender: p.gender.as_deref().unwrap_or(""),
        phone: &p.phone,
        unit: &p.unit,
        post: p.post.as_deref().unwrap_or(""),
        rank: p.rank.as_deref().unwrap_or(""),
        student_no: e.student_no.as_deref().unwrap_or(""),
    };
    let fields = PersonFields::parse(&raw).map_err(|(_, e)| e)?;
    let actor = session.staff.actor();
    match roster::add_one(&state.db, &state.master_secret, &actor, &scope, fields, state.now()).await {
        Ok(_) | Err(AppError { code: ErrorCode::AlreadyEnrolled, .. }) => {
            Ok(see_other(&format!("/console/classes/{}/roster/{}?saved=1", scope.class.id, e.id)))
        }
        Err(err) => Err(err),
    }
}

/// Issues a new invite code (the old one stops working and the phone and WeChat bindings are undone), with a reason;
/// the page shows the new code once.
async fn reset_invite(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, eid) = path.into_inner();
    let (scope, e, _) = match entry_scoped(&state, &session, &class, &eid).await? {
        Ok(found) => found,
        Err(answer) => return Ok(answer),
    };
    let Some(reason) = typed(&form.reason) else {
        let (e, p) = roster::enrollment_in_class(&state.db, &scope, e.id).await?;
        let why = Some("请填写重新生成邀请码的原因（如：学员更换手机）".to_owned());
        return trainee_page(&state, &session, &scope, &e, &p, None, None, why, StatusCode::BAD_REQUEST).await;
    };
    let invite = roster::reset_invite(state.at_now(), &session.staff.actor(), &scope, e.id, Some(reason)).await?;
    let (e, p) = roster::enrollment_in_class(&state.db, &scope, e.id).await?;
    let notice = Some("已生成新的邀请码，原邀请码和已绑定的手机、微信随即失效。");
    trainee_page(&state, &session, &scope, &e, &p, Some(invite.invite_code), notice, None, StatusCode::OK).await
}

/// 不计考勤 for the ticked sessions (`s`), e.g. those held before the trainee joined: one correction each, with the
/// reason (`record_reason`), through the attendance service (audited, announced, checked against certificates).
async fn exempt(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<Vec<(String, String)>>,
) -> AppResult<HttpResponse> {
    use crate::attendance::service::{self as attendance, Correction};
    let t = match ticked(&req, &state, path.into_inner(), &form).await? {
        Ok(t) => t,
        Err(answer) => return Ok(answer),
    };
    if t.sessions.is_empty() {
        return t.refuse(&state, "请先在考勤记录中勾选课程".to_owned(), StatusCode::BAD_REQUEST).await;
    }
    let sessions = crate::timetable::service::sessions_of_class(&state.db, t.scope.class.id, &t.sessions).await?;
    let actor = t.session.staff.actor();
    let reason = form.iter().find(|(k, _)| k == "record_reason").map(|(_, v)| v.as_str()).unwrap_or_default();
    for found in &sessions {
        let status = crate::attendance::model::AttendanceStatus::Exempt;
        let correction = Correction { enrollment_id: t.e.id, status, reason };
        if let Err(err) = attendance::correct(state.at_now(), &actor, &t.scope, found, correction).await {
            match correctable(&err) {
                Some(code) => return t.refuse(&state, err.message.into_owned(), code).await,
                None => return Err(err),
            }
        }
    }
    Ok(see_other(&format!("/console/classes/{}/roster/{}?exempt={}", t.scope.class.id, t.e.id, sessions.len())))
}
