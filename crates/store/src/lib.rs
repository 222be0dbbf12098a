//! Storage: the only crate that holds SQL.
//!
//! One [`Store`] over two backends, SQLite (the embedded default) and
//! PostgreSQL. Most statements are the same text on both (sqlx accepts `$N`
//! placeholders for SQLite too); where the dialects differ, the difference is
//! written out in the module that needs it. Every use case in `app` runs in
//! one [`Tx`], so a change and its audit entry commit together or not at all.
//!
//! Durability: SQLite runs in WAL mode with `synchronous=FULL`, so a commit
//! is on disk (fsync of the WAL) before it is acknowledged; PostgreSQL keeps
//! its default `synchronous_commit=on`.
#![forbid(unsafe_code)]

pub mod assessments;
pub mod audit;
pub mod bulk;
pub mod care_plans;
pub mod care_team;
pub mod conditions;
pub mod education;
pub mod episodes;
pub mod flags;
pub mod grants;
pub mod measures;
pub mod medications;
pub mod monitoring;
pub mod org;
pub mod otp;
pub mod patients;
pub mod registry;
pub mod sessions;
pub mod tokens;
pub mod users;

use sqlx::pool::PoolOptions;
use sqlx::postgres::PgConnectOptions;
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
use sqlx::{Postgres, Sqlite};
use std::path::PathBuf;
use std::str::FromStr;
use std::time::Duration;

/// Everything that can go wrong below the use cases.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("unsupported database URL (expected sqlite://PATH or postgres://…): {0}")]
    UnsupportedUrl(String),
    #[error("cannot create the database folder {path}: {source}")]
    Folder {
        path: String,
        source: std::io::Error,
    },
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    #[error("a record with the same {0} already exists")]
    Duplicate(&'static str),
    #[error("stored data could not be read: {0}")]
    Corrupt(String),
}

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

/// Which database a [`Store`] talks to.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn as_str(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A connection pool on one of the two backends.
#[derive(Clone, Debug)]
pub enum Store {
    /// SQLite allows one writer at a time. Every transaction here may write
    /// (reads of patient data write their audit entry), so all of them go
    /// through a one-connection pool and start with `BEGIN IMMEDIATE`:
    /// writers queue in-process instead of failing with "database is
    /// locked". `reader` serves read-only work such as audit verification.
    Sqlite {
        writer: sqlx::SqlitePool,
        reader: sqlx::SqlitePool,
        path: PathBuf,
    },
    Postgres(sqlx::PgPool),
}

/// One open transaction. Dropping it without [`Tx::commit`] rolls back.
pub enum Tx {
    Sqlite(sqlx::Transaction<'static, Sqlite>),
    Postgres(sqlx::Transaction<'static, Postgres>),
}

/// Runs the same statement code on whichever connection a [`Tx`] holds: the
/// body is compiled once per backend.
macro_rules! on_tx {
    ($tx:expr, $c:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $c = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $c = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

/// A value bound to a statement built at run time.
pub(crate) enum Bind {
    Uuid(uuid::Uuid),
    Text(String),
    Date(time::Date),
    Int(i64),
}

/// Binds every value of a list, in order.
macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Uuid(v) => q.bind(*v),
                Bind::Text(v) => q.bind(v.clone()),
                Bind::Date(v) => q.bind(*v),
                Bind::Int(v) => q.bind(*v),
            };
        }
        q
    }};
}
pub(crate) use bind_all;

/// Maps a unique-constraint violation to [`StoreError::Duplicate`].
pub(crate) fn unique(what: &'static str) -> impl FnOnce(sqlx::Error) -> StoreError {
    move |e| match &e {
        sqlx::Error::Database(db) if db.is_unique_violation() => StoreError::Duplicate(what),
        _ => StoreError::Database(e),
    }
}

/// Where a `sqlite://` URL points.
fn sqlite_path(url: &str) -> Option<PathBuf> {
    let rest = url
        .strip_prefix("sqlite://")
        .or_else(|| url.strip_prefix("sqlite:"))?;
    let path = rest.split('?').next().unwrap_or(rest);
    (!path.is_empty() && path != ":memory:").then(|| PathBuf::from(path))
}

