use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use uuid::Uuid;

use crate::entity::{class_staff, staff_account, training_class};
use crate::error::AppResult;
use crate::pagination::PageRequest;

/// Classes visible to a caller: all for admins (`staff_id = None`), else those they are assigned to.
pub async fn list_classes<C: ConnectionTrait>(
    conn: &C,
    staff_id: Option<Uuid>,
    filter: super::service::ClassFilter<'_>,
    page: PageRequest,
) -> AppResult<(Vec<training_class::Model>, u64)> {
    let super::service::ClassFilter { status, kind, search } = filter;
    let mut query = training_class::Entity::find();
    if let Some(staff_id) = staff_id {
        query = query.filter(
            training_class::Column::Id.in_subquery(
                Query::select()
                    .column(class_staff::Column::ClassId)
                    .from(class_staff::Entity)
                    .and_where(class_staff::Column::StaffId.eq(staff_id))
                    .to_owned(),
            ),
        );
    }
    if let Some(status) = status {
        query = query.filter(training_class::Column::Status.eq(status));
    }
    if let Some(kind) = kind {
        query = query.filter(training_class::Column::Kind.eq(kind));
    }
    if let Some(text) = search.map(str::trim).filter(|t| !t.is_empty()) {
        let pattern = format!("%{}%", text.replace(['%', '_'], ""));
        query = query.filter(
            sea_orm::Condition::any()
                .add(training_class::Column::Code.like(&pattern))
                .add(training_class::Column::Name.like(&pattern)),
        );
    }
    let total = query.clone().count(conn).await?;
    let rows = query
        .order_by_desc(training_class::Column::StartDate)
        .order_by_asc(training_class::Column::Code)
        .offset(page.offset())
        .limit(page.limit())
        .all(conn)
        .await?;
    Ok((rows, total))
}

pub async fn class_staff<C: ConnectionTrait>(
    conn: &C,
    class_id: Uuid,
) -> AppResult<Vec<(class_staff::Model, staff_account::Model)>> {
    let rows = class_staff::Entity::find()
        .filter(class_staff::Column::ClassId.eq(class_id))
        .order_by_asc(class_staff::Column::CreatedAt)
        .all(conn)
        .await?;
    let ids: Vec<Uuid> = rows.iter().map(|r| r.staff_id).collect();
    let accounts = staff_account::Entity::find().filter(staff_account::Column::Id.is_in(ids)).all(conn).await?;
    Ok(rows.into_iter().filter_map(|r| accounts.iter().find(|a| a.id == r.staff_id).cloned().map(|a| (r, a))).collect())
}

/// The class with this code, if any.
pub async fn find_by_code<C: ConnectionTrait>(conn: &C, code: &str) -> AppResult<Option<training_class::Model>> {
    if code.is_empty() {
        return Ok(None);
    }
    Ok(training_class::Entity::find().filter(training_class::Column::Code.eq(code)).one(conn).await?)
}
