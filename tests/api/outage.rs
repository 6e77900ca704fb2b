//! Failing parts: Redis stopped mid-run, PostgreSQL cut off mid-run. rollcall keeps answering promptly, never
//! acknowledges a check-in it did not store, and recovers by itself.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::helpers::{
    Backend, ClockExt, MASTER_SECRET, OwnRedis, TestApp, TestDb, backend, must_run_everything, nonce, spawn_app_with,
    spawn_on, test_settings,
};

/// The QR token the classroom screen shows now (minted as the server does, so it needs no database).
fn current_qr(app: &TestApp, session_id: &str) -> String {
    let secret = secrecy::SecretString::from(MASTER_SECRET.to_owned());
    let step = rollcall::qr::token::step_at(app.clock.now_utc(), 10);
    rollcall::qr::token::mint(&secret, session_id.parse().unwrap(), step).unwrap()
}

fn p99(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[(samples.len() * 99).div_ceil(100) - 1]
}

#[tokio::test]
async fn with_redis_stopped_check_ins_stay_fast_ready_says_degraded_and_redis_is_used_again_when_back() {
    let Some(mut redis) = OwnRedis::start() else {
        assert!(!must_run_everything(), "redis-server is required for this test");
        eprintln!("SKIPPED: redis-server is not installed");
        return;
    };
    let url = format!("redis://127.0.0.1:{}", redis.port);
    let app = spawn_app_with(|s| {
        s.redis.url = url.clone();
        s.redis.key_prefix = "own:".into();
        s.redis.breaker_ms = 1_000;
        s.rate_limits.invite_per_address.burst = 1_000;
        s.rate_limits.checkin_per_trainee.burst = 1_000;
    })
    .await;
    let f = app.checkin_fixture(60, None).await;
    let mut tokens = Vec::new();
    for (i, (_, code, _)) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(code, &format!("phone-out-{i:04}")).await);
    }
    let qr = current_qr(&app, &f.session_id);

    redis.stop();

    let mut latencies = Vec::new();
    for round in 0..2 {
        for token in &tokens {
            let started = Instant::now();
            let status = app.scan(token, &qr, &nonce(), None).await.status();
            latencies.push(started.elapsed());
            assert_eq!(status, if round == 0 { 201 } else { 200 }, "round {round}");
        }
    }
    let p99 = p99(latencies.clone());
    println!(
        "check-in with Redis down: {} scans, p99 {:?}, max {:?}",
        latencies.len(),
        p99,
        latencies.iter().max().unwrap()
    );
    assert!(p99 < Duration::from_millis(50), "p99 with Redis down: {p99:?}");
    let ready: Value = app.get("/api/v1/ready", None).await.json().await.unwrap();
    assert_eq!((ready["status"].as_str(), ready["redis"]["status"].as_str()), (Some("degraded"), Some("unavailable")));

    redis.restart();
    let back = Instant::now();
    let mut ready = Value::Null;
    while back.elapsed() < Duration::from_secs(15) {
        ready = app.get("/api/v1/ready", None).await.json().await.unwrap();
        if ready["status"] == "ok" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(ready["status"], "ok", "recovered by itself: {ready}");
    println!("Redis back: ready again after {:?}", back.elapsed());
    // And Redis is used again: a scan's answer is remembered there.
    let again = nonce();
    assert_eq!(app.scan(&tokens[0], &qr, &again, None).await.status(), 200);
    let client = redis::Client::open(url.as_str()).unwrap();
    let mut conn = client.get_multiplexed_async_connection().await.unwrap();
    let keys: Vec<String> = redis::cmd("KEYS").arg("own:nonce:*").query_async(&mut conn).await.unwrap();
    assert!(keys.iter().any(|k| k.ends_with(&again)), "{keys:?}");
}

/// A TCP proxy the test controls. Cut, it stops forwarding on every connection and accepts new ones without ever
/// answering (packets dropped, as a failed switch or firewall would); restored, it closes what it held and forwards
/// new connections again.
struct CutProxy {
    port: u16,
    cut: Arc<AtomicBool>,
    generation: Arc<tokio::sync::watch::Sender<u64>>,
}

impl CutProxy {
    async fn start(target: String) -> CutProxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let cut = Arc::new(AtomicBool::new(false));
        let generation = Arc::new(tokio::sync::watch::channel(0u64).0);
        let (cut2, generation2) = (cut.clone(), generation.clone());
        tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let (cut, mut restored) = (cut2.clone(), generation2.subscribe());
                let target = target.clone();
                tokio::spawn(async move {
                    let born = *restored.borrow_and_update();
                    if cut.load(Ordering::SeqCst) {
                        let _ = restored.changed().await; // held, unanswered, until the network is back
                        drop(client);
                        return;
                    }
                    let Ok(server) = TcpStream::connect(&target).await else { return };
                    forward(client, server, cut, restored, born).await;
                });
            }
        });
        CutProxy { port, cut, generation }
    }

    fn cut(&self) {
        self.cut.store(true, Ordering::SeqCst);
    }

    fn restore(&self) {
        self.cut.store(false, Ordering::SeqCst);
        self.generation.send_modify(|g| *g += 1);
    }
}

