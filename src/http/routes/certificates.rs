use actix_web::{HttpRequest, HttpResponse, get, post, put, web};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::certificate::decision::{self, CompletionEntry, MyCompletion, OverrideKind};
use crate::certificate::files;
use crate::certificate::issue::{self, CertificateView, IssueReport};
use crate::certificate::verify::{self, PublicCertificate, Verified};
use crate::class::access::class_scope;
use crate::error::{AppError, AppResult, ErrorCode};
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Staff, Trainee, client_addr};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

fn file(content_type: &'static str, name: &str, bytes: Vec<u8>) -> HttpResponse {
    super::download(bytes, content_type, name.to_owned())
}

/// Every trainee's completion decision, live: what the rules say with every reason and its numbers, the
/// administrator's decision in force, and the certificate once issued.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<CompletionEntry>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/completion")]
pub async fn completion(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<CompletionEntry>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(decision::list(&state.db, &scope.class).await?))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OverrideRequest {
    /// `withhold` (whatever the rules say), `allow` (although the rules withhold) or `clear` (back to the rules).
    pub decision: OverrideKind,
    /// Why; shown to the trainee and kept in the audit trail.
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// An administrator decides one trainee's completion by hand, with a reason. Audited; the trainee is told.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path), ("enrollment_id" = Uuid, Path)),
    request_body = OverrideRequest,
    responses(
        (status = 200, body = CompletionEntry),
        (status = 400, body = ErrorBody, description = "`reason_required`, `invalid_json`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`certificate_issued`: revoke the certificate before withholding"),
    )
)]
#[put("/classes/{class_id}/completion/{enrollment_id}")]
pub async fn decide(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<(Uuid, Uuid)>,
    body: web::Json<OverrideRequest>,
) -> AppResult<web::Json<CompletionEntry>> {
    let (class_id, enrollment_id) = path.into_inner();
    let scope = class_scope(&state.db, &who, class_id).await?;
    let templates = &state.settings.wechat.templates;
    let decision = (body.decision, body.reason.as_str());
    let entry =
        decision::set_override(&state.db, templates, &who, &scope, enrollment_id, decision, state.clock.now()).await?;
    Ok(web::Json(entry))
}

/// The trainee's completion in each of their classes, with the reasons when withheld.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<MyCompletion>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/completion")]
pub async fn my_completion(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
) -> AppResult<web::Json<Vec<MyCompletion>>> {
    Ok(web::Json(decision::mine(&state.db, who.person_id).await?))
}

/// Issues certificates to every eligible trainee of a finished class in one action (administrators). Issuing again
/// issues only to those without one; withheld trainees are told why.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = IssueReport),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`class_not_finished`"),
    )
)]
#[post("/classes/{class_id}/certificates")]
pub async fn issue_all(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<IssueReport>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let d = state.at_now();
    Ok(web::Json(issue::issue_class(d, &who, &scope).await?))
}

/// The class's certificates, revoked ones included.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, body = Vec<CertificateView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[get("/classes/{class_id}/certificates")]
pub async fn list(
    state: web::Data<AppState>,
    Staff(who): Staff,
    path: web::Path<Uuid>,
) -> AppResult<web::Json<Vec<CertificateView>>> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    Ok(web::Json(issue::list(&state.db, &state.base_url(), scope.class.id).await?))
}

