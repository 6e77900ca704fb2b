//! Where a check-in's time goes, stage by stage: an operator's (and the benchmark's) answer to "the p99 is 6 ms:
//! of what?". Off by default (`[checkin] stage_timing_ms = 0`); when on, every `POST /api/v1/checkins` is timed from
//! its request deadline's start (`http::deadline`) to the moment its answer is ready, each stage it passes through
//! is timed inside that, and once the check-ins stop for a second the instance logs one summary (target
//! `stage_timing`, level INFO) and starts afresh: per stage, how many scans passed it and its p50/p99/p99.9/max;
//! then, for the scans that took at least the setting's milliseconds, what their time was made of on average.
//!
//! Stages are named `(group, part)`. Group `scan` holds the steps of the check-in itself (authentication, the Redis
//! gate, the enrolment, the write, the Redis round trip after the commit); their sum and the total leave "the rest"
//! (reading and parsing the body, building the answer, waiting for the worker thread). A `Batcher` (the batch
//! module) reports, under its own name, how long a question waited for its batch to start (`queued`: behind the batch
//! in flight, plus the crossing to the batch's thread), how long the batch ran (`ran`: the statement and its commit),
//! and how long the asker took to wake after that (`woke`: the crossing back).

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::future::Future;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock};
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// A stage: its group and its part.
pub type Stage = (&'static str, &'static str);

/// The group of a check-in's own steps.
pub const SCAN: &str = "scan";

static ON: AtomicBool = AtomicBool::new(false);
/// Scans at least this slow (µs) have their stages summed for the summary's second part.
static SLOW_US: AtomicU64 = AtomicU64::new(u64::MAX);

tokio::task_local! {
    static CURRENT: RefCell<Vec<(Stage, Duration)>>;
}

/// Turns the timing on for this process (`slow` > 0) and starts the task that logs a summary after each burst. Call
/// once, inside a Tokio runtime, at start-up.
pub fn enable(slow: Duration) {
    if slow.is_zero() || ON.swap(true, Ordering::SeqCst) {
        return;
    }
    SLOW_US.store(micros(slow), Ordering::SeqCst);
    crate::background::off_request_path(async {
        let mut seen = 0;
        let mut quiet_since = Instant::now();
        loop {
            tokio::time::sleep(Duration::from_millis(250)).await;
            let scans = recorder().lock().map(|r| r.scans).unwrap_or(0);
            if scans != seen {
                seen = scans;
                quiet_since = Instant::now();
            } else if scans > 0 && quiet_since.elapsed() >= Duration::from_secs(1) {
                // The count is the summary's own (its `total` line): scans may have landed since `scans` was read.
                if let Some(summary) = take_summary() {
                    tracing::info!(target: "stage_timing", "check-in stages\n{summary}");
                }
                seen = 0;
            }
        }
    });
}

pub fn enabled() -> bool {
    ON.load(Ordering::Relaxed)
}

/// Adds a stage's time to the scan being timed on this task (if any).
pub fn record(stage: Stage, took: Duration) {
    if enabled() {
        let _ = CURRENT.try_with(|c| c.borrow_mut().push((stage, took)));
    }
}

/// Runs `step`, timed as a stage of the scan being timed on this task.
pub async fn timed<F: Future>(stage: Stage, step: F) -> F::Output {
    if !enabled() {
        return step.await;
    }
    let started = Instant::now();
    let out = step.await;
    record(stage, started.elapsed());
    out
}

/// Runs one scan's whole handling, timing it and collecting the stages recorded inside.
pub async fn scan<F: Future>(handling: F) -> F::Output {
    if !enabled() {
        return handling.await;
    }
    let started = Instant::now();
    let (out, stages) = CURRENT
        .scope(RefCell::new(Vec::with_capacity(16)), async {
            let out = handling.await;
            (out, CURRENT.with(|c| c.take()))
        })
        .await;
    if let Ok(mut r) = recorder().lock() {
        r.add(started.elapsed(), &stages, SLOW_US.load(Ordering::Relaxed));
    }
    out
}

/// The summary of what was recorded since the last one, and a fresh start; `None` when nothing was.
pub fn take_summary() -> Option<String> {
    let mut r = recorder().lock().ok()?;
    if r.scans == 0 {
        return None;
    }
    let summary = r.summary(SLOW_US.load(Ordering::Relaxed));
    *r = Recorder::default();
    Some(summary)
}

fn recorder() -> &'static Mutex<Recorder> {
    static RECORDER: OnceLock<Mutex<Recorder>> = OnceLock::new();
    RECORDER.get_or_init(Mutex::default)
}

fn micros(d: Duration) -> u64 {
    u64::try_from(d.as_micros()).unwrap_or(u64::MAX)
}

/// What was recorded: a histogram (µs) per stage and of the whole, and the sums of the slow scans.
#[derive(Default)]
struct Recorder {
    scans: u64,
    total: Option<Histogram<u64>>,
    stages: BTreeMap<Stage, Option<Histogram<u64>>>,
    slow: u64,
    slow_total_us: u64,
    slow_stages_us: BTreeMap<Stage, u64>,
}

