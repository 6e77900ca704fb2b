//! Demo mode: a training base to click through, created on the embedded database only.

use chrono::{DateTime, Utc};

use crate::audit::Actor;
use crate::auth::service::{self, NewStaff};
use crate::auth::{DisplayName, Password, Role, Username, repo};
use crate::config::DatabaseKind;
use crate::error::AppResult;
use crate::state::AppState;

pub const ADMIN: (&str, &str) = ("demo-admin", "demo-admin-pass");
pub const STAFF: (&str, &str) = ("demo-staff", "demo-staff-pass");

/// Creates the demo accounts if they are missing. Refuses anything but the embedded SQLite database so a demo
/// account can never appear in a production database.
pub async fn seed(state: &AppState, now: DateTime<Utc>) -> anyhow::Result<()> {
    anyhow::ensure!(
        state.settings.database_kind() == DatabaseKind::Sqlite,
        "demo mode runs on the embedded SQLite database only; unset DATABASE_URL"
    );
    let actor = Actor::system("demo");
    for ((username, password), display_name, role) in
        [(ADMIN, "演示管理员", Role::Admin), (STAFF, "演示班主任", Role::Staff)]
    {
        ensure_account(state, &actor, username, password, display_name, role, now).await?;
    }
    Ok(())
}

async fn ensure_account(
    state: &AppState,
    actor: &Actor,
    username: &str,
    password: &str,
    display_name: &str,
    role: Role,
    now: DateTime<Utc>,
) -> AppResult<()> {
    if repo::find_staff_by_username(&state.db, username).await?.is_some() {
        return Ok(());
    }
    let new = NewStaff {
        username: Username::parse(username)?,
        display_name: DisplayName::parse(display_name)?,
        password: Password::parse(password)?,
        role,
    };
    service::create_staff(&state.db, actor, new, now).await?;
    Ok(())
}
