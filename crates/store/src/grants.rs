//! Break-the-glass grants: a clinician's time-limited access to a chart off
//! their care teams, given for a stated reason.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{GrantId, OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug)]
pub struct Grant {
    pub id: GrantId,
    pub user_id: UserId,
    pub username: String,
    pub patient_id: PatientId,
    pub patient_name: String,
    pub mrn: String,
    pub reason: String,
    pub granted_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    user_id: Uuid,
    username: String,
    patient_id: Uuid,
    family_name: String,
    given_names: String,
    mrn: String,
    reason: String,
    granted_at: OffsetDateTime,
    expires_at: OffsetDateTime,
}

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    id: GrantId,
    user: UserId,
    patient: PatientId,
    reason: &str,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO break_glass_grants (org_id, id, user_id, patient_id, reason, granted_at, expires_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.0).bind(id.0).bind(user.0).bind(patient.0).bind(reason).bind(now).bind(expires_at)
        .execute(c).await?;
    });
    Ok(())
}

/// Does the user hold a grant for the patient that is still open at `now`?
pub async fn active(
    tx: &mut Tx,
    org: OrgId,
    user: UserId,
    patient: PatientId,
    now: OffsetDateTime,
) -> Result<bool> {
    let expiries: Vec<OffsetDateTime> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT expires_at FROM break_glass_grants WHERE org_id = $1 AND user_id = $2 AND patient_id = $3",
        )
        .bind(org.0).bind(user.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(expiries.into_iter().any(|e| e > now))
}

/// The most recent grants, for auditors.
pub async fn recent(tx: &mut Tx, org: OrgId, limit: u32) -> Result<Vec<Grant>> {
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT g.id, g.user_id, u.username, g.patient_id, p.family_name, p.given_names, p.mrn, g.reason, g.granted_at, g.expires_at \
             FROM break_glass_grants g \
             JOIN users u ON u.org_id = g.org_id AND u.id = g.user_id \
             JOIN patients p ON p.org_id = g.org_id AND p.id = g.patient_id \
             WHERE g.org_id = $1 ORDER BY g.granted_at DESC LIMIT $2",
        )
        .bind(org.0).bind(i64::from(limit)).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| Grant {
            id: GrantId(r.id),
            user_id: UserId(r.user_id),
            username: r.username,
            patient_id: PatientId(r.patient_id),
            patient_name: format!("{}, {}", r.family_name, r.given_names),
            mrn: r.mrn,
            reason: r.reason,
            granted_at: r.granted_at,
            expires_at: r.expires_at,
        })
        .collect())
}
