//! The API side of `bench/checkin` (issue 16): seeds a class through the API and opens fresh sessions for the wrk
//! runs; the load itself is wrk (`bench/perf/load`). Needs a running server and an admin account:
//!
//!     cargo bench --bench checkin_load -- seed    BASE USER PASS TRAINEES TOKENS_FILE
//!     cargo bench --bench checkin_load -- session BASE USER PASS CLASS_ID
//!     cargo bench --bench checkin_load -- qr      BASE USER PASS SESSION_ID
//!     cargo bench --bench checkin_load -- counted BASE USER PASS SESSION_ID
//!     cargo bench --bench checkin_load -- viewers BASE USER PASS N SECONDS SESSION_ID...
//!
//! `seed` creates a class of TRAINEES people by a roster import (the server's import row cap must allow it), binds
//! one phone for each through the invite-code login over 64 connections, writes their bearer tokens to TOKENS_FILE
//! one a line, and prints `class <id>`. `session` adds a session to that class whose check-in is open now (starts in
//! 10 minutes, so scans are 出勤; the QR rotates every 60 s so a 20 s run stays within the current and previous
//! step) and prints `session <id> qr <token>`; `qr` prints `qr <token>`, the session's current one. `counted` prints `counted <n>`: the session's arrivals as the
//! staff's live summary counts them (`counts.attended`). `viewers` opens N live boards (`GET …/live`, Server-Sent
//! Events) spread over the sessions given, holds them for SECONDS, and prints
//! `viewers connected <n> events <m> snapshots <k>`: how many streams opened and the events they received.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a bench tool may panic: that is how it fails

use std::io::Write;
use std::sync::Arc;
use std::time::Instant;

use serde_json::{Value, json};
use tokio::sync::Mutex;

const BIND_CONNECTIONS: usize = 64;

struct Api {
    client: reqwest::Client,
    base: String,
    admin: String,
}

impl Api {
    async fn login(base: &str, user: &str, pass: &str) -> Self {
        let client = reqwest::Client::builder().pool_max_idle_per_host(BIND_CONNECTIONS).build().unwrap();
        let base = format!("{}/api/v1", base.trim_end_matches('/'));
        let (s, login) =
            post(&client, &format!("{base}/auth/login"), None, &json!({"username": user, "password": pass})).await;
        assert_eq!(s, 200, "admin login: {login}");
        Self { client, base, admin: login["token"].as_str().unwrap().to_owned() }
    }

    fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    async fn get(&self, path: &str) -> Value {
        let resp = self.client.get(self.url(path)).bearer_auth(&self.admin).send().await.unwrap();
        assert!(resp.status().is_success(), "GET {path}: {}", resp.status());
        resp.json().await.unwrap()
    }

    async fn post(&self, path: &str, body: &Value, want: u16) -> Value {
        let (s, v) = post(&self.client, &self.url(path), Some(&self.admin), body).await;
        assert_eq!(s, want, "POST {path}: {v}");
        v
    }
}

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

