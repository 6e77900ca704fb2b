//! Proven types: once parsed, a username, password or display name is known to be well-formed.

use chrono::{DateTime, Utc};
use serde::Serialize;
use uuid::Uuid;

use crate::audit::{Actor, ActorKind};
use crate::entity::staff_account;
use crate::error::{AppError, AppResult};

pub use crate::entity::staff_account::Role;

/// 3–32 characters of lower-case letters, digits, `.`, `_`, `-`; case-insensitive (stored lower-case).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let value = raw.trim().to_lowercase();
        let ok_chars = value.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || "._-".contains(c));
        if !(3..=32).contains(&value.len()) || !ok_chars {
            return Err(AppError::validation("用户名须为 3 到 32 位小写字母、数字或 . _ -"));
        }
        Ok(Self(value))
    }
}

impl AsRef<str> for Username {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// 8–128 characters. Not trimmed: spaces are part of a password.
#[derive(Clone, PartialEq, Eq)]
pub struct Password(String);

impl Password {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let len = raw.chars().count();
        if !(8..=128).contains(&len) {
            return Err(AppError::validation("密码长度须为 8 到 128 位"));
        }
        Ok(Self(raw.to_owned()))
    }
}

impl AsRef<str> for Password {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Password {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Password(***)")
    }
}

/// The name shown to people: 1–32 characters, trimmed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DisplayName(String);

impl DisplayName {
    pub fn parse(raw: &str) -> AppResult<Self> {
        let value = raw.trim();
        if value.is_empty() || value.chars().count() > 32 {
            return Err(AppError::validation("姓名不能为空，且不超过 32 个字"));
        }
        Ok(Self(value.to_owned()))
    }
}

impl AsRef<str> for DisplayName {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// A staff or admin account as the rest of the code sees it (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct StaffAccount {
    pub id: Uuid,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub disabled: bool,
    pub created_at: DateTime<Utc>,
}

impl StaffAccount {
    pub fn from_model(m: &staff_account::Model) -> Self {
        Self {
            id: m.id,
            username: m.username.clone(),
            display_name: m.display_name.clone(),
            // An unknown role in the database is treated as the least privileged one.
            role: m.role,
            disabled: m.disabled,
            created_at: m.created_at,
        }
    }
}

/// The authenticated caller of a request: a staff member (or admin), or a trainee.
#[derive(Debug, Clone)]
pub enum Principal {
    Staff(StaffPrincipal),
    Trainee(TraineePrincipal),
}

impl Principal {
    pub fn token_id(&self) -> Uuid {
        match self {
            Principal::Staff(s) => s.token_id,
            Principal::Trainee(t) => t.token_id,
        }
    }
}

/// A logged-in trainee: one person, across every class they are enrolled in.
#[derive(Debug, Clone)]
pub struct TraineePrincipal {
    pub token_id: Uuid,
    pub person_id: Uuid,
    pub name: String,
    /// The device the token was issued to (H5 login), if any.
    pub device: Option<String>,
}

impl TraineePrincipal {
    pub fn actor(&self) -> Actor {
        Actor { kind: ActorKind::Trainee, id: Some(self.person_id), name: self.name.clone() }
    }
}

/// A logged-in staff member or admin.
#[derive(Debug, Clone)]
pub struct StaffPrincipal {
    pub token_id: Uuid,
    pub staff: StaffAccount,
}

impl StaffPrincipal {
    pub fn is_admin(&self) -> bool {
        self.staff.role == Role::Admin
    }

    pub fn actor(&self) -> Actor {
        Actor { kind: ActorKind::Staff, id: Some(self.staff.id), name: self.staff.display_name.clone() }
    }
}
