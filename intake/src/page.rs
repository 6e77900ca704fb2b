//! Page numbers from a query string. Out-of-range values are refused when the query is read (400, not a silent
//! guess), and whatever gets through still yields an offset every database driver can bind.

use serde::Deserialize;

pub const MAX_PER_PAGE: u64 = 200;
pub const DEFAULT_PER_PAGE: u64 = 50;
/// The last page anyone may ask for: far beyond any list here, and small enough that `page × per_page` stays a
/// valid SQL offset (the database drivers refuse, or panic on, offsets past `i64::MAX`).
pub const MAX_PAGE: u64 = 1_000_000;

/// `page` in a query: 1 to [`MAX_PAGE`]. For `#[serde(default, deserialize_with = "…")]`.
pub fn page_number<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Option<u64>, D::Error> {
    in_range(d, "page", 1, MAX_PAGE)
}

/// `per_page` in a query: 1 to [`MAX_PER_PAGE`].
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

/// The page and page size to use: the defaults, clamped into range.
pub fn window(page: Option<u64>, per_page: Option<u64>) -> (u64, u64) {
    (page.unwrap_or(1).clamp(1, MAX_PAGE), per_page.unwrap_or(DEFAULT_PER_PAGE).clamp(1, MAX_PER_PAGE))
}

/// Rows to skip before `page` (1-based).
pub fn offset(page: u64, per_page: u64) -> u64 {
    page.saturating_sub(1).saturating_mul(per_page)
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    proptest! {
        #[test]
        fn any_page_and_size_give_a_bounded_offset(page in any::<Option<u64>>(), per_page in any::<Option<u64>>()) {
            let (page, per_page) = window(page, per_page);
            prop_assert!((1..=MAX_PAGE).contains(&page));
            prop_assert!((1..=MAX_PER_PAGE).contains(&per_page));
            prop_assert!(offset(page, per_page) < MAX_PAGE * MAX_PER_PAGE);
            prop_assert!(i64::try_from(offset(page, per_page)).is_ok());
        }
    }

    #[test]
    fn the_largest_values_are_the_last_page_allowed() {
        assert_eq!(window(Some(u64::MAX), Some(u64::MAX)), (MAX_PAGE, MAX_PER_PAGE));
        assert_eq!(window(Some(0), Some(0)), (1, 1));
        assert_eq!(window(None, None), (1, DEFAULT_PER_PAGE));
    }
}
