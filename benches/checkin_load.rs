//! Load generator for the check-in path. Run it through `bench/checkin-load.sh`, which starts a release server on
//! PostgreSQL + Redis; by itself it needs a running server and an admin account:
//!
//!     cargo bench --bench checkin_load -- http://127.0.0.1:18090 admin-user admin-password [trainees] [connections]
//!
//! It seeds a class with `trainees` (default 5,000) people, binds a phone for each (invite-code login), opens a
//! session and then fires one unique check-in per trainee over `connections` (default 64) concurrent connections,
//! refreshing the QR token as the screen would. Reports check-ins/s and latency percentiles of the check-ins only.

#![allow(clippy::unwrap_used, clippy::expect_used)] // a load tool may panic: that is how it fails

use std::sync::Arc;
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use tokio::sync::{Mutex, RwLock};

async fn post(client: &reqwest::Client, url: &str, token: Option<&str>, body: &Value) -> (u16, Value) {
    let mut req = client.post(url).json(body);
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    let resp = req.send().await.expect("request");
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap_or(Value::Null))
}

#[tokio::main]
async fn main() {
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    let base = args.first().cloned().unwrap_or_else(|| "http://127.0.0.1:18090".into());
    let user = args.get(1).cloned().unwrap_or_else(|| "bench-admin".into());
    let pass = args.get(2).cloned().unwrap_or_else(|| "bench-admin-pass".into());
    let n: usize = args.get(3).and_then(|s| s.parse().ok()).unwrap_or(5000);
    let conns: usize = args.get(4).and_then(|s| s.parse().ok()).unwrap_or(64);
    let client = reqwest::Client::builder().pool_max_idle_per_host(conns).build().unwrap();
    let api = |p: &str| format!("{base}/api/v1{p}");

    let (s, login) = post(&client, &api("/auth/login"), None, &json!({"username": user, "password": pass})).await;
    assert_eq!(s, 200, "admin login: {login}");
    let admin = login["token"].as_str().unwrap().to_owned();

    let now = chrono::Utc::now();
    let today = rollcall::clock::local_date(now);
    let code = format!("LOAD-{}", &uuid::Uuid::new_v4().simple().to_string()[..8]);
    let (s, class) = post(
        &client,
        &api("/classes"),
        Some(&admin),
        &json!({
            "code": code, "name": "压力测试班", "kind": "main", "start_date": today, "end_date": today, "status": "open"
        }),
    )
    .await;
    assert_eq!(s, 201, "class: {class}");
    let class_id = class["id"].as_str().unwrap().to_owned();

    let prefix = 10_000 + (uuid::Uuid::new_v4().as_u128() % 80_000) as u64;
    let mut csv = String::from("姓名,手机号,单位\n");
    for i in 0..n {
        csv.push_str(&format!("学员{i:05},18{prefix:05}{i:04},单位{}\n", i % 50));
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("roster.csv"));
    let t = Instant::now();
    let resp = client
        .post(api(&format!("/classes/{class_id}/roster/import")))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    assert_eq!(resp.status(), 200, "import: {}", resp.text().await.unwrap());
    println!("seeded {n} trainees in {:.2} s", t.elapsed().as_secs_f64());

    let starts = now + chrono::Duration::minutes(10);
    let (s, session) = post(&client, &api(&format!("/classes/{class_id}/sessions")), Some(&admin), &json!({
        "title": "压力测试课程", "kind": "lecture", "starts_at": starts, "ends_at": starts + chrono::Duration::hours(2),
        "credit_hours": 2, "window": {"open_before_min": 60, "late_after_min": 5, "close_after_min": 60}
    })).await;
    assert_eq!(s, 201, "session: {session}");
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
    let codes: Vec<String> =
        invites["items"].as_array().unwrap().iter().map(|i| i["invite_code"].as_str().unwrap().to_owned()).collect();
    let t = Instant::now();
    let queue = Arc::new(Mutex::new(codes.into_iter().enumerate().collect::<Vec<_>>()));
    let tokens = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let mut workers = Vec::new();
    for _ in 0..conns {
        let (queue, tokens, client, url) = (queue.clone(), tokens.clone(), client.clone(), api("/auth/invite"));
        workers.push(tokio::spawn(async move {
            loop {
                let Some((i, code)) = queue.lock().await.pop() else { break };
                let (s, body) = post(
                    &client,
                    &url,
                    None,
                    &json!({"invite_code": code, "device_id": format!("load-device-{i:06}")}),
                )
                .await;
                assert_eq!(s, 200, "bind: {body}");
                tokens.lock().await.push(body["token"].as_str().unwrap().to_owned());
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    println!("bound {n} phones in {:.2} s", t.elapsed().as_secs_f64());

    let qr_url = api(&format!("/sessions/{session_id}/qr"));
    let fetch_qr = {
        let (client, admin, qr_url) = (client.clone(), admin.clone(), qr_url.clone());
        move || {
            let (client, admin, qr_url) = (client.clone(), admin.clone(), qr_url.clone());
            async move {
                let v: Value = client.get(&qr_url).bearer_auth(&admin).send().await.unwrap().json().await.unwrap();
                v["token"].as_str().unwrap().to_owned()
            }
        }
    };
    let qr = Arc::new(RwLock::new(fetch_qr().await));
    let refresher = {
        let qr = qr.clone();
        tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_secs(3)).await;
                *qr.write().await = fetch_qr().await;
            }
        })
    };

    let queue = Arc::new(Mutex::new(std::mem::take(&mut *tokens.lock().await)));
    let latencies = Arc::new(Mutex::new(Vec::with_capacity(n)));
    let failures = Arc::new(Mutex::new(Vec::new()));
    let started = Instant::now();
    let mut workers = Vec::new();
    for _ in 0..conns {
        let (queue, latencies, failures, qr, client, url) =
            (queue.clone(), latencies.clone(), failures.clone(), qr.clone(), client.clone(), api("/checkins"));
        workers.push(tokio::spawn(async move {
            loop {
                let Some(token) = queue.lock().await.pop() else { break };
                let body = json!({"qr_token": *qr.read().await, "nonce": uuid::Uuid::new_v4().simple().to_string(), "kind": "in"});
                let t = Instant::now();
                let (s, answer) = post(&client, &url, Some(&token), &body).await;
                let took = t.elapsed();
                if s == 201 {
                    latencies.lock().await.push(took);
                } else {
                    failures.lock().await.push(format!("{s} {answer}"));
                }
            }
        }));
    }
    for w in workers {
        w.await.unwrap();
    }
    let elapsed = started.elapsed();
    refresher.abort();
    let mut lat = latencies.lock().await.clone();
    lat.sort();
    let pct = |p: f64| lat[((lat.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3;
    let failures = failures.lock().await;
    println!(
        "check-ins: {} ok, {} failed in {:.2} s over {conns} connections: {:.0} check-ins/s; latency p50 {:.1} ms, p90 {:.1} ms, p99 {:.1} ms, max {:.1} ms",
        lat.len(),
        failures.len(),
        elapsed.as_secs_f64(),
        lat.len() as f64 / elapsed.as_secs_f64(),
        pct(0.50),
        pct(0.90),
        pct(0.99),
        pct(1.0)
    );
    if let Some(f) = failures.first() {
        println!("first failure: {f}");
    }
    let list: Value = client
        .get(api(&format!("/sessions/{session_id}/attendance")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let present = list["entries"].as_array().unwrap().iter().filter(|e| e["status"] == "present").count();
    println!("stored: {present} present of {n}");
    assert_eq!(present, lat.len(), "every acknowledged check-in is stored");
}
