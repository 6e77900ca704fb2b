//! Reading one uploaded file from a `multipart/form-data` body.

use actix_multipart::Multipart;
use futures_util::StreamExt;

use crate::error::{AppError, AppResult, ErrorCode};

/// Largest spreadsheet accepted (a 3,000-row roster is well under 1 MB).
pub const MAX_UPLOAD_BYTES: usize = 10 * 1024 * 1024;

/// The form for spreadsheet uploads.
#[derive(utoipa::ToSchema)]
pub struct UploadForm {
    /// The .xlsx or .csv file.
    #[schema(value_type = String, format = Binary)]
    pub file: Vec<u8>,
}

/// The bytes of the form field `file` (or of the first file field).
pub async fn read_file(mut payload: Multipart) -> AppResult<Vec<u8>> {
    let unreadable = |e: actix_multipart::MultipartError| {
        AppError::with_message(ErrorCode::FileUnreadable, "上传内容不完整，请重新上传")
            .caused_by(anyhow::anyhow!("{e}"))
    };
    while let Some(field) = payload.next().await {
        let mut field = field.map_err(unreadable)?;
        let is_file =
            field.name() == Some("file") || field.content_disposition().and_then(|d| d.get_filename()).is_some();
        let mut bytes = Vec::new();
        while let Some(chunk) = field.next().await {
            let chunk = chunk.map_err(unreadable)?;
            if bytes.len() + chunk.len() > MAX_UPLOAD_BYTES {
                return Err(AppError::with_message(ErrorCode::PayloadTooLarge, "文件过大，请不要超过 10 MB"));
            }
            if is_file {
                bytes.extend_from_slice(&chunk);
            }
        }
        if is_file {
            return Ok(bytes);
        }
    }
    Err(AppError::with_message(ErrorCode::FileUnreadable, "没有收到文件，请选择 .xlsx 或 .csv 文件上传"))
}
