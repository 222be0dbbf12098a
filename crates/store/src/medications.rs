//! Medication orders, their dose history, and the findings of the safety
//! check kept with them (FHIR `MedicationRequest` and `DetectedIssue`).
//! Codes (status, step kind, unit, route, frequency, severity) are stored as
//! text; `app` owns their meaning. `facts`, `drugs` and `implicated` are JSON.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{
    ConditionId, DetectedIssueId, MedicationOrderId, OrderStepId, OrgId, PatientId, UserId,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One order as stored, with the prescriber's display name.
#[derive(Clone, Debug, PartialEq)]
pub struct OrderRow {
    pub id: MedicationOrderId,
    pub patient_id: PatientId,
    pub rxcui: i64,
    pub drug_name: String,
    pub daily_dose: f64,
    pub dose_unit: String,
    pub route: String,
    pub frequency: String,
    pub sig: String,
    pub start_on: Date,
    pub indication_id: Option<ConditionId>,
    pub cross_taper: bool,
    pub first_day_total: Option<f64>,
    pub first_day_justified: bool,
    pub induction: bool,
    pub induction_cows: Option<i32>,
    pub facts: String,
    pub status: String,
    pub status_reason: Option<String>,
    pub stopped_on: Option<Date>,
    pub ends_on: Option<Date>,
    pub prescriber: UserId,
    /// Filled when read; ignored on insert.
    pub prescriber_name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

#[derive(FromRow)]
struct ORow {
    id: Uuid,
    patient_id: Uuid,
    rxcui: i64,
    drug_name: String,
    daily_dose: f64,
    dose_unit: String,
    route: String,
    frequency: String,
    sig: String,
    start_on: Date,
    indication_id: Option<Uuid>,
    cross_taper: bool,
    first_day_total: Option<f64>,
    first_day_justified: bool,
    induction: bool,
    induction_cows: Option<i32>,
    facts: String,
    status: String,
    status_reason: Option<String>,
    stopped_on: Option<Date>,
    ends_on: Option<Date>,
    prescriber: Uuid,
    prescriber_name: Option<String>,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
    version: i64,
}

impl From<ORow> for OrderRow {
    fn from(r: ORow) -> OrderRow {
        OrderRow {
            id: MedicationOrderId(r.id),
            patient_id: PatientId(r.patient_id),
            rxcui: r.rxcui,
            drug_name: r.drug_name,
            daily_dose: r.daily_dose,
            dose_unit: r.dose_unit,
            route: r.route,
            frequency: r.frequency,
            sig: r.sig,
            start_on: r.start_on,
            indication_id: r.indication_id.map(ConditionId),
            cross_taper: r.cross_taper,
            first_day_total: r.first_day_total,
            first_day_justified: r.first_day_justified,
            induction: r.induction,
            induction_cows: r.induction_cows,
            facts: r.facts,
            status: r.status,
            status_reason: r.status_reason,
            stopped_on: r.stopped_on,
            ends_on: r.ends_on,
            prescriber: UserId(r.prescriber),
            prescriber_name: r.prescriber_name.unwrap_or_default(),
            created_at: r.created_at,
            updated_at: r.updated_at,
            version: r.version,
        }
    }
}

const ORDER_SELECT: &str = "SELECT o.id, o.patient_id, o.rxcui, o.drug_name, o.daily_dose, o.dose_unit, o.route, \
    o.frequency, o.sig, o.start_on, o.indication_id, o.cross_taper, o.first_day_total, o.first_day_justified, \
    o.induction, o.induction_cows, o.facts, o.status, o.status_reason, o.stopped_on, o.ends_on, o.prescriber, \
    u.display_name AS prescriber_name, o.created_at, o.updated_at, o.version \
    FROM medication_orders o LEFT JOIN users u ON u.org_id = o.org_id AND u.id = o.prescriber";

pub async fn insert_order(tx: &mut Tx, org: OrgId, o: &OrderRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO medication_orders (org_id, id, patient_id, rxcui, drug_name, daily_dose, dose_unit, route, \
             frequency, sig, start_on, indication_id, cross_taper, first_day_total, first_day_justified, induction, \
             induction_cows, facts, status, status_reason, stopped_on, ends_on, prescriber, created_at, updated_at, version) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21, $22, $23, $24, $25, $26)",
        )
        .bind(org.0).bind(o.id.0).bind(o.patient_id.0).bind(o.rxcui).bind(&o.drug_name).bind(o.daily_dose)
        .bind(&o.dose_unit).bind(&o.route).bind(&o.frequency).bind(&o.sig).bind(o.start_on)
        .bind(o.indication_id.map(|i| i.0)).bind(o.cross_taper).bind(o.first_day_total).bind(o.first_day_justified)
        .bind(o.induction).bind(o.induction_cows).bind(&o.facts).bind(&o.status).bind(&o.status_reason)
        .bind(o.stopped_on).bind(o.ends_on).bind(o.prescriber.0).bind(o.created_at).bind(o.updated_at).bind(o.version)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_order(tx: &mut Tx, org: OrgId, id: MedicationOrderId) -> Result<Option<OrderRow>> {
    let sql = format!("{ORDER_SELECT} WHERE o.org_id = $1 AND o.id = $2");
    let row: Option<ORow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(OrderRow::from))
}

