//! Page requests and paged answers: every list says its total.

pub use rollcall_intake::page::{MAX_PAGE, MAX_PER_PAGE, page_number, page_size};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1).
    #[serde(default, deserialize_with = "page_number")]
    #[param(minimum = 1, maximum = 1_000_000)]
    pub page: Option<u64>,
    /// Items per page (default 50, at most 200).
    #[serde(default, deserialize_with = "page_size")]
    #[param(minimum = 1, maximum = 200)]
    pub per_page: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageRequest {
    pub page: u64,
    pub per_page: u64,
}

impl From<PageQuery> for PageRequest {
    fn from(q: PageQuery) -> Self {
        let (page, per_page) = rollcall_intake::page::window(q.page, q.per_page);
        PageRequest { page, per_page }
    }
}

impl PageRequest {
    pub fn offset(self) -> u64 {
        rollcall_intake::page::offset(self.page, self.per_page)
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
