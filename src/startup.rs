//! Builds the application: database (with migrations), Redis or its twins, and the HTTP server.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::Duration;

use actix_web::dev::{Server, Service};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::middleware::from_fn;
use actix_web::{App, HttpMessage, HttpResponse, HttpServer, web};
use anyhow::Context;
use futures_util::FutureExt;
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_actix_web::AppExt;
use utoipa_swagger_ui::SwaggerUi;

use crate::aftermath::Aftermath;
use crate::auth::wechat::WechatClient;
use crate::checkin::AttemptLog;
use crate::clock::Clock;
use crate::config::{DatabaseKind, Settings};
use crate::ctx::Ctx;
use crate::http::{self, RouteTable, openapi};
use crate::kv::Infra;
use crate::notify::wechat::WechatSender;
use crate::state::AppState;

pub struct Application {
    port: u16,
    server: Server,
    state: AppState,
}

impl Application {
    /// Connects everything, runs migrations and binds the port (0 picks a free one).
    pub async fn build(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<Self> {
        let state = build_state(settings, clock).await?;
        Self::with_state(state)
    }

    pub fn with_state(state: AppState) -> anyhow::Result<Self> {
        let settings = &state.settings;
        let listener = TcpListener::bind((settings.server.host.as_str(), settings.server.port))
            .with_context(|| format!("cannot bind {}:{}", settings.server.host, settings.server.port))?;
        let port = listener.local_addr()?.port();
        let mut state = state;
        if state.settings.server.port == 0 {
            // Links must carry the port actually bound.
            let mut settings = (*state.settings).clone();
            settings.server.port = port;
            state.ctx.settings = Arc::new(settings);
        }
        let server = run(listener, state.clone())?;
        Ok(Self { port, server, state })
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn state(&self) -> &AppState {
        &self.state
    }

    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.server.await
    }
}

/// Opens the database and runs pending migrations.
pub async fn connect_database(settings: &Settings) -> anyhow::Result<DatabaseConnection> {
    if settings.database_kind() == DatabaseKind::Sqlite {
        std::fs::create_dir_all(&settings.data_dir)
            .with_context(|| format!("cannot create data dir {}", settings.data_dir.display()))?;
    }
    let mut options = ConnectOptions::new(settings.database.url.clone());
    options
        .max_connections(settings.database.max_connections)
        .connect_timeout(Duration::from_secs(5))
        .acquire_timeout(Duration::from_secs(5))
        // sqlx pings a connection on every acquire by default: a round trip before each statement. Ping only one
        // that sat idle long enough for a proxy or the server to have dropped it (sqlx still pings on release).
        .test_before_acquire_if_idle_for(Duration::from_secs(30))
        .sqlx_logging(false);
    let db = Database::connect(options).await.context("cannot connect to the database")?;
    if settings.database_kind() == DatabaseKind::Sqlite {
        // WAL lets readers proceed while a check-in is written; the setting persists in the file.
        db.execute_unprepared("PRAGMA journal_mode=WAL;").await?;
    }
    Migrator::up(&db, None).await.context("database migration failed")?;
    Ok(db)
}

pub async fn build_state(settings: Settings, clock: Arc<dyn Clock>) -> anyhow::Result<AppState> {
    let master_secret = settings.master_secret()?;
    let proxies = settings.trusted_proxies()?.map(Arc::new);
    let mut db = connect_database(&settings).await?;
    let queries = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = queries.clone();
    db.set_metric_callback(move |_| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
    });
    let infra = Infra::connect(&settings.redis, clock.clone()).await?;
    let wechat = WechatClient::new(&settings.wechat)?;
    let attempts = AttemptLog::start(db.clone());
    let checkin_writer = crate::checkin::CheckinWriter::start(db.clone(), &settings.checkin);
    crate::stage_timing::enable(Duration::from_millis(settings.checkin.stage_timing_ms));
    let token_lookups = (settings.checkin.write_mode == crate::config::WriteMode::Group)
        .then(|| crate::auth::service::token_lookups(db.clone(), settings.checkin.max_batch));
    let settings = Arc::new(settings);
    let wiring: (Arc<dyn crate::ctx::AfterCommit>, Arc<dyn crate::ctx::RecordGuard>) =
        (Arc::new(Aftermath), Arc::new(crate::aftermath::CertificateGuard));
    let ctx = Ctx::new(db.clone(), infra.clone(), clock.clone(), settings.clone(), master_secret, wiring);
    crate::aftermath::listen_for_stale_entries(ctx.caches.clone(), infra.events.as_ref());
    if settings.jobs.absent_scan_seconds > 0 {
        crate::attendance::close::spawn(ctx.clone(), Duration::from_secs(settings.jobs.absent_scan_seconds));
    }
    if settings.jobs.outbox_poll_ms > 0 {
        crate::notify::outbox::spawn(
            db.clone(),
            WechatSender::new(&settings.wechat, infra.kv.clone())?,
            clock.clone(),
            Duration::from_millis(settings.jobs.outbox_poll_ms),
        );
    }
    if settings.jobs.evaluation_reminder_seconds > 0 {
        crate::evaluation::reminders::spawn(
            ctx.clone(),
            Duration::from_secs(settings.jobs.evaluation_reminder_seconds),
            chrono::Duration::hours(i64::from(settings.jobs.evaluation_remind_before_hours)),
        );
    }
    if settings.jobs.retention_scan_seconds > 0 {
        crate::privacy::retention::spawn(ctx.clone(), Duration::from_secs(settings.jobs.retention_scan_seconds));
    }
    // A quarter of the pool at most for live snapshots: the rest stays for check-ins.
    let live_snapshots =
        Arc::new(crate::live::snapshots::Snapshots::new(settings.database.max_connections as usize / 4));
    Ok(AppState {
        ctx,
        wechat,
        attempts,
        checkin_writer,
        token_lookups,
        live_recent: Arc::default(),
        live_snapshots,
        proxies,
        queries,
    })
}

