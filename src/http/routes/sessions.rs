use actix_multipart::Multipart;
use actix_web::{HttpResponse, delete, get, patch, post, web};
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use uuid::Uuid;

use crate::class::access::class_scope;
use crate::error::{AppError, AppResult};
use crate::http::error::ErrorBody;
use crate::http::extract::Staff;
use crate::http::upload::{UploadForm, read_file};
use crate::state::AppState;
use crate::timetable::import::parse_time;
use crate::timetable::model::SessionInput;
use crate::timetable::service::{self, RepeatRule, Slot, TimetableImportReport};
use crate::timetable::{CheckWindow, Geofence, SessionKind, SessionView};
use utoipa_actix_web::service_config::ServiceConfig;

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateSessionRequest {
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub title: String,
    pub kind: SessionKind,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// 学时, e.g. 0.5 or 3: 0 to 24, at most two decimals.
    #[schema(minimum = 0, maximum = 24)]
    pub credit_hours: f64,
    #[schema(max_length = 128)]
    pub venue: Option<String>,
    /// 授课教师: evaluation results are added up per teacher.
    #[schema(max_length = 64)]
    pub teacher: Option<String>,
    pub geofence: Option<Geofence>,
    /// Default: opens 30 min before, late after 5 min, closes 30 min after the start.
    pub window: Option<CheckWindow>,
    #[serde(default)]
    pub checkout_required: bool,
    /// Default true.
    pub counts_toward_attendance: Option<bool>,
    /// QR rotation, 5–60 s (default 10).
    #[schema(minimum = 5, maximum = 60)]
    pub rotation_seconds: Option<i32>,
}

impl From<CreateSessionRequest> for SessionInput {
    fn from(b: CreateSessionRequest) -> Self {
        SessionInput {
            title: Some(b.title),
            kind: Some(b.kind),
            starts_at: Some(b.starts_at),
            ends_at: Some(b.ends_at),
            credit_hours: Some(b.credit_hours),
            venue: Some(b.venue),
            teacher: Some(b.teacher),
            geofence: Some(b.geofence),
            window: b.window,
            checkout_required: Some(b.checkout_required),
            counts_toward_attendance: b.counts_toward_attendance,
            rotation_seconds: b.rotation_seconds,
        }
    }
}

/// Adds one session to the timetable.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = CreateSessionRequest,
    responses(
        (status = 201, body = SessionView),
        (status = 400, body = ErrorBody, description = "`validation_failed` (times, 学时, window, geofence, outside the class dates), `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such class, or not yours"),
    )
)]
#[post("/classes/{class_id}/sessions")]
pub async fn create(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<CreateSessionRequest>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let view = service::create(&state.db, &who.actor(), &scope, body.into_inner().into(), state.clock.now()).await?;
    Ok(HttpResponse::Created().json(view))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SlotRequest {
    /// Local (China) time, `08:30`.
    #[schema(pattern = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$", example = "08:30")]
    pub start: String,
    #[schema(pattern = r"^([01]?[0-9]|2[0-3]):[0-5][0-9]$", example = "11:30")]
    pub end: String,
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub title: String,
    pub kind: SessionKind,
    #[schema(minimum = 0, maximum = 24)]
    pub credit_hours: f64,
    #[schema(max_length = 128)]
    pub venue: Option<String>,
    #[schema(max_length = 64)]
    pub teacher: Option<String>,
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchRequest {
    pub from: NaiveDate,
    pub to: NaiveDate,
    /// ISO weekdays: 1 = Monday … 7 = Sunday. Default Monday to Friday.
    #[schema(schema_with = weekday_list)]
    pub weekdays: Option<Vec<u32>>,
    #[serde(default)]
    pub skip_dates: Vec<NaiveDate>,
    #[schema(min_items = 1)]
    pub slots: Vec<SlotRequest>,
    pub geofence: Option<Geofence>,
    pub window: Option<CheckWindow>,
    #[serde(default)]
    pub checkout_required: bool,
}

fn weekday_list() -> utoipa::openapi::Array {
    use utoipa::openapi::schema::{ArrayBuilder, ObjectBuilder, SchemaType, Type};
    ArrayBuilder::new()
        .schema_type(SchemaType::from_iter([Type::Array, Type::Null]))
        .items(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)).maximum(Some(7)))
        .min_items(Some(1))
        .max_items(Some(7))
        .description(Some("ISO weekdays: 1 = Monday … 7 = Sunday. Default Monday to Friday."))
        .build()
}

/// Creates sessions from a repeat rule, e.g. weekdays 08:30–11:30 and 14:30–17:30 over the class dates.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    request_body = BatchRequest,
    responses(
        (status = 201, body = Vec<SessionView>),
        (status = 400, body = ErrorBody, description = "`validation_failed`: names the date and slot at fault; `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/classes/{class_id}/sessions/batch")]
pub async fn create_batch(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<BatchRequest>,
) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let b = body.into_inner();
    let slots = b
        .slots
        .into_iter()
        .map(|s| {
            let bad = || AppError::validation("时段的时间格式应为 08:30");
            Ok(Slot {
                start: parse_time(&s.start).ok_or_else(bad)?,
                end: parse_time(&s.end).ok_or_else(bad)?,
                template: SessionInput {
                    title: Some(s.title),
                    kind: Some(s.kind),
                    credit_hours: Some(s.credit_hours),
                    venue: Some(s.venue),
                    teacher: Some(s.teacher),
                    geofence: Some(b.geofence),
                    window: b.window,
                    checkout_required: Some(b.checkout_required),
                    ..SessionInput::default()
                },
            })
        })
        .collect::<AppResult<Vec<_>>>()?;
    let rule = RepeatRule {
        from: b.from,
        to: b.to,
        weekdays: b.weekdays.unwrap_or_else(|| vec![1, 2, 3, 4, 5]),
        skip_dates: b.skip_dates,
        slots,
    };
    let views = service::create_batch(&state.db, &who.actor(), &scope, rule, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(views))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DryRunQuery {
    /// Check only; change nothing. Default false.
    #[serde(default)]
    pub dry_run: bool,
}