/// Every order of a patient, newest first. A patient has tens of orders at
/// most, so callers filter and page in memory.
pub async fn orders_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<OrderRow>> {
    let sql = format!(
        "{ORDER_SELECT} WHERE o.org_id = $1 AND o.patient_id = $2 ORDER BY o.created_at DESC, o.id DESC"
    );
    let rows: Vec<ORow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(OrderRow::from).collect())
}

/// A new status. False when the order changed since it was read (`version`).
#[allow(clippy::too_many_arguments)]
pub async fn set_status(
    tx: &mut Tx,
    org: OrgId,
    id: MedicationOrderId,
    version: i64,
    status: &str,
    reason: Option<&str>,
    stopped_on: Option<Date>,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE medication_orders SET status = $4, status_reason = $5, stopped_on = $6, updated_at = $7, \
             version = version + 1 WHERE org_id = $1 AND id = $2 AND version = $3",
        )
        .bind(org.0).bind(id.0).bind(version).bind(status).bind(reason).bind(stopped_on).bind(now)
        .execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// The dose last set, and the date a taper ends the order (if it does).
/// False when the order changed since it was read.
#[allow(clippy::too_many_arguments)]
pub async fn set_dose(
    tx: &mut Tx,
    org: OrgId,
    id: MedicationOrderId,
    version: i64,
    daily_dose: f64,
    unit: &str,
    ends_on: Option<Date>,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE medication_orders SET daily_dose = $4, dose_unit = $5, ends_on = $6, updated_at = $7, \
             version = version + 1 WHERE org_id = $1 AND id = $2 AND version = $3",
        )
        .bind(org.0).bind(id.0).bind(version).bind(daily_dose).bind(unit).bind(ends_on).bind(now)
        .execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// One entry of an order's dose history.
