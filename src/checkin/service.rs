//! The hot path. Each check is pure where it can be; the one write is a single transaction holding the
//! attendance fact and its attempt row, and the answer goes out only after it commits.

use std::time::Duration;

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, IntoActiveModel, QueryFilter, TransactionTrait,
};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::attempts::AttemptLog;
use super::writer::{CheckinWriter, Written};
use crate::attendance::model::{
    AttendanceStatus, WindowState, checkout_open, is_early_leave, status_for_check_in, window_state,
};
use crate::auth::TraineePrincipal;
use crate::cache::Enrolled;
use crate::ctx::{AttendanceEvent, Committed, Ctx, EventKind};
use crate::entity::attendance::AttendanceSource;
use crate::entity::{attendance, checkin_attempt, class_session, enrollment};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::geo;
use crate::kv::{Check, Gate, Gated, Kv, Quota};
use crate::qr::{Freshness, QrToken};
use crate::roster::service::wechat_device;
use crate::stage_timing;
use crate::timetable::CoordSystem;

/// Reported accuracy is allowed for up to this much: a phone claiming ±2 km does not get a 2 km fence.
pub const ACCURACY_CAP_M: f64 = 100.0;
/// The attempt result of a token that names a session but was not minted by rollcall (the trainee is told
/// `qr_token_invalid`).
pub const FORGED: &str = "qr_token_forged";
/// How long a nonce's answer is remembered.
const NONCE_TTL: Duration = Duration::from_secs(600);
/// How long the first answer of a (session, trainee) is cached.
const ANSWER_TTL: Duration = Duration::from_secs(6 * 3600);

pub use crate::entity::vocab::CheckinKind;

#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Location {
    #[schema(minimum = -90, maximum = 90)]
    pub lat: f64,
    #[schema(minimum = -180, maximum = 180)]
    pub lng: f64,
    #[schema(minimum = 0)]
    pub accuracy_m: Option<f64>,
    /// What the phone reported in: `wx.getLocation` gives WGS-84 by default, GCJ-02 with `type: "gcj02"`.
    pub coord: CoordSystem,
}

#[derive(Debug, Clone, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CheckinRequest {
    /// The token from the scanned QR (or the whole `…/c/{token}` URL).
    pub qr_token: String,
    /// Chosen by the phone per scan (8–64 letters, digits, `-`, `_`); a retry with the same nonce gets the same
    /// answer.
    #[schema(pattern = r"^[A-Za-z0-9_-]{8,64}$")]
    pub nonce: String,
    pub kind: CheckinKind,
    pub location: Option<Location>,
}

/// What the trainee is told.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct CheckinResult {
    pub session_id: Uuid,
    pub class_id: Uuid,
    pub enrollment_id: Uuid,
    pub session_title: String,
    pub kind: CheckinKind,
    pub status: AttendanceStatus,
    /// Chinese label of the status, e.g. 出勤, 迟到.
    pub status_label: String,
    pub checked_in_at: Option<DateTime<Utc>>,
    pub checked_out_at: Option<DateTime<Utc>>,
    /// True when this scan found an earlier one already recorded.
    pub already_checked_in: bool,
}

/// The answer and whether it created the fact (201) or found it (200).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckinAnswer {
    pub created: bool,
    pub result: CheckinResult,
}

/// A nonce's remembered answer: the same request again gets exactly this.
#[derive(Serialize, Deserialize)]
enum Remembered {
    Ok(CheckinAnswer),
    Err(ErrorCode),
}

/// Everything about the caller and the request that is not in the body.
pub struct Caller<'a> {
    pub trainee: &'a TraineePrincipal,
    pub client_addr: &'a str,
    pub user_agent: Option<&'a str>,
    pub now: DateTime<Utc>,
}

/// One scan's view of the context: what it needs besides the request.
struct Scan<'a> {
    ctx: &'a Ctx,
    attempts: &'a AttemptLog,
    writer: &'a CheckinWriter,
}

/// What is known so far about an attempt, for its log row.
#[derive(Default)]
struct Trace {
    session_id: Option<Uuid>,
    enrollment_id: Option<Uuid>,
    token_step: Option<i64>,
    distance_m: Option<f64>,
    /// The QR token was well-formed but its MAC did not match: `session_id` is only what it claims.
    forged: bool,
    /// The answer to cache for the (session, trainee), remembered with the nonce's answer.
    answer_cache: Option<(String, String)>,
}

