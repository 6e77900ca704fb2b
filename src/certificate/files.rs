//! Certificate files: one PDF, or a class's certificates as a ZIP of PDFs. Rendering is CPU work, done off the
//! async workers.

use std::io::Write;

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};
use uuid::Uuid;

use super::issue::verify_url;
use super::pdf::{Printable, render};
use crate::config::ReportSettings;
use crate::entity::{certificate, training_class};
use crate::error::{AppError, AppResult, ErrorCode};
use crate::pdf::font;

async fn class_of(db: &DatabaseConnection, class_id: Uuid) -> AppResult<training_class::Model> {
    training_class::Entity::find_by_id(class_id)
        .one(db)
        .await?
        .ok_or_else(|| AppError::with_message(ErrorCode::NotFound, "培训班不存在"))
}

/// One certificate as PDF bytes.
pub async fn pdf(
    db: &DatabaseConnection,
    report: &ReportSettings,
    base_url: &str,
    cert: certificate::Model,
) -> AppResult<Vec<u8>> {
    let class = class_of(db, cert.class_id).await?;
    let font = font(report)?;
    let url = verify_url(base_url, &cert.verification_code);
    tokio::task::spawn_blocking(move || render(&font, &Printable { cert: &cert, class: &class, verify_url: url }))
        .await
        .map_err(AppError::internal)?
}

/// Every valid certificate of the class, one PDF each, in a ZIP named by serial and holder.
pub async fn class_zip(
    db: &DatabaseConnection,
    report: &ReportSettings,
    base_url: &str,
    class_id: Uuid,
) -> AppResult<Vec<u8>> {
    let class = class_of(db, class_id).await?;
    let certs = certificate::Entity::find()
        .filter(certificate::Column::ClassId.eq(class_id))
        .filter(certificate::Column::RevokedAt.is_null())
        .order_by_asc(certificate::Column::Serial)
        .all(db)
        .await?;
    if certs.is_empty() {
        return Err(AppError::with_message(ErrorCode::NotFound, "本班尚未发放结业证书"));
    }
    let font = font(report)?;
    let base = base_url.to_owned();
    tokio::task::spawn_blocking(move || -> AppResult<Vec<u8>> {
        let mut zip = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
        let options = zip::write::SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
        for cert in &certs {
            let url = verify_url(&base, &cert.verification_code);
            let bytes = render(&font, &Printable { cert, class: &class, verify_url: url })?;
            let name = crate::file_name::safe(&format!("{}_{}.pdf", cert.serial, cert.holder_name));
            zip.start_file(name, options).map_err(AppError::internal)?;
            zip.write_all(&bytes).map_err(AppError::internal)?;
        }
        Ok(zip.finish().map_err(AppError::internal)?.into_inner())
    })
    .await
    .map_err(AppError::internal)?
}
