//! 结业与证书: a class's completion table (each trainee's decision with every reason and its numbers, the
//! administrator's decision in force, the certificate once issued); administrators withhold, allow or clear with a
//! reason, issue the certificates of a finished class after a confirmation that says how many, and revoke or
//! re-issue one with a reason; everyone on the class downloads a PDF, the class ZIP, and sees each public
//! verification link. The certificate services keep every rule.

use std::collections::HashMap;

use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, web};
use askama::Template;
use serde::Deserialize;
use uuid::Uuid;

use super::*;
use crate::certificate::decision::{self, CompletionStatus, OverrideKind};
use crate::certificate::{files, issue};
use crate::class::ClassStatus;

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/console/classes/{id}/completion").route(web::get().to(table)))
        .service(web::resource("/console/classes/{id}/completion/{eid}").route(web::post().to(decide)))
        .service(web::resource("/console/classes/{id}/certificates").route(web::post().to(issue_all)))
        .service(web::resource("/console/classes/{id}/certificates.zip").route(web::get().to(zip)))
        .service(web::resource("/console/certificates/{cid}/pdf").route(web::get().to(pdf)))
        .service(web::resource("/console/certificates/{cid}/revoke").route(web::post().to(revoke)))
        .service(web::resource("/console/certificates/{cid}/reissue").route(web::post().to(reissue)));
}

struct Cert {
    id: Uuid,
    serial: String,
    verify_url: String,
}

struct Row {
    id: Uuid,
    name: String,
    unit: String,
    hours: String,
    leave: String,
    eligible: bool,
    status: String,
    reasons: Vec<String>,
    by_hand: Option<String>,
    cert: Option<Cert>,
    /// Before the end: the lines reached (请假达上限 70%, 旷课达上限, …), empty when none.
    risk: String,
    /// Over a line that only grows (leave or absences over the limit): this trainee can no longer complete.
    lost: bool,
}

#[derive(Template)]
#[template(path = "console/completion.html")]
struct TablePage {
    frame: Frame,
    head: ClassHead,
    finished: bool,
    rows: Vec<Row>,
    eligible: usize,
    withheld: usize,
    to_issue: usize,
    issued: usize,
    /// Trainees near or over a line before the end, and of them those who can no longer complete.
    at_risk: usize,
    lost: usize,
    notice: Option<String>,
    error: Option<String>,
}

#[derive(Deserialize)]
pub struct TableQuery {
    #[serde(default)]
    done: Option<String>,
    #[serde(default)]
    issued: Option<u32>,
}

async fn table(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    q: web::Query<TableQuery>,
) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let notice = match (q.done.as_deref(), q.issued) {
        (_, Some(n)) => Some(format!("已发放 {n} 份结业证书，学员会收到通知。")),
        (Some("decided"), _) => Some("已保存人工决定，学员会收到通知。".to_owned()),
        (Some("revoked"), _) => Some("已撤销该证书，公开查验将显示已撤销。".to_owned()),
        (Some("reissued"), _) => Some("已重新发放证书（新编号），原证书已作废。".to_owned()),
        _ => None,
    };
    table_page(&state, &session, &scope, notice, None, StatusCode::OK).await
}

async fn table_page(
    state: &AppState,
    session: &Session,
    scope: &ClassScope,
    notice: Option<String>,
    error: Option<String>,
    status: StatusCode,
) -> AppResult<HttpResponse> {
    let entries = decision::list(&state.db, &scope.class).await?;
    let certs: HashMap<Uuid, issue::CertificateView> = issue::list(&state.db, &state.base_url(), scope.class.id)
        .await?
        .into_iter()
        .filter(|c| !c.revoked)
        .map(|c| (c.id, c))
        .collect();
    let finished = scope.class.status == ClassStatus::Finished;
    // Before the end, the warning lines (the thresholds the warning job uses, from the facts already read): who is
    // near a limit, who is already over one.
    let policy = crate::completion::ClassPolicy::of(&scope.class).completion;
    let risks: HashMap<Uuid, (bool, String)> = entries
        .iter()
        .filter(|_| !finished)
        .filter_map(|e| {
            let lines = crate::completion::standing::thresholds(&policy, &e.facts);
            let labels: Vec<&str> = lines.iter().map(|t| t.label()).collect();
            (!lines.is_empty()).then(|| (e.enrollment_id, (lines.iter().any(|t| t.is_breach()), labels.join("、"))))
        })
        .collect();
    let rows: Vec<Row> = entries
        .into_iter()
        .map(|e| Row {
            lost: risks.get(&e.enrollment_id).is_some_and(|r| r.0),
            risk: risks.get(&e.enrollment_id).map(|r| r.1.clone()).unwrap_or_default(),
            id: e.enrollment_id,
            hours: format!("{} / {}", e.attended_hours, e.total_hours),
            leave: e.leave_hours,
            eligible: e.status == CompletionStatus::Eligible,
            status: e.status_label,
            reasons: e.reasons.into_iter().map(|r| r.message).collect(),
            // A withholding's reason is already among the reasons ("经审核不予结业：…"): only who decided.
            by_hand: e.decided_by_hand.map(|o| match o.decision {
                OverrideKind::Withhold => format!("不予结业，决定人：{}", o.by),
                OverrideKind::Allow => format!("准予结业（{}）：{}", o.by, o.reason),
                _ => format!("按规则（{}）：{}", o.by, o.reason),
            }),
            cert: e.certificate.map(|b| Cert {
                verify_url: certs.get(&b.id).map(|c| c.verify_url.clone()).unwrap_or_default(),
                id: b.id,
                serial: b.serial,
            }),
            name: e.name,
            unit: e.unit,
        })
        .collect();
    let eligible = rows.iter().filter(|r| r.eligible).count();
    let issued = rows.iter().filter(|r| r.cert.is_some()).count();
    let to_issue = rows.iter().filter(|r| r.eligible && r.cert.is_none()).count();
    let shown = TablePage {
        frame: Frame::of(session, "classes"),
        head: ClassHead::of(scope, "/completion"),
        finished,
        at_risk: risks.len(),
        lost: risks.values().filter(|r| r.0).count(),
        withheld: rows.len() - eligible,
        eligible,
        to_issue,
        issued,
        rows,
        notice,
        error,
    };
    page(status, &shown)
}