fn run(listener: TcpListener, state: AppState) -> anyhow::Result<Server> {
    let doc = openapi::document();
    let routes = RouteTable::from_doc(&doc);
    let max_json = state.settings.server.max_json_bytes;
    let workers = state.settings.server.workers;
    let deadlines = http::deadline::Deadlines {
        checkin: Duration::from_millis(state.settings.server.checkin_timeout_ms),
        other: Duration::from_millis(state.settings.server.request_timeout_ms),
    };
    let data = web::Data::new(state);
    let mut server = HttpServer::new(move || {
        let (app, _) = App::new()
            .into_utoipa_app()
            .openapi(openapi::ApiDoc::openapi_base())
            .service(utoipa_actix_web::scope("/api/v1").configure(http::routes::configure))
            .split_for_parts();
        app.app_data(data.clone())
            .app_data(web::Data::new(routes.clone()))
            .app_data(web::JsonConfig::default().limit(max_json).error_handler(http::error::json_error))
            .app_data(web::QueryConfig::default().error_handler(http::error::query_error))
            .app_data(web::PathConfig::default().error_handler(http::error::path_error))
            .service(SwaggerUi::new("/api-docs/{_:.*}").url("/api-docs/openapi.json", doc.clone()))
            .route("/api-docs", web::get().to(|| async { redirect("/api-docs/") }))
            .configure(crate::web::configure)
            .default_service(web::to(http::fallback))
            .wrap(from_fn(http::reject_undocumented_methods))
            .wrap(from_fn(move |req, next| http::input::refuse_nul(max_json, req, next)))
            .wrap(from_fn(move |req, next| http::deadline::enforce(deadlines, req, next)))
            .wrap(from_fn(http::headers::security_headers))
            .wrap_fn(|req, srv| {
                let request_id = req.extensions().get::<RequestId>().copied();
                srv.call(req).map(move |res| {
                    res.map(|mut res| {
                        if let Some(id) = request_id
                            && let Ok(value) = HeaderValue::from_str(&id.to_string())
                        {
                            res.headers_mut().insert(HeaderName::from_static("x-request-id"), value);
                        }
                        res
                    })
                })
            })
            .wrap(TracingLogger::<http::request_span::RequestSpan>::new())
    })
    // Small write buffers: a live board's connection holds a piece of a snapshot at a time (`http::sse`), and a
    // thousand boards must not each keep a buffer sized for the largest event they were sent.
    .h1_write_buffer_size(http::sse::PIECE)
    // A response leaves when written (a streamed one in several writes): Nagle's algorithm would hold a piece back
    // until the phone's ACK of the one before.
    .tcp_nodelay(true)
    .listen(listener)?
    .shutdown_timeout(10);
    if workers > 0 {
        server = server.workers(workers);
    }
    Ok(server.run())
}

fn redirect(to: &'static str) -> HttpResponse {
    HttpResponse::Found().insert_header(("Location", to)).finish()
}
