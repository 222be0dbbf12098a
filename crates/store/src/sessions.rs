//! Web sessions. Only the SHA-256 of the cookie's secret is stored, so a copy
//! of the database cannot be replayed as a login.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{OrgId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Session {
    pub org: OrgId,
    pub id: Uuid,
    pub user_id: UserId,
    pub csrf_token: String,
    pub created_at: OffsetDateTime,
    pub last_seen_at: OffsetDateTime,
}

#[derive(FromRow)]
struct Row {
    org_id: Uuid,
    id: Uuid,
    user_id: Uuid,
    csrf_token: String,
    created_at: OffsetDateTime,
    last_seen_at: OffsetDateTime,
}

pub struct NewSession<'a> {
    pub org: OrgId,
    pub id: Uuid,
    pub token_hash: &'a str,
    pub user_id: UserId,
    pub csrf_token: &'a str,
    pub now: OffsetDateTime,
}

pub async fn insert(tx: &mut Tx, s: &NewSession<'_>) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO sessions (org_id, id, token_hash, user_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $6)",
        )
        .bind(s.org.0).bind(s.id).bind(s.token_hash).bind(s.user_id.0).bind(s.csrf_token).bind(s.now)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn by_token_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<Session>> {
    let row: Option<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT org_id, id, user_id, csrf_token, created_at, last_seen_at FROM sessions WHERE token_hash = $1",
        )
        .bind(token_hash).fetch_optional(c).await?
    });
    Ok(row.map(|r| Session {
        org: OrgId(r.org_id),
        id: r.id,
        user_id: UserId(r.user_id),
        csrf_token: r.csrf_token,
        created_at: r.created_at,
        last_seen_at: r.last_seen_at,
    }))
}

pub async fn touch(tx: &mut Tx, org: OrgId, id: Uuid, now: OffsetDateTime) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE sessions SET last_seen_at = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(id).bind(now).execute(c).await?;
    });
    Ok(())
}

pub async fn delete(tx: &mut Tx, org: OrgId, id: Uuid) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND id = $2").bind(org.0).bind(id).execute(c).await?;
    });
    Ok(())
}

/// Ends every session of a user (deactivation, password change).
pub async fn delete_for_user(tx: &mut Tx, org: OrgId, user: UserId) -> Result<u64> {
    let n = on_tx!(tx, c => {
        sqlx::query("DELETE FROM sessions WHERE org_id = $1 AND user_id = $2")
            .bind(org.0).bind(user.0).execute(c).await?.rows_affected()
    });
    Ok(n)
}

/// Removes sessions that can no longer be used.
pub async fn delete_started_before(tx: &mut Tx, cutoff: OffsetDateTime) -> Result<u64> {
    let n = on_tx!(tx, c => {
        sqlx::query("DELETE FROM sessions WHERE created_at < $1").bind(cutoff).execute(c).await?.rows_affected()
    });
    Ok(n)
}
