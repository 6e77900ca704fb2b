//! The OpenAPI document. It is generated from the handlers (utoipa-actix-web collects every `.service(..)`), served
//! at `/api-docs/openapi.json`, and committed as `api-docs/openapi.json`; a test fails when the two drift.

use actix_web::App;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{Content, Header, ObjectBuilder, Ref, RefOr, Response, Type};
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
    components(schemas(ErrorBody, ErrorCode, crate::live::AttendanceEvent, crate::live::ClassSnapshot)),
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
        (name = "evaluation", description = "Course evaluation (教学评估, 满意度): anonymous answers per course and for the class, progress, reminders, results"),
        (name = "online", description = "Online live classes (线上直播): attendance imported from the meeting platform's export by watched time"),
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

/// A string that is one of `values`, for `#[param(schema_with = …)]` on query strings a handler matches by hand
/// (`schema_with` drops the field's doc comment, so the description comes along).
pub fn one_of(values: &[&str], description: &str) -> utoipa::openapi::Object {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(values.iter().copied()))
        .description(Some(description))
        .build()
}

/// The answers an operation can give because of its shape rather than its purpose: whatever a handler's
/// annotation says, these are added (or, when the status is already listed with the error body, its codes are
/// added to the description). The server gives them from its extractors (`http::error`), the bearer check and the
/// database layer, so listing them by hand on every handler would only let the document drift from the server.
struct CommonResponses;

/// Why a generic code is given; its status comes from `http::error::status_of`.
const GENERIC: &[(ErrorCode, &str)] = &[
    (ErrorCode::AuthRequired, "no `Authorization: Bearer` token"),
    (ErrorCode::InvalidToken, "the token is unknown, expired or revoked"),
    (ErrorCode::InvalidPath, "a path parameter is malformed (e.g. not a UUID)"),
    (ErrorCode::InvalidQuery, "a query parameter is unknown, malformed or out of range"),
    (ErrorCode::InvalidJson, "the body is not JSON of this schema (the message names the field)"),
    (ErrorCode::UnsupportedMediaType, "the body is not sent as `application/json`"),
    (ErrorCode::FileUnreadable, "the body is not a complete `multipart/form-data` form with a file"),
    (ErrorCode::NotFound, "nothing has this id, or it is not yours"),
    (ErrorCode::ServiceUnavailable, "the database cannot be reached; retry later"),
    (ErrorCode::InternalError, "an unexpected failure, logged with the request's `x-request-id`"),
];

impl Modify for CommonResponses {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        for item in openapi.paths.paths.values_mut() {
            let operations = [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
                &mut item.head,
                &mut item.options,
                &mut item.trace,
            ];
            for op in operations.into_iter().flatten() {
                if op.tags.iter().flatten().any(|t| t == "health") {
                    continue;
                }
                add_common_responses(op);
            }
        }
    }
}

fn add_common_responses(op: &mut Operation) {
    let params_in = |place: ParameterIn| op.parameters.iter().flatten().any(|p| p.parameter_in == place);
    let (in_path, in_query) = (params_in(ParameterIn::Path), params_in(ParameterIn::Query));
    let body_types: Vec<String> = op.request_body.iter().flat_map(|b| b.content.keys().cloned()).collect();
    let json_body = body_types.iter().any(|t| t == "application/json");
    let form_body = body_types.iter().any(|t| t == "multipart/form-data");
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());

    let mut codes = Vec::new();
    if secured {
        codes.extend([ErrorCode::AuthRequired, ErrorCode::InvalidToken]);
    }
    if in_path {
        codes.extend([ErrorCode::InvalidPath, ErrorCode::NotFound]);
    }
    if in_query {
        codes.push(ErrorCode::InvalidQuery);
    }
    if json_body {
        codes.extend([ErrorCode::InvalidJson, ErrorCode::UnsupportedMediaType]);
    }
    if form_body {
        codes.push(ErrorCode::FileUnreadable);
    }
    codes.extend([ErrorCode::ServiceUnavailable, ErrorCode::InternalError]);
    for code in codes {
        let why = GENERIC.iter().find(|(c, _)| *c == code).map_or("", |(_, why)| why);
        add_code(op, code, why);
    }
    if json_body {
        add_code(op, ErrorCode::PayloadTooLarge, "the body is larger than `server.max_json_bytes` (64 KiB by default)");
    }
    if form_body {
        add_code(op, ErrorCode::PayloadTooLarge, "the file is larger than 10 MB");
    }
    if let Some(RefOr::T(limited)) = op.responses.responses.get_mut("429") {
        limited.headers.entry("Retry-After".to_owned()).or_insert_with(|| {
            let mut header = Header::new(ObjectBuilder::new().schema_type(Type::Integer).minimum(Some(1)));
            header.description = Some("Seconds to wait before trying again.".to_owned());
            header
        });
    }
}

/// Lists `code` under its status: a new response with the error body, or one more code in the description of the
/// error response already there. A status documented with another body (e.g. a report) is left alone.
fn add_code(op: &mut Operation, code: ErrorCode, why: &str) {
    let status = super::error::status_of(code).as_u16().to_string();
    let mention = format!("`{code}`");
    match op.responses.responses.get_mut(&status) {
        None => {
            let mut response = Response::new(format!("{mention}: {why}"));
            response.content.insert("application/json".to_owned(), error_content());
            op.responses.responses.insert(status, RefOr::T(response));
        }
        Some(RefOr::T(response)) if is_error_body(response) && !response.description.contains(&mention) => {
            response.description = format!("{}; {mention}: {why}", response.description.trim_end_matches(['.', ' ']));
        }
        Some(_) => {}
    }
}

fn error_content() -> Content {
    Content::new(Some(Ref::from_schema_name("ErrorBody")))
}

fn is_error_body(response: &Response) -> bool {
    response
        .content
        .get("application/json")
        .is_some_and(|c| matches!(&c.schema, Some(RefOr::Ref(r)) if r.ref_location == "#/components/schemas/ErrorBody"))
}

/// The full document, as the running server serves it.
pub fn document() -> utoipa::openapi::OpenApi {
    let (_, mut doc) = App::new()
        .into_utoipa_app()
        .openapi(ApiDoc::openapi_base())
        .service(utoipa_actix_web::scope("/api/v1").configure(super::routes::configure))
        .split_for_parts();
    CommonResponses.modify(&mut doc);
    doc
}

/// The document as committed in `api-docs/openapi.json`.
pub fn document_json() -> anyhow::Result<String> {
    Ok(format!("{}\n", document().to_pretty_json()?))
}
