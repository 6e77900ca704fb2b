//! Logging: human-readable by default, JSON when `log.format = "json"`. `RUST_LOG` overrides the filter.

use tracing_subscriber::EnvFilter;
use tracing_subscriber::fmt;

use crate::config::LogSettings;

pub fn init(settings: &LogSettings) {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(&settings.filter));
    let builder = fmt().with_env_filter(filter).with_target(false);
    let result = if settings.format == "json" { builder.json().try_init() } else { builder.try_init() };
    if let Err(err) = result {
        eprintln!("logging already initialised: {err}");
    }
}
