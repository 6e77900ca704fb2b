//! Starting the app under test: the backend, a database of its own, settings, and requests as a client sends them.

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
    settings.jobs.evaluation_reminder_seconds = 0;
    settings.jobs.retention_scan_seconds = 0;
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

/// `TEST_LOG=1` (any value) sends the server's logs to the test output, filtered by `RUST_LOG` or `info`.
fn init_test_log() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        if std::env::var_os("TEST_LOG").is_some() {
            rollcall::telemetry::init(&rollcall::config::LogSettings {
                format: "human".to_owned(),
                filter: "info".to_owned(),
            });
        }
    });
}

pub async fn spawn_on(db: TestDb, settings: Settings) -> TestApp {
    init_test_log();
    let clock = Arc::new(TestClock::new(Utc.with_ymd_and_hms(2026, 11, 26, 0, 30, 0).single().expect("valid time")));
    let app = Application::build(settings, clock.clone()).await.expect("build application");
    let port = app.port();
    let state = app.state().clone();
    tokio::spawn(app.run_until_stopped());
    // The server closes an idle connection after 5 s (actix's keep-alive); a client that reuses one at that moment
    // gets `IncompleteMessage`. Dropping idle connections after 2 s keeps tests that wait (a browser run) clear of it.
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_idle_timeout(std::time::Duration::from_secs(2))
        .build()
        .expect("client");
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
    // code and message, and details only when the error is about one field (its name, a choice's values).
    assert!(object.keys().all(|k| ["code", "message", "details"].contains(&k.as_str())), "error body keys: {body}");
    if let Some(details) = object.get("details") {
        let d = details.as_object().expect("details is an object");
        assert!(d.keys().all(|k| k == "field" || k == "allowed") && !d.is_empty(), "details: {body}");
        assert!(d.get("field").is_none_or(Value::is_string), "details.field is a string: {body}");
        let strings = |a: &Value| a.as_array().is_some_and(|a| !a.is_empty() && a.iter().all(Value::is_string));
        assert!(d.get("allowed").is_none_or(strings), "details.allowed is a list of values: {body}");
    }
    let code = body["code"].as_str().expect("code is a string").to_owned();
    let message = body["message"].as_str().expect("message is a string").to_owned();
    assert!(message.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)), "message is Chinese: {message}");
    (status, code, message)
}
