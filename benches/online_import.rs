#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! Import time of a meeting's attendance export with 3,000 rows (issue 17: under 1 s), on SQLite and (when
//! reachable) PostgreSQL.
//!
//!     cargo bench --bench online_import
//!
//! A class of 1,500 trainees (imported through the roster service) and, per run, a fresh online session of 90
//! minutes. The export has 3,000 rows in the per-join layout (姓名, 手机号, 入会时间, 退会时间): each trainee joins
//! twice (a dropped connection), half of them known by phone and half by name only, and 30 rows are nicknames
//! nobody can match. Timed from the uploaded bytes to the committed transaction (read, match, merge, plan, write
//! 1,500 records, viewers and audit). Also timed: the same import as a dry run, and the same file again (nothing
//! to change). Median of 3 each.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall::audit::Actor;
use rollcall::class::access::class_scope;
use rollcall::class::service::{self as classes, ClassInput};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::entity::class_session;
use rollcall::entity::vocab::SessionKind;
use rollcall::online::service as online;
use rollcall::roster::service as roster;
use rollcall::startup::build_state;
use rollcall::timetable::model::SessionInput;
use rollcall::timetable::service as timetable;
use sea_orm::EntityTrait;

const TRAINEES: u32 = 1_500;

fn phone(i: u32) -> String {
    format!("{}", 13_900_000_000u64 + u64::from(i))
}

fn name(i: u32) -> String {
    format!("学员{i:05}")
}

fn roster_xlsx() -> Vec<u8> {
    let headers = ["姓名", "性别", "手机号", "单位"];
    let rows: Vec<Vec<String>> =
        (0..TRAINEES).map(|i| vec![name(i), "男".into(), phone(i), format!("第{}局", i % 40)]).collect();
    rollcall::tabular::write_xlsx("名单", &headers, &rows).expect("xlsx")
}

/// 3,000 rows: two joins per trainee (09:00–09:40 and 09:4x–10:30), half with a phone; 30 of them nicknames.
fn export_csv() -> Vec<u8> {
    let mut csv = String::from("姓名,手机号,入会时间,退会时间\n");
    for i in 0..TRAINEES {
        let who = if i < 15 { format!("iPhone{i}") } else { name(i) };
        let tel = if i % 2 == 0 && i >= 15 { phone(i) } else { String::new() };
        let back = 40 + i % 20;
        csv.push_str(&format!("{who},{tel},09:00,09:40\n{who},{tel},09:{back:02},10:30\n"));
    }
    csv.into_bytes()
}

fn median(mut times: Vec<Duration>) -> (f64, f64, f64) {
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    (ms(times[times.len() / 2]), ms(times[0]), ms(times[times.len() - 1]))
}

async fn run(label: &'static str, settings: Settings) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = build_state(settings, clock.clone()).await.expect("state");
    let actor = Actor::system("bench");
    let admin = common::admin(clock.now());
    let today = rollcall::clock::local_date(clock.now());
    let input = ClassInput {
        code: Some(format!("B{}", &uuid::Uuid::new_v4().simple().to_string()[..10])),
        name: Some("线上课程基准测试班".into()),
        start_date: Some(today),
        end_date: Some(today),
        ..ClassInput::default()
    };
    let class = classes::create_class(&state.db, &actor, input, clock.now()).await.expect("class");
    let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");
    let file = rollcall::tabular::Upload { bytes: roster_xlsx(), limits: state.settings.import.roster() };
    roster::import(&state.db, &state.master_secret, &actor, &scope, file, false, clock.now()).await.expect("roster");
    let bytes = export_csv();
    let at = |h: u32, m: u32| rollcall::clock::from_local(today, chrono::NaiveTime::from_hms_opt(h, m, 0).unwrap());
    let (mut first, mut dry, mut again) = (Vec::new(), Vec::new(), Vec::new());
    for _ in 0..3 {
        let input = SessionInput {
            title: Some("线上专题辅导".into()),
            kind: Some(SessionKind::OnlineLive),
            starts_at: Some(at(9, 0)),
            ends_at: Some(at(10, 30)),
            credit_hours: Some(2.0),
            ..SessionInput::default()
        };
        let view = timetable::create(&state.db, &actor, &scope, input, clock.now()).await.expect("session");
        let session = class_session::Entity::find_by_id(view.id).one(&state.db).await.unwrap().unwrap();
        let upload = || rollcall::tabular::Upload { bytes: bytes.clone(), limits: state.settings.import.roster() };

        let started = Instant::now();
        let preview = online::import(state.at_now(), &actor, &scope, &session, upload(), true).await.expect("dry run");
        dry.push(started.elapsed());
        assert_eq!((preview.viewers.len(), preview.unmatched), (TRAINEES as usize, 15));

        let started = Instant::now();
        let done = online::import(state.at_now(), &actor, &scope, &session, upload(), false).await.expect("import");
        first.push(started.elapsed());
        assert_eq!(done.changed, TRAINEES as usize, "every trainee gets a record");

        let started = Instant::now();
        let same = online::import(state.at_now(), &actor, &scope, &session, upload(), false).await.expect("again");
        again.push(started.elapsed());
        assert_eq!(same.changed, 0);
    }
    for (what, times) in [("dry run", dry), ("import", first), ("same file again", again)] {
        let (m, lo, hi) = median(times);
        println!("{label:<22} 3000 rows, {what:<16} median {m:>7.1} ms (min {lo:.1}, max {hi:.1})");
    }
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
