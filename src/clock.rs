//! Time is injected: QR rotation, lateness, token expiry and rate limits read this clock, so tests advance it
//! instead of sleeping.

use chrono::{DateTime, Duration, Offset, TimeZone, Utc};
use parking_lot::Mutex;

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that stands still until told to move. Used by tests and by nothing in production.
#[derive(Debug)]
pub struct TestClock {
    now: Mutex<DateTime<Utc>>,
}

impl TestClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self { now: Mutex::new(start) }
    }

    pub fn advance(&self, by: Duration) {
        *self.now.lock() += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock() = to;
    }
}

impl Clock for TestClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock()
    }
}

/// China Standard Time (UTC+8, no daylight saving): what people at a training base read on their clocks.
pub fn china() -> chrono::FixedOffset {
    chrono::FixedOffset::east_opt(8 * 3600).unwrap_or(Utc.fix())
}

/// The local (China) date of an instant.
pub fn local_date(at: DateTime<Utc>) -> chrono::NaiveDate {
    at.with_timezone(&china()).date_naive()
}

/// A local (China) date and time as an instant.
pub fn from_local(date: chrono::NaiveDate, time: chrono::NaiveTime) -> DateTime<Utc> {
    match china().from_local_datetime(&date.and_time(time)).single() {
        Some(t) => t.with_timezone(&Utc),
        None => date.and_time(time).and_utc() - Duration::hours(8),
    }
}

/// An instant as China-time `YYYY-MM-DD HH:MM`, as pages, files and messages show it.
pub fn local_minute(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%Y-%m-%d %H:%M").to_string()
}

/// An instant as China-time `HH:MM`, as printed on notices.
pub fn local_hhmm(at: DateTime<Utc>) -> String {
    at.with_timezone(&china()).format("%H:%M").to_string()
}
