//! Coded diagnoses (FHIR `Condition`).

use crate::{Result, Tx, on_tx, parse_col};
use sqlx::FromRow;
use tandem_core::diagnosis::{ClinicalStatus, Rank};
use tandem_core::ids::{ConditionId, OrgId, PatientId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

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

/// One diagnosis on a patient's problem list. `rank` and `clinical_status`
/// are the ids of `tandem_core::diagnosis::{Rank, ClinicalStatus}`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Condition {
    pub id: ConditionId,
    pub patient_id: PatientId,
    pub code: String,
    pub display: String,
    pub rank: Rank,
    pub clinical_status: ClinicalStatus,
    pub onset_on: Option<Date>,
    pub note: Option<String>,
    pub recorded_by: Option<UserId>,
    pub recorded_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ConditionRow {
    id: Uuid,
    patient_id: Uuid,
    code: String,
    display: String,
    rank: String,
    clinical_status: String,
    onset_on: Option<Date>,
    note: Option<String>,
    recorded_by: Option<Uuid>,
    recorded_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl TryFrom<ConditionRow> for Condition {
    type Error = crate::StoreError;
    fn try_from(r: ConditionRow) -> Result<Condition> {
        Ok(Condition {
            id: ConditionId(r.id),
            patient_id: PatientId(r.patient_id),
            code: r.code,
            display: r.display,
            rank: parse_col("conditions.rank", &r.rank)?,
            clinical_status: parse_col("conditions.clinical_status", &r.clinical_status)?,
            onset_on: r.onset_on,
            note: r.note,
            recorded_by: r.recorded_by.map(UserId),
            recorded_at: r.recorded_at,
            updated_at: r.updated_at,
        })
    }
}

const COLUMNS: &str = "id, patient_id, code, display, rank, clinical_status, onset_on, note, recorded_by, \
    recorded_at, updated_at";

/// Primary first, then the order they were recorded.
const ORDER: &str = "ORDER BY CASE clinical_status WHEN 'active' THEN 0 WHEN 'remission' THEN 1 ELSE 2 END, \
    CASE rank WHEN 'primary' THEN 0 ELSE 1 END, recorded_at, id";

pub async fn insert(tx: &mut Tx, org: OrgId, c: &Condition) -> Result<()> {
    on_tx!(tx, db => {
        sqlx::query(
            "INSERT INTO conditions (org_id, id, patient_id, code, display, rank, onset_on, clinical_status, note, \
             recorded_by, recorded_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(org.0).bind(c.id.0).bind(c.patient_id.0).bind(&c.code).bind(&c.display)
        .bind(c.rank.as_str()).bind(c.onset_on).bind(c.clinical_status.as_str()).bind(&c.note)
        .bind(c.recorded_by.map(|u| u.0)).bind(c.recorded_at).bind(c.updated_at)
        .execute(db).await?;
    });
    Ok(())
}

/// Writes a diagnosis's status, rank and onset.
pub async fn update(tx: &mut Tx, org: OrgId, c: &Condition) -> Result<()> {
    on_tx!(tx, db => {
        sqlx::query(
            "UPDATE conditions SET rank = $3, clinical_status = $4, onset_on = $5, updated_at = $6 \
             WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0).bind(c.id.0).bind(c.rank.as_str()).bind(c.clinical_status.as_str())
        .bind(c.onset_on).bind(c.updated_at)
        .execute(db).await?;
    });
    Ok(())
}

/// Makes every other active primary diagnosis of the patient secondary, so
/// at most one active diagnosis is primary. Returns the ones changed.
pub async fn demote_other_primaries(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    keep: ConditionId,
    now: OffsetDateTime,
) -> Result<Vec<ConditionId>> {
    let ids: Vec<Uuid> = on_tx!(tx, db => {
        sqlx::query_scalar(
            "UPDATE conditions SET rank = 'secondary', updated_at = $4 WHERE org_id = $1 AND patient_id = $2 \
             AND id <> $3 AND rank = 'primary' AND clinical_status = 'active' RETURNING id",
        )
        .bind(org.0).bind(patient.0).bind(keep.0).bind(now).fetch_all(db).await?
    });
    Ok(ids.into_iter().map(ConditionId).collect())
}

pub async fn get(tx: &mut Tx, org: OrgId, id: ConditionId) -> Result<Option<Condition>> {
    let sql = format!("SELECT {COLUMNS} FROM conditions WHERE org_id = $1 AND id = $2");
    let row: Option<ConditionRow> = on_tx!(tx, db => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(db).await?
    });
    row.map(Condition::try_from).transpose()
}

/// A patient's diagnoses: active first, primary first within a status, then
/// in the order recorded.
pub async fn for_patient(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<Condition>> {
    search(tx, org, patient, &[], None).await
}

/// A patient's diagnoses with one of `statuses` (all when empty) and,
/// when given, this ICD-10-CM code; in the order of [`for_patient`].
pub async fn search(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    statuses: &[ClinicalStatus],
    code: Option<&str>,
) -> Result<Vec<Condition>> {
    let sql = format!(
        "SELECT {COLUMNS} FROM conditions WHERE org_id = $1 AND patient_id = $2 \
         AND ($3 IS NULL OR code = $3) {ORDER}"
    );
    let rows: Vec<ConditionRow> = on_tx!(tx, db => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).bind(code)
            .fetch_all(db).await?
    });
    let all = rows
        .into_iter()
        .map(Condition::try_from)
        .collect::<Result<Vec<_>>>()?;
    Ok(all
        .into_iter()
        .filter(|c| statuses.is_empty() || statuses.contains(&c.clinical_status))
        .collect())
}

/// The patient's active diagnoses as (id, ICD-10-CM code, display), primary
/// first: what a care plan's problems can be linked to.
pub async fn active_for_plan(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<(ConditionId, String, String)>> {
    Ok(search(tx, org, patient, &[ClinicalStatus::Active], None)
        .await?
        .into_iter()
        .map(|c| (c.id, c.code, c.display))
        .collect())
}
