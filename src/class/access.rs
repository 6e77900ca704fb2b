//! Who may act on which class. Admins act on every class; staff only on classes they are assigned to. A class
//! that exists but is not yours answers exactly like one that does not exist, so its existence does not leak.

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter};
use uuid::Uuid;

use crate::auth::StaffPrincipal;
use crate::entity::{class_staff, training_class};
use crate::error::{AppError, AppResult, ErrorCode};

/// A class the caller has been proven to have access to.
#[derive(Debug, Clone)]
pub struct ClassScope {
    pub class: training_class::Model,
}

pub fn class_not_found() -> AppError {
    AppError::with_message(ErrorCode::NotFound, "培训班不存在或您无权查看")
}

/// Loads the class if the caller may act on it; `not_found` otherwise.
pub async fn class_scope<C: ConnectionTrait>(conn: &C, who: &StaffPrincipal, class_id: Uuid) -> AppResult<ClassScope> {
    let class = training_class::Entity::find_by_id(class_id).one(conn).await?.ok_or_else(class_not_found)?;
    if who.is_admin() || is_assigned(conn, who.staff.id, class_id).await? {
        Ok(ClassScope { class })
    } else {
        Err(class_not_found())
    }
}

pub async fn is_assigned<C: ConnectionTrait>(conn: &C, staff_id: Uuid, class_id: Uuid) -> AppResult<bool> {
    let n = class_staff::Entity::find()
        .filter(class_staff::Column::StaffId.eq(staff_id))
        .filter(class_staff::Column::ClassId.eq(class_id))
        .count(conn)
        .await?;
    Ok(n > 0)
}
