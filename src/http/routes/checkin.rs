use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, get, post, web};

use crate::attendance::service::{self as attendance, MyAttendance};
use crate::checkin::service::{self, Caller};
use crate::checkin::{CheckinRequest, CheckinResult};
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Trainee, client_addr};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

/// Check in (or out) by the scanned QR token. 201 when this scan recorded it; 200 with `already_checked_in: true`
/// when an earlier scan had. The answer is sent only after the record is stored.
#[utoipa::path(
    tag = "checkin",
    security(("bearer" = [])),
    request_body = CheckinRequest,
    responses(
        (status = 201, body = CheckinResult, description = "recorded by this scan (or a retry of it with the same nonce)"),
        (status = 200, body = CheckinResult, description = "already recorded by an earlier scan"),
        (status = 400, body = ErrorBody, description = "`qr_token_invalid`, `qr_token_expired`, `location_required`, `validation_failed` (nonce), `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`not_enrolled`, `outside_geofence`, `device_mismatch`, `forbidden` (not a trainee)"),
        (status = 409, body = ErrorBody, description = "`session_not_open`, `session_closed`, `device_shared`, `not_checked_in` (check-out first), `on_leave` (approved leave for the session)"),
        (status = 429, body = ErrorBody, description = "`rate_limited`, with `Retry-After`"),
    )
)]
#[post("/checkins")]
pub async fn check_in(
    state: web::Data<AppState>,
    req: HttpRequest,
    Trainee(trainee): Trainee,
    body: web::Json<CheckinRequest>,
) -> AppResult<HttpResponse> {
    let addr = client_addr(&req, &state);
    let caller = Caller {
        trainee: &trainee,
        client_addr: &addr,
        user_agent: req.headers().get(header::USER_AGENT).and_then(|v| v.to_str().ok()),
        now: state.clock.now(),
    };
    let answer = service::check_in(&state.ctx, (&state.attempts, &state.checkin_writer), &caller, &body).await?;
    Ok(if answer.created { HttpResponse::Created() } else { HttpResponse::Ok() }.json(answer.result))
}

/// The trainee's own attendance: each session that has started, totals, and 学时 earned.
#[utoipa::path(
    tag = "checkin",
    security(("bearer" = [])),
    responses(
        (status = 200, body = MyAttendance),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not a trainee"),
    )
)]
#[get("/me/attendance")]
pub async fn my_attendance(state: web::Data<AppState>, Trainee(t): Trainee) -> AppResult<web::Json<MyAttendance>> {
    Ok(web::Json(attendance::mine(&state.db, t.person_id, state.clock.now(), crate::completion::online_cap).await?))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(check_in).service(my_attendance);
}
