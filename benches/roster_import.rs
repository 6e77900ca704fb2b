#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! Roster import time for 300 and 3,000 rows, on SQLite and (when reachable) PostgreSQL.
//!
//!     cargo bench --bench roster_import
//!
//! Each figure is the median of 3 imports of a freshly generated XLSX into a fresh class, timed from the uploaded
//! bytes to the committed transaction (parse, validation, person and enrolment inserts, audit).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall::audit::Actor;
use rollcall::class::access::class_scope;
use rollcall::class::service::{self as classes, ClassInput};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::roster::service as roster;
use rollcall::startup::build_state;

fn xlsx(rows: u32, offset: u64) -> Vec<u8> {
    let headers = ["姓名", "性别", "手机号", "单位", "职务", "职级", "学号"];
    let data: Vec<Vec<String>> = (0..rows)
        .map(|i| {
            vec![
                format!("学员{i:05}"),
                if i % 2 == 0 { "男".into() } else { "女".into() },
                format!("{}", 13_000_000_000u64 + offset + u64::from(i)),
                format!("第{}局", i % 40),
                "科长".into(),
                "正科级".into(),
                format!("NO{i:05}"),
            ]
        })
        .collect();
    rollcall::tabular::write_xlsx("名单", &headers, &data).expect("xlsx")
}

async fn run(label: &'static str, settings: Settings) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = build_state(settings, clock.clone()).await.expect("state");
    let actor = Actor::system("bench");
    let admin = common::admin(clock.now());
    let mut offset = 0u64;
    for rows in [300u32, 3000] {
        let mut times = Vec::new();
        for _ in 0..3 {
            let today = rollcall::clock::local_date(clock.now());
            let input = ClassInput {
                code: Some(format!("B{}", uuid::Uuid::new_v4().simple().to_string()[..10].to_owned())),
                name: Some("基准测试班".into()),
                start_date: Some(today),
                end_date: Some(today),
                ..ClassInput::default()
            };
            let class = classes::create_class(&state.db, &actor, input, clock.now()).await.expect("class");
            let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");
            let file = rollcall::tabular::Upload { bytes: xlsx(rows, offset), limits: state.settings.import.roster() };
            offset += u64::from(rows);
            let started = Instant::now();
            let report = roster::import(&state.db, &state.master_secret, &actor, &scope, file, false, clock.now())
                .await
                .expect("import");
            times.push(started.elapsed());
            assert_eq!(report.to_enroll, rows as usize);
        }
        times.sort();
        let median: Duration = times[1];
        println!(
            "{label:<22} {rows:>5} rows: median {:>7.1} ms (min {:.1}, max {:.1})",
            median.as_secs_f64() * 1e3,
            times[0].as_secs_f64() * 1e3,
            times[2].as_secs_f64() * 1e3
        );
    }
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
