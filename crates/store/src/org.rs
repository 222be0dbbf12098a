//! Organizations and their counters.

use crate::{Result, Tx, on_tx};
use tandem_core::audit::GENESIS;
use tandem_core::ids::OrgId;
use time::OffsetDateTime;

/// Creates the organization, its MRN counter and its audit-chain head if
/// they are missing. Idempotent.
pub async fn ensure(tx: &mut Tx, org: OrgId, name: &str, now: OffsetDateTime) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("INSERT INTO organizations (org_id, name, created_at) VALUES ($1, $2, $3) ON CONFLICT (org_id) DO NOTHING")
            .bind(org.0).bind(name).bind(now).execute(&mut *c).await?;
        sqlx::query("INSERT INTO org_counters (org_id, name, value) VALUES ($1, 'mrn', 0) ON CONFLICT (org_id, name) DO NOTHING")
            .bind(org.0).execute(&mut *c).await?;
        sqlx::query("INSERT INTO audit_head (org_id, seq, hash) VALUES ($1, 0, $2) ON CONFLICT (org_id) DO NOTHING")
            .bind(org.0).bind(GENESIS).execute(&mut *c).await?;
    });
    Ok(())
}

/// Takes the next value of a counter; the row lock serializes concurrent takers.
pub async fn next_counter(tx: &mut Tx, org: OrgId, name: &str) -> Result<i64> {
    let v: i64 = on_tx!(tx, c => {
        sqlx::query_scalar("UPDATE org_counters SET value = value + 1 WHERE org_id = $1 AND name = $2 RETURNING value")
            .bind(org.0).bind(name).fetch_one(&mut *c).await?
    });
    Ok(v)
}

/// Takes the next `n` values of a counter at once; returns the last of them
/// (so the values are `last - n + 1 ..= last`).
pub async fn take_counter(tx: &mut Tx, org: OrgId, name: &str, n: i64) -> Result<i64> {
    let v: i64 = on_tx!(tx, c => {
        sqlx::query_scalar("UPDATE org_counters SET value = value + $3 WHERE org_id = $1 AND name = $2 RETURNING value")
            .bind(org.0).bind(name).bind(n).fetch_one(&mut *c).await?
    });
    Ok(v)
}
