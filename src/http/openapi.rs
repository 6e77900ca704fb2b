//! The OpenAPI document. It is generated from the handlers (utoipa-actix-web collects every `.service(..)`), served
//! at `/api-docs/openapi.json`, and committed as `api-docs/openapi.json`; a test fails when the two drift.

use actix_web::App;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};
use utoipa_actix_web::AppExt;

use crate::error::ErrorCode;
use crate::http::error::ErrorBody;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "rollcall",
        description = "Attendance, leave and completion for cadre training bases. Every error is \
            `{\"code\", \"message\"}`: `code` is one of the stable `ErrorCode` values, `message` is Chinese text \
            for the person using the app. Timestamps are RFC 3339.",
    ),
    components(schemas(ErrorBody, ErrorCode, crate::live::AttendanceEvent, crate::live::stream::ClassSnapshot)),
    modifiers(&BearerAuth),
    tags(
        (name = "health", description = "Liveness and readiness"),
        (name = "auth", description = "Logging in and out"),
        (name = "staff", description = "Staff and admin accounts"),
        (name = "trainee", description = "Trainee login (WeChat or invite code) and their own views"),
        (name = "classes", description = "Training classes (培训班) and their staff"),
        (name = "timetable", description = "Sessions of a class"),
        (name = "roster", description = "Trainees of a class: import, export, invite codes"),
        (name = "checkin", description = "Scanning the rotating QR code; the trainee's own attendance"),
        (name = "screen", description = "Screen links and what the classroom screen shows"),
        (name = "attendance", description = "The classroom QR, opening and closing check-in, attendance lists, corrections, attempts"),
        (name = "leave", description = "Leave requests (请假), the approval chain, leave recorded after the fact (补假)"),
        (name = "discipline", description = "Discipline records (违纪) and their annulment"),
        (name = "rules", description = "A class's leave approval chain and completion limits; trainees at risk"),
        (name = "notifications", description = "The in-app inbox, WeChat delivery status, image attachments"),
        (name = "certificates", description = "Completion decisions (结业), certificates, public verification"),
        (name = "reports", description = "Reports to sending units (选派单位) and the class summary"),
        (name = "archive", description = "学时 archive (培训档案) per person across classes"),
        (name = "audit", description = "The audit trail"),
    )
)]
pub struct ApiDoc;

impl ApiDoc {
    /// The hand-written part of the document; the paths are added from the handlers.
    pub fn openapi_base() -> utoipa::openapi::OpenApi {
        <ApiDoc as OpenApi>::openapi()
    }
}

struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The full document, as the running server serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi_base())
        .service(utoipa_actix_web::scope("/api/v1").configure(super::routes::configure))
        .split_for_parts();
    doc
}

/// The document as committed in `api-docs/openapi.json`.
pub fn document_json() -> anyhow::Result<String> {
    Ok(format!("{}\n", document().to_pretty_json()?))
}
