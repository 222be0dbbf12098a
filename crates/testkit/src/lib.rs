//! Test support: a fresh database per test on either backend.
//!
//! SQLite databases are files in a temporary folder. PostgreSQL databases
//! are created in the server named by `TANDEM_TEST_DATABASE_URL`, or else in
//! a throwaway cluster this crate starts itself (initdb and pg_ctl in a
//! temporary folder, on a free port, as the `postgres` user when running as
//! root) and stops when the test process ends. Without PostgreSQL binaries
//! the tests fail with instructions; they never skip.
#![forbid(unsafe_code)]
#![allow(clippy::expect_used, clippy::panic, clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use tandem_store::Store;

pub use tandem_store::Backend;

/// A database for one test; its files go away when it is dropped.
pub struct TestDb {
    pub url: String,
    pub store: Store,
    pub backend: Backend,
    _dir: Option<TempDir>,
}

impl TestDb {
    /// A fresh, migrated database on `backend`.
    pub async fn new(backend: Backend) -> TestDb {
        match backend {
            Backend::Sqlite => Self::sqlite().await,
            Backend::Postgres => Self::postgres().await,
        }
    }

    pub async fn sqlite() -> TestDb {
        let dir = TempDir::new("tandem-test-sqlite");
        let url = format!("sqlite://{}/tandem.db", dir.0.display());
        let store = Store::connect(&url).await.expect("open sqlite");
        store.migrate().await.expect("migrate sqlite");
        TestDb {
            url,
            store,
            backend: Backend::Sqlite,
            _dir: Some(dir),
        }
    }

    pub async fn postgres() -> TestDb {
        let url = fresh_postgres_database();
        let store = Store::connect(&url)
            .await
            .expect("connect to the test PostgreSQL database");
        store.migrate().await.expect("migrate postgres");
        TestDb {
            url,
            store,
            backend: Backend::Postgres,
            _dir: None,
        }
    }
}

/// Generates a `sqlite` and a `postgres` test for each `name => async fn(TestDb)`.
#[macro_export]
macro_rules! both_backends {
    ($($name:ident => $test:ident;)*) => {
        $(
            mod $name {
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn sqlite() {
                    super::$test($crate::TestDb::sqlite().await).await
                }
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn postgres() {
                    super::$test($crate::TestDb::postgres().await).await
                }
            }
        )*
    };
}

/// A folder removed on drop.
pub struct TempDir(pub PathBuf);

static COUNTER: AtomicU64 = AtomicU64::new(0);

fn unique_suffix() -> String {
    use std::hash::{BuildHasher, RandomState};
    let r = RandomState::new().hash_one(COUNTER.fetch_add(1, Ordering::Relaxed));
    format!(
        "{}_{}_{:x}",
        std::process::id(),
        COUNTER.load(Ordering::Relaxed),
        r & 0xffff_ffff
    )
}

