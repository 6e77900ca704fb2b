//! sea-orm entities, one per table. Domain modules wrap these; no entity type crosses the HTTP boundary.
pub mod attachment;
pub mod attendance;
pub mod audit_log;
pub mod auth_token;
pub mod certificate;
pub mod checkin_attempt;
pub mod class_session;
pub mod class_staff;
pub mod completion_override;
pub mod discipline_record;
pub mod enrollment;
pub mod evaluation_default_form;
pub mod evaluation_form;
pub mod evaluation_respondent;
pub mod evaluation_sheet;
pub mod inbox_message;
pub mod leave_request;
pub mod leave_request_session;
pub mod leave_step;
pub mod online_alias;
pub mod online_import;
pub mod online_viewer;
pub mod outbox;
pub mod person;
pub mod screen_link;
pub mod staff_account;
pub mod training_class;
pub mod vocab;
pub mod warning;

/// Declares a closed vocabulary stored as text: the enum, its sea-orm mapping (an unknown stored value fails to load
/// instead of passing for a default), its serde and OpenAPI names (the same strings as stored, so the API and the
/// database cannot drift apart), and `as_str`/`parse` for the places that read it from people (imports, queries).
macro_rules! stored_enum {
    ($(#[$m:meta])* pub enum $t:ident { $($(#[$vm:meta])* $v:ident => $s:tt),+ $(,)? }) => {
        $(#[$m])*
        #[derive(
            Debug, Clone, Copy, PartialEq, Eq, Hash, sea_orm::EnumIter, sea_orm::DeriveActiveEnum, serde::Serialize,
            serde::Deserialize, utoipa::ToSchema,
        )]
        #[sea_orm(rs_type = "String", db_type = "Text")]
        pub enum $t {
            $($(#[$vm])* #[sea_orm(string_value = $s)] #[serde(rename = $s)] $v,)+
        }

        impl $t {
            /// As stored and as the API spells it.
            pub fn as_str(self) -> &'static str {
                match self { $(Self::$v => $s),+ }
            }

            pub fn parse(s: &str) -> Option<Self> {
                match s { $($s => Some(Self::$v),)+ _ => None }
            }
        }
    };
}
pub(crate) use stored_enum;

/// Rows per multi-row INSERT, for every bulk writer. Larger statements were much slower on PostgreSQL over loopback
/// TCP: sqlx leaves Nagle on, and a statement whose message is larger than one segment (~64 KB) waits for a delayed
/// ACK before its second half goes out (roster import, 200 rows: 43 ms per statement, ten times the cost of four
/// 50-row ones; online import of 3,000 rows: 1.1 s at 200 rows, 0.36 s at 50). 50 also keeps well under SQLite's
/// bound-parameter limit. Measured with `cargo bench --bench roster_import` and `--bench online_import`.
pub const ROWS_PER_INSERT: usize = 50;

#[cfg(test)]
mod tests {
    use sea_orm::ActiveEnum;

    use super::leave_request::LeaveStatus;

    #[test]
    fn an_unknown_stored_value_fails_to_load_instead_of_passing_for_a_default() {
        assert_eq!(LeaveStatus::try_from_value(&"approved".to_owned()).unwrap(), LeaveStatus::Approved);
        assert!(LeaveStatus::try_from_value(&"pending ".to_owned()).is_err());
        assert!(LeaveStatus::try_from_value(&"批准".to_owned()).is_err());
        assert_eq!(LeaveStatus::Cancelled.to_value(), "cancelled");
        assert_eq!(LeaveStatus::parse(LeaveStatus::Rejected.as_str()), Some(LeaveStatus::Rejected));
    }
}
