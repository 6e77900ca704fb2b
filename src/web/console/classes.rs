//! 班级: the class list, creating and editing a class (administrators), a class's page and its staff.

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;

use super::*;
use crate::class::model::ClassView;
use crate::class::{ClassStatus, service as classes};
use crate::pagination::{PageQuery, PageRequest};

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource(HOME).route(web::get().to(class_list)).route(web::post().to(create_class)))
        .service(web::resource("/console/classes/new").route(web::get().to(new_class_form)))
        .service(
            web::resource("/console/classes/{id}").route(web::get().to(class_page)).route(web::post().to(update_class)),
        )
        .service(web::resource("/console/classes/{id}/edit").route(web::get().to(edit_class_form)))
        .service(web::resource("/console/classes/{id}/staff").route(web::post().to(assign_staff)))
        .service(web::resource("/console/classes/{id}/staff/{staff_id}/remove").route(web::post().to(unassign_staff)));
}

#[derive(Deserialize)]
pub struct ClassQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    status: Option<String>,
    #[serde(default)]
    kind: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

struct ClassRow {
    id: uuid::Uuid,
    code: String,
    name: String,
    kind: &'static str,
    dates: String,
    status: &'static str,
    status_class: &'static str,
}

impl From<ClassView> for ClassRow {
    fn from(c: ClassView) -> Self {
        ClassRow {
            id: c.id,
            code: c.code,
            name: c.name,
            kind: c.kind.label(),
            dates: format!("{} 至 {}", c.start_date.format("%Y-%m-%d"), c.end_date.format("%Y-%m-%d")),
            status: c.status.label(),
            status_class: c.status.as_str(),
        }
    }
}

#[derive(Template)]
#[template(path = "console/classes.html")]
struct ClassListPage {
    frame: Frame,
    q: String,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    rows: Vec<ClassRow>,
    total: u64,
    page: u64,
    pages: u64,
    /// Query strings of the previous and next pages, when there are such pages.
    prev: Option<String>,
    next: Option<String>,
    filtered: bool,
}

const PER_PAGE: u64 = 20;

async fn class_list(
    req: HttpRequest,
    state: web::Data<AppState>,
    q: web::Query<ClassQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let q = q.into_inner();
    let status = q.status.as_deref().and_then(ClassStatus::parse);
    let kind = q.kind.as_deref().and_then(crate::class::ClassKind::parse);
    let search =
        q.q.as_deref().map(str::trim).filter(|s| !s.is_empty()).map(|s| s.chars().take(64).collect::<String>());
    let page_request = PageRequest::from(PageQuery { page: q.page, per_page: Some(PER_PAGE) });
    let filter = classes::ClassFilter { status, kind, search: search.as_deref() };
    let found = classes::list_classes(&state.db, &session.staff, filter, page_request).await?;
    let pages = found.total.div_ceil(PER_PAGE).max(1);
    let link = |p: u64| {
        let mut query = form_urlencoded::Serializer::new(String::new());
        if let Some(s) = &search {
            query.append_pair("q", s);
        }
        if let Some(s) = status {
            query.append_pair("status", s.as_str());
        }
        if let Some(k) = kind {
            query.append_pair("kind", k.as_str());
        }
        query.append_pair("page", &p.to_string());
        format!("?{}", query.finish())
    };
    let page_no = page_request.page;
    let shown = ClassListPage {
        frame: Frame::of(&session, "classes"),
        q: search.clone().unwrap_or_default(),
        status: status.map(|s| s.as_str().to_owned()).unwrap_or_default(),
        statuses: [ClassStatus::Draft, ClassStatus::Open, ClassStatus::Finished]
            .iter()
            .map(|s| (s.as_str(), s.label()))
            .collect(),
        kind: kind.map(|k| k.as_str().to_owned()).unwrap_or_default(),
        kinds: crate::class::ClassKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
        rows: found.items.into_iter().map(ClassRow::from).collect(),
        total: found.total,
        page: page_no,
        pages,
        prev: (page_no > 1).then(|| link(page_no - 1)),
        next: (page_no < pages).then(|| link(page_no + 1)),
        filtered: search.is_some() || status.is_some() || kind.is_some(),
    };
    page(StatusCode::OK, &shown)
}

const CLASSES_ADMIN_ONLY: &str = "只有管理员可以新建或修改培训班。";
const STAFF_ADMIN_ONLY: &str = "只有管理员可以安排班级工作人员。";

