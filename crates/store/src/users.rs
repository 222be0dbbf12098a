//! Staff accounts.

use crate::{Result, Tx, on_tx, parse_col, unique};
use sqlx::FromRow;
use tandem_core::ids::{OrgId, UserId};
use tandem_core::role::Role;
use time::OffsetDateTime;
use uuid::Uuid;

/// A staff account as stored.
#[derive(Clone, Debug)]
pub struct User {
    pub org: OrgId,
    pub id: UserId,
    pub username: String,
    pub display_name: String,
    pub role: Role,
    pub password_hash: String,
    pub active: bool,
    pub failed_logins: i64,
    pub locked_until: Option<OffsetDateTime>,
    pub created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct Row {
    org_id: Uuid,
    id: Uuid,
    username: String,
    display_name: String,
    role: String,
    password_hash: String,
    active: bool,
    failed_logins: i64,
    locked_until: Option<OffsetDateTime>,
    created_at: OffsetDateTime,
}

impl TryFrom<Row> for User {
    type Error = crate::StoreError;
    fn try_from(r: Row) -> Result<User> {
        Ok(User {
            org: OrgId(r.org_id),
            id: UserId(r.id),
            username: r.username,
            display_name: r.display_name,
            role: parse_col("users.role", &r.role)?,
            password_hash: r.password_hash,
            active: r.active,
            failed_logins: r.failed_logins,
            locked_until: r.locked_until,
            created_at: r.created_at,
        })
    }
}

const COLUMNS: &str = "org_id, id, username, display_name, role, password_hash, active, failed_logins, locked_until, created_at";

/// A new account.
pub struct NewUser<'a> {
    pub org: OrgId,
    pub id: UserId,
    pub username: &'a str,
    pub display_name: &'a str,
    pub role: Role,
    pub password_hash: &'a str,
    pub created_at: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, u: &NewUser<'_>) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO users (org_id, id, username, display_name, role, password_hash, active, failed_logins, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, true, 0, $7)",
        )
        .bind(u.org.0).bind(u.id.0).bind(u.username).bind(u.display_name).bind(u.role.as_str())
        .bind(u.password_hash).bind(u.created_at)
        .execute(c).await.map_err(unique("username"))?;
    });
    Ok(())
}

pub async fn by_username(tx: &mut Tx, org: OrgId, username: &str) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE org_id = $1 AND username = $2"
    ));
    let row: Option<Row> =
        on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).bind(username).fetch_optional(c).await?);
    row.map(User::try_from).transpose()
}

pub async fn by_id(tx: &mut Tx, org: OrgId, id: UserId) -> Result<Option<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE org_id = $1 AND id = $2"
    ));
    let row: Option<Row> =
        on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).bind(id.0).fetch_optional(c).await?);
    row.map(User::try_from).transpose()
}

/// All accounts, by username; `roles` narrows to some roles when not empty.
pub async fn list(tx: &mut Tx, org: OrgId, roles: &[Role]) -> Result<Vec<User>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM users WHERE org_id = $1 ORDER BY username"
    ));
    let rows: Vec<Row> = on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).fetch_all(c).await?);
    let users = rows
        .into_iter()
        .map(User::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(users
        .into_iter()
        .filter(|u| roles.is_empty() || roles.contains(&u.role))
        .collect())
}

/// Records a failed login; returns the new count.
pub async fn record_failure(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    locked_until: Option<OffsetDateTime>,
) -> Result<i64> {
    let n: i64 = on_tx!(tx, c => {
        sqlx::query_scalar(
            "UPDATE users SET failed_logins = failed_logins + 1, locked_until = COALESCE($3, locked_until) \
             WHERE org_id = $1 AND id = $2 RETURNING failed_logins",
        )
        .bind(org.0).bind(id.0).bind(locked_until).fetch_one(c).await?
    });
    Ok(n)
}

pub async fn record_success(tx: &mut Tx, org: OrgId, id: UserId) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE users SET failed_logins = 0, locked_until = NULL WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(id.0).execute(c).await?;
    });
    Ok(())
}

pub async fn set_active(tx: &mut Tx, org: OrgId, id: UserId, active: bool) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query("UPDATE users SET active = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(id.0).bind(active).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

pub async fn set_password(
    tx: &mut Tx,
    org: OrgId,
    id: UserId,
    password_hash: &str,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query("UPDATE users SET password_hash = $3, failed_logins = 0, locked_until = NULL WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(id.0).bind(password_hash).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}
