//! The opioid treatment program's dosing log, the take-home criteria
//! reviews and the take-home days granted. Kinds and units are stored as
//! text; `app` owns their meaning. A review's criteria are JSON.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{
    DoseRecordId, MedicationOrderId, OrgId, PatientId, TakeHomeDayId, TakeHomeGrantId,
    TakeHomeReviewId, UserId,
};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One record of the dosing log, with the recorder's display name.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseRow {
    pub id: DoseRecordId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub rxcui: i64,
    pub dose_on: Date,
    /// observed, take_home or missed.
    pub kind: String,
    pub amount: Option<f64>,
    pub dose_unit: Option<String>,
    pub part: i32,
    pub parts: i32,
    pub given_at: Option<OffsetDateTime>,
    pub note: Option<String>,
    pub recorded_by: UserId,
    /// Filled when read; ignored on insert.
    pub recorded_by_name: String,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct DRow {
    id: Uuid,
    patient_id: Uuid,
    order_id: Uuid,
    rxcui: i64,
    dose_on: Date,
    kind: String,
    amount: Option<f64>,
    dose_unit: Option<String>,
    part: i32,
    parts: i32,
    given_at: Option<OffsetDateTime>,
    note: Option<String>,
    recorded_by: Uuid,
    recorded_by_name: Option<String>,
    recorded_at: OffsetDateTime,
}

impl From<DRow> for DoseRow {
    fn from(r: DRow) -> DoseRow {
        DoseRow {
            id: DoseRecordId(r.id),
            patient_id: PatientId(r.patient_id),
            order_id: MedicationOrderId(r.order_id),
            rxcui: r.rxcui,
            dose_on: r.dose_on,
            kind: r.kind,
            amount: r.amount,
            dose_unit: r.dose_unit,
            part: r.part,
            parts: r.parts,
            given_at: r.given_at,
            note: r.note,
            recorded_by: UserId(r.recorded_by),
            recorded_by_name: r.recorded_by_name.unwrap_or_default(),
            recorded_at: r.recorded_at,
        }
    }
}

const DOSE_SELECT: &str = "SELECT d.id, d.patient_id, d.order_id, d.rxcui, d.dose_on, d.kind, d.amount, \
    d.dose_unit, d.part, d.parts, d.given_at, d.note, d.recorded_by, u.display_name AS recorded_by_name, \
    d.recorded_at FROM otp_doses d LEFT JOIN users u ON u.org_id = d.org_id AND u.id = d.recorded_by";

pub async fn insert_dose(tx: &mut Tx, org: OrgId, d: &DoseRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO otp_doses (org_id, id, patient_id, order_id, rxcui, dose_on, kind, amount, dose_unit, \
             part, parts, given_at, note, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(org.0).bind(d.id.0).bind(d.patient_id.0).bind(d.order_id.0).bind(d.rxcui).bind(d.dose_on)
        .bind(&d.kind).bind(d.amount).bind(&d.dose_unit).bind(d.part).bind(d.parts).bind(d.given_at)
        .bind(&d.note).bind(d.recorded_by.0).bind(d.recorded_at)
        .execute(c).await.map_err(crate::unique("dose record for this day"))?;
    });
    Ok(())
}

pub async fn get_dose(tx: &mut Tx, org: OrgId, id: DoseRecordId) -> Result<Option<DoseRow>> {
    let sql = format!("{DOSE_SELECT} WHERE d.org_id = $1 AND d.id = $2");
    let row: Option<DRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(DoseRow::from))
}

/// A patient's dosing log from `since` on (every drug), by day then part.
pub async fn doses_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    since: Option<Date>,
) -> Result<Vec<DoseRow>> {
    let sql = format!(
        "{DOSE_SELECT} WHERE d.org_id = $1 AND d.patient_id = $2 AND ($3 IS NULL OR d.dose_on >= $3) \
         ORDER BY d.dose_on, d.rxcui, d.part"
    );
    let rows: Vec<DRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).bind(since).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(DoseRow::from).collect())
}

/// A practitioner's review of the take-home criteria.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ReviewRow {
    pub id: TakeHomeReviewId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub criteria: String,
    pub reviewed_by: UserId,
    /// Filled when read; ignored on insert.
    pub reviewed_by_name: String,
    pub reviewed_at: OffsetDateTime,
}

