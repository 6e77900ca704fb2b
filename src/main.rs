use std::io::BufRead;
use std::sync::Arc;

use anyhow::Context;
use clap::{Parser, Subcommand};
use rollcall::audit::Actor;
use rollcall::auth::service::{self, NewStaff};
use rollcall::auth::{DisplayName, Password, Role, Username};
use rollcall::clock::{Clock, SystemClock};
use rollcall::config::Settings;
use rollcall::startup::{self, Application};
use rollcall::{demo, http, telemetry};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[derive(Parser)]
#[command(name = "rollcall", version, about = "Attendance for cadre training bases")]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run the server (the default).
    Serve,
    /// Run the server on the embedded database with demo accounts and data.
    Demo,
    /// Apply pending database migrations and exit.
    Migrate,
    /// Create an administrator on a real deployment. The password is read from ROLLCALL_ADMIN_PASSWORD or stdin.
    CreateAdmin {
        #[arg(long)]
        username: String,
        #[arg(long, default_value = "管理员")]
        display_name: String,
    },
    /// Print the OpenAPI document (the content of api-docs/openapi.json).
    Openapi,
}

#[actix_web::main]
async fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    let command = cli.command.unwrap_or(Command::Serve);
    if let Command::Openapi = command {
        print!("{}", http::openapi::document_json()?);
        return Ok(());
    }
    let settings = Settings::load()?;
    telemetry::init(&settings.log);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    match command {
        Command::Serve => {
            let app = Application::build(settings, clock).await?;
            announce(&app, None);
            app.run_until_stopped().await?;
        }
        Command::Demo => {
            let state = startup::build_state(settings, clock.clone()).await?;
            let demo = demo::seed(&state, clock.now()).await?;
            let app = Application::with_state(state)?;
            announce(&app, Some(&demo));
            app.run_until_stopped().await?;
        }
        Command::Migrate => {
            startup::connect_database(&settings).await?;
            tracing::info!("migrations applied");
        }
        Command::CreateAdmin { username, display_name } => {
            let password = match std::env::var("ROLLCALL_ADMIN_PASSWORD") {
                Ok(p) => p,
                Err(_) => {
                    eprintln!("password for {username}:");
                    let mut line = String::new();
                    std::io::stdin().lock().read_line(&mut line).context("cannot read the password")?;
                    line.trim_end_matches(['\r', '\n']).to_owned()
                }
            };
            let db = startup::connect_database(&settings).await?;
            let new = NewStaff {
                username: Username::parse(&username).map_err(|e| anyhow::anyhow!("{e}"))?,
                display_name: DisplayName::parse(&display_name).map_err(|e| anyhow::anyhow!("{e}"))?,
                password: Password::parse(&password).map_err(|e| anyhow::anyhow!("{e}"))?,
                role: Role::Admin,
            };
            let created = service::create_staff(&db, &Actor::system("cli"), new, clock.now())
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?;
            println!("created admin {} ({})", created.username, created.id);
        }
        Command::Openapi => {}
    }
    Ok(())
}

fn announce(app: &Application, demo: Option<&demo::Demo>) {
    let base = app.state().settings.public_base_url(app.port());
    println!();
    println!("rollcall is listening on {base}");
    println!("  health:      {base}/api/v1/health");
    println!("  API docs:    {base}/api-docs/");
    println!("  console:     {base}/console/  (sign in as demo-admin or demo-staff)");
    if let Some(demo) = demo {
        println!("  demo admin:  {} / {}", demo::ADMIN.0, demo::ADMIN.1);
        println!("  demo staff:  {} / {}", demo::STAFF.0, demo::STAFF.1);
        let until = SystemClock.now() + chrono::Duration::hours(24);
        match rollcall::print_link::invite_sheet_url(
            &app.state().master_secret,
            &app.state().base_url(),
            demo.class_id,
            until,
        ) {
            Ok(url) => println!("  invite sheet of the demo class (30 trainees): {url}"),
            Err(err) => eprintln!("cannot sign the invite sheet link: {err:?}"),
        }
        if let Some(url) = &demo.screen_url {
            println!("  classroom big screen: {url}");
        }
        if let Some(session_id) = demo.session_id {
            println!("  staff monitor (log in as demo-staff): {base}/staff/sessions/{session_id}");
        }
        println!("  a trainee's own page (after binding an invite code): {base}/h5/me");
        if let Some(url) = &demo.verify_url {
            println!("  a certificate of the finished demo class {}: {url}", demo::FINISHED_CODE);
        }
    }
    println!();
}
