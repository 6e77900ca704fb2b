#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! Time to issue a class's certificates, to render them, and to build a unit report, on SQLite and (when
//! reachable) PostgreSQL.
//!
//!     cargo bench --bench certificates
//!
//! Each class: 300 trainees from 40 units, 20 sessions of 3 学时 with every trainee present (6,000 attendance rows),
//! finished. Figures are the median of 3 (three classes for issuance, three runs for the rest).

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall::audit::Actor;
use rollcall::certificate::{files, issue};
use rollcall::class::access::class_scope;
use rollcall::class::service::{self as classes, ClassInput};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::entity::{attendance, class_session, enrollment, training_class};
use rollcall::report::unit;
use rollcall::roster::service as roster;
use rollcall::startup::build_state;
use sea_orm::sea_query::Expr;
use sea_orm::{ActiveValue::Set, ColumnTrait, EntityTrait, QueryFilter};

const TRAINEES: u32 = 300;
const SESSIONS: i64 = 20;

fn xlsx(offset: u64) -> Vec<u8> {
    let headers = ["姓名", "手机号", "单位"];
    let data: Vec<Vec<String>> = (0..TRAINEES)
        .map(|i| {
            vec![
                format!("学员{i:05}"),
                format!("{}", 13_000_000_000u64 + offset + u64::from(i)),
                format!("某县第{}局", i % 40),
            ]
        })
        .collect();
    rollcall::tabular::write_xlsx("名单", &headers, &data).expect("xlsx")
}

fn median(mut times: Vec<Duration>) -> String {
    times.sort();
    format!(
        "median {:>8.1} ms (min {:.1}, max {:.1})",
        times[times.len() / 2].as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    )
}

async fn run(label: &'static str, settings: Settings) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = build_state(settings, clock.clone()).await.expect("state");
    let actor = Actor::system("bench");
    let admin = common::admin(clock.now());
    let base = "https://rollcall.example.cn";
    let (mut issue_times, mut zip_times, mut unit_xlsx, mut unit_pdf) =
        (Vec::new(), Vec::new(), Vec::new(), Vec::new());
    for round in 0..3u64 {
        let now = clock.now();
        let today = rollcall::clock::local_date(now);
        let input = ClassInput {
            code: Some(format!("B{}", uuid::Uuid::new_v4().simple().to_string()[..10].to_owned()).to_uppercase()),
            name: Some("2026年秋季基准测试培训班".into()),
            start_date: Some(today - chrono::Duration::days(30)),
            end_date: Some(today),
            ..ClassInput::default()
        };
        let class = classes::create_class(&state.db, &actor, input, now).await.expect("class");
        let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");
        let file = rollcall::tabular::Upload { bytes: xlsx(round * 1000), limits: state.settings.import.roster() };
        roster::import(&state.db, &state.master_secret, &actor, &scope, file, false, now).await.expect("import");
        let enrolled: Vec<uuid::Uuid> = enrollment::Entity::find()
            .filter(enrollment::Column::ClassId.eq(class.id))
            .all(&state.db)
            .await
            .unwrap()
            .into_iter()
            .map(|e| e.id)
            .collect();
        for d in 0..SESSIONS {
            let starts = now - chrono::Duration::days(29 - d);
            let input = rollcall::timetable::model::SessionInput {
                title: Some(format!("专题讲授 {d}")),
                starts_at: Some(starts),
                ends_at: Some(starts + chrono::Duration::hours(3)),
                credit_hours: Some(3.0),
                ..Default::default()
            };
            let session = rollcall::timetable::service::new_session(&scope, input, now).expect("session");
            let sid = class_session::Entity::insert(session).exec(&state.db).await.unwrap().last_insert_id;
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
            for chunk in rows.chunks(50) {
                attendance::Entity::insert_many(chunk.to_vec()).exec_without_returning(&state.db).await.unwrap();
            }
        }
        training_class::Entity::update_many()
            .col_expr(training_class::Column::Status, Expr::value(rollcall::class::ClassStatus::Finished.as_str()))
            .filter(training_class::Column::Id.eq(class.id))
            .exec(&state.db)
            .await
            .unwrap();
        let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");

        let deps = state.at(now);
        let started = Instant::now();
        let report = issue::issue_class(deps, &admin, &scope).await.expect("issue");
        issue_times.push(started.elapsed());
        assert_eq!(report.issued, TRAINEES);

        let started = Instant::now();
        let zip = files::class_zip(&state.db, &state.settings.report, base, class.id).await.expect("zip");
        zip_times.push(started.elapsed());
        assert!(zip.len() > 1000);

        let started = Instant::now();
        let r = unit::unit_report(&state.db, &scope.class, "某县第7局", now).await.expect("report");
        let bytes = r.xlsx().expect("xlsx");
        unit_xlsx.push(started.elapsed());
        assert!(!bytes.is_empty());
        let font = rollcall::report::pdf::font(&state.settings.report).expect("font");
        let started = Instant::now();
        let r = unit::unit_report(&state.db, &scope.class, "某县第7局", now).await.expect("report");
        let bytes = r.pdf(&font);
        unit_pdf.push(started.elapsed());
        assert!(bytes.starts_with(b"%PDF"));
    }
    println!(
        "{label:<22} issue {TRAINEES} certificates (decisions + inserts + audit + notices): {}",
        median(issue_times)
    );
    println!("{label:<22} render {TRAINEES} certificate PDFs into a ZIP:                      {}", median(zip_times));
    println!("{label:<22} unit report (8 trainees) as XLSX, from the database:              {}", median(unit_xlsx));
    println!("{label:<22} unit report (8 trainees) as PDF, from the database:               {}", median(unit_pdf));
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