pub async fn insert_review(tx: &mut Tx, org: OrgId, r: &ReviewRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO take_home_reviews (org_id, id, patient_id, order_id, criteria, reviewed_by, reviewed_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7)",
        )
        .bind(org.0).bind(r.id.0).bind(r.patient_id.0).bind(r.order_id.0).bind(&r.criteria)
        .bind(r.reviewed_by.0).bind(r.reviewed_at)
        .execute(c).await?;
    });
    Ok(())
}

type ReviewTuple = (
    Uuid,
    Uuid,
    Uuid,
    String,
    Uuid,
    Option<String>,
    OffsetDateTime,
);

/// The latest review of an order's take-home criteria.
pub async fn latest_review(
    tx: &mut Tx,
    org: OrgId,
    order: MedicationOrderId,
) -> Result<Option<ReviewRow>> {
    let row: Option<ReviewTuple> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT r.id, r.patient_id, r.order_id, r.criteria, r.reviewed_by, u.display_name, r.reviewed_at \
             FROM take_home_reviews r LEFT JOIN users u ON u.org_id = r.org_id AND u.id = r.reviewed_by \
             WHERE r.org_id = $1 AND r.order_id = $2 ORDER BY r.reviewed_at DESC, r.id DESC LIMIT 1",
        )
        .bind(org.0).bind(order.0).fetch_optional(c).await?
    });
    Ok(row.map(|(id, p, o, criteria, by, name, at)| ReviewRow {
        id: TakeHomeReviewId(id),
        patient_id: PatientId(p),
        order_id: MedicationOrderId(o),
        criteria,
        reviewed_by: UserId(by),
        reviewed_by_name: name.unwrap_or_default(),
        reviewed_at: at,
    }))
}

/// One date of a take-home schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeDayRow {
    pub id: TakeHomeDayId,
    pub grant_id: TakeHomeGrantId,
    pub patient_id: PatientId,
    pub order_id: MedicationOrderId,
    pub rxcui: i64,
    pub dose_on: Date,
    pub closure: bool,
    pub days_in_treatment: i32,
    pub granted_by: UserId,
    pub granted_at: OffsetDateTime,
}

pub async fn insert_take_home_day(tx: &mut Tx, org: OrgId, d: &TakeHomeDayRow) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO take_home_days (org_id, id, grant_id, patient_id, order_id, rxcui, dose_on, closure, \
             days_in_treatment, granted_by, granted_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
        )
        .bind(org.0).bind(d.id.0).bind(d.grant_id.0).bind(d.patient_id.0).bind(d.order_id.0).bind(d.rxcui)
        .bind(d.dose_on).bind(d.closure).bind(d.days_in_treatment).bind(d.granted_by.0).bind(d.granted_at)
        .execute(c).await.map_err(crate::unique("take-home date"))?;
    });
    Ok(())
}

#[derive(FromRow)]
struct TRow {
    id: Uuid,
    grant_id: Uuid,
    patient_id: Uuid,
    order_id: Uuid,
    rxcui: i64,
    dose_on: Date,
    closure: bool,
    days_in_treatment: i32,
    granted_by: Uuid,
    granted_at: OffsetDateTime,
}

/// A patient's take-home dates from `since` on, by date.
pub async fn take_home_days(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    since: Date,
) -> Result<Vec<TakeHomeDayRow>> {
    let rows: Vec<TRow> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, grant_id, patient_id, order_id, rxcui, dose_on, closure, days_in_treatment, granted_by, \
             granted_at FROM take_home_days WHERE org_id = $1 AND patient_id = $2 AND dose_on >= $3 \
             ORDER BY dose_on, rxcui",
        )
        .bind(org.0).bind(patient.0).bind(since).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|r| TakeHomeDayRow {
            id: TakeHomeDayId(r.id),
            grant_id: TakeHomeGrantId(r.grant_id),
            patient_id: PatientId(r.patient_id),
            order_id: MedicationOrderId(r.order_id),
            rxcui: r.rxcui,
            dose_on: r.dose_on,
            closure: r.closure,
            days_in_treatment: r.days_in_treatment,
            granted_by: UserId(r.granted_by),
            granted_at: r.granted_at,
        })
        .collect())
}