/// The class form as typed, so a refused form comes back with what the person entered.
#[derive(Deserialize, Default, Clone)]
pub struct ClassForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    kind: String,
    #[serde(default)]
    start_date: String,
    #[serde(default)]
    end_date: String,
    #[serde(default)]
    organiser: String,
    #[serde(default)]
    venue: String,
    #[serde(default)]
    status: String,
    #[serde(default)]
    csrf: Option<String>,
}

impl ClassForm {
    fn of(c: &ClassView) -> ClassForm {
        ClassForm {
            code: c.code.clone(),
            name: c.name.clone(),
            kind: c.kind.as_str().to_owned(),
            start_date: c.start_date.to_string(),
            end_date: c.end_date.to_string(),
            organiser: c.organiser.clone().unwrap_or_default(),
            venue: c.venue.clone().unwrap_or_default(),
            status: c.status.as_str().to_owned(),
            csrf: None,
        }
    }

    /// The service's input; a date that is not a date is refused here, on its field.
    fn input(&self) -> AppResult<classes::ClassInput> {
        let date = |raw: &str, field: &'static str| -> AppResult<Option<chrono::NaiveDate>> {
            let raw = raw.trim();
            if raw.is_empty() {
                return Ok(None);
            }
            chrono::NaiveDate::parse_from_str(raw, "%Y-%m-%d")
                .map(Some)
                .map_err(|_| AppError::validation("请填写日期，例如 2026-11-23").on_field(field))
        };
        let text = |raw: &str| Some(raw.trim().to_owned()).filter(|t| !t.is_empty());
        Ok(classes::ClassInput {
            code: text(&self.code),
            name: text(&self.name),
            kind: Some(crate::class::ClassKind::parse(&self.kind).unwrap_or(crate::class::ClassKind::Main)),
            start_date: date(&self.start_date, "start_date")?,
            end_date: date(&self.end_date, "end_date")?,
            organiser: Some(text(&self.organiser)),
            venue: Some(text(&self.venue)),
            status: Some(ClassStatus::parse(&self.status).unwrap_or(ClassStatus::Draft)),
        })
    }
}

#[derive(Template)]
#[template(path = "console/class_form.html")]
struct ClassFormPage {
    frame: Frame,
    /// `None` when creating.
    class_id: Option<uuid::Uuid>,
    form: ClassForm,
    /// The refusal, and the field it is about (shown next to it; at the top when it is about no one field).
    error: Option<(Option<&'static str>, String)>,
    kinds: Vec<(&'static str, &'static str)>,
    statuses: Vec<(&'static str, &'static str)>,
}

impl ClassFormPage {
    fn new(session: &Session, class_id: Option<uuid::Uuid>, form: ClassForm, error: Option<AppError>) -> Self {
        use crate::class::ClassKind;
        ClassFormPage {
            frame: Frame::of(session, "classes"),
            class_id,
            form,
            error: error.map(|e| (e.field, e.message.into_owned())),
            kinds: ClassKind::ALL.iter().map(|k| (k.as_str(), k.label())).collect(),
            statuses: [ClassStatus::Draft, ClassStatus::Open, ClassStatus::Finished]
                .iter()
                .map(|s| (s.as_str(), s.label()))
                .collect(),
        }
    }

    /// The refusal's message when it is about `field`.
    fn error_for(&self, field: &str) -> Option<&str> {
        error_on(&self.error, field)
    }

    /// The refusal's message when it is about no field of the form.
    fn error_general(&self) -> Option<&str> {
        const FIELDS: [&str; 8] = ["code", "name", "kind", "start_date", "end_date", "organiser", "venue", "status"];
        match &self.error {
            Some((Some(f), _)) if FIELDS.contains(f) => None,
            Some((_, m)) => Some(m),
            None => None,
        }
    }
}

async fn new_class_form(req: HttpRequest, state: web::Data<AppState>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    if !session.staff.is_admin() {
        return admins_only(&session, CLASSES_ADMIN_ONLY);
    }
    let form = ClassForm { kind: "main".to_owned(), status: "draft".to_owned(), ..ClassForm::default() };
    page(StatusCode::OK, &ClassFormPage::new(&session, None, form, None))
}

async fn create_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    form: web::Form<ClassForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    if !session.staff.is_admin() {
        return admins_only(&session, CLASSES_ADMIN_ONLY);
    }
    let form = form.into_inner();
    let created = match form.input() {
        Ok(input) => classes::create_class(&state.db, &session.staff.actor(), input, state.now()).await,
        Err(e) => Err(e),
    };
    match created {
        Ok(view) => Ok(see_other(&format!("/console/classes/{}?saved=1", view.id))),
        Err(e) => match correctable(&e) {
            Some(status) => page(status, &ClassFormPage::new(&session, None, form, Some(e))),
            None => Err(e),
        },
    }
}

