#![allow(clippy::unwrap_used, clippy::expect_used)] // a benchmark may panic: that is how it fails

//! How soon the console's live boards hear a check-in, with 300 boards of one session open on one instance, on
//! SQLite + in-process events and (when reachable) PostgreSQL + Redis pub/sub. The server runs in this process on
//! a loopback port, as in production behind its load balancer: the boards are 300 server-sent-event connections
//! to `/console/sessions/{id}/live` (what `console.js` opens), the check-ins go through `POST /api/v1/checkins`
//! with a rotating QR token, one every 100 ms. For every check-in and every board: the time from the check-in's
//! answer (it is answered after its commit) to the event reaching that board; also from the request being sent (an
//! upper bound that includes the commit). Then the herd: all 300 boards fetch their counts (`?part=counts`, what
//! each does 200 ms after an event) at once; the time until the last has its answer.
//!
//!     cargo bench --bench live_boards

#[allow(dead_code)] // each bench uses part of it
mod common;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use rollcall::audit::Actor;
use rollcall::auth::service::{self as auth, NewStaff};
use rollcall::auth::{DisplayName, Password, Role, Username};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::startup::Application;
use serde_json::{Value, json};

const TRAINEES: usize = 300;
const BOARDS: usize = 300;
const CHECKINS: usize = 30;

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    (resp.status().as_u16(), resp.json().await.unwrap_or(Value::Null))
}

