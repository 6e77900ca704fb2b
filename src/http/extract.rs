//! Request extractors: the authenticated caller, an optional JSON body, and the client address.

use std::future::Future;
use std::pin::Pin;

use actix_web::dev::Payload;
use actix_web::http::header;
use actix_web::{FromRequest, HttpRequest, web};
use serde::de::DeserializeOwned;

use crate::auth::{Principal, StaffPrincipal, TraineePrincipal};
use crate::auth::{service, token};
use crate::error::{AppError, ErrorCode};
use crate::state::AppState;

/// Any logged-in caller.
pub struct Auth(pub Principal);

/// A logged-in staff member or administrator; trainees get 403.
pub struct Staff(pub StaffPrincipal);

/// A logged-in administrator; anyone else gets 403.
pub struct Admin(pub StaffPrincipal);

/// A logged-in trainee; staff get 403.
pub struct Trainee(pub TraineePrincipal);

fn app_state(req: &HttpRequest) -> Result<web::Data<AppState>, AppError> {
    req.app_data::<web::Data<AppState>>()
        .cloned()
        .ok_or_else(|| AppError::internal(anyhow::anyhow!("AppState missing from app data")))
}

fn bearer(req: &HttpRequest) -> Result<String, AppError> {
    let value = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .ok_or_else(|| AppError::new(ErrorCode::AuthRequired))?;
    let token = value
        .strip_prefix("Bearer ")
        .or_else(|| value.strip_prefix("bearer "))
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .ok_or_else(|| AppError::new(ErrorCode::InvalidToken))?;
    Ok(token.to_owned())
}

/// Trainee logins are cached for a few seconds (the check-in path); staff ones are always read from the database.
async fn principal_of(req: HttpRequest) -> Result<Principal, AppError> {
    let state = app_state(&req)?;
    let hash = token::hash(&bearer(&req)?);
    let now = state.clock.now();
    if let Some((trainee, expires_at)) = state.caches.trainee_tokens.get(&hash)
        && expires_at > now
    {
        return Ok(Principal::Trainee(trainee));
    }
    let (principal, expires_at) = match &state.token_lookups {
        Some(lookups) => service::authenticate_batched(&state.db, lookups, &hash, now).await?,
        None => service::authenticate_hash(&state.db, &hash, now).await?,
    };
    if let Principal::Trainee(trainee) = &principal {
        state.caches.trainee_tokens.insert(hash, (trainee.clone(), expires_at));
    }
    Ok(principal)
}

impl FromRequest for Auth {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { principal_of(req).await.map(Auth) })
    }
}

async fn staff_of(req: HttpRequest) -> Result<StaffPrincipal, AppError> {
    match principal_of(req).await? {
        Principal::Staff(staff) => Ok(staff),
        Principal::Trainee(_) => Err(AppError::with_message(ErrorCode::Forbidden, "仅工作人员可以进行此操作")),
    }
}

impl FromRequest for Staff {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move { staff_of(req).await.map(Staff) })
    }
}

impl FromRequest for Admin {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let staff = staff_of(req).await?;
            if !staff.is_admin() {
                return Err(AppError::with_message(ErrorCode::Forbidden, "仅管理员可以进行此操作"));
            }
            Ok(Admin(staff))
        })
    }
}

impl FromRequest for Trainee {
    type Error = AppError;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, _: &mut Payload) -> Self::Future {
        let req = req.clone();
        Box::pin(async move {
            let principal = principal_of(req);
            match crate::stage_timing::timed((crate::stage_timing::SCAN, "authentication"), principal).await? {
                Principal::Trainee(trainee) => Ok(Trainee(trainee)),
                Principal::Staff(_) => Err(AppError::with_message(ErrorCode::Forbidden, "此功能仅供学员使用")),
            }
        })
    }
}

/// A JSON body that may be left out: no body (or `null`) is `None`; a body that is there must be JSON of `T`, with
/// the same 400/413/415 answers as `web::Json`. (`Option<web::Json<T>>` turns a malformed body into `None`, so a
/// mistyped `{"reson": "…"}` would be accepted and the reason silently lost from the audit trail.)
pub struct OptionalJson<T>(pub Option<T>);

impl<T: DeserializeOwned + 'static> FromRequest for OptionalJson<T> {
    type Error = actix_web::Error;
    type Future = Pin<Box<dyn Future<Output = Result<Self, Self::Error>>>>;

    fn from_request(req: &HttpRequest, payload: &mut Payload) -> Self::Future {
        let headers = req.headers();
        let no_body = match headers.get(header::CONTENT_LENGTH) {
            Some(length) => length.to_str().ok().and_then(|l| l.trim().parse::<u64>().ok()) == Some(0),
            None => !headers.contains_key(header::TRANSFER_ENCODING),
        };
        if no_body {
            return Box::pin(std::future::ready(Ok(OptionalJson(None))));
        }
        let json = web::Json::<Option<T>>::from_request(req, payload);
        Box::pin(async move { Ok(OptionalJson(json.await?.into_inner())) })
    }
}

/// The client's address: the peer of the connection, or what the trusted proxy in front of us saw
/// (see [`crate::forwarded`]).
pub fn client_addr(req: &HttpRequest, state: &AppState) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else { return "unknown".to_owned() };
    let forwarded: Vec<&str> = req.headers().get_all("x-forwarded-for").filter_map(|v| v.to_str().ok()).collect();
    crate::forwarded::client_ip(peer, &forwarded, state.proxies.as_deref()).to_string()
}