impl TempDir {
    pub fn new(prefix: &str) -> TempDir {
        let p = std::env::temp_dir().join(format!("{prefix}-{}", unique_suffix()));
        std::fs::create_dir_all(&p).expect("create temp dir");
        TempDir(p)
    }

    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The admin URL of the PostgreSQL server tests use, starting a throwaway
/// cluster on first use.
pub fn postgres_admin_url() -> String {
    static ADMIN: Mutex<Option<String>> = Mutex::new(None);
    let mut guard = ADMIN.lock().unwrap_or_else(|p| p.into_inner());
    if let Some(u) = guard.as_ref() {
        return u.clone();
    }
    let url = match std::env::var("TANDEM_TEST_DATABASE_URL") {
        Ok(u) if !u.trim().is_empty() => u,
        _ => start_cluster(),
    };
    *guard = Some(url.clone());
    url
}

/// Creates an empty database in the test server and returns its URL.
pub fn fresh_postgres_database() -> String {
    let admin = postgres_admin_url();
    let name = format!("tandem_t_{}", unique_suffix());
    let bindir = postgres_bindir();
    let psql = bindir
        .as_ref()
        .map(|b| b.join("psql"))
        .unwrap_or_else(|| PathBuf::from("psql"));
    let out = Command::new(&psql)
        .arg(&admin)
        .args([
            "-v",
            "ON_ERROR_STOP=1",
            "-q",
            "-c",
            &format!("CREATE DATABASE {name}"),
        ])
        .output()
        .unwrap_or_else(|e| panic!("cannot run {}: {e}", psql.display()));
    assert!(
        out.status.success(),
        "CREATE DATABASE failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    replace_database(&admin, &name)
}

fn replace_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let path_start = base[scheme_end..].find('/').map(|i| i + scheme_end);
    let host_part = match path_start {
        Some(i) => &base[..i],
        None => base,
    };
    match query {
        Some(q) => format!("{host_part}/{db}?{q}"),
        None => format!("{host_part}/{db}"),
    }
}

/// Where PostgreSQL's server binaries are: `TANDEM_PG_BINDIR`, then the
/// newest under /usr/lib/postgresql, then `pg_config --bindir`.
pub fn postgres_bindir() -> Option<PathBuf> {
    if let Ok(d) = std::env::var("TANDEM_PG_BINDIR") {
        return Some(PathBuf::from(d));
    }
    if let Ok(entries) = std::fs::read_dir("/usr/lib/postgresql") {
        let mut versions: Vec<(u32, PathBuf)> = entries
            .flatten()
            .filter_map(|e| {
                let v: u32 = e.file_name().to_string_lossy().parse().ok()?;
                let bin = e.path().join("bin");
                bin.join("initdb").exists().then_some((v, bin))
            })
            .collect();
        versions.sort();
        if let Some((_, b)) = versions.pop() {
            return Some(b);
        }
    }
    let out = Command::new("pg_config").arg("--bindir").output().ok()?;
    let p = PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
    p.join("initdb").exists().then_some(p)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("free port")
}

/// Starts a throwaway cluster and a reaper that stops it when this process exits.
fn start_cluster() -> String {
    let bindir = postgres_bindir().unwrap_or_else(|| {
        panic!(
            "PostgreSQL server binaries not found. The storage tests run on SQLite AND PostgreSQL and never skip.\n\
             Install them (Debian/Ubuntu: `apt-get install postgresql`), or set TANDEM_PG_BINDIR to the folder \
             holding initdb and pg_ctl, or set TANDEM_TEST_DATABASE_URL to a server the tests may create databases in."
        )
    });
    let dir = std::env::temp_dir().join(format!("tandem-test-pg-{}", unique_suffix()));
    std::fs::create_dir_all(&dir).expect("pg temp dir");
    let root = is_root();
    let run_as = |args: &[&str]| {
        let mut c = if root {
            let mut c = Command::new("runuser");
            c.args(["-u", "postgres", "--"]);
            c.args(args);
            c
        } else {
            let mut c = Command::new(args[0]);
            c.args(&args[1..]);
            c
        };
        c.output()
    };
    if root {
        let _ = Command::new("chown")
            .args(["postgres:postgres", &dir.to_string_lossy()])
            .status();
    }
    let data = dir.join("data");
    let initdb = bindir.join("initdb");
    let out = run_as(&[
        &initdb.to_string_lossy(),
        "-D",
        &data.to_string_lossy(),
        "-A",
        "trust",
        "-U",
        "postgres",
        "-E",
        "UTF8",
        "--no-sync",
    ])
    .expect("run initdb");
    assert!(
        out.status.success(),
        "initdb failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let port = free_port();
    let pg_ctl = bindir.join("pg_ctl");
    let opts = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=300",
        dir.display()
    );
    let out = run_as(&[
        &pg_ctl.to_string_lossy(),
        "-D",
        &data.to_string_lossy(),
        "-l",
        &dir.join("log").to_string_lossy(),
        "-w",
        "-o",
        &opts,
        "start",
    ])
    .expect("run pg_ctl");
    assert!(
        out.status.success(),
        "pg_ctl start failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    // Stop the cluster when this test process is gone, however it ends.
    let stop = format!(
        "{}{} -D {} -m immediate stop >/dev/null 2>&1; rm -rf {}",
        if root { "runuser -u postgres -- " } else { "" },
        pg_ctl.display(),
        data.display(),
        dir.display()
    );
    let script = format!(
        "while kill -0 {} 2>/dev/null; do sleep 1; done; {stop}",
        std::process::id()
    );
    let _ = Command::new("setsid")
        .args(["sh", "-c", &script])
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
    format!("postgres://postgres@127.0.0.1:{port}/postgres")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn database_name_replaces_the_path() {
        assert_eq!(
            replace_database("postgres://u@h:5/postgres", "x"),
            "postgres://u@h:5/x"
        );
        assert_eq!(
            replace_database("postgres://u@h:5/postgres?sslmode=disable", "x"),
            "postgres://u@h:5/x?sslmode=disable"
        );
        assert_eq!(
            replace_database("postgres://u@h:5", "x"),
            "postgres://u@h:5/x"
        );
    }
}
