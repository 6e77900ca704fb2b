//! The reports as files to download, by format: one place that knows the formats, the content types and the file
//! names, for the API and the console alike.

use chrono::{DateTime, Utc};
use sea_orm::DatabaseConnection;

use super::pdf::font;
use super::unit::{self, SESSION_HEADERS, TRAINEE_HEADERS};
use crate::entity::training_class;
use crate::error::{AppError, AppResult};
use crate::tabular::{CSV_TYPE, XLSX_TYPE, write_csv};

/// A report as a download: its bytes, content type and file name.
pub struct ReportFile {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
    pub name: String,
}

/// The report to one sending unit as `xlsx`, `csv` or `pdf` (rendered on the blocking pool).
pub async fn unit_report(
    db: &DatabaseConnection,
    settings: &crate::config::ReportSettings,
    class: &training_class::Model,
    unit_name: &str,
    format: &str,
    now: DateTime<Utc>,
) -> AppResult<ReportFile> {
    let report = unit::unit_report(db, class, unit_name, now).await?;
    let name = format!("{}-{}-培训情况报告", class.code, report.unit);
    Ok(match format {
        "xlsx" => ReportFile { bytes: report.xlsx()?, content_type: XLSX_TYPE, name: format!("{name}.xlsx") },
        "csv" => ReportFile { bytes: report.csv()?, content_type: CSV_TYPE, name: format!("{name}.csv") },
        "pdf" => {
            let font = font(settings)?;
            let bytes = tokio::task::spawn_blocking(move || report.pdf(&font)).await.map_err(AppError::internal)?;
            ReportFile { bytes, content_type: "application/pdf", name: format!("{name}.pdf") }
        }
        _ => return Err(AppError::validation("格式须为 xlsx、pdf 或 csv")),
    })
}

/// The class summary as `xlsx` (both sheets), `sessions.csv` or `trainees.csv`.
pub async fn class_summary(
    db: &DatabaseConnection,
    class: &training_class::Model,
    format: &str,
    now: DateTime<Utc>,
) -> AppResult<ReportFile> {
    let s = unit::class_summary(db, class, now).await?;
    let name = format!("{}-考勤汇总", class.code);
    Ok(match format {
        "xlsx" => ReportFile { bytes: s.xlsx()?, content_type: XLSX_TYPE, name: format!("{name}.xlsx") },
        "sessions.csv" => ReportFile {
            bytes: write_csv(SESSION_HEADERS, &s.sessions)?,
            content_type: CSV_TYPE,
            name: format!("{name}-按课程.csv"),
        },
        "trainees.csv" => ReportFile {
            bytes: write_csv(TRAINEE_HEADERS, &s.trainees)?,
            content_type: CSV_TYPE,
            name: format!("{name}-按学员.csv"),
        },
        _ => return Err(AppError::validation("格式须为 xlsx、sessions.csv 或 trainees.csv")),
    })
}

/// Everyone's 学时 for `year` and the five years to it, against their rank's requirement (the 学时 archive), as
/// `xlsx` or `csv`.
pub async fn archive_hours(
    db: &DatabaseConnection,
    requirements: &[crate::config::HoursRequirement],
    year: i32,
    format: &str,
) -> AppResult<ReportFile> {
    use crate::archive::{EXPORT_HEADERS, export_rows};
    if !(2000..=2100).contains(&year) {
        return Err(AppError::validation("年度须在 2000 到 2100 之间"));
    }
    let name = format!("干部培训学时档案-{year}");
    let file = |bytes, content_type, ext| ReportFile { bytes, content_type, name: format!("{name}.{ext}") };
    match format {
        "xlsx" => {
            let rows = export_rows(db, requirements, year).await?;
            Ok(file(crate::tabular::write_xlsx("培训学时", EXPORT_HEADERS, &rows)?, XLSX_TYPE, "xlsx"))
        }
        "csv" => Ok(file(write_csv(EXPORT_HEADERS, &export_rows(db, requirements, year).await?)?, CSV_TYPE, "csv")),
        _ => Err(AppError::validation("格式须为 xlsx 或 csv")),
    }
}