#[derive(Clone, Debug, PartialEq)]
pub struct StepRow {
    pub id: OrderStepId,
    pub order_id: MedicationOrderId,
    pub patient_id: PatientId,
    pub seq: i64,
    pub kind: String,
    pub effective_on: Date,
    pub daily_dose: Option<f64>,
    pub dose_unit: Option<String>,
    pub reason: Option<String>,
    pub recorded_by: UserId,
    /// Filled when read; ignored on insert.
    pub recorded_by_name: String,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct SRow {
    id: Uuid,
    order_id: Uuid,
    patient_id: Uuid,
    seq: i64,
    kind: String,
    effective_on: Date,
    daily_dose: Option<f64>,
    dose_unit: Option<String>,
    reason: Option<String>,
    recorded_by: Uuid,
    recorded_by_name: Option<String>,
    recorded_at: OffsetDateTime,
}

impl From<SRow> for StepRow {
    fn from(r: SRow) -> StepRow {
        StepRow {
            id: OrderStepId(r.id),
            order_id: MedicationOrderId(r.order_id),
            patient_id: PatientId(r.patient_id),
            seq: r.seq,
            kind: r.kind,
            effective_on: r.effective_on,
            daily_dose: r.daily_dose,
            dose_unit: r.dose_unit,
            reason: r.reason,
            recorded_by: UserId(r.recorded_by),
            recorded_by_name: r.recorded_by_name.unwrap_or_default(),
            recorded_at: r.recorded_at,
        }
    }
}

const STEP_SELECT: &str = "SELECT s.id, s.order_id, s.patient_id, s.seq, s.kind, s.effective_on, s.daily_dose, \
    s.dose_unit, s.reason, s.recorded_by, u.display_name AS recorded_by_name, s.recorded_at \
    FROM medication_order_steps s LEFT JOIN users u ON u.org_id = s.org_id AND u.id = s.recorded_by";

pub async fn insert_step(tx: &mut Tx, org: OrgId, s: &StepRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO medication_order_steps (org_id, id, order_id, patient_id, seq, kind, effective_on, daily_dose, \
             dose_unit, reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(org.0).bind(s.id.0).bind(s.order_id.0).bind(s.patient_id.0).bind(s.seq).bind(&s.kind)
        .bind(s.effective_on).bind(s.daily_dose).bind(&s.dose_unit).bind(&s.reason).bind(s.recorded_by.0)
        .bind(s.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

/// Every step of every order of a patient, in the order they were recorded.
pub async fn steps_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<StepRow>> {
    let sql = format!(
        "{STEP_SELECT} WHERE s.org_id = $1 AND s.patient_id = $2 ORDER BY s.order_id, s.seq"
    );
    let rows: Vec<SRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(StepRow::from).collect())
}

/// The steps of one order, in the order they were recorded.
pub async fn steps_for_order(
    tx: &mut Tx,
    org: OrgId,
    order: MedicationOrderId,
) -> Result<Vec<StepRow>> {
    let sql = format!("{STEP_SELECT} WHERE s.org_id = $1 AND s.order_id = $2 ORDER BY s.seq");
    let rows: Vec<SRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(order.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(StepRow::from).collect())
}

/// A finding of the safety check, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct IssueRow {
    pub id: DetectedIssueId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub step_id: Option<OrderStepId>,
    pub severity: String,
    pub kind: String,
    pub rule_id: String,
    pub drugs: String,
    pub detail: String,
    pub advice: String,
    pub source: String,
    pub verified: bool,
    pub implicated: String,
    pub override_reason: Option<String>,
    pub identified_by: UserId,
    pub identified_at: OffsetDateTime,
}

#[derive(FromRow)]
struct IRow {
    id: Uuid,
    patient_id: Uuid,
    order_id: Uuid,
    step_id: Option<Uuid>,
    severity: String,
    kind: String,
    rule_id: String,
    drugs: String,
    detail: String,
    advice: String,
    source: String,
    verified: bool,
    implicated: String,
    override_reason: Option<String>,
    identified_by: Uuid,
    identified_at: OffsetDateTime,
}

impl From<IRow> for IssueRow {
    fn from(r: IRow) -> IssueRow {
        IssueRow {
            id: DetectedIssueId(r.id),
            patient_id: PatientId(r.patient_id),
            order_id: MedicationOrderId(r.order_id),
            step_id: r.step_id.map(OrderStepId),
            severity: r.severity,
            kind: r.kind,
            rule_id: r.rule_id,
            drugs: r.drugs,
            detail: r.detail,
            advice: r.advice,
            source: r.source,
            verified: r.verified,
            implicated: r.implicated,
            override_reason: r.override_reason,
            identified_by: UserId(r.identified_by),
            identified_at: r.identified_at,
        }
    }
}

const ISSUE_COLUMNS: &str = "id, patient_id, order_id, step_id, severity, kind, rule_id, drugs, detail, advice, \
    source, verified, implicated, override_reason, identified_by, identified_at";

pub async fn insert_issue(tx: &mut Tx, org: OrgId, i: &IssueRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO detected_issues (org_id, id, patient_id, order_id, step_id, severity, kind, rule_id, drugs, \
             detail, advice, source, verified, implicated, override_reason, identified_by, identified_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)",
        )
        .bind(org.0).bind(i.id.0).bind(i.patient_id.0).bind(i.order_id.0).bind(i.step_id.map(|s| s.0))
        .bind(&i.severity).bind(&i.kind).bind(&i.rule_id).bind(&i.drugs).bind(&i.detail).bind(&i.advice)
        .bind(&i.source).bind(i.verified).bind(&i.implicated).bind(&i.override_reason).bind(i.identified_by.0)
        .bind(i.identified_at)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_issue(tx: &mut Tx, org: OrgId, id: DetectedIssueId) -> Result<Option<IssueRow>> {
    let sql = format!("SELECT {ISSUE_COLUMNS} FROM detected_issues WHERE org_id = $1 AND id = $2");
    let row: Option<IRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(IssueRow::from))
}

/// A patient's findings, newest first.
pub async fn issues_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<IssueRow>> {
    let sql = format!(
        "SELECT {ISSUE_COLUMNS} FROM detected_issues WHERE org_id = $1 AND patient_id = $2 \
         ORDER BY identified_at DESC, id DESC"
    );
    let rows: Vec<IRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(IssueRow::from).collect())
}