/// Every valid certificate of the class as PDFs in one ZIP.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("class_id" = Uuid, Path)),
    responses(
        (status = 200, description = "ZIP of PDFs", content_type = "application/zip"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`: no class, or nothing issued"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/classes/{class_id}/certificates.zip")]
pub async fn zip(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let scope = class_scope(&state.db, &who, path.into_inner()).await?;
    let bytes = files::class_zip(&state.db, &state.settings.report, &state.base_url(), scope.class.id).await?;
    Ok(file("application/zip", &format!("{}-结业证书.zip", scope.class.code), bytes))
}

/// One certificate as PDF, for staff of its class.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("certificate_id" = Uuid, Path)),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: trainees"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/certificates/{certificate_id}/pdf")]
pub async fn pdf(state: web::Data<AppState>, Staff(who): Staff, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    let (_, cert) = issue::staff_certificate(&state.db, &who, path.into_inner()).await?;
    let name = format!("{}_{}.pdf", cert.serial, cert.holder_name);
    let bytes = files::pdf(&state.db, &state.settings.report, &state.base_url(), cert).await?;
    Ok(file("application/pdf", &name, bytes))
}

#[derive(Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CertificateReason {
    /// Why; kept in the audit trail (and, for a revocation, on the certificate).
    #[schema(min_length = 1, max_length = 500, pattern = r"\S")]
    pub reason: String,
}

/// Revokes a certificate (administrators; audited). Verification then answers 410.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("certificate_id" = Uuid, Path)),
    request_body = CertificateReason,
    responses(
        (status = 200, body = CertificateView),
        (status = 400, body = ErrorBody, description = "`reason_required`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`already_revoked`"),
    )
)]
#[post("/certificates/{certificate_id}/revoke")]
pub async fn revoke(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<CertificateReason>,
) -> AppResult<web::Json<CertificateView>> {
    let d = state.at_now();
    Ok(web::Json(issue::revoke(d, &who, path.into_inner(), &body.reason).await?))
}

/// Re-issues a certificate (administrators; audited): the old one is revoked and replaced by a new serial and code
/// with the holder's current name and unit.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("certificate_id" = Uuid, Path)),
    request_body = CertificateReason,
    responses(
        (status = 200, body = CertificateView),
        (status = 400, body = ErrorBody, description = "`reason_required`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 409, body = ErrorBody, description = "`not_eligible`, `already_revoked` (already replaced)"),
    )
)]
#[post("/certificates/{certificate_id}/reissue")]
pub async fn reissue(
    state: web::Data<AppState>,
    Admin(who): Admin,
    path: web::Path<Uuid>,
    body: web::Json<CertificateReason>,
) -> AppResult<web::Json<CertificateView>> {
    let d = state.at_now();
    Ok(web::Json(issue::reissue(d, &who, path.into_inner(), &body.reason).await?))
}

/// The trainee's own certificates.
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    responses(
        (status = 200, body = Vec<CertificateView>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff"),
    )
)]
#[get("/me/certificates")]
pub async fn mine(state: web::Data<AppState>, Trainee(who): Trainee) -> AppResult<web::Json<Vec<CertificateView>>> {
    Ok(web::Json(issue::mine(&state.db, &state.base_url(), who.person_id).await?))
}

/// The trainee downloads their own certificate (a revoked one is not handed out again).
#[utoipa::path(
    tag = "certificates",
    security(("bearer" = [])),
    params(("certificate_id" = Uuid, Path)),
    responses(
        (status = 200, description = "PDF", content_type = "application/pdf"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: staff (this is the trainee's own view)"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 410, body = ErrorBody, description = "`certificate_revoked`"),
        (status = 503, body = ErrorBody, description = "`service_unavailable`: no CJK font for the PDF (`report.cjk_font_path`)"),
    )
)]
#[get("/me/certificates/{certificate_id}/pdf")]
pub async fn my_pdf(
    state: web::Data<AppState>,
    Trainee(who): Trainee,
    path: web::Path<Uuid>,
) -> AppResult<HttpResponse> {
    let cert = issue::own_certificate(&state.db, who.person_id, path.into_inner()).await?;
    if cert.revoked_at.is_some() {
        return Err(AppError::with_message(ErrorCode::CertificateRevoked, "该证书已撤销，请下载换发的新证书"));
    }
    let name = format!("{}_{}.pdf", cert.serial, cert.holder_name);
    let bytes = files::pdf(&state.db, &state.settings.report, &state.base_url(), cert).await?;
    Ok(file("application/pdf", &name, bytes))
}

/// The answer for a revoked certificate: the error body plus when it was revoked.
#[derive(Serialize, utoipa::ToSchema)]
pub struct RevokedBody {
    /// `certificate_revoked`.
    pub code: ErrorCode,
    pub message: String,
    pub revoked_at: chrono::DateTime<chrono::Utc>,
    pub certificate: PublicCertificate,
}

/// Public verification of a certificate by its code (the QR on it): no login. 200 valid; 410 revoked, with the
/// date; 404 unknown. Limited per client address.
#[utoipa::path(
    tag = "certificates",
    params(("code" = String, Path, description = "The verification code printed on the certificate")),
    responses(
        (status = 200, body = PublicCertificate),
        (status = 404, body = ErrorBody, description = "`not_found`"),
        (status = 410, body = RevokedBody, description = "`certificate_revoked`"),
        (status = 429, body = ErrorBody, description = "`rate_limited`"),
    )
)]
#[get("/public/certificates/{code}")]
pub async fn public(state: web::Data<AppState>, req: HttpRequest, path: web::Path<String>) -> AppResult<HttpResponse> {
    let client = client_addr(&req, &state);
    match verify::verify_code(&state.db, &*state.infra.limiter, &state.settings, &client, &path).await? {
        Verified::Valid(c) => Ok(HttpResponse::Ok().json(c)),
        Verified::Revoked(c, at) => {
            let message =
                format!("该证书已于{}撤销", at.with_timezone(&crate::clock::china()).format("%Y年%-m月%-d日"));
            let body = RevokedBody { code: ErrorCode::CertificateRevoked, message, revoked_at: at, certificate: c };
            Ok(HttpResponse::Gone().json(body))
        }
        Verified::Unknown => Err(AppError::with_message(ErrorCode::NotFound, "未查询到该证书，请核对验证码")),
    }
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(completion)
        .service(decide)
        .service(my_completion)
        .service(issue_all)
        .service(list)
        .service(zip)
        .service(pdf)
        .service(revoke)
        .service(reissue)
        .service(mine)
        .service(my_pdf)
        .service(public);
}