fn check_nonce(nonce: &str) -> AppResult<()> {
    let ok =
        (8..=64).contains(&nonce.len()) && nonce.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(AppError::validation("请求标识（nonce）格式不正确，请刷新页面后重试"))
    }
}

/// A scan's answer, and whether it is new.
enum Answered {
    /// The same nonce again (its first answer), or refused at the gate: nothing to store or announce.
    Before(AppResult<CheckinAnswer>),
    /// Decided now; `remember` holds what the shared store keeps of it (the nonce's answer, the trainee's cached
    /// answer).
    Now { outcome: AppResult<CheckinAnswer>, remember: Vec<crate::kv::Entry> },
}

/// Handles one scan, answered once it is stored (failures are logged as attempts and remembered by nonce like
/// successes); then announced to live views (and, for 迟到/早退, the trainee's warnings are evaluated off the
/// answer's path; the sweep at close catches up if this instance stops first). What the shared store remembers of
/// the answer goes in the same Redis round trip as the live event.
#[tracing::instrument(skip_all, fields(person_id = %caller.trainee.person_id))]
pub async fn check_in(
    ctx: &Ctx,
    (attempts, writer): (&AttemptLog, &CheckinWriter),
    caller: &Caller<'_>,
    req: &CheckinRequest,
) -> AppResult<CheckinAnswer> {
    let (outcome, remember) = match answer(&Scan { ctx, attempts, writer }, caller, req).await {
        Answered::Before(outcome) => return outcome,
        Answered::Now { outcome, remember } => (outcome, remember),
    };
    let mut after = Committed { remember, ..Committed::default() };
    if let Ok(answer) = &outcome
        && answer.created
        && !answer.result.already_checked_in
    {
        let r = &answer.result;
        let kind = match r.kind {
            CheckinKind::In => EventKind::CheckedIn,
            CheckinKind::Out => EventKind::CheckedOut,
        };
        after.events.push(AttendanceEvent {
            id: 0,
            kind,
            session_id: r.session_id,
            class_id: r.class_id,
            at: caller.now,
            enrollment_id: Some(r.enrollment_id),
            name: Some(caller.trainee.name.clone()),
            status: Some(r.status),
            count: None,
        });
        if matches!(r.status, AttendanceStatus::Late | AttendanceStatus::EarlyLeave) {
            after.add_standing(r.class_id, Some(r.enrollment_id));
            after.standing_in_background = true;
        }
    }
    stage_timing::timed((stage_timing::SCAN, "after commit"), ctx.after_commit(after)).await;
    outcome
}