async fn seed(api: &Api, n: usize, tokens_file: &str) {
    let today = rollcall::clock::local_date(chrono::Utc::now());
    let code = format!("BENCH-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let class = api
        .post(
            "/classes",
            &json!({"code": code, "name": "压力测试班", "kind": "main", "start_date": today, "end_date": today,
                    "status": "open"}),
            201,
        )
        .await;
    let class_id = class["id"].as_str().unwrap().to_owned();

    let mut csv = String::from("姓名,手机号,单位\n");
    for i in 0..n {
        csv.push_str(&format!("学员{i:05},1{:010},单位{}\n", 3_000_000_000u64 + i as u64, i % 50));
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("roster.csv"));
    let t = Instant::now();
    let resp = api
        .client
        .post(api.url(&format!("/classes/{class_id}/roster/import")))
        .bearer_auth(&api.admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "import: {}", resp.text().await.unwrap());
    eprintln!("seed: imported {n} trainees in {:.1} s", t.elapsed().as_secs_f64());

    let invites = api.get(&format!("/classes/{class_id}/invites")).await;
    let codes: Vec<String> =
        invites["items"].as_array().unwrap().iter().map(|i| i["invite_code"].as_str().unwrap().to_owned()).collect();
    assert_eq!(codes.len(), n, "one invite code per trainee");
    let t = Instant::now();
    let queue = Arc::new(Mutex::new(codes.into_iter().enumerate().collect::<Vec<_>>()));
    let tokens = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let notice = api.client.get(api.url("/privacy/notice")).send().await.unwrap().json::<Value>().await.unwrap();
    let notice: Arc<String> = Arc::new(notice["version"].as_str().unwrap().to_owned());
    let mut workers = Vec::new();
    for _ in 0..BIND_CONNECTIONS {
        let (queue, tokens, client, url) = (queue.clone(), tokens.clone(), api.client.clone(), api.url("/auth/invite"));
        let notice = notice.clone();
        workers.push(tokio::spawn(async move {
            loop {
                let Some((i, code)) = queue.lock().await.pop() else { break };
                let body = json!({"invite_code": code, "device_id": format!("bench-device-{i:06}"),
                    "notice_version": *notice});
                let (s, answer) = post(&client, &url, None, &body).await;
                assert_eq!(s, 200, "bind: {answer}");
                tokens.lock().await.push(answer["token"].as_str().unwrap().to_owned());
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    eprintln!("seed: bound {n} phones in {:.1} s", t.elapsed().as_secs_f64());
    let mut out = std::io::BufWriter::new(std::fs::File::create(tokens_file).unwrap());
    for token in tokens.lock().await.iter() {
        writeln!(out, "{token}").unwrap();
    }
    out.flush().unwrap();
    println!("class {class_id}");
}

async fn session(api: &Api, class_id: &str) {
    let starts = chrono::Utc::now() + chrono::Duration::minutes(10);
    let session = api
        .post(
            &format!("/classes/{class_id}/sessions"),
            &json!({"title": "压力测试课程", "kind": "lecture", "starts_at": starts,
                    "ends_at": starts + chrono::Duration::hours(2), "credit_hours": 2, "rotation_seconds": 60,
                    "window": {"open_before_min": 60, "late_after_min": 5, "close_after_min": 60}}),
            201,
        )
        .await;
    let id = session["id"].as_str().unwrap();
    let qr = api.get(&format!("/sessions/{id}/qr")).await;
    println!("session {id} qr {}", qr["token"].as_str().unwrap());
}

async fn qr(api: &Api, session_id: &str) {
    println!("qr {}", api.get(&format!("/sessions/{session_id}/qr")).await["token"].as_str().unwrap());
}

async fn counted(api: &Api, session_id: &str) {
    let summary = api.get(&format!("/sessions/{session_id}/attendance/summary")).await;
    println!("counted {}", summary["counts"]["attended"].as_u64().expect("counts.attended"));
}

async fn viewers(api: &Api, n: usize, seconds: u64, sessions: &[String]) {
    use futures_util::StreamExt;
    let client = reqwest::Client::builder().pool_max_idle_per_host(0).build().unwrap();
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(seconds);
    let mut boards = Vec::with_capacity(n);
    for i in 0..n {
        let url = api.url(&format!("/sessions/{}/live", sessions[i % sessions.len()]));
        let (client, admin) = (client.clone(), api.admin.clone());
        boards.push(tokio::spawn(async move {
            let Ok(resp) = client.get(url).bearer_auth(admin).send().await else { return None };
            if !resp.status().is_success() {
                return None;
            }
            let (mut events, mut snapshots) = (0u64, 0u64);
            let mut body = resp.bytes_stream();
            while let Ok(Some(Ok(chunk))) = tokio::time::timeout_at(deadline, body.next()).await {
                for line in chunk.split(|b| *b == b'\n') {
                    if line.starts_with(b"event: snapshot") || line.starts_with(b"event:snapshot") {
                        snapshots += 1;
                    } else if line.starts_with(b"event:") {
                        events += 1;
                    }
                }
            }
            Some((events, snapshots))
        }));
    }
    let (mut connected, mut events, mut snapshots) = (0, 0, 0);
    for b in boards {
        if let Ok(Some((e, s))) = b.await {
            connected += 1;
            events += e;
            snapshots += s;
        }
    }
    println!("viewers connected {connected} events {events} snapshots {snapshots}");
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let usage = "usage: checkin_load seed|session|qr|counted|viewers BASE USER PASS ...";
    let [command, base, user, pass, rest @ ..] = args.as_slice() else { panic!("{usage}") };
    let api = Api::login(base, user, pass).await;
    match (command.as_str(), rest) {
        ("seed", [n, file]) => seed(&api, n.parse().expect("TRAINEES is a number"), file).await,
        ("session", [class_id]) => session(&api, class_id).await,
        ("qr", [session_id]) => qr(&api, session_id).await,
        ("counted", [session_id]) => counted(&api, session_id).await,
        ("viewers", [n, seconds, sessions @ ..]) if !sessions.is_empty() => {
            viewers(&api, n.parse().expect("N is a number"), seconds.parse().expect("SECONDS is a number"), sessions)
                .await
        }
        _ => panic!("{usage}"),
    }
}
