//! API bearer tokens, stored as the SHA-256 of the secret.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{OrgId, TokenId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct ApiToken {
    pub org: OrgId,
    pub id: TokenId,
    pub user_id: UserId,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub revoked_at: Option<OffsetDateTime>,
}

#[derive(FromRow)]
struct Row {
    org_id: Uuid,
    id: Uuid,
    user_id: Uuid,
    created_at: OffsetDateTime,
    expires_at: OffsetDateTime,
    revoked_at: Option<OffsetDateTime>,
}

impl From<Row> for ApiToken {
    fn from(r: Row) -> Self {
        ApiToken {
            org: OrgId(r.org_id),
            id: TokenId(r.id),
            user_id: UserId(r.user_id),
            created_at: r.created_at,
            expires_at: r.expires_at,
            revoked_at: r.revoked_at,
        }
    }
}

pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    id: TokenId,
    user: UserId,
    token_hash: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO api_tokens (org_id, id, token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4, $5, $6)",
        )
        .bind(org.0).bind(id.0).bind(token_hash).bind(user.0).bind(now).bind(expires_at)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<ApiToken>> {
    let row: Option<Row> = on_tx!(tx, c => {
        sqlx::query_as("SELECT org_id, id, user_id, created_at, expires_at, revoked_at FROM api_tokens WHERE token_hash = $1")
            .bind(token_hash).fetch_optional(c).await?
    });
    Ok(row.map(ApiToken::from))
}

pub async fn for_user(tx: &mut Tx, org: OrgId, user: UserId) -> Result<Vec<ApiToken>> {
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT org_id, id, user_id, created_at, expires_at, revoked_at FROM api_tokens \
             WHERE org_id = $1 AND user_id = $2 ORDER BY created_at",
        )
        .bind(org.0).bind(user.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(ApiToken::from).collect())
}

/// Revokes one token; false when it does not exist or was already revoked.
pub async fn revoke(tx: &mut Tx, org: OrgId, id: TokenId, now: OffsetDateTime) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query("UPDATE api_tokens SET revoked_at = $3 WHERE org_id = $1 AND id = $2 AND revoked_at IS NULL")
            .bind(org.0).bind(id.0).bind(now).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// Revokes the token with this secret digest; `None` when there is no such
/// token or it was already revoked.
pub async fn revoke_by_hash(
    tx: &mut Tx,
    token_hash: &str,
    now: OffsetDateTime,
) -> Result<Option<ApiToken>> {
    let Some(t) = by_hash(tx, token_hash).await? else {
        return Ok(None);
    };
    Ok(revoke(tx, t.org, t.id, now).await?.then_some(t))
}
