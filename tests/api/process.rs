//! rollcall as operators run it: the built binary in a process of its own, killed with SIGKILL mid-burst and
//! started again, its log captured and read for secrets.
//!
//! `ROLLCALL_SERVER_BIN` names the binary to run (a release build for measuring); the default is the one this test
//! run built.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use serde_json::{Value, json};

use crate::helpers::{Backend, MASTER_SECRET, TestDb, backend, redis_url};

fn server_bin() -> String {
    std::env::var("ROLLCALL_SERVER_BIN").unwrap_or_else(|_| env!("CARGO_BIN_EXE_rollcall").to_owned())
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// The environment of one deployment: its database, Redis (on PostgreSQL runs), secret and generous limits.
pub struct Deployment {
    pub db: TestDb,
    env: Vec<(String, String)>,
    pub dir: tempfile::TempDir,
}

impl Deployment {
    pub async fn new(extra: &[(&str, &str)]) -> Deployment {
        let db = TestDb::create().await;
        let dir = tempfile::tempdir().unwrap();
        let mut env: Vec<(String, String)> = vec![
            ("ROLLCALL_CONFIG".into(), "/nonexistent/rollcall.toml".into()),
            ("ROLLCALL__DATA_DIR".into(), db.data_dir().display().to_string()),
            ("DATABASE_URL".into(), db.url.clone()),
            ("ROLLCALL__SECURITY__MASTER_SECRET".into(), MASTER_SECRET.into()),
            ("ROLLCALL__JOBS__OUTBOX_POLL_MS".into(), "0".into()),
            ("ROLLCALL__RATE_LIMITS__INVITE_PER_ADDRESS__BURST".into(), "100000".into()),
            ("ROLLCALL__RATE_LIMITS__CHECKIN_PER_ADDRESS__BURST".into(), "100000".into()),
            ("ROLLCALL__LOG__FILTER".into(), "info,rollcall=debug".into()),
        ];
        if backend() == Backend::Postgres {
            env.push(("REDIS_URL".into(), redis_url()));
            env.push(("ROLLCALL__REDIS__KEY_PREFIX".into(), format!("t:{}:", uuid::Uuid::new_v4().simple())));
        }
        env.extend(extra.iter().map(|(k, v)| ((*k).to_owned(), (*v).to_owned())));
        Deployment { db, env, dir }
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut command = Command::new(server_bin());
        command.args(args).env_remove("REDIS_URL").env_remove("RUST_LOG").envs(self.env.iter().cloned());
        command
    }

    /// The first administrator, through the command line; returns the password.
    pub fn create_admin(&self, username: &str) -> String {
        let password = "process admin password".to_owned();
        let output = self
            .command(&["create-admin", "--username", username])
            .env("ROLLCALL_ADMIN_PASSWORD", &password)
            .output()
            .unwrap();
        assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
        password
    }

    /// Starts `rollcall serve`, logging into `log_name` in the deployment's folder, and waits until it answers.
    pub async fn serve(&self, log_name: &str) -> Server {
        let port = free_port();
        let log = self.dir.path().join(log_name);
        let file = std::fs::File::create(&log).unwrap();
        let child = self
            .command(&["serve"])
            .env("ROLLCALL__SERVER__PORT", port.to_string())
            .stdout(Stdio::from(file.try_clone().unwrap()))
            .stderr(Stdio::from(file))
            .spawn()
            .unwrap();
        let server = Server { child, base: format!("http://127.0.0.1:{port}"), log };
        let client = reqwest::Client::new();
        let started = Instant::now();
        loop {
            if let Ok(r) = client.get(server.url("/api/v1/health")).send().await
                && r.status() == 200
            {
                return server;
            }
            assert!(started.elapsed() < Duration::from_secs(60), "the server did not start: {}", server.log_text());
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }
}

pub struct Server {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl Server {
    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    /// SIGKILL: no shutdown, no flushing, as a power cut or the OOM killer would end it.
    pub fn kill_9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    pub fn log_text(&self) -> String {
        std::fs::read_to_string(&self.log).unwrap_or_default()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        self.kill_9();
    }
}

/// A class of `n` trainees, today (by the real clock), with a session whose check-in is open now.
pub struct World {
    pub admin: String,
    pub class_id: String,
    pub session_id: String,
    /// (invite code, enrolment id)
    pub trainees: Vec<(String, String)>,
}

async fn json_ok(response: reqwest::Response, what: &str) -> Value {
    let status = response.status();
    let body = response.text().await.unwrap();
    assert!(status.is_success(), "{what}: {status} {body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

pub async fn world(server: &Server, admin_user: &str, admin_password: &str, n: usize) -> World {
    let client = reqwest::Client::new();
    let login = client
        .post(server.url("/api/v1/auth/login"))
        .json(&json!({"username": admin_user, "password": admin_password}))
        .send()
        .await
        .unwrap();
    let admin = json_ok(login, "admin login").await["token"].as_str().unwrap().to_owned();
    let today = (chrono::Utc::now() + chrono::Duration::hours(8)).date_naive();
    let code = format!("P{}", &uuid::Uuid::new_v4().simple().to_string()[..8]).to_uppercase();
    let class = json!({"code": code, "name": "进程测试班", "kind": "main", "status": "open",
        "start_date": (today - chrono::Duration::days(1)).to_string(), "end_date": (today + chrono::Duration::days(1)).to_string()});
    let created = client.post(server.url("/api/v1/classes")).bearer_auth(&admin).json(&class).send().await.unwrap();
    let class_id = json_ok(created, "class").await["id"].as_str().unwrap().to_owned();
    let mut csv = String::from("姓名,手机号,单位\n");
    let prefix = format!("16{:05}", uuid::Uuid::new_v4().as_u128() % 100_000);
    for i in 0..n {
        csv.push_str(&format!("学员{i:03},{prefix}{i:04},测试单位\n"));
    }
    let form = reqwest::multipart::Form::new()
        .part("file", reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("roster.csv"));
    let imported = client
        .post(server.url(&format!("/api/v1/classes/{class_id}/roster/import")))
        .bearer_auth(&admin)
        .multipart(form)
        .send()
        .await
        .unwrap();
    json_ok(imported, "roster import").await;
    let starts = chrono::Utc::now() + chrono::Duration::minutes(10);
    let session = json!({"title": "专题讲授", "kind": "lecture", "starts_at": starts.to_rfc3339(),
        "ends_at": (starts + chrono::Duration::hours(3)).to_rfc3339(), "credit_hours": 3});
    let created = client
        .post(server.url(&format!("/api/v1/classes/{class_id}/sessions")))
        .bearer_auth(&admin)
        .json(&session)
        .send()
        .await
        .unwrap();
    let session_id = json_ok(created, "session").await["id"].as_str().unwrap().to_owned();
    let roster = client
        .get(server.url(&format!("/api/v1/classes/{class_id}/roster?per_page=200")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let roster = json_ok(roster, "roster").await;
    let invites = client
        .get(server.url(&format!("/api/v1/classes/{class_id}/invites")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    let invites = json_ok(invites, "invites").await;
    let trainees = roster["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            let name = e["name"].as_str().unwrap();
            let code = invites["items"].as_array().unwrap().iter().find(|i| i["name"] == name).unwrap()["invite_code"]
                .as_str()
                .unwrap()
                .to_owned();
            (code, e["enrollment_id"].as_str().unwrap().to_owned())
        })
        .collect();
    World { admin, class_id, session_id, trainees }
}

async fn trainee_token(client: &reqwest::Client, server: &Server, code: &str, device: &str) -> String {
    // The notice the binding page shows, as a phone would read it.
    let notice = client.get(server.url("/api/v1/privacy/notice")).send().await.unwrap();
    let version = json_ok(notice, "privacy notice").await["version"].as_str().unwrap().to_owned();
    let response = client
        .post(server.url("/api/v1/auth/invite"))
        .json(&json!({"invite_code": code, "device_id": device, "notice_version": version}))
        .send()
        .await
        .unwrap();
    json_ok(response, "invite login").await["token"].as_str().unwrap().to_owned()
}

async fn qr(client: &reqwest::Client, server: &Server, w: &World) -> String {
    let response = client
        .get(server.url(&format!("/api/v1/sessions/{}/qr", w.session_id)))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    json_ok(response, "qr").await["token"].as_str().unwrap().to_owned()
}

/// The attendance rows of a session, per enrolment, read straight from the database.
async fn rows_per_enrolment(db_url: &str, session_id: &str) -> std::collections::HashMap<String, usize> {
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
    let db = sea_orm::Database::connect(db_url).await.unwrap();
    let rows = rollcall::entity::attendance::Entity::find()
        .filter(rollcall::entity::attendance::Column::SessionId.eq(session_id.parse::<uuid::Uuid>().unwrap()))
        .all(&db)
        .await
        .unwrap();
    db.close().await.ok();
    let mut counts = std::collections::HashMap::new();
    for r in rows {
        *counts.entry(r.enrollment_id.to_string()).or_insert(0) += 1;
    }
    counts
}

#[derive(Debug, Clone, PartialEq)]
enum Outcome {
    Acknowledged,
    Refused(u16),
    NoAnswer,
}

#[tokio::test]
async fn every_check_in_acknowledged_before_a_kill_9_is_in_the_database_exactly_once() {
    if backend() != Backend::Postgres {
        return; // the production shape; the embedded file is covered by the same transaction code
    }
    const TRAINEES: usize = 200;
    const CONCURRENCY: usize = 32;
    const KILL_AFTER: usize = 60;
    let deployment = Deployment::new(&[]).await;
    let password = deployment.create_admin("crash-admin");
    let mut server = deployment.serve("first.log").await;
    let w = world(&server, "crash-admin", &password, TRAINEES).await;
    let client = reqwest::Client::new();
    let mut tokens = Vec::new();
    for (i, (code, _)) in w.trainees.iter().enumerate() {
        tokens.push(trainee_token(&client, &server, code, &format!("crash-phone-{i:04}")).await);
    }
    let qr_token = qr(&client, &server, &w).await;
    let nonces: Vec<String> = (0..TRAINEES).map(|_| crate::helpers::nonce()).collect();

    let acks = Arc::new(AtomicUsize::new(0));
    let pid = server.pid();
    let url = server.url("/api/v1/checkins");
    let outcomes: Vec<(usize, Outcome)> = futures_util::stream::iter(0..TRAINEES)
        .map(|i| {
            let (client, url, acks) = (client.clone(), url.clone(), acks.clone());
            let body = json!({"qr_token": qr_token, "nonce": nonces[i], "kind": "in"});
            let token = tokens[i].clone();
            async move {
                let sent =
                    client.post(&url).bearer_auth(&token).json(&body).timeout(Duration::from_secs(10)).send().await;
                let outcome = match sent {
                    Ok(r) if r.status() == 201 => {
                        if acks.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER {
                            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
                        }
                        Outcome::Acknowledged
                    }
                    Ok(r) => Outcome::Refused(r.status().as_u16()),
                    Err(_) => Outcome::NoAnswer,
                };
                (i, outcome)
            }
        })
        .buffer_unordered(CONCURRENCY)
        .collect()
        .await;
    server.kill_9();
    let acknowledged: Vec<usize> =
        outcomes.iter().filter(|(_, o)| *o == Outcome::Acknowledged).map(|(i, _)| *i).collect();
    let unanswered: Vec<usize> =
        outcomes.iter().filter(|(_, o)| *o != Outcome::Acknowledged).map(|(i, _)| *i).collect();
    assert!(acknowledged.len() >= KILL_AFTER, "the burst reached the kill: {}", acknowledged.len());
    assert!(!unanswered.is_empty(), "the kill came mid-burst");
    assert!(
        outcomes.iter().all(|(_, o)| matches!(o, Outcome::Acknowledged | Outcome::NoAnswer)),
        "before the kill every scan succeeds: {outcomes:?}"
    );

    let rows = rows_per_enrolment(&deployment.db.url, &w.session_id).await;
    for i in &acknowledged {
        assert_eq!(rows.get(&w.trainees[*i].1), Some(&1), "acknowledged check-in {i} is stored exactly once");
    }
    assert!(rows.values().all(|n| *n == 1), "no enrolment has two rows");
    let committed_unacknowledged = rows.len() - acknowledged.len();
    assert!(
        committed_unacknowledged <= CONCURRENCY,
        "only requests in flight at the kill may have committed unanswered"
    );
    println!(
        "kill -9 after {} acknowledgements: {} acknowledged in all, {} rows in the database ({} committed but never \
         answered), {} without an answer",
        KILL_AFTER,
        acknowledged.len(),
        rows.len(),
        committed_unacknowledged,
        unanswered.len()
    );

    // Started again, the phones retry with the same nonce: each gets one check-in, none a second.
    let server = deployment.serve("second.log").await;
    let qr_token = qr(&client, &server, &w).await;
    for i in &unanswered {
        let body = json!({"qr_token": qr_token, "nonce": nonces[*i], "kind": "in"});
        let r = client.post(server.url("/api/v1/checkins")).bearer_auth(&tokens[*i]).json(&body).send().await.unwrap();
        assert_eq!(r.status(), 201, "the retry of {i} is its one check-in");
    }
    let rows = rows_per_enrolment(&deployment.db.url, &w.session_id).await;
    assert_eq!(rows.len(), TRAINEES, "everyone checked in once");
    assert!(rows.values().all(|n| *n == 1));
    drop(server);
}

/// Every log line of a deployment's run, checked against what must never be logged.
fn assert_log_holds_none_of(log: &Path, secrets: &[(&str, &str)]) {
    let text = std::fs::read_to_string(log).unwrap();
    assert!(!text.is_empty(), "the server logged something");
    for (what, secret) in secrets {
        assert!(secret.len() >= 6, "{what} is long enough to search for");
        assert!(!text.contains(secret), "the log contains a {what}:\n{text}");
    }
}

#[tokio::test]
async fn logs_hold_no_bearer_token_invite_code_screen_key_secret_or_position() {
    let fake = crate::fake_wechat::FakeWechat::start();
    let deployment = Deployment::new(&[
        ("ROLLCALL__WECHAT__BASE_URL", &fake.base_url),
        ("ROLLCALL__WECHAT__APPID", crate::fake_wechat::APPID),
        ("ROLLCALL__WECHAT__SECRET", crate::fake_wechat::SECRET),
        ("ROLLCALL__WECHAT__TIMEOUT_MS", "500"),
        ("ROLLCALL__LOG__FORMAT", "json"),
    ])
    .await;
    let password = deployment.create_admin("log-admin");
    let server = deployment.serve("server.log").await;
    let w = world(&server, "log-admin", &password, 3).await;
    let client = reqwest::Client::new();

    // A trainee binds with an invite code (also as a link: /h5/bind?code=), checks in, is refused, logs out.
    let code = w.trainees[0].0.clone();
    assert_eq!(client.get(server.url(&format!("/h5/bind?code={code}"))).send().await.unwrap().status(), 200);
    let trainee = trainee_token(&client, &server, &code, "log-phone-0001").await;
    let qr_token = qr(&client, &server, &w).await;
    let scan = |token: String, qr: String| {
        client
            .post(server.url("/api/v1/checkins"))
            .bearer_auth(token)
            .json(&json!({"qr_token": qr, "nonce": crate::helpers::nonce(), "kind": "in"}))
            .send()
    };
    assert_eq!(scan(trainee.clone(), qr_token.clone()).await.unwrap().status(), 201);
    assert_eq!(scan(trainee.clone(), format!("{qr_token}x")).await.unwrap().status(), 400);
    // A refused scan with a position: the coordinates are not logged either.
    let placed = client
        .post(server.url("/api/v1/checkins"))
        .bearer_auth(&trainee)
        .json(&json!({"qr_token": format!("{qr_token}y"), "nonce": crate::helpers::nonce(), "kind": "in",
            "location": {"lat": 31.234_567, "lng": 121.476_543, "accuracy_m": 20, "coord": "gcj02"}}))
        .send()
        .await
        .unwrap();
    assert_eq!(placed.status(), 400);
    // Wrong codes and tokens, in bodies, headers and queries.
    let other_code = w.trainees[1].0.clone();
    for bad in [other_code.clone(), "ZZZZ-ZZZZ".to_owned()] {
        let r = client
            .post(server.url("/api/v1/auth/invite"))
            .json(&json!({"invite_code": bad, "device_id": "log-phone-0002"}))
            .send()
            .await
            .unwrap();
        assert!(r.status().is_success() || r.status().is_client_error());
    }
    let r = client
        .get(server.url(&format!("/api/v1/classes?page=0&code={other_code}")))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), 400, "a refused request whose query carries a code");
    assert_eq!(
        client.get(server.url("/api/v1/me")).bearer_auth(format!("{trainee}0")).send().await.unwrap().status(),
        401
    );
    // A screen link: its key is shown once, then sent in a header.
    let link = client
        .post(server.url(&format!("/api/v1/sessions/{}/screen-links", w.session_id)))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    let link = json_ok(link, "screen link").await;
    let key = link["url"].as_str().unwrap().rsplit_once("#key=").unwrap().1.to_owned();
    let state = client.get(server.url("/api/v1/screen/state")).header("x-screen-key", &key).send().await.unwrap();
    assert_eq!(state.status(), 200);
    let wrong =
        client.get(server.url("/api/v1/screen/state")).header("x-screen-key", format!("{key}x")).send().await.unwrap();
    assert!(wrong.status().is_client_error());
    // WeChat: a login (session_key comes back from WeChat), a refused code, and WeChat too slow to answer.
    for js_code in ["ok:o-log-openid-1", "invalid", "slow"] {
        let r = client.post(server.url("/api/v1/auth/wechat")).json(&json!({"code": js_code})).send().await.unwrap();
        assert!(!r.status().is_server_error() || r.status() == 503, "{js_code}: {}", r.status());
    }
    let invites = client
        .get(server.url(&format!("/api/v1/classes/{}/invites", w.class_id)))
        .bearer_auth(&w.admin)
        .send()
        .await
        .unwrap();
    let print_url = json_ok(invites, "invites").await["print_url"].as_str().unwrap().to_owned();
    let signature = print_url.split_once('?').map(|(_, q)| q.to_owned()).unwrap_or_default();
    assert_eq!(client.get(&print_url).send().await.unwrap().status(), 200);
    assert_eq!(
        client.post(server.url("/api/v1/auth/logout")).bearer_auth(&trainee).send().await.unwrap().status(),
        204
    );
    drop(server);

    let mut secrets: Vec<(&str, &str)> = vec![
        ("admin bearer token", &w.admin),
        ("trainee bearer token", &trainee),
        ("screen key", &key),
        ("signed print link", &signature),
        ("master secret", MASTER_SECRET),
        ("WeChat app secret", crate::fake_wechat::SECRET),
        ("WeChat session key", crate::fake_wechat::SESSION_KEY),
        ("admin password", &password),
        ("check-in latitude", "31.234567"),
        ("check-in longitude", "121.476543"),
    ];
    for (code, _) in &w.trainees {
        secrets.push(("invite code", code));
    }
    assert_log_holds_none_of(&deployment.dir.path().join("server.log"), &secrets);
    // What a request's log lines do carry: the route template and the path of the request they belong to.
    let log = std::fs::read_to_string(deployment.dir.path().join("server.log")).unwrap();
    let routed =
        log.lines().filter(|l| l.contains(r#""http.route":"/api/v1/"#) && l.contains(r#""http.target":"/api/v1/"#));
    assert!(routed.count() > 0, "log lines name their request's route and path:\n{log}");
}