async fn run(label: &'static str, mut settings: Settings) {
    settings.server.port = 0;
    if label.starts_with("PostgreSQL") {
        let url = std::env::var("BENCH_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into());
        settings.redis.url = url;
        settings.redis.key_prefix = format!("bench-{}:", uuid::Uuid::new_v4().simple());
    }
    // One client address binds 30 phones here; a classroom's would be many.
    settings.rate_limits.invite_per_address.burst = 1000;
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let app = Application::build(settings, clock.clone()).await.expect("app");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let base = format!("http://127.0.0.1:{port}");
    let api = |p: &str| format!("{base}/api/v1{p}");
    let now = clock.now();
    let new = NewStaff {
        username: Username::parse("bench.admin").unwrap(),
        display_name: DisplayName::parse("基准测试").unwrap(),
        password: Password::parse("bench-admin-pass").unwrap(),
        role: Role::Admin,
    };
    auth::create_staff(&state.db, &Actor::system("bench"), new, now).await.expect("admin");
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(BOARDS + 8)
        .build()
        .unwrap();
    let credentials = json!({"username": "bench.admin", "password": "bench-admin-pass"});
    let (s, login) = post(&client, &api("/auth/login"), None, &credentials).await;
    assert_eq!(s, 200, "{login}");
    let admin = login["token"].as_str().unwrap().to_owned();

    let today = rollcall::clock::local_date(now);
    let class = json!({"code": "BENCH-LIVE", "name": "实时看板基准班", "kind": "main", "start_date": today,
        "end_date": today, "status": "open"});
    let (s, class) = post(&client, &api("/classes"), Some(&admin), &class).await;
    assert_eq!(s, 201, "{class}");
    let class_id = class["id"].as_str().unwrap().to_owned();
    let mut csv = String::from("姓名,手机号,单位\n");
    for i in 0..TRAINEES {
        csv.push_str(&format!("学员{i:05},1860000{i:04},单位{}\n", i % 30));
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("roster.csv"));
    let imported = client.post(api(&format!("/classes/{class_id}/roster/import"))).bearer_auth(&admin).multipart(form);
    assert_eq!(imported.send().await.unwrap().status(), 200, "roster");
    let starts = now + chrono::Duration::minutes(10);
    let session = json!({"title": "专题讲授", "kind": "lecture", "starts_at": starts,
        "ends_at": starts + chrono::Duration::hours(2), "credit_hours": 2,
        "window": {"open_before_min": 60, "late_after_min": 5, "close_after_min": 60}});
    let (s, session) = post(&client, &api(&format!("/classes/{class_id}/sessions")), Some(&admin), &session).await;
    assert_eq!(s, 201, "{session}");
    let session_id = session["id"].as_str().unwrap().to_owned();
    let invites: Value = client
        .get(api(&format!("/classes/{class_id}/invites")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let state_notice = state.settings.privacy.notice_version.clone();
    let mut trainees = Vec::new();
    for (i, invite) in invites["items"].as_array().unwrap().iter().take(CHECKINS).enumerate() {
        let body = json!({"invite_code": invite["invite_code"], "device_id": format!("bench-live-{i:04}"),
            "notice_version": state_notice});
        let (s, bound) = post(&client, &api("/auth/invite"), None, &body).await;
        assert_eq!(s, 200, "{bound}");
        trainees.push(bound["token"].as_str().unwrap().to_owned());
    }

    let signed_in = client
        .post(format!("{base}/console/login"))
        .form(&[("username", "bench.admin"), ("password", "bench-admin-pass")])
        .send()
        .await
        .unwrap();
    assert_eq!(signed_in.status(), 303, "signed in");
    let cookie = signed_in.headers()["set-cookie"].to_str().unwrap().split(';').next().unwrap().to_owned();

    // The boards: each reader notes when each check-in's event reached it.
    let (heard_tx, mut heard_rx) = tokio::sync::mpsc::unbounded_channel::<(String, Instant)>();
    let mut boards = Vec::new();
    for _ in 0..BOARDS {
        let response = client
            .get(format!("{base}/console/sessions/{session_id}/live"))
            .header("cookie", &cookie)
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "board stream");
        let heard_tx = heard_tx.clone();
        boards.push(tokio::spawn(async move {
            let mut stream = response.bytes_stream();
            let mut buffer = String::new();
            while let Some(Ok(chunk)) = stream.next().await {
                let at = Instant::now();
                buffer.push_str(&String::from_utf8_lossy(&chunk));
                while let Some(end) = buffer.find("\n\n") {
                    let block: String = buffer.drain(..end + 2).collect();
                    if let Some(data) = block.lines().find_map(|l| l.strip_prefix("data:")) {
                        let event: Value = serde_json::from_str(data.trim()).unwrap_or(Value::Null);
                        if event["type"] == "checked_in" {
                            let who = event["enrollment_id"].as_str().unwrap_or_default().to_owned();
                            let _ = heard_tx.send((who, at));
                        }
                    }
                }
            }
        }));
    }
    drop(heard_tx);
    tokio::time::sleep(Duration::from_millis(300)).await; // every board subscribed

    let qr = || async {
        let v: Value = client
            .get(api(&format!("/sessions/{session_id}/qr")))
            .bearer_auth(&admin)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        v["token"].as_str().unwrap().to_owned()
    };
    let mut sent_at = HashMap::new();
    for token in &trainees {
        let body = json!({"qr_token": qr().await, "nonce": uuid::Uuid::new_v4().simple().to_string(), "kind": "in"});
        let sent = Instant::now();
        let (s, answer) = post(&client, &api("/checkins"), Some(token), &body).await;
        let acked = Instant::now();
        assert_eq!(s, 201, "{answer}");
        sent_at.insert(answer["enrollment_id"].as_str().unwrap().to_owned(), (sent, acked));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Every board should have heard every check-in by now; wait a little for stragglers.
    let deadline = Instant::now() + Duration::from_secs(5);
    let (mut after_ack, mut after_send) = (Vec::new(), Vec::new());
    while after_ack.len() < BOARDS * CHECKINS {
        let Ok(Some((who, at))) = tokio::time::timeout_at(deadline.into(), heard_rx.recv()).await else { break };
        let Some((sent, acked)) = sent_at.get(&who) else { continue };
        after_ack.push(at.saturating_duration_since(*acked));
        after_send.push(at.duration_since(*sent));
    }
    let heard = after_ack.len();
    println!(
        "{label:<22} {BOARDS} boards × {CHECKINS} check-ins: {heard} of {} deliveries; after the answer {}; after the request {}",
        BOARDS * CHECKINS,
        spread(&mut after_ack),
        spread(&mut after_send)
    );

    // The herd: every board fetches its counts at once.
    let started = Instant::now();
    let fetches: Vec<_> = (0..BOARDS)
        .map(|_| {
            let (client, cookie) = (client.clone(), cookie.clone());
            let url = format!("{base}/console/sessions/{session_id}/board?part=counts");
            tokio::spawn(async move {
                let response = client.get(url).header("cookie", cookie).send().await.unwrap();
                assert_eq!(response.status(), 200);
                let body = response.text().await.unwrap();
                assert!(body.contains(&format!("<b>{CHECKINS}</b>实到")), "{body}");
                started.elapsed()
            })
        })
        .collect();
    let mut done = Vec::new();
    for f in fetches {
        done.push(f.await.unwrap());
    }
    println!("{label:<22} {BOARDS} boards fetch their counts at once: {}", spread(&mut done));
    for b in boards {
        b.abort();
    }
    assert_eq!(heard, BOARDS * CHECKINS, "every board heard every check-in");
}

fn spread(times: &mut [Duration]) -> String {
    if times.is_empty() {
        return "no samples".to_owned();
    }
    times.sort();
    let at = |p: f64| times[((times.len() - 1) as f64 * p).round() as usize].as_secs_f64() * 1e3;
    format!("p50 {:.1} ms, p99 {:.1} ms, max {:.1} ms", at(0.5), at(0.99), at(1.0))
}

#[tokio::main]
async fn main() {
    common::on_both_backends(run).await;
}
