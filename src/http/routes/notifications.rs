use actix_multipart::Multipart;
use actix_web::{HttpResponse, get, post, web};
use serde::Deserialize;
use uuid::Uuid;

use crate::attachment::{self, AttachmentView, Owner};
use crate::auth::Principal;
use crate::error::AppResult;
use crate::http::error::ErrorBody;
use crate::http::extract::{Admin, Auth};
use crate::http::upload::read_file;
use crate::notify::Recipient;
use crate::notify::inbox::{self, Inbox};
use crate::notify::outbox::{self, OutboxItem};
use crate::pagination::{Page, PageQuery, PageRequest};
use crate::state::AppState;
use utoipa_actix_web::service_config::ServiceConfig;

fn recipient(who: &Principal) -> Recipient {
    match who {
        Principal::Staff(s) => Recipient::Staff(s.staff.id),
        Principal::Trainee(t) => Recipient::Trainee { person_id: t.person_id, openid: None },
    }
}

/// The caller's in-app messages (trainee or staff), newest first, with the unread count.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(PageQuery),
    responses(
        (status = 200, body = Inbox),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
    )
)]
#[get("/inbox")]
pub async fn list(
    state: web::Data<AppState>,
    Auth(who): Auth,
    page: web::Query<PageQuery>,
) -> AppResult<web::Json<Inbox>> {
    Ok(web::Json(inbox::list(&state.db, &recipient(&who), PageRequest::from(page.into_inner())).await?))
}

/// Marks one of the caller's messages read.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(("message_id" = Uuid, Path)),
    responses(
        (status = 204, description = "Read"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 404, body = ErrorBody, description = "`not_found`"),
    )
)]
#[post("/inbox/{message_id}/read")]
pub async fn read(state: web::Data<AppState>, Auth(who): Auth, path: web::Path<Uuid>) -> AppResult<HttpResponse> {
    inbox::mark_read(&state.db, &recipient(&who), path.into_inner(), state.clock.now()).await?;
    Ok(HttpResponse::NoContent().finish())
}

fn outbox_statuses() -> utoipa::openapi::Object {
    crate::http::openapi::one_of(
        &["pending", "sent", "skipped", "failed"],
        "Only deliveries in this state; default all.",
    )
}

#[derive(Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `sent`, `skipped` or `failed`.
    #[param(schema_with = outbox_statuses)]
    pub status: Option<String>,
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "crate::pagination::page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "crate::pagination::page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

/// WeChat notifications and how their delivery went (administrators).
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    params(OutboxQuery),
    responses(
        (status = 200, body = Page<OutboxItem>),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 403, body = ErrorBody, description = "`forbidden`: not an admin"),
    )
)]
#[get("/admin/outbox")]
pub async fn outbox_list(
    state: web::Data<AppState>,
    _admin: Admin,
    query: web::Query<OutboxQuery>,
) -> AppResult<web::Json<Page<OutboxItem>>> {
    let q = query.into_inner();
    let page = PageRequest::from(PageQuery { page: q.page, per_page: q.per_page });
    Ok(web::Json(outbox::list(&state.db, q.status.as_deref(), page).await?))
}

/// The form for image uploads.
#[derive(utoipa::ToSchema)]
pub struct ImageForm {
    /// A JPEG, PNG or WebP image, at most 5 MB.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// Uploads an image (a sick note, evidence) to attach to a leave request or a discipline record. The type is
/// checked from the bytes.
#[utoipa::path(
    tag = "notifications",
    security(("bearer" = [])),
    request_body(content = ImageForm, content_type = "multipart/form-data"),
    responses(
        (status = 201, body = AttachmentView),
        (status = 400, body = ErrorBody, description = "`file_unreadable`"),
        (status = 401, body = ErrorBody, description = "`auth_required`, `invalid_token`"),
        (status = 413, body = ErrorBody, description = "`payload_too_large`: over 5 MB"),
        (status = 415, body = ErrorBody, description = "`attachment_invalid`: not a JPEG, PNG or WebP image"),
    )
)]
#[post("/attachments")]
pub async fn upload(state: web::Data<AppState>, Auth(who): Auth, payload: Multipart) -> AppResult<HttpResponse> {
    let bytes = read_file(payload).await?;
    let owner = match &who {
        Principal::Staff(s) => Owner::Staff(s.staff.id),
        Principal::Trainee(t) => Owner::Trainee(t.person_id),
    };
    let stored = attachment::store(&state.db, owner, bytes, state.clock.now()).await?;
    Ok(HttpResponse::Created().json(stored))
}

/// This area's routes, in the order they are matched.
pub fn configure(cfg: &mut ServiceConfig) {
    cfg.service(list).service(read).service(outbox_list).service(upload);
}
