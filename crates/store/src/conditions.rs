//! Coded diagnoses (FHIR `Condition`).

use crate::{Result, Tx, on_tx};
use tandem_core::ids::{OrgId, PatientId};

/// The ICD-10-CM codes of the patient's active diagnoses, primary first.
pub async fn active_codes(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<String>> {
    let rows: Vec<(String,)> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT code FROM conditions WHERE org_id = $1 AND patient_id = $2 AND clinical_status = 'active' \
             ORDER BY CASE rank WHEN 'primary' THEN 0 ELSE 1 END, recorded_at",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(|(c,)| c).collect())
}

/// The patient's active diagnoses as (id, ICD-10-CM code, display), primary
/// first: what a care plan's problems can be linked to.
pub async fn active_for_plan(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<(tandem_core::ids::ConditionId, String, String)>> {
    let rows: Vec<(uuid::Uuid, String, String)> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, code, display FROM conditions WHERE org_id = $1 AND patient_id = $2 \
             AND clinical_status = 'active' ORDER BY CASE rank WHEN 'primary' THEN 0 ELSE 1 END, recorded_at",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(id, code, display)| (tandem_core::ids::ConditionId(id), code, display))
        .collect())
}
