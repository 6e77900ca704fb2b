//! Every API request has a deadline, so a database that stops answering (a cut network drops packets without
//! telling anyone) turns into a prompt 503 instead of requests that hang until the client gives up. Check-ins get a
//! short one: a trainee standing at the door should hear "try again" within two seconds, and a retry with the same
//! nonce finds a check-in that did commit. Only the time until the answer starts counts, so live streams are
//! unaffected. A request cut off by its deadline may or may not have committed; it is never acknowledged.

use std::time::Duration;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::Method;
use actix_web::middleware::Next;

use crate::error::{AppError, ErrorCode};

#[derive(Debug, Clone, Copy)]
pub struct Deadlines {
    pub checkin: Duration,
    pub other: Duration,
}

/// Returns the 503 as an error (it becomes [`AppError`]'s JSON answer, security headers included): building a
/// response here would need a clone of the request, which the router forbids while the request is in flight.
pub async fn enforce<B: MessageBody>(
    deadlines: Deadlines,
    req: ServiceRequest,
    next: Next<B>,
) -> Result<ServiceResponse<B>, actix_web::Error> {
    let checkin = req.method() == Method::POST && req.path() == "/api/v1/checkins";
    let limit = if checkin { deadlines.checkin } else { deadlines.other };
    let answered = tokio::time::timeout(limit, next.call(req));
    let answered = if checkin { crate::stage_timing::scan(answered).await } else { answered.await };
    match answered {
        Ok(result) => result,
        Err(_) => {
            tracing::warn!(checkin, limit_ms = limit.as_millis() as u64, "request deadline passed");
            Err(AppError::with_message(ErrorCode::ServiceUnavailable, "系统繁忙，请稍后重试").into())
        }
    }
}