async fn answer(deps: &Scan<'_>, caller: &Caller<'_>, req: &CheckinRequest) -> Answered {
    if let Err(e) = check_nonce(&req.nonce) {
        return Answered::Before(Err(e));
    }
    let nonce_key = format!("nonce:{}:{}", caller.trainee.person_id, req.nonce);
    // Reading the token is arithmetic; what it says is acted on after the gate (a retry gets its first answer, and
    // the limits apply to bad tokens too).
    let text = rollcall_intake::qr::token_text(&req.qr_token);
    let token = QrToken::parse(&deps.ctx.master_secret, text);
    let cached_key = match (&token, req.kind) {
        (Ok(Some(t)), CheckinKind::In) => Some(answer_key(t.session_id, caller.trainee.person_id)),
        _ => None,
    };
    let person = caller.trainee.person_id.to_string();
    let checks = [
        Check {
            bucket: "checkin_person",
            key: &person,
            quota: Quota::from(deps.ctx.settings.rate_limits.checkin_per_trainee),
        },
        Check {
            bucket: "checkin_addr",
            key: caller.client_addr,
            quota: Quota::from(deps.ctx.settings.rate_limits.checkin_per_address),
        },
    ];
    let gate = Gate { remembered: &nonce_key, cached: cached_key.as_deref(), checks: &checks };
    let gated = stage_timing::timed(
        (stage_timing::SCAN, "gate"),
        deps.ctx.infra.limiter.gate(deps.ctx.infra.kv.as_ref(), &gate),
    )
    .await;
    let cached = match gated {
        Gated::Remembered(stored) => match serde_json::from_str::<Remembered>(&stored) {
            Ok(Remembered::Ok(answer)) => return Answered::Before(Ok(answer)),
            Ok(Remembered::Err(code)) => return Answered::Before(Err(AppError::new(code))),
            Err(_) => None,
        },
        Gated::Limited { retry_after } => return Answered::Before(Err(AppError::rate_limited(retry_after))),
        Gated::Passed { cached } => cached.and_then(|c| serde_json::from_str::<CachedRow>(&c).ok()),
    };
    let mut trace = Trace::default();
    let outcome = run(deps, caller, req, (text, token), cached, &mut trace).await;
    let remembered = match &outcome {
        Ok(answer) => Some(Remembered::Ok(answer.clone())),
        // Limits and outages are not answers about this scan: a retry may go through.
        Err(e)
            if matches!(e.code, ErrorCode::RateLimited | ErrorCode::ServiceUnavailable | ErrorCode::InternalError) =>
        {
            None
        }
        Err(e) => Some(Remembered::Err(e.code)),
    };
    let mut remember = Vec::with_capacity(2);
    if let Some(remembered) = remembered
        && let Ok(json) = serde_json::to_string(&remembered)
    {
        remember.push((nonce_key, json, NONCE_TTL));
    }
    if let Some((key, json)) = trace.answer_cache.take() {
        remember.push((key, json, ANSWER_TTL));
    }
    if let Err(e) = &outcome {
        let result = if trace.forged { FORGED } else { e.code.as_str() };
        deps.attempts.record_failure(attempt_row(caller, req, &trace, result).into_active_model());
    }
    Answered::Now { outcome, remember }
}

/// The attempt as stored. A successful check-in keeps how far from the classroom and how accurate the position was,
/// not the position itself (the decision needs no more); a failed one keeps the position for staff to review, until
/// the retention job clears it (`privacy::retention`).
fn attempt_row(caller: &Caller<'_>, req: &CheckinRequest, trace: &Trace, result: &str) -> checkin_attempt::Model {
    let loc = req.location;
    let raw = if result == "ok" { None } else { loc };
    checkin_attempt::Model {
        id: Uuid::now_v7(),
        at: caller.now,
        session_id: trace.session_id,
        enrollment_id: trace.enrollment_id,
        person_id: Some(caller.trainee.person_id),
        kind: req.kind,
        result: result.to_owned(),
        client_addr: Some(caller.client_addr.chars().take(64).collect()),
        user_agent: caller.user_agent.map(|u| u.chars().take(256).collect()),
        device: caller.trainee.device.clone(),
        lat: raw.map(|l| l.lat),
        lng: raw.map(|l| l.lng),
        accuracy_m: loc.and_then(|l| l.accuracy_m),
        coord: loc.map(|l| l.coord.as_str().to_owned()),
        distance_m: trace.distance_m,
        token_step: trace.token_step,
        nonce: Some(req.nonce.clone()),
    }
}

