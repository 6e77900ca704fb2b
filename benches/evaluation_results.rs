#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! Results of a class's evaluation (issue 18: under 200 ms), on SQLite and (when reachable) PostgreSQL.
//!
//!     cargo bench --bench evaluation_results
//!
//! A class of 300 trainees, 40 courses and a form asking 6 grade indicators and a comment about each course and
//! the overall satisfaction of the class; every trainee answered every part (12,300 sheets, stored directly, as the
//! submissions would leave them). Timed: `evaluation::service::results` (read every sheet, add up 40 × 7 + 1
//! questions, response rate). Median of 5.

mod common;

use std::sync::Arc;
use std::time::{Duration, Instant};

use rollcall::audit::Actor;
use rollcall::class::access::class_scope;
use rollcall::class::service::{self as classes, ClassInput};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::entity::{evaluation_respondent, evaluation_sheet};
use rollcall::evaluation::service::{self as evaluation, FormInput};
use rollcall::evaluation::{Question, QuestionKind};
use rollcall::roster::service as roster;
use rollcall::startup::build_state;
use rollcall::timetable::model::SessionInput;
use rollcall::timetable::service as timetable;
use sea_orm::{ActiveValue::Set, EntityTrait};
use serde_json::json;

const TRAINEES: u32 = 300;
const COURSES: u32 = 40;
const GRADES: [&str; 4] = ["very_satisfied", "satisfied", "fair", "dissatisfied"];

fn question(id: &str, kind: QuestionKind, per_session: bool, overall: bool) -> Question {
    Question {
        id: id.into(),
        text: format!("指标{id}"),
        kind,
        options: Vec::new(),
        per_session,
        required: kind != QuestionKind::Text,
        overall,
    }
}

async fn run(label: &'static str, settings: Settings) {
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let state = build_state(settings, clock.clone()).await.expect("state");
    let actor = Actor::system("bench");
    let admin = common::admin(clock.now());
    let today = rollcall::clock::local_date(clock.now());
    let input = ClassInput {
        code: Some(format!("E{}", &uuid::Uuid::new_v4().simple().to_string()[..10])),
        name: Some("评估基准测试班".into()),
        start_date: Some(today),
        end_date: Some(today + chrono::Duration::days(7)),
        ..ClassInput::default()
    };
    let class = classes::create_class(&state.db, &actor, input, clock.now()).await.expect("class");
    let scope = class_scope(&state.db, &admin, class.id).await.expect("scope");
    let headers = ["姓名", "性别", "手机号", "单位"];
    let rows: Vec<Vec<String>> = (0..TRAINEES)
        .map(|i| {
            vec![format!("学员{i:03}"), "女".into(), format!("{}", 13_700_000_000u64 + u64::from(i)), "某局".into()]
        })
        .collect();
    let file = rollcall::tabular::Upload {
        bytes: rollcall::tabular::write_xlsx("名单", &headers, &rows).unwrap(),
        limits: state.settings.import.roster(),
    };
    let report = roster::import(&state.db, &state.master_secret, &actor, &scope, file, false, clock.now())
        .await
        .expect("roster");
    assert_eq!(report.to_enroll, TRAINEES as usize);
    let mut sessions = Vec::new();
    for c in 0..COURSES {
        let start = clock.now() + chrono::Duration::minutes(i64::from(c) * 120);
        let input = SessionInput {
            title: Some(format!("专题课程{c:02}")),
            starts_at: Some(start),
            ends_at: Some(start + chrono::Duration::minutes(90)),
            credit_hours: Some(2.0),
            // Ten teachers, four courses each: the per-teacher report below.
            teacher: Some(Some(format!("教师{:02}", c % 10))),
            ..SessionInput::default()
        };
        sessions.push(timetable::create(&state.db, &actor, &scope, input, clock.now()).await.expect("session").id);
    }
    let mut questions: Vec<Question> =
        (1..=6).map(|i| question(&format!("i{i}"), QuestionKind::Grade, true, false)).collect();
    questions.push(question("course_comment", QuestionKind::Text, true, false));
    questions.push(question("overall", QuestionKind::Grade, false, true));
    let input = FormInput {
        title: None,
        opens_at: clock.now(),
        closes_at: clock.now() + chrono::Duration::days(30),
        questions: Some(questions),
        session_ids: Some(sessions.clone()),
    };
    let form = evaluation::create(state.at_now(), &actor, &scope, input).await.expect("form");
    let enrollments: Vec<uuid::Uuid> = rollcall::entity::enrollment::active_in_class(class.id)
        .all(&state.db)
        .await
        .unwrap()
        .iter()
        .map(|e| e.id)
        .collect();
    let targets: Vec<String> =
        std::iter::once("class".to_owned()).chain(sessions.iter().map(ToString::to_string)).collect();
    let mut sheets = Vec::new();
    let mut marks = Vec::new();
    for (t, target) in targets.iter().enumerate() {
        for (n, e) in enrollments.iter().enumerate() {
            let grade = |k: usize| GRADES[(n * 7 + t * 3 + k) % 4];
            let answers = if t == 0 {
                json!({"overall": grade(0)})
            } else {
                json!({"i1": grade(1), "i2": grade(2), "i3": grade(3), "i4": grade(4), "i5": grade(5), "i6": grade(6),
                    "course_comment": if n % 10 == 0 { "讲得很好，希望增加案例" } else { "" }})
            };
            sheets.push(evaluation_sheet::ActiveModel {
                id: Set(uuid::Uuid::new_v4()),
                form_id: Set(form.id),
                target: Set(target.clone()),
                answers: Set(answers),
            });
            marks.push(evaluation_respondent::ActiveModel {
                form_id: Set(form.id),
                target: Set(target.clone()),
                enrollment_id: Set(*e),
                submitted_on: Set(today),
            });
        }
    }
    let total = sheets.len();
    for chunk in sheets.chunks(500) {
        evaluation_sheet::Entity::insert_many(chunk.to_vec()).exec_without_returning(&state.db).await.unwrap();
    }
    for chunk in marks.chunks(500) {
        evaluation_respondent::Entity::insert_many(chunk.to_vec()).exec_without_returning(&state.db).await.unwrap();
    }
    let model = evaluation::form_in(&state.db, class.id, form.id).await.unwrap();
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let results = evaluation::results(&state.db, &model).await.expect("results");
        times.push(started.elapsed());
        assert_eq!(results.parts.len(), 41);
        assert!(results.overall_satisfaction_percent.is_some());
        assert_eq!(results.response_rate_percent, 100.0);
    }
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    println!(
        "{label:<22} {TRAINEES} trainees × {COURSES} courses × 6 indicators ({total} sheets): results median {:>6.1} ms (min {:.1}, max {:.1})",
        ms(times[2]),
        ms(times[0]),
        ms(times[4])
    );
    let year = chrono::Datelike::year(&rollcall::clock::local_date(clock.now()));
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let report = rollcall::evaluation::teachers::report(&state.db, year).await.expect("teachers");
        times.push(started.elapsed());
        assert_eq!(report.teachers.len(), 10);
        assert!(report.teachers.iter().all(|t| t.answers == 4 * TRAINEES as usize && t.score.is_some()));
    }
    times.sort();
    println!(
        "{label:<22} the same sheets per teacher (10 teachers × 4 courses): report median {:>6.1} ms (min {:.1}, max {:.1})",
        ms(times[2]),
        ms(times[0]),
        ms(times[4])
    );
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
