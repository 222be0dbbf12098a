//! The binary's edge: the real clock, the operating system's randomness,
//! signals, and backups through external tools.

use anyhow::{Context, Result, bail};
use std::path::Path;
use tandem_app::App;
use tandem_core::clock::Clock;
use tandem_core::entropy::Entropy;
use time::OffsetDateTime;

/// The wall clock, read here and nowhere else.
pub struct SystemClock;

impl Clock for SystemClock {
    #[allow(clippy::disallowed_methods)]
    fn now(&self) -> OffsetDateTime {
        OffsetDateTime::now_utc()
    }
}

/// The operating system's cryptographic randomness.
pub struct OsEntropy;

impl Entropy for OsEntropy {
    #[allow(clippy::disallowed_methods)]
    fn fill(&self, buf: &mut [u8]) {
        if let Err(e) = getrandom::fill(buf) {
            // Without randomness no secret is safe to hand out; stop rather than go on.
            eprintln!("fatal: the operating system's random source failed: {e}");
            std::process::abort();
        }
    }
}

/// A database URL without its password, for messages.
pub fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let creds = &url[s + 3..at];
            match creds.split_once(':') {
                Some((user, _)) => format!("{}{user}:***{}", &url[..s + 3], &url[at..]),
                None => url.to_string(),
            }
        }
        _ => url.to_string(),
    }
}

pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    tokio::select! { () = ctrl_c => {}, () = term => {} }
    tracing::info!("shutting down");
}

/// SQLite: `VACUUM INTO`, one consistent snapshot, safe while serving.
/// PostgreSQL: `pg_dump --format=custom`, also one snapshot.
pub async fn backup(app: &App, url: &str, to: &Path) -> Result<()> {
    match app.store().backend() {
        tandem_app::Backend::Sqlite => app
            .store()
            .sqlite_backup(to)
            .await
            .context("SQLite backup failed"),
        tandem_app::Backend::Postgres => {
            let out = tokio::process::Command::new(pg_tool("pg_dump"))
                .arg("--format=custom")
                .arg("--file")
                .arg(to)
                .arg(url)
                .output()
                .await
                .context("cannot run pg_dump (install the PostgreSQL client tools, or set TANDEM_PG_BINDIR)")?;
            if !out.status.success() {
                bail!(
                    "pg_dump failed: {}",
                    String::from_utf8_lossy(&out.stderr).trim()
                );
            }
            Ok(())
        }
    }
}

/// A PostgreSQL client tool, from TANDEM_PG_BINDIR when set.
fn pg_tool(name: &str) -> std::path::PathBuf {
    match std::env::var("TANDEM_PG_BINDIR") {
        Ok(dir) if !dir.is_empty() => Path::new(&dir).join(name),
        _ => name.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_messages() {
        assert_eq!(
            redact("postgres://tandem:s3cret@db:5432/tandem"),
            "postgres://tandem:***@db:5432/tandem"
        );
        assert_eq!(
            redact("postgres://postgres@127.0.0.1:5/t"),
            "postgres://postgres@127.0.0.1:5/t"
        );
        assert_eq!(
            redact("sqlite://./tandem-data/tandem.db"),
            "sqlite://./tandem-data/tandem.db"
        );
    }
}
