use sea_orm::entity::prelude::*;

pub use super::vocab::ViewerMatch;

/// A viewer the latest import of a session found: who the export says, whom they were matched to (or not), and
/// their times, kept so that an assignment recomputes the session without the file.
#[derive(Clone, Debug, PartialEq, DeriveEntityModel)]
#[sea_orm(table_name = "online_viewer")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub id: Uuid,
    pub session_id: Uuid,
    pub import_id: Uuid,
    pub display_name: String,
    pub phone: Option<String>,
    pub enrollment_id: Option<Uuid>,
    pub matched: ViewerMatch,
    /// Merged time within the scheduled window (this viewer alone).
    pub watched_seconds: i32,
    pub platform_seconds: Option<i32>,
    pub first_join: Option<DateTimeUtc>,
    pub last_leave: Option<DateTimeUtc>,
    /// `{"exact": [[from, to], …], "span": [from, to] | null}`.
    pub intervals: Json,
    /// The spreadsheet rows the viewer came from.
    pub sheet_rows: Json,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
