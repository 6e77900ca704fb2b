//! Page requests and paged answers: every list says its total.

use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: u64 = 200;
const DEFAULT_PER_PAGE: u64 = 50;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    pub per_page: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl From<PageQuery> for PageRequest {
    fn from(q: PageQuery) -> Self {
        PageRequest {
            page: q.page.unwrap_or(1).max(1),
            per_page: q.per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE),
        }
    }
}

impl PageRequest {
    pub fn offset(self) -> u64 {
        (self.page - 1).saturating_mul(self.per_page)
    }

    pub fn limit(self) -> u64 {
        self.per_page
    }

    pub fn wrap<T>(self, items: Vec<T>, total: u64) -> Page<T> {
        Page { items, total, page: self.page, per_page: self.per_page }
    }
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub total: u64,
    pub page: u64,
    pub per_page: u64,
}