impl Store {
    /// Opens a pool. For SQLite the file and its folders are created.
    pub async fn connect(url: &str) -> Result<Store> {
        if url.starts_with("sqlite:") {
            let path =
                sqlite_path(url).ok_or_else(|| StoreError::UnsupportedUrl(url.to_string()))?;
            if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                std::fs::create_dir_all(parent).map_err(|source| StoreError::Folder {
                    path: parent.display().to_string(),
                    source,
                })?;
            }
            let opts = SqliteConnectOptions::new()
                .filename(&path)
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30))
                .pragma("temp_store", "memory");
            let writer = PoolOptions::<Sqlite>::new()
                .max_connections(1)
                .acquire_timeout(Duration::from_secs(60))
                .connect_with(opts.clone())
                .await?;
            let reader = PoolOptions::<Sqlite>::new()
                .max_connections(4)
                .connect_with(opts.read_only(true))
                .await?;
            Ok(Store::Sqlite {
                writer,
                reader,
                path,
            })
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let opts = PgConnectOptions::from_str(url)?;
            let pool = PoolOptions::<Postgres>::new()
                .max_connections(16)
                .acquire_timeout(Duration::from_secs(30))
                .connect_with(opts)
                .await?;
            Ok(Store::Postgres(pool))
        } else {
            Err(StoreError::UnsupportedUrl(url.to_string()))
        }
    }

    pub fn backend(&self) -> Backend {
        match self {
            Store::Sqlite { .. } => Backend::Sqlite,
            Store::Postgres(_) => Backend::Postgres,
        }
    }

    /// Applies every pending migration of this backend's tree.
    pub async fn migrate(&self) -> Result<()> {
        match self {
            Store::Sqlite { writer, .. } => sqlx::migrate!("migrations/sqlite").run(writer).await?,
            Store::Postgres(pool) => sqlx::migrate!("migrations/postgres").run(pool).await?,
        }
        Ok(())
    }

    /// Starts a transaction that may write.
    pub async fn begin(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite { writer, .. } => Tx::Sqlite(writer.begin_with("BEGIN IMMEDIATE").await?),
            Store::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Starts a read-only transaction: one consistent snapshot.
    pub async fn begin_read(&self) -> Result<Tx> {
        Ok(match self {
            Store::Sqlite { reader, .. } => Tx::Sqlite(reader.begin().await?),
            Store::Postgres(pool) => Tx::Postgres(
                pool.begin_with("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                    .await?,
            ),
        })
    }

    /// Connections in use and idle, for `/metrics`.
    pub fn pool_stats(&self) -> PoolStats {
        match self {
            Store::Sqlite { writer, reader, .. } => PoolStats {
                size: writer.size() + reader.size(),
                idle: (writer.num_idle() + reader.num_idle()) as u32,
            },
            Store::Postgres(pool) => PoolStats {
                size: pool.size(),
                idle: pool.num_idle() as u32,
            },
        }
    }

    /// Path of the SQLite file, if this is SQLite.
    pub fn sqlite_file(&self) -> Option<&std::path::Path> {
        match self {
            Store::Sqlite { path, .. } => Some(path),
            Store::Postgres(_) => None,
        }
    }

    /// Writes a consistent copy of a SQLite database to `to` while it is in
    /// use (`VACUUM INTO` reads one snapshot). PostgreSQL is backed up with
    /// `pg_dump` by the caller.
    pub async fn sqlite_backup(&self, to: &std::path::Path) -> Result<()> {
        if let Store::Sqlite { reader, .. } = self {
            let target = to.to_string_lossy().to_string();
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(reader)
                .await?;
        }
        Ok(())
    }

    /// Refreshes the planner's statistics after a bulk load, before the
    /// first queries: `ANALYZE` on PostgreSQL (as autovacuum would within a
    /// minute or so); `ANALYZE` on SQLite too (about 10 s for a
    /// 100,000-patient, 8 GB file).
    pub async fn analyze(&self) -> Result<()> {
        match self {
            Store::Postgres(pool) => {
                sqlx::query("ANALYZE").execute(pool).await?;
            }
            Store::Sqlite { writer, .. } => {
                sqlx::raw_sql("ANALYZE").execute(writer).await?;
            }
        }
        Ok(())
    }

    /// Keeps the planner's statistics current as tables grow: without them
    /// SQLite may filter the registry through the wrong index (16 ms become
    /// 78 ms at 100,000 patients). Cheap when nothing changed much: SQLite's
    /// `PRAGMA optimize` re-analyzes only tables that need it. Run at start-up
    /// and periodically. No `analysis_limit`: every index here leads with
    /// `org_id`, and sampled statistics make them all look alike. PostgreSQL's
    /// autovacuum does this by itself.
    pub async fn optimize(&self) -> Result<()> {
        if let Store::Sqlite { writer, .. } = self {
            sqlx::raw_sql("PRAGMA optimize=0x10002")
                .execute(writer)
                .await?;
        }
        Ok(())
    }

    /// Tables and their columns, for the schema-parity test.
    pub async fn columns(&self) -> Result<Vec<(String, String)>> {
        let rows: Vec<(String, String)> = match self {
            Store::Sqlite { reader, .. } => {
                sqlx::query_as(
                    "SELECT m.name, p.name FROM sqlite_master m, pragma_table_info(m.name) p \
                     WHERE m.type = 'table' AND m.name NOT LIKE 'sqlite_%' AND m.name NOT LIKE '_sqlx%' \
                     ORDER BY 1, 2",
                )
                .fetch_all(reader)
                .await?
            }
            Store::Postgres(pool) => {
                sqlx::query_as(
                    "SELECT table_name::text, column_name::text FROM information_schema.columns \
                     WHERE table_schema = current_schema() AND table_name NOT LIKE '_sqlx%' ORDER BY 1, 2",
                )
                .fetch_all(pool)
                .await?
            }
        };
        Ok(rows)
    }

    pub async fn close(&self) {
        match self {
            Store::Sqlite { writer, reader, .. } => {
                writer.close().await;
                reader.close().await;
            }
            Store::Postgres(pool) => pool.close().await,
        }
    }
}

/// Pool occupancy.
#[derive(Clone, Copy, Debug)]
pub struct PoolStats {
    pub size: u32,
    pub idle: u32,
}

impl Tx {
    pub async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self {
            Tx::Sqlite(_) => Backend::Sqlite,
            Tx::Postgres(_) => Backend::Postgres,
        }
    }
}

/// Reads a stored enum-like text column back into its type.
pub(crate) fn parse_col<T: FromStr>(col: &'static str, value: &str) -> Result<T> {
    value
        .parse()
        .map_err(|_| StoreError::Corrupt(format!("{col} = {value:?}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sqlite_urls_name_a_file() {
        assert_eq!(
            sqlite_path("sqlite://./tandem-data/tandem.db"),
            Some(PathBuf::from("./tandem-data/tandem.db"))
        );
        assert_eq!(
            sqlite_path("sqlite:///tmp/x/tandem.db"),
            Some(PathBuf::from("/tmp/x/tandem.db"))
        );
        assert_eq!(
            sqlite_path("sqlite://db.sqlite?mode=rwc"),
            Some(PathBuf::from("db.sqlite"))
        );
        assert_eq!(sqlite_path("sqlite://"), None);
    }
}
