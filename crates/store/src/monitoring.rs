//! Medication monitoring: lab results, urine drug screens, side effects and
//! adherence reports. Codes (analyte, outcome, severity, reporter) are
//! stored as text; `app` owns their meaning. A patient has at most hundreds
//! of these, so each list reads the patient's rows and callers filter.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{
    AdherenceReportId, DrugScreenId, LabResultId, MedicationOrderId, OrgId, PatientId,
    SideEffectId, UserId,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq)]
pub struct LabRow {
    pub id: LabResultId,
    pub patient_id: PatientId,
    pub analyte: String,
    pub value: f64,
    pub unit: String,
    pub effective_at: OffsetDateTime,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct LRow {
    id: Uuid,
    patient_id: Uuid,
    analyte: String,
    value: f64,
    unit: String,
    effective_at: OffsetDateTime,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

impl From<LRow> for LabRow {
    fn from(r: LRow) -> LabRow {
        LabRow {
            id: LabResultId(r.id),
            patient_id: PatientId(r.patient_id),
            analyte: r.analyte,
            value: r.value,
            unit: r.unit,
            effective_at: r.effective_at,
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
        }
    }
}

const LAB_SELECT: &str = "SELECT id, patient_id, analyte, value, unit, effective_at, recorded_by, recorded_at FROM lab_results";

pub async fn insert_lab(tx: &mut Tx, org: OrgId, l: &LabRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO lab_results (org_id, id, patient_id, analyte, value, unit, effective_at, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind(org.0).bind(l.id.0).bind(l.patient_id.0).bind(&l.analyte).bind(l.value).bind(&l.unit)
        .bind(l.effective_at).bind(l.recorded_by.0).bind(l.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_lab(tx: &mut Tx, org: OrgId, id: LabResultId) -> Result<Option<LabRow>> {
    let sql = format!("{LAB_SELECT} WHERE org_id = $1 AND id = $2");
    let row: Option<LRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(LabRow::from))
}

/// Every lab result of a patient, the latest taken first.
pub async fn labs_for_patient(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<LabRow>> {
    let sql = format!(
        "{LAB_SELECT} WHERE org_id = $1 AND patient_id = $2 ORDER BY effective_at DESC, id DESC"
    );
    let rows: Vec<LRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(LabRow::from).collect())
}

/// A drug screen panel; `results` in the order of
/// `tandem_core::monitoring::Substance::ALL`.
#[derive(Clone, Debug, PartialEq)]
pub struct ScreenRow {
    pub id: DrugScreenId,
    pub patient_id: PatientId,
    pub collected_at: OffsetDateTime,
    pub results: [String; 9],
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct SRow {
    id: Uuid,
    patient_id: Uuid,
    collected_at: OffsetDateTime,
    opioids: String,
    fentanyl: String,
    buprenorphine: String,
    methadone: String,
    benzodiazepines: String,
    cocaine: String,
    amphetamines: String,
    cannabis: String,
    alcohol: String,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

impl From<SRow> for ScreenRow {
    fn from(r: SRow) -> ScreenRow {
        ScreenRow {
            id: DrugScreenId(r.id),
            patient_id: PatientId(r.patient_id),
            collected_at: r.collected_at,
            results: [
                r.opioids,
                r.fentanyl,
                r.buprenorphine,
                r.methadone,
                r.benzodiazepines,
                r.cocaine,
                r.amphetamines,
                r.cannabis,
                r.alcohol,
            ],
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
        }
    }
}

const SCREEN_SELECT: &str = "SELECT id, patient_id, collected_at, opioids, fentanyl, buprenorphine, methadone, \
    benzodiazepines, cocaine, amphetamines, cannabis, alcohol, recorded_by, recorded_at FROM drug_screens";

pub async fn insert_screen(tx: &mut Tx, org: OrgId, s: &ScreenRow) -> Result<()> {
    let [a, b, c1, d, e, f, g, h, i] = &s.results;
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO drug_screens (org_id, id, patient_id, collected_at, opioids, fentanyl, buprenorphine, methadone, \
             benzodiazepines, cocaine, amphetamines, cannabis, alcohol, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(org.0).bind(s.id.0).bind(s.patient_id.0).bind(s.collected_at)
        .bind(a).bind(b).bind(c1).bind(d).bind(e).bind(f).bind(g).bind(h).bind(i)
        .bind(s.recorded_by.0).bind(s.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_screen(tx: &mut Tx, org: OrgId, id: DrugScreenId) -> Result<Option<ScreenRow>> {
    let sql = format!("{SCREEN_SELECT} WHERE org_id = $1 AND id = $2");
    let row: Option<SRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(ScreenRow::from))
}

/// Every screen of a patient, the latest collected first.
pub async fn screens_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<ScreenRow>> {
    let sql = format!(
        "{SCREEN_SELECT} WHERE org_id = $1 AND patient_id = $2 ORDER BY collected_at DESC, id DESC"
    );
    let rows: Vec<SRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(ScreenRow::from).collect())
}

#[derive(Clone, Debug, PartialEq)]
pub struct SideEffectRow {
    pub id: SideEffectId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub effect: String,
    pub other_text: Option<String>,
    pub severity: String,
    pub noted_on: Date,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ERow {
    id: Uuid,
    patient_id: Uuid,
    order_id: Uuid,
    effect: String,
    other_text: Option<String>,
    severity: String,
    noted_on: Date,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

pub async fn insert_side_effect(tx: &mut Tx, org: OrgId, s: &SideEffectRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO side_effects (org_id, id, patient_id, order_id, effect, other_text, severity, noted_on, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(org.0).bind(s.id.0).bind(s.patient_id.0).bind(s.order_id.0).bind(&s.effect).bind(&s.other_text)
        .bind(&s.severity).bind(s.noted_on).bind(s.recorded_by.0).bind(s.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

/// Every side effect of a patient, oldest first.
pub async fn side_effects_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<SideEffectRow>> {
    let rows: Vec<ERow> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, patient_id, order_id, effect, other_text, severity, noted_on, recorded_by, recorded_at \
             FROM side_effects WHERE org_id = $1 AND patient_id = $2 ORDER BY noted_on, id",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| SideEffectRow {
            id: SideEffectId(r.id),
            patient_id: PatientId(r.patient_id),
            order_id: MedicationOrderId(r.order_id),
            effect: r.effect,
            other_text: r.other_text,
            severity: r.severity,
            noted_on: r.noted_on,
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
        })
        .collect())
}

#[derive(Clone, Debug, PartialEq)]
pub struct AdherenceRow {
    pub id: AdherenceReportId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub week_ending: Date,
    pub missed: i64,
    pub expected: i64,
    pub reporter: String,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ARow {
    id: Uuid,
    patient_id: Uuid,
    order_id: Uuid,
    week_ending: Date,
    missed: i64,
    expected: i64,
    reporter: String,
    recorded_by: Uuid,
    recorded_at: OffsetDateTime,
}

pub async fn insert_adherence(tx: &mut Tx, org: OrgId, a: &AdherenceRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO adherence_reports (org_id, id, patient_id, order_id, week_ending, missed, expected, reporter, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(org.0).bind(a.id.0).bind(a.patient_id.0).bind(a.order_id.0).bind(a.week_ending).bind(a.missed)
        .bind(a.expected).bind(&a.reporter).bind(a.recorded_by.0).bind(a.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

/// Every adherence report of a patient, oldest week first.
pub async fn adherence_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<AdherenceRow>> {
    let rows: Vec<ARow> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, patient_id, order_id, week_ending, missed, expected, reporter, recorded_by, recorded_at \
             FROM adherence_reports WHERE org_id = $1 AND patient_id = $2 ORDER BY week_ending, id",
        )
        .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| AdherenceRow {
            id: AdherenceReportId(r.id),
            patient_id: PatientId(r.patient_id),
            order_id: MedicationOrderId(r.order_id),
            week_ending: r.week_ending,
            missed: r.missed,
            expected: r.expected,
            reporter: r.reporter,
            recorded_by: UserId(r.recorded_by),
            recorded_at: r.recorded_at,
        })
        .collect())
}
