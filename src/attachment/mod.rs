//! Image attachments (a sick note for leave, evidence of a breach). The type is decided by the bytes, not by the
//! name or the declared content type: the magic number must say JPEG, PNG or WebP and the header must decode.

use chrono::{DateTime, Utc};
use sea_orm::{ActiveValue::Set, DatabaseConnection, EntityTrait};
use serde::Serialize;
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::entity::attachment;
use crate::entity::vocab::PartyKind;
use crate::error::{AppError, AppResult, ErrorCode};

/// Largest image accepted: a phone photo re-encoded by WeChat is well under this.
pub const MAX_IMAGE_BYTES: usize = 5 * 1024 * 1024;

/// Who uploaded it; only they may attach it to something.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Owner {
    Trainee(Uuid),
    Staff(Uuid),
}

impl Owner {
    fn parts(self) -> (PartyKind, Uuid) {
        match self {
            Owner::Trainee(id) => (PartyKind::Trainee, id),
            Owner::Staff(id) => (PartyKind::Staff, id),
        }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct AttachmentView {
    pub id: Uuid,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub mime: String,
    pub size: u64,
}

/// The image type of `bytes`, if it is one rollcall accepts and its header decodes.
pub fn image_type(bytes: &[u8]) -> Option<&'static str> {
    let kind = infer::get(bytes)?;
    let mime = match kind.mime_type() {
        "image/jpeg" => "image/jpeg",
        "image/png" => "image/png",
        "image/webp" => "image/webp",
        _ => return None,
    };
    let size = imagesize::blob_size(bytes).ok()?;
    (size.width > 0 && size.height > 0).then_some(mime)
}

pub async fn store(
    db: &DatabaseConnection,
    owner: Owner,
    bytes: Vec<u8>,
    now: DateTime<Utc>,
) -> AppResult<AttachmentView> {
    if bytes.is_empty() {
        return Err(AppError::with_message(ErrorCode::AttachmentInvalid, "没有收到图片，请重新选择"));
    }
    if bytes.len() > MAX_IMAGE_BYTES {
        return Err(AppError::with_message(ErrorCode::PayloadTooLarge, "图片过大，请不要超过 5 MB"));
    }
    let mime = image_type(&bytes).ok_or_else(|| AppError::new(ErrorCode::AttachmentInvalid))?;
    let (kind, owner_id) = owner.parts();
    let id = Uuid::now_v7();
    let size = bytes.len() as u64;
    attachment::Entity::insert(attachment::ActiveModel {
        id: Set(id),
        owner_kind: Set(kind),
        owner_id: Set(owner_id),
        mime: Set(mime.to_owned()),
        size: Set(size as i64),
        sha256: Set(hex::encode(Sha256::digest(&bytes))),
        bytes: Set(bytes),
        created_at: Set(now),
    })
    .exec_without_returning(db)
    .await?;
    Ok(AttachmentView { id, mime: mime.to_owned(), size })
}

/// Checks that `id` exists and was uploaded by `owner`, before it is attached to something.
pub async fn check_owner<C: sea_orm::ConnectionTrait>(conn: &C, id: Uuid, owner: Owner) -> AppResult<()> {
    let (kind, owner_id) = owner.parts();
    let found = attachment::Entity::find_by_id(id).one(conn).await?;
    match found {
        Some(a) if a.owner_kind == kind && a.owner_id == owner_id => Ok(()),
        _ => Err(AppError::with_message(ErrorCode::NotFound, "附件不存在，请重新上传")),
    }
}

pub async fn load(db: &DatabaseConnection, id: Uuid) -> AppResult<attachment::Model> {
    attachment::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "附件不存在"))
}