async fn run(
    deps: &Scan<'_>,
    caller: &Caller<'_>,
    req: &CheckinRequest,
    (text, token): (&str, AppResult<Option<QrToken>>),
    cached: Option<CachedRow>,
    trace: &mut Trace,
) -> AppResult<CheckinAnswer> {
    let Some(token) = token? else {
        // Well-formed but not minted by us: logged against the session it names, so staff see the tampering.
        trace.session_id = QrToken::claimed_session(text);
        trace.forged = trace.session_id.is_some();
        return Err(AppError::new(ErrorCode::QrTokenInvalid));
    };
    trace.session_id = Some(token.session_id);
    trace.token_step = i64::try_from(token.step).ok();
    let session = match deps.ctx.caches.sessions.get(&token.session_id) {
        Some(s) => s,
        None => {
            let s = class_session::Entity::find_by_id(token.session_id)
                .one(&deps.ctx.db)
                .await?
                .ok_or_else(|| AppError::new(ErrorCode::QrTokenInvalid))?;
            deps.ctx.caches.sessions.insert(s.id, s.clone());
            s
        }
    };
    match token.freshness(caller.now, u32::try_from(session.rotation_seconds).unwrap_or(10)) {
        Freshness::Fresh => {}
        Freshness::Expired => return Err(AppError::new(ErrorCode::QrTokenExpired)),
        Freshness::Future => return Err(AppError::new(ErrorCode::QrTokenInvalid)),
    }
    // Scanned again after a check-in this trainee made: answered from the cache, no database read. (Only scan
    // records are cached, and a correction drops the entry, so what staff changed is never hidden.)
    if let Some(row) = cached
        && req.kind == CheckinKind::In
        && window_state(&session, caller.now) == WindowState::Open
    {
        trace.enrollment_id = Some(row.enrollment_id);
        check_location(&session, req.location, trace)?;
        return answer_for_existing(&session, &row.into_model(session.id), req);
    }
    let enrollment =
        stage_timing::timed((stage_timing::SCAN, "enrolment"), enrolment(deps, session.class_id, caller.trainee))
            .await?;
    trace.enrollment_id = Some(enrollment.id);
    match req.kind {
        CheckinKind::In => match window_state(&session, caller.now) {
            WindowState::Open => {}
            WindowState::NotOpen => return Err(AppError::new(ErrorCode::SessionNotOpen)),
            WindowState::Closed => return Err(AppError::new(ErrorCode::SessionClosed)),
        },
        CheckinKind::Out => {
            if !checkout_open(&session, caller.now) {
                let code =
                    if caller.now < session.starts_at { ErrorCode::SessionNotOpen } else { ErrorCode::SessionClosed };
                return Err(AppError::new(code));
            }
        }
    }
    let device = check_device(caller.trainee, &enrollment)?;
    check_location(&session, req.location, trace)?;
    match req.kind {
        CheckinKind::In => record_check_in(deps, caller, req, &session, &enrollment, device, trace).await,
        CheckinKind::Out => record_check_out(deps, caller, req, &session, &enrollment, trace).await,
    }
}

/// The trainee's active enrolment in the class: from the in-process index when it allows the scan (no database
/// read); a scan it would refuse, or one of a class the index is still reading, is asked of the database first, and
/// the answer kept for the next one.
async fn enrolment(deps: &Scan<'_>, class_id: Uuid, trainee: &TraineePrincipal) -> AppResult<Enrolled> {
    let index = &deps.ctx.caches.enrolments;
    if let Some(held) = index.get(&deps.ctx.db, class_id, trainee.person_id)
        && check_device(trainee, &held).is_ok()
    {
        return Ok(held);
    }
    let fresh = deps.writer.enrollment(class_id, trainee.person_id).await?.map(Enrolled::from);
    index.put(class_id, trainee.person_id, fresh.clone());
    fresh.ok_or_else(|| AppError::new(ErrorCode::NotEnrolled))
}

/// The phone must be the one bound to this enrolment (by invite code, or the bound WeChat account).
fn check_device(trainee: &TraineePrincipal, e: &Enrolled) -> AppResult<String> {
    let device = trainee.device.clone().ok_or_else(|| AppError::new(ErrorCode::DeviceMismatch))?;
    let bound_h5 = e.device_id.as_deref() == Some(device.as_str());
    let bound_wx = e.wechat_openid.as_deref().is_some_and(|o| wechat_device(o) == device);
    if bound_h5 || bound_wx { Ok(device) } else { Err(AppError::new(ErrorCode::DeviceMismatch)) }
}

fn check_location(session: &class_session::Model, location: Option<Location>, trace: &mut Trace) -> AppResult<()> {
    let Some(fence) = crate::timetable::Geofence::of(session) else { return Ok(()) };
    let loc = location.ok_or_else(|| AppError::new(ErrorCode::LocationRequired))?;
    if !(-90.0..=90.0).contains(&loc.lat) || !(-180.0..=180.0).contains(&loc.lng) {
        return Err(AppError::new(ErrorCode::LocationRequired));
    }
    let (lat, lng) = geo::convert(loc.lat, loc.lng, loc.coord, fence.coord);
    let distance = geo::distance_m(lat, lng, fence.lat, fence.lng);
    trace.distance_m = Some((distance * 10.0).round() / 10.0);
    let slack = loc.accuracy_m.filter(|a| a.is_finite() && *a > 0.0).unwrap_or(0.0).min(ACCURACY_CAP_M);
    if distance - slack > f64::from(fence.radius_m) {
        return Err(AppError::new(ErrorCode::OutsideGeofence));
    }
    Ok(())
}