#[derive(Template)]
#[template(path = "console/class.html")]
struct ClassPage {
    frame: Frame,
    head: ClassHead,
    class: ClassView,
    /// (staff id, name, username, role)
    staff: Vec<(uuid::Uuid, String, String, &'static str)>,
    /// Accounts an administrator may assign: (id, "name（username）"), enabled ones not yet on the class.
    candidates: Vec<(uuid::Uuid, String)>,
    saved: bool,
    error: Option<String>,
}

async fn class_page(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<SavedQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    class_page_with(&state, &session, scope, q.saved.is_some(), None, StatusCode::OK).await
}

async fn class_page_with(
    state: &AppState,
    session: &Session,
    scope: crate::class::ClassScope,
    saved: bool,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let assigned = classes::list_staff(&state.db, &scope).await?;
    let candidates = if session.staff.is_admin() {
        let all = auth::list_staff(&state.db, None, PageRequest { page: 1, per_page: 200 }).await?;
        all.items
            .into_iter()
            .filter(|a| !a.disabled && !assigned.iter().any(|s| s.staff_id == a.id))
            .map(|a| (a.id, format!("{}（{}）", a.display_name, a.username)))
            .collect()
    } else {
        Vec::new()
    };
    let staff = assigned.into_iter().map(|s| (s.staff_id, s.display_name, s.username, s.role.label())).collect();
    let shown = ClassPage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(&scope, ""),
        class: ClassView::from(&scope.class),
        staff,
        candidates,
        saved,
        error,
    };
    page(status, &shown)
}

async fn edit_class_form(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let scope = match class_to_change(&state, &session, &path, CLASSES_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let form = ClassForm::of(&ClassView::from(&scope.class));
    page(StatusCode::OK, &ClassFormPage::new(&session, Some(scope.class.id), form, None))
}

async fn update_class(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ClassForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, CLASSES_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let id = scope.class.id;
    let form = form.into_inner();
    let updated = match form.input() {
        Ok(input) => classes::update_class(&state.db, &session.staff.actor(), scope, input, state.now()).await,
        Err(e) => Err(e),
    };
    match updated {
        Ok(_) => Ok(see_other(&format!("/console/classes/{id}?saved=1"))),
        Err(e) => match correctable(&e) {
            Some(status) => page(status, &ClassFormPage::new(&session, Some(id), form, Some(e))),
            None => Err(e),
        },
    }
}

#[derive(Deserialize)]
pub struct AssignForm {
    #[serde(default)]
    staff_id: String,
    #[serde(default)]
    role: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// Assigns a staff member to the class in a role (administrators), then back to the class page.
async fn assign_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<AssignForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, STAFF_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let id = scope.class.id;
    let staff_id = form.staff_id.parse::<uuid::Uuid>().ok();
    let role = crate::class::StaffRole::parse(&form.role);
    let done = match (staff_id, role) {
        (Some(staff_id), Some(role)) => {
            classes::assign_staff(&state.db, &session.staff.actor(), &scope, staff_id, role, state.now())
                .await
                .map(|_| ())
        }
        _ => Err(AppError::validation("请选择工作人员和角色")),
    };
    match done {
        Ok(()) => Ok(see_other(&format!("/console/classes/{id}?saved=1"))),
        Err(e) => match correctable(&e) {
            Some(status) => class_page_with(&state, &session, scope, false, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

/// Takes a staff member off the class (administrators).
async fn unassign_staff(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, staff) = path.into_inner();
    let scope = match class_to_change(&state, &session, &class, STAFF_ADMIN_ONLY).await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let Ok(staff_id) = staff.parse::<uuid::Uuid>() else {
        return message(&session, StatusCode::NOT_FOUND, "找不到工作人员", "该工作人员不在本班。");
    };
    let id = scope.class.id;
    classes::unassign_staff(&state.db, &session.staff.actor(), &scope, staff_id, state.now()).await?;
    Ok(see_other(&format!("/console/classes/{id}?saved=1")))
}
