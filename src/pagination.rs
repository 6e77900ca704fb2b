//! Page requests and paged answers: every list says its total.

use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: u64 = 200;
/// The last page anyone can ask for: 20 million items at the largest page size, far beyond any list here, and an
/// offset that every database driver can bind (a u64 near `u64::MAX` panicked the SQL layer).
pub const MAX_PAGE: u64 = 100_000;
const DEFAULT_PER_PAGE: u64 = 50;

#[derive(Debug, Clone, Copy, Default, Deserialize, utoipa::IntoParams)]
#[serde(deny_unknown_fields)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// 1-based page number (default 1; at most 100000).
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
            page: q.page.unwrap_or(1).clamp(1, MAX_PAGE),
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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_page_and_size_give_a_bounded_offset_and_limit(page in any::<Option<u64>>(), per_page in any::<Option<u64>>()) {
            let request = PageRequest::from(PageQuery { page, per_page });
            prop_assert!((1..=MAX_PAGE).contains(&request.page));
            prop_assert!((1..=MAX_PER_PAGE).contains(&request.limit()));
            prop_assert!(request.offset() < MAX_PAGE * MAX_PER_PAGE);
            prop_assert!(i64::try_from(request.offset()).is_ok());
        }
    }

    #[test]
    fn the_largest_page_number_is_the_last_page_allowed() {
        let request = PageRequest::from(PageQuery { page: Some(u64::MAX), per_page: Some(u64::MAX) });
        assert_eq!((request.page, request.per_page), (MAX_PAGE, MAX_PER_PAGE));
    }
}