/// Imports a timetable from XLSX or CSV (日期, 开始时间, 结束时间, 课程名称, 类型, 学时, 地点, 纬度, 经度, 半径, 坐标系).
/// With `dry_run=true` it only reports; otherwise it imports all rows or none.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), DryRunQuery),
    request_body(content = UploadForm, content_type = "multipart/form-data"),
    responses(
        (status = 200, body = TimetableImportReport),
        (status = 400, body = ErrorBody, description = "`file_unreadable`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`"),
        (status = 422, body = ErrorBody, description = "`import_rejected`: the file has errors; nothing was imported"),
    )
)]
#[post("/classes/{class_id}/sessions/import")]
pub async fn import(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<DryRunQuery>,
    payload: Multipart,
) -> AppResult<web::Json<TimetableImportReport>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let file = crate::tabular::Upload { bytes: read_file(payload).await?, limits: state.settings.import.timetable() };
    let report = service::import(&state.db, &who.actor(), &scope, file, query.dry_run, state.clock.now()).await?;
    Ok(web::Json(report))
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct DateFilter {
    /// Only sessions starting on this local (China) day.
    pub date: Option<NaiveDate>,
}

/// The class's timetable in time order.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), DateFilter),
    responses(
        (status = 200, body = Vec<SessionView>),
        (status = 400, body = ErrorBody, description = "`invalid_query`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/sessions")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    query: web::Query<DateFilter>,
) -> AppResult<web::Json<Vec<SessionView>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(service::list(&state.db, &[scope.class.id], query.date).await?))
}

/// One session.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 200, body = SessionView),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no such session, or not your class"),
    )
)]
#[get("/sessions/{session_id}")]
pub async fn get(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<SessionView>> {
    let (_, session) = service::session_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(SessionView::from(&session)))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateSessionRequest {
    #[schema(min_length = 1, max_length = 128, pattern = r"\S")]
    pub title: Option<String>,
    pub kind: Option<SessionKind>,
    pub starts_at: Option<DateTime<Utc>>,
    pub ends_at: Option<DateTime<Utc>>,
    #[schema(minimum = 0, maximum = 24)]
    pub credit_hours: Option<f64>,
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 128)]
    pub venue: Option<Option<String>>,
    /// 授课教师; `null` removes it.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<String>, max_length = 64)]
    pub teacher: Option<Option<String>>,
    /// `null` removes the geofence.
    #[serde(default, with = "::serde_with::rust::double_option")]
    #[schema(value_type = Option<Geofence>)]
    pub geofence: Option<Option<Geofence>>,
    pub window: Option<CheckWindow>,
    pub checkout_required: Option<bool>,
    pub counts_toward_attendance: Option<bool>,
    #[schema(minimum = 5, maximum = 60)]
    pub rotation_seconds: Option<i32>,
    /// Required once check-in has opened, when times, 学时 or check-in rules change. Audited.
    #[schema(max_length = 500)]
    pub reason: Option<String>,
}

/// Changes a session (only the fields sent). Once check-in has opened, changing times, 学时 or check-in rules
/// needs a reason; every change is audited.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    request_body = UpdateSessionRequest,
    responses(
        (status = 200, body = SessionView),
        (status = 400, body = ErrorBody, description = "`reason_required`, `validation_failed`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[patch("/sessions/{session_id}")]
pub async fn update(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
    body: web::Json<UpdateSessionRequest>,
) -> AppResult<web::Json<SessionView>> {
    let (scope, session) = service::session_scope(&state.db, &who, path.into_inner()).await?;
    let b = body.into_inner();
    let input = SessionInput {
        title: b.title,
        kind: b.kind,
        starts_at: b.starts_at,
        ends_at: b.ends_at,
        credit_hours: b.credit_hours,
        venue: b.venue,
        teacher: b.teacher,
        geofence: b.geofence,
        window: b.window,
        checkout_required: b.checkout_required,
        counts_toward_attendance: b.counts_toward_attendance,
        rotation_seconds: b.rotation_seconds,
    };
    let view = service::update(state.at_now(), &who.actor(), &scope, session, input, super::optional_reason(b.reason)?)
        .await?;
    Ok(web::Json(view))
}

/// Deletes a session whose check-in has not opened yet.
#[utoipa::path(
    tag = "timetable",
    security(("bearer" = [])),
    params(("session_id" = Uuid, Path)),
    responses(
        (status = 204, description = "deleted"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`session_locked`: check-in has opened"),
    )
)]
#[delete("/sessions/{session_id}")]
pub async fn remove(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let (_, session) = service::session_scope(&state.db, &who, path.into_inner()).await?;
    service::delete(state.at_now(), &who.actor(), session, None).await?;
    Ok(HttpResponse::NoContent().finish())
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(create)
        .service(create_batch)
        .service(import)
        .service(list)
        .service(get)
        .service(update)
        .service(remove);
}
