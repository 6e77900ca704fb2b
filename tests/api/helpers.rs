//! `spawn_app()`: a real server on port 0 with its own database (a SQLite file in a temp dir, or a fresh
//! PostgreSQL database with the real migrations), its own Redis key prefix, and a clock the test controls.

use std::sync::Arc;

use chrono::{TimeZone, Utc};
use rollcall::audit::Actor;
use rollcall::auth::service::{self, NewStaff};
use rollcall::auth::{DisplayName, Password, Role, Username};
use rollcall::clock::TestClock;
use rollcall::config::Settings;
use rollcall::startup::Application;
use rollcall::state::AppState;
use serde_json::{Value, json};

pub const MASTER_SECRET: &str = "test-master-secret-0123456789abcdef0123456789abcdef";

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    /// SQLite file + in-process stand-ins for Redis.
    Embedded,
    /// PostgreSQL + Redis.
    Postgres,
}

pub fn backend() -> Backend {
    match std::env::var("ROLLCALL_TEST_BACKEND").as_deref() {
        Ok("postgres") => Backend::Postgres,
        _ => Backend::Embedded,
    }
}

pub fn postgres_admin_url() -> String {
    std::env::var("ROLLCALL_TEST_DATABASE_URL").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/test".into())
}

pub fn redis_url() -> String {
    std::env::var("ROLLCALL_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

/// Whether a test that needs an outside program may skip when it is missing (never in CI).
pub fn must_run_everything() -> bool {
    std::env::var("ROLLCALL_TEST_REQUIRE_ALL").is_ok_and(|v| v == "1")
}

/// A per-test database, removed when the test ends.
pub struct TestDb {
    pub url: String,
    _dir: tempfile::TempDir,
    pg_name: Option<String>,
}

impl TestDb {
    pub async fn create() -> TestDb {
        let dir = tempfile::tempdir().expect("temp dir");
        match backend() {
            Backend::Embedded => {
                let url = format!("sqlite://{}?mode=rwc", dir.path().join("test.sqlite").display());
                TestDb { url, _dir: dir, pg_name: None }
            }
            Backend::Postgres => {
                use sea_orm::ConnectionTrait;
                let name = format!("t_{}", uuid::Uuid::new_v4().simple());
                let admin = sea_orm::Database::connect(postgres_admin_url()).await.expect("connect to PostgreSQL");
                admin.execute_unprepared(&format!("CREATE DATABASE {name}")).await.expect("create test database");
                admin.close().await.ok();
                let base = postgres_admin_url();
                let root = base.rsplit_once('/').map(|(root, _)| root.to_owned()).unwrap_or(base);
                TestDb { url: format!("{root}/{name}"), _dir: dir, pg_name: Some(name) }
            }
        }
    }

    pub fn data_dir(&self) -> std::path::PathBuf {
        self._dir.path().to_path_buf()
    }

    /// Another handle on the same database (for a second instance); dropping it removes nothing.
    pub fn shared_view(&self) -> TestDb {
        TestDb { url: self.url.clone(), _dir: tempfile::tempdir().expect("temp dir"), pg_name: None }
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        let Some(name) = self.pg_name.take() else { return };
        // Drop is synchronous; do the cleanup on a thread with its own runtime.
        let _ = std::thread::spawn(move || {
            let Ok(rt) = tokio::runtime::Builder::new_current_thread().enable_all().build() else { return };
            rt.block_on(async move {
                use sea_orm::ConnectionTrait;
                if let Ok(admin) = sea_orm::Database::connect(postgres_admin_url()).await {
                    let _ = admin.execute_unprepared(&format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)")).await;
                    let _ = admin.close().await;
                }
            });
        })
        .join();
    }
}

pub struct TestApp {
    pub address: String,
    pub client: reqwest::Client,
    pub clock: Arc<TestClock>,
    pub state: AppState,
    /// Kept alive for the test's length; dropping it removes the database.
    pub _db: TestDb,
}

/// Test settings: port 0, the test database, a private Redis prefix, one worker.
pub fn test_settings(db: &TestDb) -> Settings {
    let mut settings = Settings::defaults().expect("default settings");
    settings.server.port = 0;
    settings.server.workers = 1;
    settings.data_dir = db.data_dir();
    settings.database.url = db.url.clone();
    settings.database.max_connections = 5;
    settings.jobs.absent_scan_seconds = 0;
    settings.jobs.outbox_poll_ms = 0;
    settings.security.master_secret = Some(MASTER_SECRET.to_owned().into());
    if backend() == Backend::Postgres {
        settings.redis.url = redis_url();
        settings.redis.key_prefix = format!("t:{}:", uuid::Uuid::new_v4().simple());
    }
    settings
}

pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

pub async fn spawn_app_with(customize: impl FnOnce(&mut Settings)) -> TestApp {
    let db = TestDb::create().await;
    let mut settings = test_settings(&db);
    customize(&mut settings);
    spawn_on(db, settings).await
}

pub async fn spawn_on(db: TestDb, settings: Settings) -> TestApp {
    let clock = Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 30, 0).single().expect("valid time")));
    let app = Application::build(settings, clock.clone()).await.expect("build application");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    let client = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().expect("client");
    TestApp { address: format!("http://127.0.0.1:{port}"), client, clock, state, _db: db }
}