fn result_of(
    session: &class_session::Model,
    row: &attendance::Model,
    kind: CheckinKind,
    already: bool,
) -> CheckinResult {
    let status = row.status;
    CheckinResult {
        session_id: session.id,
        class_id: session.class_id,
        enrollment_id: row.enrollment_id,
        session_title: session.title.clone(),
        kind,
        status,
        status_label: status.label().to_owned(),
        checked_in_at: row.checked_in_at,
        checked_out_at: row.checked_out_at,
        already_checked_in: already,
    }
}

/// The answer to a scan that found an existing record: the first answer again for the same nonce, else "already".
/// A trainee on leave for the session is told so: staff must cancel the leave before they can check in.
fn answer_for_existing(
    session: &class_session::Model,
    row: &attendance::Model,
    req: &CheckinRequest,
) -> AppResult<CheckinAnswer> {
    if row.status == AttendanceStatus::Leave {
        return Err(AppError::new(ErrorCode::OnLeave));
    }
    let same = row.nonce.as_deref() == Some(req.nonce.as_str());
    Ok(CheckinAnswer { created: same, result: result_of(session, row, CheckinKind::In, !same) })
}

/// Where the first answer of a (session, trainee) is cached: by person, so the gate can read it before the
/// enrolment is known.
fn answer_key(session_id: Uuid, person_id: Uuid) -> String {
    format!("att:{session_id}:{person_id}")
}

async fn record_check_in(
    deps: &Scan<'_>,
    caller: &Caller<'_>,
    req: &CheckinRequest,
    session: &class_session::Model,
    e: &Enrolled,
    device: String,
    trace: &mut Trace,
) -> AppResult<CheckinAnswer> {
    let key = answer_key(session.id, caller.trainee.person_id);
    let status = status_for_check_in(session, caller.now);
    let new_row = attendance::Model {
        id: Uuid::now_v7(),
        session_id: session.id,
        enrollment_id: e.id,
        status,
        checked_in_at: Some(caller.now),
        checked_out_at: None,
        source: AttendanceSource::Scan,
        nonce: Some(req.nonce.clone()),
        device: Some(device),
        note: None,
        created_at: caller.now,
        updated_at: caller.now,
    };
    let written = deps.writer.write(new_row.clone(), attempt_row(caller, req, trace, "ok"));
    match stage_timing::timed((stage_timing::SCAN, "write"), written).await? {
        Written::Inserted => {
            trace.answer_cache = cached(&new_row).map(|json| (key, json));
            Ok(CheckinAnswer { created: true, result: result_of(session, &new_row, CheckinKind::In, false) })
        }
        // Either this trainee is already recorded (a race with themselves, or a record staff made), or the phone
        // checked in someone else for this session.
        Written::Conflict => match find(&deps.ctx.db, session.id, e.id).await? {
            Some(existing) => {
                trace.answer_cache = cached(&existing).map(|json| (key, json));
                answer_for_existing(session, &existing, req)
            }
            None => Err(AppError::new(ErrorCode::DeviceShared)),
        },
    }
}

