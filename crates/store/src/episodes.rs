//! Episodes of care: the span a measurement baseline belongs to.

use crate::{Result, Tx, on_tx};
use tandem_core::ids::{EpisodeId, OrgId, PatientId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Episode {
    pub id: EpisodeId,
    pub patient_id: PatientId,
    pub started_on: Date,
    pub ended_on: Option<Date>,
}

/// The patient's open episode, if any.
pub async fn open(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Option<Episode>> {
    let row: Option<(Uuid, Date, Option<Date>)> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, started_on, ended_on FROM episodes WHERE org_id = $1 AND patient_id = $2 AND ended_on IS NULL",
        )
        .bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(|(id, started_on, ended_on)| Episode {
        id: EpisodeId(id),
        patient_id: patient,
        started_on,
        ended_on,
    }))
}

pub async fn start(
    tx: &mut Tx,
    org: OrgId,
    id: EpisodeId,
    patient: PatientId,
    on: Date,
    now: OffsetDateTime,
) -> Result<Episode> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO episodes (org_id, id, patient_id, started_on, ended_on, created_at) VALUES ($1, $2, $3, $4, NULL, $5)",
        )
        .bind(org.0).bind(id.0).bind(patient.0).bind(on).bind(now).execute(c).await?;
    });
    Ok(Episode {
        id,
        patient_id: patient,
        started_on: on,
        ended_on: None,
    })
}

/// Moves an open episode's start earlier (a back-loaded measure predates it).
pub async fn move_start(tx: &mut Tx, org: OrgId, id: EpisodeId, on: Date) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE episodes SET started_on = $3 WHERE org_id = $1 AND id = $2 AND started_on > $3")
            .bind(org.0).bind(id.0).bind(on).execute(c).await?;
    });
    Ok(())
}
