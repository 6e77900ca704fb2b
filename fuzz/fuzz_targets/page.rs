//! Any query string: `page` and `per_page` are read (in range) or refused, and what is read gives an offset the
//! database can bind.
#![no_main]

use libfuzzer_sys::fuzz_target;
use rollcall_intake::page::{MAX_PAGE, MAX_PER_PAGE, offset, page_number, page_size, window};
use serde::Deserialize;

#[derive(Deserialize)]
struct Query {
    #[serde(default, deserialize_with = "page_number")]
    page: Option<u64>,
    #[serde(default, deserialize_with = "page_size")]
    per_page: Option<u64>,
}

fuzz_target!(|data: &[u8]| {
    let Ok(query) = serde_urlencoded::from_bytes::<Query>(data) else { return };
    assert!(query.page.is_none_or(|p| (1..=MAX_PAGE).contains(&p)));
    assert!(query.per_page.is_none_or(|p| (1..=MAX_PER_PAGE).contains(&p)));
    let (page, per_page) = window(query.page, query.per_page);
    assert!(i64::try_from(offset(page, per_page)).is_ok());
});
