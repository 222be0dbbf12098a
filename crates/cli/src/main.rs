//! `tandem`: the one binary. Parses the command line, wires the system
//! clock and randomness into the app, and runs a command. Nothing else.
#![forbid(unsafe_code)]

mod clinic_settings;
mod demo;
mod demo_care;
mod score;
mod seed;
mod system;

use anyhow::{Context, Result, bail};
use clap::{Args, Parser, Subcommand};
use std::io::Read;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::Arc;
use tandem_app::{App, NewAccount, Operator};
use tandem_core::role::Role;

const DEFAULT_DATABASE: &str = "sqlite://./tandem-data/tandem.db";

#[derive(Parser)]
#[command(
    name = "tandem",
    version,
    about = "Tandem: therapy and medication, one plan. A self-hosted system for behavioural-health clinics."
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct Db {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST:PORT/DB.
    #[arg(long = "database", env = "TANDEM_DATABASE_URL", default_value = DEFAULT_DATABASE, global = true)]
    url: String,
}

#[derive(Subcommand)]
enum Command {
    /// Run the web UI and the FHIR API.
    Serve {
        #[command(flatten)]
        db: Db,
        /// Address to listen on.
        #[arg(long, env = "TANDEM_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Mark session cookies Secure (set this when TLS ends in front of Tandem).
        #[arg(long, env = "TANDEM_SECURE_COOKIES")]
        secure_cookies: bool,
    },
    /// Create a fresh demo clinic (staff in every role, 60 patients, months of scores and the flags they raise) and serve it.
    Demo {
        /// Database for the demo clinic; it is wiped and re-created.
        #[arg(
            long = "database",
            env = "TANDEM_DEMO_DATABASE_URL",
            default_value = "sqlite://./tandem-data/demo.db"
        )]
        url: String,
        #[arg(long, env = "TANDEM_BIND", default_value = "127.0.0.1:8080")]
        bind: SocketAddr,
        /// Only create the demo database; do not serve it.
        #[arg(long)]
        no_serve: bool,
    },
    /// Fill an empty database with synthetic patients, each with a year of weekly PHQ-9 and GAD-7 scores.
    Seed {
        #[command(flatten)]
        db: Db,
        /// How many patients.
        #[arg(long)]
        patients: u64,
        /// Weeks of history per patient (one PHQ-9 and one GAD-7 a week).
        #[arg(long, default_value_t = 52)]
        weeks: i64,
        /// Patients per transaction.
        #[arg(long, default_value_t = 250)]
        batch: usize,
        /// Seed of the generator: the same seed gives the same scores.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Apply database migrations (they also run on every start).
    Migrate {
        #[command(flatten)]
        db: Db,
    },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage API bearer tokens.
    Token {
        #[command(subcommand)]
        command: TokenCommand,
    },
    /// Check the audit log.
    Audit {
        #[command(subcommand)]
        command: AuditCommand,
    },
    /// Score a CSV of responses (one row each, item columns named by linkId) to stdout; no database.
    Score {
        /// Instrument id, e.g. phq9, gad7, phq2.
        #[arg(long)]
        instrument: String,
        /// The responses; `-` reads standard input.
        #[arg(long)]
        csv: PathBuf,
        /// A band model other than the instrument's default.
        #[arg(long)]
        band_model: Option<String>,
    },
    /// Write a consistent backup while the server runs (SQLite copy or pg_dump archive).
    Backup {
        #[command(flatten)]
        db: Db,
        /// The backup file to write (must not exist).
        #[arg(long)]
        to: PathBuf,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a staff account; the password is read from standard input.
    Add {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        username: String,
        /// admin, front_desk, therapist, prescriber, nurse, care_manager or auditor.
        #[arg(long)]
        role: Role,
        /// Read the password from standard input (the only way: never on the command line).
        #[arg(long, required = true)]
        password_stdin: bool,
        #[arg(long)]
        display_name: Option<String>,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Issue a bearer token for an account; prints the token and nothing else.
    Issue {
        #[command(flatten)]
        db: Db,
        #[arg(long)]
        username: String,
        /// Days until the token expires (default 90).
        #[arg(long)]
        expires_days: Option<i64>,
    },
    /// Revoke a token, given the token itself or its id.
    Revoke {
        #[command(flatten)]
        db: Db,
        /// The token, or the id printed when it was issued.
        token: String,
    },
}

#[derive(Subcommand)]
enum AuditCommand {
    /// Verify the hash chain; exits non-zero naming the first bad entry.
    Verify {
        #[command(flatten)]
        db: Db,
    },
}

fn operator() -> Operator {
    Operator {
        name: std::env::var("USER")
            .or_else(|_| std::env::var("LOGNAME"))
            .unwrap_or_else(|_| "unknown".into()),
    }
}

async fn open(url: &str) -> Result<App> {
    App::open(
        url,
        Arc::new(system::SystemClock),
        Arc::new(system::OsEntropy),
        clinic_settings::from_env()?,
    )
    .await
    .with_context(|| format!("cannot open the database at {}", system::redact(url)))
}

fn init_logging(default: &str) {
    let filter = tracing_subscriber::EnvFilter::try_from_env("TANDEM_LOG")
        .or_else(|_| tracing_subscriber::EnvFilter::try_from_env("RUST_LOG"))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_target(false)
        .init();
}

/// Errors end the program with their message and causes, never a backtrace.
#[tokio::main]
async fn main() -> std::process::ExitCode {
    match run(Cli::parse()).await {
        Ok(()) => std::process::ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            std::process::ExitCode::FAILURE
        }
    }
}

async fn run(cli: Cli) -> Result<()> {
    match cli.command {
        Command::Serve {
            db,
            bind,
            secure_cookies,
        } => {
            init_logging("info");
            let app = open(&db.url).await?;
            serve(app, bind, secure_cookies, None).await
        }
        Command::Demo {
            url,
            bind,
            no_serve,
        } => {
            init_logging("info");
            let app = demo::create(&url).await?;
            if no_serve {
                return Ok(());
            }
            serve(app, bind, false, Some(demo::banner(bind))).await
        }
        Command::Seed {
            db,
            patients,
            weeks,
            batch,
            seed,
        } => {
            // sqlx would print every slow multi-row insert whole.
            init_logging("warn,sqlx::query=error");
            let app = open(&db.url).await?;
            let options = seed::Options {
                patients,
                weeks,
                batch: batch.max(1),
                seed,
            };
            seed::run(&app, &operator(), &options).await?;
            app.store().close().await;
            Ok(())
        }
        Command::Migrate { db } => {
            init_logging("warn");
            open(&db.url).await?;
            eprintln!("Database is up to date.");
            Ok(())
        }
        Command::User {
            command:
                UserCommand::Add {
                    db,
                    username,
                    role,
                    password_stdin: _,
                    display_name,
                },
        } => {
            init_logging("warn");
            let mut password = String::new();
            std::io::stdin()
                .read_to_string(&mut password)
                .context("cannot read the password from standard input")?;
            let password = password.trim_end_matches(['\n', '\r']).to_string();
            let app = open(&db.url).await?;
            let account = NewAccount {
                username,
                display_name,
                role,
                password,
            };
            match app.add_user_as_operator(&operator(), account).await {
                Ok(u) => {
                    eprintln!("Added {} ({}).", u.username, u.role.label());
                    Ok(())
                }
                Err(tandem_app::AppError::Invalid(e)) => bail!("{e}"),
                Err(e) => Err(e.into()),
            }
        }
        Command::Token {
            command:
                TokenCommand::Issue {
                    db,
                    username,
                    expires_days,
                },
        } => {
            init_logging("warn");
            let app = open(&db.url).await?;
            let t = app
                .issue_token(&operator(), &username, expires_days)
                .await
                .map_err(|e| match e {
                    tandem_app::AppError::NotFound(_) => {
                        anyhow::anyhow!("no user named {username:?}")
                    }
                    e => cli_error(e),
                })?;
            println!("{}", t.secret.expose());
            eprintln!(
                "Token {} for {username}, valid until {}.",
                t.id,
                t.expires_at.date()
            );
            Ok(())
        }
        Command::Token {
            command: TokenCommand::Revoke { db, token },
        } => {
            init_logging("warn");
            let app = open(&db.url).await?;
            let id = app
                .revoke_token(&operator(), &token)
                .await
                .map_err(cli_error)?;
            eprintln!("Revoked token {id}.");
            Ok(())
        }
        Command::Audit {
            command: AuditCommand::Verify { db },
        } => {
            init_logging("warn");
            let app = open(&db.url).await?;
            let report = app.verify_audit(&operator()).await?;
            match report.broken {
                None => {
                    println!("Audit log intact: {} entries verified.", report.entries);
                    Ok(())
                }
                Some(b) => {
                    println!(
                        "AUDIT LOG BROKEN: {b}. {} {} before it verified.",
                        report.entries,
                        if report.entries == 1 {
                            "entry"
                        } else {
                            "entries"
                        }
                    );
                    std::process::exit(2);
                }
            }
        }
        Command::Score {
            instrument,
            csv,
            band_model,
        } => {
            init_logging("warn");
            let lib = score::library()?;
            let Some(inst) = lib.get(&instrument) else {
                let ids: Vec<&str> = lib.all().map(|i| i.id.as_str()).collect();
                bail!(
                    "unknown instrument {instrument:?} (known: {})",
                    ids.join(", ")
                );
            };
            let input: Box<dyn Read> = if csv.as_os_str() == "-" {
                Box::new(std::io::stdin())
            } else {
                Box::new(
                    std::fs::File::open(&csv)
                        .with_context(|| format!("cannot open {}", csv.display()))?,
                )
            };
            let failed = score::run(inst, band_model.as_deref(), input, std::io::stdout().lock())?;
            if failed > 0 {
                eprintln!("{failed} row(s) could not be scored; see the error column.");
                std::process::exit(1);
            }
            Ok(())
        }
        Command::Backup { db, to } => {
            init_logging("warn");
            if to.exists() {
                bail!("{} already exists; choose a new file", to.display());
            }
            let app = open(&db.url).await?;
            system::backup(&app, &db.url, &to).await?;
            eprintln!("Backup written to {}.", to.display());
            Ok(())
        }
    }
}

fn cli_error(e: tandem_app::AppError) -> anyhow::Error {
    match e {
        tandem_app::AppError::NotFound(what) => anyhow::anyhow!("no such {what}"),
        e => e.into(),
    }
}

async fn serve(
    app: App,
    bind: SocketAddr,
    secure_cookies: bool,
    banner: Option<String>,
) -> Result<()> {
    let config = tandem_web::WebConfig {
        secure_cookies,
        version: env!("CARGO_PKG_VERSION").to_string(),
    };
    let listener = tokio::net::TcpListener::bind(bind)
        .await
        .with_context(|| format!("cannot listen on {bind}"))?;
    let addr = listener.local_addr()?;
    match banner {
        Some(b) => println!("{b}"),
        None => println!("Tandem is listening on http://{addr}"),
    }
    tracing::info!(%addr, backend = app.store().backend().as_str(), "serving");
    tandem_web::serve(listener, app.clone(), config, system::shutdown_signal()).await?;
    app.store().close().await;
    Ok(())
}
