//! The audit log: appended in the same transaction as the action it records,
//! chained by hash, read back in order for verification and review.

use crate::{Backend, Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::audit::{AuditEntry, AuditRecord, append as chain_append};
use tandem_core::ids::{OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(FromRow)]
struct Row {
    org_id: Uuid,
    seq: i64,
    at: OffsetDateTime,
    actor_id: Option<Uuid>,
    actor: String,
    actor_role: String,
    channel: String,
    action: String,
    patient_id: Option<Uuid>,
    resource: Option<String>,
    purpose: Option<String>,
    detail: Option<String>,
    outcome: String,
    prev_hash: String,
    hash: String,
}

impl From<Row> for AuditEntry {
    fn from(r: Row) -> Self {
        AuditEntry {
            seq: r.seq,
            record: AuditRecord {
                org: OrgId(r.org_id),
                at: r.at,
                actor_id: r.actor_id.map(UserId),
                actor: r.actor,
                actor_role: r.actor_role,
                channel: r.channel,
                action: r.action,
                patient_id: r.patient_id.map(PatientId),
                resource: r.resource,
                purpose: r.purpose,
                detail: r.detail,
                outcome: r.outcome,
            },
            prev_hash: r.prev_hash,
            hash: r.hash,
        }
    }
}

const COLUMNS: &str = "org_id, seq, at, actor_id, actor, actor_role, channel, action, patient_id, resource, purpose, detail, outcome, prev_hash, hash";

/// Appends one record after the chain's head and moves the head. On
/// PostgreSQL the head row is locked until commit, which orders concurrent
/// appends; SQLite transactions already hold the database's write lock. Call
/// it last in a transaction so the lock is held briefly.
pub async fn append(tx: &mut Tx, record: AuditRecord) -> Result<AuditEntry> {
    let org = record.org;
    let head_sql = match tx.backend() {
        Backend::Sqlite => "SELECT seq, hash FROM audit_head WHERE org_id = $1",
        Backend::Postgres => "SELECT seq, hash FROM audit_head WHERE org_id = $1 FOR UPDATE",
    };
    let (seq, hash): (i64, String) =
        on_tx!(tx, c => sqlx::query_as(head_sql).bind(org.0).fetch_one(&mut *c).await?);
    let e = chain_append(seq, &hash, record);
    let r = &e.record;
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO audit_log (org_id, seq, at, actor_id, actor, actor_role, channel, action, patient_id, resource, purpose, detail, outcome, prev_hash, hash) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(org.0).bind(e.seq).bind(r.at).bind(r.actor_id.map(|u| u.0)).bind(&r.actor).bind(&r.actor_role)
        .bind(&r.channel).bind(&r.action).bind(r.patient_id.map(|p| p.0)).bind(&r.resource).bind(&r.purpose)
        .bind(&r.detail).bind(&r.outcome).bind(&e.prev_hash).bind(&e.hash)
        .execute(&mut *c).await?;
        sqlx::query("UPDATE audit_head SET seq = $2, hash = $3 WHERE org_id = $1")
            .bind(org.0).bind(e.seq).bind(&e.hash).execute(&mut *c).await?;
    });
    Ok(e)
}

/// The recorded head of an organization's chain.
pub async fn head(tx: &mut Tx, org: OrgId) -> Result<(i64, String)> {
    let h: Option<(i64, String)> = on_tx!(tx, c => {
        sqlx::query_as("SELECT seq, hash FROM audit_head WHERE org_id = $1").bind(org.0).fetch_optional(c).await?
    });
    Ok(h.unwrap_or((0, tandem_core::audit::GENESIS.to_string())))
}

/// Organizations that have a chain.
pub async fn orgs(tx: &mut Tx) -> Result<Vec<OrgId>> {
    let ids: Vec<Uuid> = on_tx!(tx, c => sqlx::query_scalar("SELECT org_id FROM audit_head ORDER BY org_id").fetch_all(c).await?);
    Ok(ids.into_iter().map(OrgId).collect())
}

/// Entries with `seq > after`, in order, at most `limit`: verification reads
/// the chain in batches so memory stays flat on long logs.
pub async fn batch(tx: &mut Tx, org: OrgId, after: i64, limit: u32) -> Result<Vec<AuditEntry>> {
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE org_id = $1 AND seq > $2 ORDER BY seq LIMIT $3"
    ));
    let rows: Vec<Row> = on_tx!(tx, c => sqlx::query_as(sql).bind(org.0).bind(after).bind(i64::from(limit)).fetch_all(c).await?);
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// What the auditor's view filters on.
#[derive(Clone, Debug, Default)]
pub struct Filter {
    pub actor: Option<UserId>,
    pub patient: Option<PatientId>,
    pub from: Option<OffsetDateTime>,
    pub until: Option<OffsetDateTime>,
    pub action_prefix: Option<String>,
    pub limit: u32,
    /// Show entries with `seq` below this (paging backwards from the newest).
    pub before_seq: Option<i64>,
}

/// Newest first.
pub async fn search(tx: &mut Tx, org: OrgId, f: &Filter) -> Result<Vec<AuditEntry>> {
    let mut wh = vec!["org_id = $1".to_string()];
    let mut n = 1;
    let mut ph = || {
        n += 1;
        format!("${n}")
    };
    if f.actor.is_some() {
        wh.push(format!("actor_id = {}", ph()));
    }
    if f.patient.is_some() {
        wh.push(format!("patient_id = {}", ph()));
    }
    if f.from.is_some() {
        wh.push(format!("at >= {}", ph()));
    }
    if f.until.is_some() {
        wh.push(format!("at < {}", ph()));
    }
    if f.action_prefix.is_some() {
        wh.push(format!("action LIKE {}", ph()));
    }
    if f.before_seq.is_some() {
        wh.push(format!("seq < {}", ph()));
    }
    let limit = ph();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT {COLUMNS} FROM audit_log WHERE {} ORDER BY seq DESC LIMIT {limit}",
        wh.join(" AND ")
    ));
    let rows: Vec<Row> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sql).bind(org.0);
        if let Some(a) = f.actor { q = q.bind(a.0); }
        if let Some(p) = f.patient { q = q.bind(p.0); }
        if let Some(t) = f.from { q = q.bind(t); }
        if let Some(t) = f.until { q = q.bind(t); }
        if let Some(a) = &f.action_prefix { q = q.bind(format!("{a}%")); }
        if let Some(s) = f.before_seq { q = q.bind(s); }
        q.bind(i64::from(f.limit.max(1))).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(AuditEntry::from).collect())
}

/// Number of entries, for tests and metrics.
pub async fn count(tx: &mut Tx, org: OrgId) -> Result<i64> {
    let n: i64 = on_tx!(tx, c => sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE org_id = $1").bind(org.0).fetch_one(c).await?);
    Ok(n)
}