#[derive(Deserialize)]
pub struct DecideForm {
    #[serde(default)]
    decision: String,
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

/// An administrator's decision for one trainee (withhold, allow, or back to the rules), with a reason.
async fn decide(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<(String, String)>,
    form: web::Form<DecideForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let (class, eid) = path.into_inner();
    let scope = match class_to_change(&state, &session, &class, "只有管理员可以作出结业的人工决定。").await?
    {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    let kind = OverrideKind::parse(&form.decision);
    let decided = match (eid.parse::<Uuid>(), kind) {
        (Ok(enrollment_id), Some(kind)) => {
            let templates = &state.settings.wechat.templates;
            let choice = (kind, form.reason.as_str());
            decision::set_override(&state.db, templates, &session.staff, &scope, enrollment_id, choice, state.now())
                .await
                .map(|_| ())
        }
        _ => Err(AppError::validation("请选择人工决定")),
    };
    match decided {
        Ok(()) => Ok(see_other(&format!("/console/classes/{}/completion?done=decided", scope.class.id))),
        Err(e) => match correctable(&e) {
            Some(status) => table_page(&state, &session, &scope, None, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

/// Issues the certificates of a finished class (administrators).
async fn issue_all(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<CsrfForm>,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    let scope = match class_to_change(&state, &session, &path, "只有管理员可以发放结业证书。").await? {
        Ok(scope) => scope,
        Err(answer) => return Ok(answer),
    };
    match issue::issue_class(state.at_now(), &session.staff, &scope).await {
        Ok(report) => {
            Ok(see_other(&format!("/console/classes/{}/completion?issued={}", scope.class.id, report.issued)))
        }
        Err(e) => match correctable(&e) {
            Some(status) => table_page(&state, &session, &scope, None, Some(e.message.into_owned()), status).await,
            None => Err(e),
        },
    }
}

async fn zip(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Some(scope) = scoped(&state, &session, &path).await? else { return class_not_found(&session) };
    let bytes = files::class_zip(&state.db, &state.settings.report, &state.base_url(), scope.class.id).await?;
    let name = format!("{}-结业证书.zip", scope.class.code);
    Ok(crate::http::routes::download(bytes, "application/zip", name))
}

fn certificate_not_found(session: &Session) -> AppResult<HttpResponse> {
    message(session, StatusCode::NOT_FOUND, "找不到证书", "该证书不存在，或不属于您的班级。")
}

async fn pdf(req: HttpRequest, state: web::Data<AppState>, path: web::Path<String>) -> AppResult<HttpResponse> {
    let Some(session) = session(&req, &state).await? else { return Ok(to_login(&req)) };
    let Ok(id) = path.parse::<Uuid>() else { return certificate_not_found(&session) };
    let cert = match issue::staff_certificate(&state.db, &session.staff, id).await {
        Ok((_, cert)) => cert,
        Err(e) if e.code == ErrorCode::NotFound => return certificate_not_found(&session),
        Err(e) => return Err(e),
    };
    let name = format!("{}_{}.pdf", cert.serial, cert.holder_name);
    let bytes = files::pdf(&state.db, &state.settings.report, &state.base_url(), cert).await?;
    Ok(crate::http::routes::download(bytes, "application/pdf", name))
}

#[derive(Deserialize)]
pub struct ReasonForm {
    #[serde(default)]
    reason: String,
    #[serde(default)]
    csrf: Option<String>,
}

async fn revoke(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    change_certificate(req, state, path, form, false).await
}

async fn reissue(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
) -> AppResult<HttpResponse> {
    change_certificate(req, state, path, form, true).await
}

/// Revokes a certificate, or re-issues it under a new serial (administrators, with a reason).
async fn change_certificate(
    req: HttpRequest,
    state: web::Data<AppState>,
    path: web::Path<String>,
    form: web::Form<ReasonForm>,
    again: bool,
) -> AppResult<HttpResponse> {
    let session = match posting(&req, &state, form.csrf.as_deref()).await? {
        Ok(session) => session,
        Err(answer) => return Ok(answer),
    };
    if !session.staff.is_admin() {
        return admins_only(&session, "只有管理员可以撤销或重新发放证书。");
    }
    let Ok(id) = path.parse::<Uuid>() else { return certificate_not_found(&session) };
    let changed = if again {
        issue::reissue(state.at_now(), &session.staff, id, &form.reason).await
    } else {
        issue::revoke(state.at_now(), &session.staff, id, &form.reason).await
    };
    match changed {
        Ok(view) => {
            let done = if again { "reissued" } else { "revoked" };
            Ok(see_other(&format!("/console/classes/{}/completion?done={done}", view.class_id)))
        }
        Err(e) if e.code == ErrorCode::NotFound => certificate_not_found(&session),
        Err(e) => match correctable(&e) {
            Some(status) => message(&session, status, "未能完成", &e.message),
            None => Err(e),
        },
    }
}