/// 1 µs to 60 s at three significant digits (`None` cannot happen with these bounds).
fn histogram() -> Option<Histogram<u64>> {
    Histogram::new_with_bounds(1, 60_000_000, 3).ok()
}

fn record_in(h: &mut Option<Histogram<u64>>, us: u64) {
    if h.is_none() {
        *h = histogram();
    }
    if let Some(h) = h {
        h.saturating_record(us.max(1));
    }
}

impl Recorder {
    fn add(&mut self, total: Duration, stages: &[(Stage, Duration)], slow_us: u64) {
        let total_us = micros(total);
        self.scans += 1;
        record_in(&mut self.total, total_us);
        // A stage passed twice in one scan (never on today's path) counts as one passage of their sum.
        let mut summed: BTreeMap<Stage, u64> = BTreeMap::new();
        for (stage, took) in stages {
            *summed.entry(*stage).or_default() += micros(*took);
        }
        let own: u64 = summed.iter().filter(|((group, _), _)| *group == SCAN).map(|(_, us)| us).sum();
        summed.insert((SCAN, "the rest"), total_us.saturating_sub(own));
        for (stage, us) in &summed {
            record_in(self.stages.entry(*stage).or_default(), *us);
        }
        if total_us >= slow_us {
            self.slow += 1;
            self.slow_total_us += total_us;
            for (stage, us) in summed {
                *self.slow_stages_us.entry(stage).or_default() += us;
            }
        }
    }

    fn summary(&self, slow_us: u64) -> String {
        let ms = |us: u64| us as f64 / 1000.0;
        let mut out = String::new();
        let line = |out: &mut String, name: &str, h: &Histogram<u64>| {
            let _ = writeln!(
                out,
                "  {name:<28} {:>7} scans  p50 {:>7.3}  p99 {:>7.3}  p99.9 {:>7.3}  max {:>7.3} ms",
                h.len(),
                ms(h.value_at_quantile(0.5)),
                ms(h.value_at_quantile(0.99)),
                ms(h.value_at_quantile(0.999)),
                ms(h.max()),
            );
        };
        if let Some(total) = &self.total {
            line(&mut out, "total", total);
        }
        for ((group, part), h) in &self.stages {
            if let Some(h) = h {
                line(&mut out, &format!("{group}: {part}"), h);
            }
        }
        let _ = writeln!(
            out,
            "  scans of {:.1} ms or more: {} ({:.2}%), on average {:.3} ms, of which:",
            ms(slow_us),
            self.slow,
            100.0 * self.slow as f64 / self.scans.max(1) as f64,
            ms(self.slow_total_us / self.slow.max(1)),
        );
        for ((group, part), us) in &self.slow_stages_us {
            let _ = writeln!(out, "    {:<26} {:>7.3} ms", format!("{group}: {part}"), ms(us / self.slow.max(1)));
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const MS: Duration = Duration::from_millis(1);

    #[test]
    fn the_rest_is_the_total_less_the_scans_own_steps_and_slow_scans_are_broken_down() {
        let mut r = Recorder::default();
        let slow_us = 5_000;
        // A fast scan and a slow one; the batch's parts lie inside the write and do not count twice.
        r.add(2 * MS, &[((SCAN, "gate"), MS)], slow_us);
        r.add(
            10 * MS,
            &[((SCAN, "gate"), MS), ((SCAN, "write"), 6 * MS), (("writer", "queued"), 4 * MS), (("writer", "ran"), MS)],
            slow_us,
        );
        assert_eq!(r.scans, 2);
        let passed = |stage: Stage| r.stages[&stage].as_ref().map_or(0, Histogram::len);
        assert_eq!(passed((SCAN, "gate")), 2);
        assert_eq!(passed((SCAN, "write")), 1);
        assert_eq!(r.slow, 1);
        assert_eq!(r.slow_stages_us[&(SCAN, "the rest")], 3_000, "10 ms less gate 1 and write 6");
        assert_eq!(r.slow_stages_us[&("writer", "queued")], 4_000);
        assert!(!r.slow_stages_us.contains_key(&(SCAN, "x")));
        let summary = r.summary(slow_us);
        assert!(summary.contains("scans of 5.0 ms or more: 1 (50.00%), on average 10.000 ms"), "{summary}");
        assert!(summary.contains("writer: queued"), "{summary}");
    }

    #[tokio::test]
    async fn a_timed_scan_collects_what_its_steps_recorded() {
        // The switch is process-wide; other tests of this module only use a Recorder of their own.
        enable(Duration::from_millis(1));
        let answer = scan(async {
            timed((SCAN, "gate"), tokio::time::sleep(Duration::from_millis(2))).await;
            record(("writer", "ran"), MS);
            42
        })
        .await;
        assert_eq!(answer, 42);
        let summary = take_summary().expect("one scan recorded");
        assert!(summary.contains("scan: gate"), "{summary}");
        assert!(summary.contains("writer: ran"), "{summary}");
        assert!(summary.contains("scans of 1.0 ms or more: 1 (100.00%)"), "{summary}");
        // Outside a timed scan, recording is a no-op.
        record((SCAN, "gate"), MS);
        assert!(take_summary().is_none());
    }
}