async fn record_check_out(
    deps: &Scan<'_>,
    caller: &Caller<'_>,
    req: &CheckinRequest,
    session: &class_session::Model,
    e: &Enrolled,
    trace: &Trace,
) -> AppResult<CheckinAnswer> {
    let existing = find(&deps.ctx.db, session.id, e.id).await?.filter(|r| r.checked_in_at.is_some());
    let Some(existing) = existing else { return Err(AppError::new(ErrorCode::NotCheckedIn)) };
    if existing.checked_out_at.is_some() {
        return Ok(CheckinAnswer { created: false, result: result_of(session, &existing, CheckinKind::Out, true) });
    }
    let mut active: attendance::ActiveModel = existing.clone().into();
    active.checked_out_at = Set(Some(caller.now));
    let current = Some(existing.status);
    if is_early_leave(session, caller.now)
        && matches!(current, Some(AttendanceStatus::Present | AttendanceStatus::Late))
    {
        active.status = Set(AttendanceStatus::EarlyLeave);
    }
    active.updated_at = Set(caller.now);
    let txn = deps.ctx.db.begin().await?;
    // Only the first check-out wins: the update is conditional on none having been recorded.
    let updated = attendance::Entity::update_many()
        .set(active)
        .filter(attendance::Column::Id.eq(existing.id))
        .filter(attendance::Column::CheckedOutAt.is_null())
        .exec(&txn)
        .await?;
    if updated.rows_affected == 1 {
        checkin_attempt::Entity::insert(attempt_row(caller, req, trace, "ok").into_active_model())
            .exec_without_returning(&txn)
            .await?;
    }
    txn.commit().await?;
    let stored = find(&deps.ctx.db, session.id, e.id)
        .await?
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("attendance row vanished")))?;
    deps.ctx.infra.kv.as_ref().del(&answer_key(session.id, caller.trainee.person_id)).await.ok();
    Ok(CheckinAnswer {
        created: updated.rows_affected == 1,
        result: result_of(session, &stored, CheckinKind::Out, updated.rows_affected == 0),
    })
}

async fn find(db: &DatabaseConnection, session_id: Uuid, enrollment_id: Uuid) -> AppResult<Option<attendance::Model>> {
    Ok(attendance::Entity::find()
        .filter(attendance::Column::SessionId.eq(session_id))
        .filter(attendance::Column::EnrollmentId.eq(enrollment_id))
        .one(db)
        .await?)
}

/// The parts of a check-in row the cached answer needs.
#[derive(Serialize, Deserialize)]
struct CachedRow {
    enrollment_id: Uuid,
    status: AttendanceStatus,
    checked_in_at: Option<DateTime<Utc>>,
    checked_out_at: Option<DateTime<Utc>>,
    nonce: Option<String>,
}

impl CachedRow {
    fn into_model(self, session_id: Uuid) -> attendance::Model {
        attendance::Model {
            id: Uuid::nil(),
            session_id,
            enrollment_id: self.enrollment_id,
            status: self.status,
            checked_in_at: self.checked_in_at,
            checked_out_at: self.checked_out_at,
            source: AttendanceSource::Scan,
            nonce: self.nonce,
            device: None,
            note: None,
            created_at: DateTime::<Utc>::MIN_UTC,
            updated_at: DateTime::<Utc>::MIN_UTC,
        }
    }
}

/// The first answer of a (session, trainee), to cache. Only scan records are cached: a staff correction must show.
fn cached(row: &attendance::Model) -> Option<String> {
    if row.source != AttendanceSource::Scan || row.checked_out_at.is_some() {
        return None;
    }
    let cached = CachedRow {
        enrollment_id: row.enrollment_id,
        status: row.status,
        checked_in_at: row.checked_in_at,
        checked_out_at: row.checked_out_at,
        nonce: row.nonce.clone(),
    };
    serde_json::to_string(&cached).ok()
}

/// Drops the cached answers of (session, enrolment) pairs after a correction.
pub async fn forget(db: &DatabaseConnection, kv: &dyn Kv, records: &[(Uuid, Uuid)]) {
    if records.is_empty() {
        return;
    }
    let ids: Vec<Uuid> = records.iter().map(|(_, e)| *e).collect();
    let people = enrollment::Entity::find().filter(enrollment::Column::Id.is_in(ids)).all(db).await;
    let people: std::collections::HashMap<Uuid, Uuid> = match people {
        Ok(rows) => rows.into_iter().map(|e| (e.id, e.person_id)).collect(),
        Err(err) => {
            // The answers expire on their own (ANSWER_TTL); a correction is still shown on every page.
            tracing::warn!(error = %err, "could not find whose cached check-in answers to drop");
            return;
        }
    };
    for (session_id, enrollment_id) in records {
        let Some(person_id) = people.get(enrollment_id) else { continue };
        if let Err(err) = kv.del(&answer_key(*session_id, *person_id)).await {
            crate::kv::log_degraded(&err, "could not drop a cached check-in answer");
        }
    }
}
