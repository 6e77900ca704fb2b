#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! How long the console's busiest class pages take to answer, and how many statements each runs, for a class of
//! 300 trainees and 60 sessions with everyone's attendance (18,000 rows) — the roster, the timetable, a trainee,
//! the overview, the completion table (before the end, with the warning lines), a session's live board and the
//! part of it each board fetches after an event — on SQLite and (when reachable)
//! PostgreSQL. The server runs in this process on a loopback port; times are the request's round trip from a
//! local client (so an upper bound of the server time), the median of 30 after 3 warm-ups, after the tables are
//! analyzed. "statements" is what the page ran on the database (the same for 3 rows or 300: see
//! tests/api/console_class.rs).
//!
//!     cargo bench --bench console_pages

mod common;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use rollcall::audit::Actor;
use rollcall::auth::service::{self as auth, NewStaff};
use rollcall::auth::{DisplayName, Password, Role, Username};
use rollcall::class::access::class_scope;
use rollcall::class::service::{self as classes, ClassInput};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::entity::{attendance, class_session, enrollment};
use rollcall::roster::service as roster;
use rollcall::startup::Application;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

const TRAINEES: u32 = 300;
const DAYS: i64 = 10;
const SLOTS_PER_DAY: i64 = 6;
const RUNS: usize = 30;

fn roster_file() -> Vec<u8> {
    let headers = ["姓名", "手机号", "单位", "职务"];
    let data: Vec<Vec<String>> = (0..TRAINEES)
        .map(|i| {
            vec![
                format!("学员{i:05}"),
                format!("{}", 13_500_000_000u64 + u64::from(i)),
                format!("某县第{}局", i % 40),
                "科长".to_owned(),
            ]
        })
        .collect();
    rollcall::tabular::write_xlsx("名单", &headers, &data).expect("xlsx")
}

async fn run(label: &'static str, mut settings: Settings) {
    settings.server.port = 0;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = Application::build(settings, clock.clone()).await.expect("app");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");
    let now = clock.now();
    let actor = Actor::system("bench");

    let new = NewStaff {
        username: Username::parse("bench.admin").unwrap(),
        display_name: DisplayName::parse("基准测试").unwrap(),
        password: Password::parse("bench-admin-pass").unwrap(),
        role: Role::Admin,
    };
    auth::create_staff(&state.db, &actor, new, now).await.expect("admin");
    let today = rollcall::clock::local_date(now);
    let input = ClassInput {
        code: Some("BENCH-CONSOLE".into()),
        name: Some("2026年秋季中青年干部培训班（基准）".into()),
        start_date: Some(today - chrono::Duration::days(DAYS + 2)),
        end_date: Some(today + chrono::Duration::days(2)),
        ..ClassInput::default()
    };
    let class = classes::create_class(&state.db, &actor, input, now).await.expect("class");
    let admin = common::admin(now);
    let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");
    let file = rollcall::tabular::Upload { bytes: roster_file(), limits: state.settings.import.roster() };
    roster::import(&state.db, &state.master_secret, &actor, &scope, file, false, now).await.expect("import");
    let mut last_session = uuid::Uuid::nil();
    let enrolled: Vec<uuid::Uuid> = enrollment::Entity::find()
        .filter(enrollment::Column::ClassId.eq(class.id))
        .all(&state.db)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.id)
        .collect();
    for d in 0..DAYS {
        for slot in 0..SLOTS_PER_DAY {
            let starts = now - chrono::Duration::days(DAYS - d) + chrono::Duration::hours(2 * slot);
            let input = rollcall::timetable::model::SessionInput {
                title: Some(format!("专题讲授 第{d}天 第{slot}节")),
                starts_at: Some(starts),
                ends_at: Some(starts + chrono::Duration::minutes(100)),
                credit_hours: Some(2.0),
                venue: Some(Some("主教学楼 301 教室".into())),
                ..Default::default()
            };
            let session = rollcall::timetable::service::new_session(&scope, input, now).expect("session");
            let sid = class_session::Entity::insert(session).exec(&state.db).await.unwrap().last_insert_id;
            last_session = sid;
            let rows: Vec<attendance::ActiveModel> = enrolled
                .iter()
                .map(|e| attendance::ActiveModel {
                    id: Set(uuid::Uuid::now_v7()),
                    session_id: Set(sid),
                    enrollment_id: Set(*e),
                    status: Set(rollcall::attendance::AttendanceStatus::Present),
                    checked_in_at: Set(Some(starts)),
                    checked_out_at: Set(None),
                    source: Set(rollcall::entity::attendance::AttendanceSource::Scan),
                    nonce: Set(None),
                    device: Set(None),
                    note: Set(None),
                    created_at: Set(now),
                    updated_at: Set(now),
                })
                .collect();
            for chunk in rows.chunks(100) {
                attendance::Entity::insert_many(chunk.to_vec()).exec_without_returning(&state.db).await.unwrap();
            }
        }
    }

    // Fresh statistics, as autovacuum's analyze gives within a minute of a bulk import. Right after the import
    // PostgreSQL still plans the roster search for an empty table (a nested loop that runs the LIKE 300 times
    // over): measured 37–67 ms in that minute, against the figure below afterwards.
    use sea_orm::ConnectionTrait;
    state.db.execute_unprepared("ANALYZE").await.expect("analyze");

    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let signed_in = client
        .post(format!("{base}/console/login"))
        .form(&[("username", "bench.admin"), ("password", "bench-admin-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();
    let id = class.id;
    let pages = [
        ("roster, page 1 of 6 (50 rows)", format!("/console/classes/{id}/roster")),
        ("roster, search by unit", format!("/console/classes/{id}/roster?q=%E7%AC%AC7%E5%B1%80")),
        ("timetable, 60 sessions", format!("/console/classes/{id}/sessions")),
        ("one trainee (60 records)", format!("/console/classes/{id}/roster/{}", enrolled[150])),
        ("class overview", format!("/console/classes/{id}")),
        ("completion, 300 decisions", format!("/console/classes/{id}/completion")),
        ("live board, 300 trainees", format!("/console/sessions/{last_session}/board")),
        ("live board, counts part", format!("/console/sessions/{last_session}/board?part=counts")),
    ];
    for (what, path) in pages {
        let mut times = Vec::new();
        let mut statements = 0;
        for run in 0..RUNS + 3 {
            let before = state.queries.load(Ordering::SeqCst);
            let started = Instant::now();
            let response = client.get(format!("{base}{path}")).header("cookie", &cookie).send().await.unwrap();
            assert_eq!(response.status(), 200, "{path}");
            let body = response.text().await.unwrap();
            let took = started.elapsed();
            assert!(body.contains("学员") || body.contains("专题讲授") || body.contains("实到"), "{path}");
            if run >= 3 {
                times.push(took);
                statements = state.queries.load(Ordering::SeqCst) - before;
            }
        }
        println!("{label:<22} {what:<32} {}  {statements} statements", median(times));
    }
}

fn median(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {:>6.1} ms (min {:.1}, max {:.1})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    )
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