pub struct Account {
    pub id: uuid::Uuid,
    pub username: String,
    pub password: String,
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    /// Creates an account directly through the domain (as the CLI would).
    pub async fn create_account(&self, role: Role) -> Account {
        let username = format!("{}-{}", role.as_str(), &uuid::Uuid::new_v4().simple().to_string()[..8]);
        let password = "correct horse battery".to_owned();
        let new = NewStaff {
            username: Username::parse(&username).expect("username"),
            display_name: DisplayName::parse("测试用户").expect("display name"),
            password: Password::parse(&password).expect("password"),
            role,
        };
        let created = service::create_staff(&self.state.db, &Actor::system("test"), new, self.clock.now_utc())
            .await
            .expect("create");
        Account { id: created.id, username, password }
    }

    pub async fn login(&self, username: &str, password: &str) -> reqwest::Response {
        self.client
            .post(self.url("/api/v1/auth/login"))
            .json(&json!({ "username": username, "password": password }))
            .send()
            .await
            .expect("request")
    }

    pub async fn token_for(&self, account: &Account) -> String {
        let response = self.login(&account.username, &account.password).await;
        assert_eq!(response.status(), 200, "login of {} failed", account.username);
        let body: Value = response.json().await.expect("json");
        body["token"].as_str().expect("token").to_owned()
    }

    /// A fresh admin and their token.
    pub async fn admin(&self) -> (Account, String) {
        let account = self.create_account(Role::Admin).await;
        let token = self.token_for(&account).await;
        (account, token)
    }

    pub async fn get(&self, path: &str, token: Option<&str>) -> reqwest::Response {
        let mut request = self.client.get(self.url(path));
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn send_json(
        &self,
        method: reqwest::Method,
        path: &str,
        token: Option<&str>,
        body: &Value,
    ) -> reqwest::Response {
        let mut request = self.client.request(method, self.url(path)).json(body);
        if let Some(token) = token {
            request = request.bearer_auth(token);
        }
        request.send().await.expect("request")
    }

    pub async fn post_json(&self, path: &str, token: Option<&str>, body: &Value) -> reqwest::Response {
        self.send_json(reqwest::Method::POST, path, token, body).await
    }
}

/// Test-side access to the clock's current time.
pub trait ClockExt {
    fn now_utc(&self) -> chrono::DateTime<Utc>;
    /// Sets the clock to a China-time wall-clock moment.
    fn set_china(&self, y: i32, m: u32, d: u32, h: u32, min: u32);
}

impl ClockExt for TestClock {
    fn now_utc(&self) -> chrono::DateTime<Utc> {
        rollcall::clock::Clock::now(self)
    }

