//! Page requests and paged answers: every list says its total.

use serde::{Deserialize, Serialize};

pub const MAX_PER_PAGE: u64 = 200;
const DEFAULT_PER_PAGE: u64 = 50;
/// The last page anyone may ask for: far beyond any list here, and small enough that `page × per_page` stays a
/// valid SQL offset (the database drivers refuse, or panic on, offsets past `i64::MAX`).
pub const MAX_PAGE: u64 = 1_000_000;

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

/// `page` in a query: 1 to [`MAX_PAGE`]; anything else is a 400 `invalid_query` rather than a silent guess. For
/// `#[serde(default, deserialize_with = "…")]` on every query struct with a `page`.
pub fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    in_range(d, "page", 1, MAX_PAGE)
}

/// `per_page` in a query: 1 to [`MAX_PER_PAGE`], else 400 `invalid_query`.
pub fn page_size<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    in_range(d, "per_page", 1, MAX_PER_PAGE)
}

fn in_range<'de, D: serde::Deserializer<'de>>(d: D, name: &str, min: u64, max: u64) -> Result<Option<u64>, D::Error> {
    let value = Option::<u64>::deserialize(d)?;
    match value {
        Some(n) if !(min..=max).contains(&n) => {
            Err(serde::de::Error::custom(format!("{name} must be between {min} and {max}, not {n}")))
        }
        _ => Ok(value),
    }
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