async fn forward(
    client: TcpStream,
    server: TcpStream,
    cut: Arc<AtomicBool>,
    mut restored: tokio::sync::watch::Receiver<u64>,
    born: u64,
) {
    let (client_read, client_write) = client.into_split();
    let (server_read, server_write) = server.into_split();
    let both_ways =
        async { tokio::join!(pump(client_read, server_write, cut.clone()), pump(server_read, client_write, cut)) };
    let network_back = async {
        while *restored.borrow_and_update() == born {
            if restored.changed().await.is_err() {
                break;
            }
        }
    };
    tokio::select! {
        _ = both_ways => {}
        _ = network_back => {} // what was held is closed; the client sees its connection die
    }
}

async fn pump(mut from: tokio::net::tcp::OwnedReadHalf, mut to: tokio::net::tcp::OwnedWriteHalf, cut: Arc<AtomicBool>) {
    let mut buf = vec![0u8; 16 * 1024];
    loop {
        let n = match from.read(&mut buf).await {
            Ok(0) | Err(_) => return,
            Ok(n) => n,
        };
        if cut.load(Ordering::SeqCst) {
            std::future::pending::<()>().await; // dropped on the floor, never forwarded
        }
        if to.write_all(&buf[..n]).await.is_err() {
            return;
        }
    }
}

#[tokio::test]
async fn with_postgresql_cut_off_check_ins_answer_503_within_2_s_never_a_false_2xx_and_recover() {
    if backend() != Backend::Postgres {
        return; // the embedded database cannot be cut off
    }
    let db = TestDb::create().await;
    let (_, rest) = db.url.split_once("://").unwrap();
    let (userinfo, rest) = rest.split_once('@').unwrap();
    let (hostport, name) = rest.split_once('/').unwrap();
    let proxy = CutProxy::start(hostport.to_owned()).await;
    let mut settings = test_settings(&db);
    settings.database.url = format!("postgres://{userinfo}@127.0.0.1:{}/{name}", proxy.port);
    settings.rate_limits.invite_per_address.burst = 1_000;
    let app = spawn_on(db, settings).await;
    let f = app.checkin_fixture(30, None).await;
    let mut tokens = Vec::new();
    for (i, (_, code, _)) in f.trainees.iter().enumerate() {
        tokens.push(app.trainee_token(code, &format!("phone-cut-{i:04}")).await);
    }
    let qr = current_qr(&app, &f.session_id);
    let mut acknowledged = Vec::new(); // trainees told 2xx
    for (i, token) in tokens.iter().enumerate().take(10) {
        assert_eq!(app.scan(token, &qr, &nonce(), None).await.status(), 201);
        acknowledged.push(i);
    }

    proxy.cut();
    let mut slowest = Duration::ZERO;
    let mut pending = Vec::new();
    for (i, token) in tokens.iter().enumerate().skip(10).take(6) {
        let n = nonce();
        let started = Instant::now();
        let response = tokio::time::timeout(Duration::from_secs(5), app.scan(token, &qr, &n, None))
            .await
            .expect("an answer, not a hang");
        let took = started.elapsed();
        slowest = slowest.max(took);
        let status = response.status().as_u16();
        assert!(!(200..300).contains(&status), "no check-in is acknowledged while the database is away ({status})");
        assert_eq!(status, 503, "trainee {i}");
        assert!(took < Duration::from_secs(2), "503 within 2 s, took {took:?}");
        pending.push((i, n));
    }
    println!("database cut: 6 check-ins answered 503, slowest after {slowest:?}");

    proxy.restore();
    let back = Instant::now();
    let (first, first_nonce) = pending[0].clone();
    loop {
        let status = app.scan(&tokens[first], &qr, &first_nonce, None).await.status().as_u16();
        if (200..300).contains(&status) {
            acknowledged.push(first);
            break;
        }
        assert!(back.elapsed() < Duration::from_secs(20), "recovers by itself (last answer {status})");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    println!("database back: check-ins succeed again after {:?}", back.elapsed());
    for (i, n) in pending.iter().skip(1) {
        assert!(app.scan(&tokens[*i], &qr, n, None).await.status().is_success(), "retry with the same nonce");
        acknowledged.push(*i);
    }

    let list: Value = app
        .get(&format!("/api/v1/sessions/{}/attendance", f.session_id), Some(&f.admin_token))
        .await
        .json()
        .await
        .unwrap();
    let stored: Vec<&str> = list["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["checked_in_at"].is_string())
        .map(|r| r["enrollment_id"].as_str().unwrap())
        .collect();
    assert_eq!(stored.len(), acknowledged.len(), "every acknowledged check-in stored exactly once: {list}");
    for i in &acknowledged {
        assert!(stored.contains(&f.trainees[*i].2.as_str()), "trainee {i} acknowledged and stored");
    }
}