    fn set_china(&self, y: i32, m: u32, d: u32, h: u32, min: u32) {
        let date = chrono::NaiveDate::from_ymd_opt(y, m, d).expect("valid date");
        let time = chrono::NaiveTime::from_hms_opt(h, min, 0).expect("valid time");
        self.set(rollcall::clock::from_local(date, time));
    }
}

/// Reads an error answer and checks its shape: exactly `code` and a non-empty Chinese `message`.
pub async fn error_body(response: reqwest::Response) -> (u16, String, String) {
    let status = response.status().as_u16();
    let body: Value = response.json().await.expect("error body is JSON");
    let object = body.as_object().expect("error body is an object");
    assert_eq!(object.len(), 2, "error body has exactly code and message: {body}");
    let code = body["code"].as_str().expect("code is a string").to_owned();
    let message = body["message"].as_str().expect("message is a string").to_owned();
    assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "message is Chinese: {message}");
    (status, code, message)
}

/// A class with dates around the test clock's day, created through the API by a fresh admin.
pub struct ClassFixture {
    pub id: String,
    pub admin_token: String,
}

impl TestApp {
    pub async fn create_class(&self, admin_token: &str, code: &str) -> String {
        let body = json!({
            "code": code, "name": format!("{code} 培训班"), "kind": "main",
            "start_date": "2026-11-23", "end_date": "2026-12-04", "status": "open"
        });
        let response = self.post_json("/api/v1/classes", Some(admin_token), &body).await;
        assert_eq!(response.status(), 201, "create class {code}");
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    /// An admin and one class.
    pub async fn class_fixture(&self) -> ClassFixture {
        let (_, admin_token) = self.admin().await;
        let id = self.create_class(&admin_token, "T-01").await;
        ClassFixture { id, admin_token }
    }

    /// A staff member assigned to the class, and their token.
    /// A staff account assigned to the class as 班主任 (`head_teacher`), with a token.
    pub async fn assigned_staff(&self, admin_token: &str, class_id: &str) -> (Account, String) {
        self.staff_with_role(admin_token, class_id, "head_teacher").await
    }

    /// A staff account assigned to the class in `role` (`head_teacher` or `organiser`), with a token.
    pub async fn staff_with_role(&self, admin_token: &str, class_id: &str, role: &str) -> (Account, String) {
        let staff = self.create_account(Role::Staff).await;
        let response = self
            .post_json(
                &format!("/api/v1/classes/{class_id}/staff"),
                Some(admin_token),
                &json!({"staff_id": staff.id, "role": role}),
            )
            .await;
        assert_eq!(response.status(), 200);
        let token = self.token_for(&staff).await;
        (staff, token)
    }

    /// Adds a session (times in UTC, RFC 3339) and returns its id.
    pub async fn add_session(&self, token: &str, class_id: &str, starts: &str, ends: &str, credit: f64) -> String {
        let body = json!({"title": format!("课程 {starts}"), "kind": "lecture", "starts_at": starts,
            "ends_at": ends, "credit_hours": credit});
        let response = self.post_json(&format!("/api/v1/classes/{class_id}/sessions"), Some(token), &body).await;
        assert_eq!(response.status(), 201, "add session");
        response.json::<Value>().await.unwrap()["id"].as_str().unwrap().to_owned()
    }

    pub async fn upload(&self, path: &str, token: &str, file_name: &str, bytes: Vec<u8>) -> reqwest::Response {
        let part = reqwest::multipart::Part::bytes(bytes).file_name(file_name.to_owned());
        let form = reqwest::multipart::Form::new().part("file", part);
        self.client.post(self.url(path)).bearer_auth(token).multipart(form).send().await.unwrap()
    }

    /// Imports a CSV roster (no dry run) and returns the report.
    pub async fn import_roster_csv(&self, token: &str, class_id: &str, csv: &str) -> Value {
        let response = self
            .upload(&format!("/api/v1/classes/{class_id}/roster/import"), token, "roster.csv", csv.as_bytes().to_vec())
            .await;
        assert_eq!(response.status(), 200, "import roster");
        response.json().await.unwrap()
    }

    /// The class's invite codes by trainee name.
    pub async fn invite_codes(&self, token: &str, class_id: &str) -> Vec<(String, String)> {
        let body: Value =
            self.get(&format!("/api/v1/classes/{class_id}/invites"), Some(token)).await.json().await.unwrap();
        body["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|i| (i["name"].as_str().unwrap().to_owned(), i["invite_code"].as_str().unwrap().to_owned()))
            .collect()
    }

    /// Logs a trainee in on an H5 device with their invite code; returns the token.
    pub async fn trainee_token(&self, invite_code: &str, device_id: &str) -> String {
        let response = self
            .post_json("/api/v1/auth/invite", None, &json!({"invite_code": invite_code, "device_id": device_id}))
            .await;
        assert_eq!(response.status(), 200, "invite login");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }
}

pub const SMALL_ROSTER: &str = "姓名,性别,手机号,单位,职务,职级,学号\n\
张伟,男,13800000001,市财政局,科长,正科级,A001\n\
李娜,女,13800000002,市教育局,副科长,副科级,A002\n\
王强,男,13800000003,高新区管委会,副局长,副处级,A003\n";

/// A class with a roster of `n` trainees (phones 1350000xxxx) and one session today, 09:00–12:00 China time
/// (check-in opens 08:30 = the test clock's start, late after 09:05, closes 09:30). Optional geofence.
pub struct CheckinFixture {
    pub class_id: String,
    pub session_id: String,
    pub admin_token: String,
    /// (name, invite code, enrolment id)
    pub trainees: Vec<(String, String, String)>,
    /// Trainee i's phone is this followed by i as four digits.
    pub phone_prefix: String,
}

impl TestApp {
    pub async fn checkin_fixture(&self, n: usize, geofence: Option<Value>) -> CheckinFixture {
        let (_, admin) = self.admin().await;
        let class_id =
            self.create_class(&admin, &format!("C{}", &uuid::Uuid::new_v4().simple().to_string()[..8])).await;
        let phone_prefix = format!("15{:05}", rand_digits());
        let mut csv = String::from("姓名,手机号,单位\n");
        for i in 0..n {
            csv.push_str(&format!("学员{i:02},{phone_prefix}{i:04},测试单位{}\n", i % 3));
        }
        self.import_roster_csv(&admin, &class_id, &csv).await;
        let mut body = json!({"title": "专题讲授", "kind": "lecture", "starts_at": "2026-11-26T01:00:00Z",
            "ends_at": "2026-11-26T04:00:00Z", "credit_hours": 3});
        if let Some(g) = geofence {
            body["geofence"] = g;
        }
        let session: Value = self
            .post_json(&format!("/api/v1/classes/{class_id}/sessions"), Some(&admin), &body)
            .await
            .json()
            .await
            .unwrap();
        let roster: Value = self
            .get(&format!("/api/v1/classes/{class_id}/roster?per_page=200"), Some(&admin))
            .await
            .json()
            .await
            .unwrap();
        let codes = self.invite_codes(&admin, &class_id).await;
        let trainees = codes
            .into_iter()
            .zip(roster["items"].as_array().unwrap())
            .map(|((name, code), entry)| (name, code, entry["enrollment_id"].as_str().unwrap().to_owned()))
            .collect();
        CheckinFixture {
            class_id,
            session_id: session["id"].as_str().unwrap().to_owned(),
            admin_token: admin,
            trainees,
            phone_prefix,
        }
    }

    /// The session's current QR token, as the classroom screen shows it.
    pub async fn qr_token(&self, staff_token: &str, session_id: &str) -> String {
        let response = self.get(&format!("/api/v1/sessions/{session_id}/qr"), Some(staff_token)).await;
        assert_eq!(response.status(), 200, "qr");
        response.json::<Value>().await.unwrap()["token"].as_str().unwrap().to_owned()
    }

    pub async fn scan(&self, trainee_token: &str, qr: &str, nonce: &str, location: Option<Value>) -> reqwest::Response {
        let mut body = json!({"qr_token": qr, "nonce": nonce, "kind": "in"});
        if let Some(l) = location {
            body["location"] = l;
        }
        self.post_json("/api/v1/checkins", Some(trainee_token), &body).await
    }
}

/// Five random digits, so fixtures in one test never share a phone number.
fn rand_digits() -> u32 {
    (uuid::Uuid::new_v4().as_u128() % 100_000) as u32
}

/// A fresh nonce.
pub fn nonce() -> String {
    uuid::Uuid::new_v4().simple().to_string()
}

/// A Redis server of the test's own, so stopping it disturbs nobody else.
pub struct OwnRedis {
    child: std::process::Child,
    pub port: u16,
}

impl OwnRedis {
    pub fn start() -> Option<OwnRedis> {
        let port = std::net::TcpListener::bind("127.0.0.1:0").ok()?.local_addr().ok()?.port();
        Self::start_on(port)
    }

    fn start_on(port: u16) -> Option<OwnRedis> {
        let child = std::process::Command::new("redis-server")
            .args(["--port", &port.to_string(), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"])
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null())
            .spawn()
            .ok()?;
        for _ in 0..100 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Some(OwnRedis { child, port });
            }
            std::thread::sleep(std::time::Duration::from_millis(20));
        }
        None
    }

    pub fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// Starts Redis again on the same port (empty, as after a restart without persistence).
    pub fn restart(&mut self) {
        self.stop();
        let again = Self::start_on(self.port).expect("redis-server restarts on its port");
        *self = again;
    }
}

impl Drop for OwnRedis {
    fn drop(&mut self) {
        self.stop();
    }
}

/// Reads Server-Sent Events from a streaming response.
pub struct SseReader {
    stream: std::pin::Pin<Box<dyn futures_util::Stream<Item = reqwest::Result<bytes::Bytes>> + Send>>,
    buffer: String,
}

/// One event: its name, id and data.
#[derive(Debug, Clone)]
pub struct SseEvent {
    pub event: String,
    pub id: String,
    pub data: Value,
}

impl SseReader {
    pub fn new(response: reqwest::Response) -> Self {
        Self { stream: Box::pin(response.bytes_stream()), buffer: String::new() }
    }

    /// The next event within `within`, or `None` on timeout. Keep-alive comments are skipped.
    pub async fn next(&mut self, within: std::time::Duration) -> Option<SseEvent> {
        use futures_util::StreamExt;
        let deadline = tokio::time::Instant::now() + within;
        loop {
            if let Some(end) = self.buffer.find("\n\n") {
                let block: String = self.buffer.drain(..end + 2).collect();
                let (mut event, mut id, mut data) = (String::from("message"), String::new(), String::new());
                for line in block.lines() {
                    if let Some(v) = line.strip_prefix("event:") {
                        event = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("id:") {
                        id = v.trim().to_owned();
                    } else if let Some(v) = line.strip_prefix("data:") {
                        data.push_str(v.trim_start());
                    }
                }
                if data.is_empty() {
                    continue; // a keep-alive or comment
                }
                return Some(SseEvent { event, id, data: serde_json::from_str(&data).unwrap_or(Value::Null) });
            }
            let chunk = tokio::time::timeout_at(deadline, self.stream.next()).await.ok()??.ok()?;
            self.buffer.push_str(&String::from_utf8_lossy(&chunk).replace("\r\n", "\n"));
        }
    }
}
