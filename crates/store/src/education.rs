//! What education material was given to a patient, by whom and when.

use crate::{Result, Tx, on_tx};
use tandem_core::ids::{EducationGivenId, OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Given {
    pub id: EducationGivenId,
    pub material: String,
    pub plan_version: Option<i32>,
    pub given_by: UserId,
    pub given_by_name: String,
    pub given_at: OffsetDateTime,
}

#[allow(clippy::too_many_arguments)]
pub async fn record(
    tx: &mut Tx,
    org: OrgId,
    id: EducationGivenId,
    patient: PatientId,
    material: &str,
    plan_version: Option<i32>,
    by: UserId,
    at: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO education_given (org_id, id, patient_id, material, plan_version, given_by, given_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.0).bind(id.0).bind(patient.0).bind(material).bind(plan_version).bind(by.0).bind(at)
        .execute(c).await?;
    });
    Ok(())
}

/// Everything given to the patient, newest first.
pub async fn list(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<Given>> {
    type Row = (Uuid, String, Option<i32>, Uuid, String, OffsetDateTime);
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT e.id, e.material, e.plan_version, e.given_by, u.display_name, e.given_at \
             FROM education_given e JOIN users u ON u.org_id = e.org_id AND u.id = e.given_by \
             WHERE e.org_id = $1 AND e.patient_id = $2 ORDER BY e.given_at DESC, e.id DESC",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, material, plan_version, by, name, at)| Given {
            id: EducationGivenId(id),
            material,
            plan_version,
            given_by: UserId(by),
            given_by_name: name,
            given_at: at,
        })
        .collect())
}
