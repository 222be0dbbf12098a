//! Responses, the score observations derived from them, and where each
//! patient stands on each instrument.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{EpisodeId, ObservationId, OrgId, PatientId, ResponseId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// One stored response. `answers` and `hits` are JSON text; `app` owns
/// their shape.
#[derive(Clone, Debug, PartialEq)]
pub struct Response {
    pub id: ResponseId,
    pub patient_id: PatientId,
    pub episode_id: EpisodeId,
    pub instrument: String,
    pub authored: OffsetDateTime,
    pub answers: String,
    pub total: Option<i32>,
    pub severity: Option<String>,
    pub interpretation: Option<String>,
    pub band_model: Option<String>,
    pub hits: String,
    /// `chart`, `fhir` or `seed`.
    pub source: String,
    pub recorded_by: Option<UserId>,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct ResponseRow {
    id: Uuid,
    patient_id: Uuid,
    episode_id: Uuid,
    instrument: String,
    authored: OffsetDateTime,
    answers: String,
    total: Option<i32>,
    severity: Option<String>,
    interpretation: Option<String>,
    band_model: Option<String>,
    hits: String,
    source: String,
    recorded_by: Option<Uuid>,
    recorded_at: OffsetDateTime,
}

impl From<ResponseRow> for Response {
    fn from(r: ResponseRow) -> Response {
        Response {
            id: ResponseId(r.id),
            patient_id: PatientId(r.patient_id),
            episode_id: EpisodeId(r.episode_id),
            instrument: r.instrument,
            authored: r.authored,
            answers: r.answers,
            total: r.total,
            severity: r.severity,
            interpretation: r.interpretation,
            band_model: r.band_model,
            hits: r.hits,
            source: r.source,
            recorded_by: r.recorded_by.map(UserId),
            recorded_at: r.recorded_at,
        }
    }
}

const RESPONSE_COLUMNS: &str = "id, patient_id, episode_id, instrument, authored, answers, total, severity, \
    interpretation, band_model, hits, source, recorded_by, recorded_at";

pub async fn insert_response(tx: &mut Tx, org: OrgId, r: &Response) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO responses (org_id, id, patient_id, episode_id, instrument, authored, answers, total, severity, \
             interpretation, band_model, hits, source, recorded_by, recorded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)",
        )
        .bind(org.0).bind(r.id.0).bind(r.patient_id.0).bind(r.episode_id.0).bind(&r.instrument)
        .bind(r.authored).bind(&r.answers).bind(r.total).bind(&r.severity).bind(&r.interpretation)
        .bind(&r.band_model).bind(&r.hits).bind(&r.source).bind(r.recorded_by.map(|u| u.0)).bind(r.recorded_at)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_response(tx: &mut Tx, org: OrgId, id: ResponseId) -> Result<Option<Response>> {
    let sql = format!("SELECT {RESPONSE_COLUMNS} FROM responses WHERE org_id = $1 AND id = $2");
    let row: Option<ResponseRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(Response::from))
}

/// A patient's responses to one instrument (or all), oldest first.
pub async fn responses_for(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    instrument: Option<&str>,
) -> Result<Vec<Response>> {
    let sql = format!(
        "SELECT {RESPONSE_COLUMNS} FROM responses WHERE org_id = $1 AND patient_id = $2 \
         AND ($3 IS NULL OR instrument = $3) ORDER BY authored, id"
    );
    let rows: Vec<ResponseRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).bind(instrument).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(Response::from).collect())
}

/// The responses of one episode, oldest first, of one instrument (what a
/// trajectory is read from) or of all.
pub async fn in_episode(
    tx: &mut Tx,
    org: OrgId,
    episode: EpisodeId,
    instrument: Option<&str>,
) -> Result<Vec<Response>> {
    let sql = format!(
        "SELECT {RESPONSE_COLUMNS} FROM responses WHERE org_id = $1 AND episode_id = $2 \
         AND ($3 IS NULL OR instrument = $3) ORDER BY authored, id"
    );
    let rows: Vec<ResponseRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(episode.0).bind(instrument).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(Response::from).collect())
}

/// One score (FHIR Observation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Observation {
    pub id: ObservationId,
    pub patient_id: PatientId,
    pub response_id: ResponseId,
    pub instrument: String,
    pub system: String,
    pub code: String,
    pub display: String,
    pub value: i32,
    pub effective: OffsetDateTime,
    pub interpretation: Option<String>,
    pub subscale: Option<String>,
}

#[derive(FromRow)]
struct ObservationRow {
    id: Uuid,
    patient_id: Uuid,
    response_id: Uuid,
    instrument: String,
    code_system: String,
    code: String,
    display: String,
    value: i32,
    effective: OffsetDateTime,
    interpretation: Option<String>,
    subscale: Option<String>,
}

impl From<ObservationRow> for Observation {
    fn from(r: ObservationRow) -> Observation {
        Observation {
            id: ObservationId(r.id),
            patient_id: PatientId(r.patient_id),
            response_id: ResponseId(r.response_id),
            instrument: r.instrument,
            system: r.code_system,
            code: r.code,
            display: r.display,
            value: r.value,
            effective: r.effective,
            interpretation: r.interpretation,
            subscale: r.subscale,
        }
    }
}

const OBSERVATION_COLUMNS: &str = "id, patient_id, response_id, instrument, code_system, code, display, value, \
    effective, interpretation, subscale";

pub async fn insert_observation(tx: &mut Tx, org: OrgId, o: &Observation) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO observations (org_id, id, patient_id, response_id, instrument, code_system, code, display, \
             value, effective, interpretation, subscale) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
        )
        .bind(org.0).bind(o.id.0).bind(o.patient_id.0).bind(o.response_id.0).bind(&o.instrument)
        .bind(&o.system).bind(&o.code).bind(&o.display).bind(o.value).bind(o.effective)
        .bind(&o.interpretation).bind(&o.subscale)
        .execute(c).await?;
    });
    Ok(())
}

pub async fn get_observation(
    tx: &mut Tx,
    org: OrgId,
    id: ObservationId,
) -> Result<Option<Observation>> {
    let sql =
        format!("SELECT {OBSERVATION_COLUMNS} FROM observations WHERE org_id = $1 AND id = $2");
    let row: Option<ObservationRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(Observation::from))
}

pub async fn observations_of_response(
    tx: &mut Tx,
    org: OrgId,
    response: ResponseId,
) -> Result<Vec<Observation>> {
    let sql = format!(
        "SELECT {OBSERVATION_COLUMNS} FROM observations WHERE org_id = $1 AND response_id = $2 ORDER BY subscale NULLS FIRST, code"
    );
    let rows: Vec<ObservationRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(response.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(Observation::from).collect())
}

/// Observation search within one patient.
#[derive(Clone, Debug, Default)]
pub struct ObservationQuery {
    /// Code, with or without its system.
    pub code: Option<(Option<String>, String)>,
    /// Effective at or after.
    pub from: Option<OffsetDateTime>,
    /// Effective before.
    pub before: Option<OffsetDateTime>,
    pub limit: u32,
    pub offset: u32,
}

pub async fn search_observations(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    q: &ObservationQuery,
) -> Result<(Vec<Observation>, u64)> {
    let (system, code) = match &q.code {
        Some((s, c)) => (s.clone(), Some(c.clone())),
        None => (None, None),
    };
    let filter = "FROM observations WHERE org_id = $1 AND patient_id = $2 \
        AND ($3 IS NULL OR code_system = $3) AND ($4 IS NULL OR code = $4) \
        AND ($5 IS NULL OR effective >= $5) AND ($6 IS NULL OR effective < $6)";
    let sql = format!(
        "SELECT {OBSERVATION_COLUMNS} {filter} ORDER BY effective DESC, id LIMIT $7 OFFSET $8"
    );
    let count = format!("SELECT COUNT(*) {filter}");
    let (rows, total): (Vec<ObservationRow>, i64) = on_tx!(tx, c => {
        let rows = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.0).bind(patient.0).bind(&system).bind(&code).bind(q.from).bind(q.before)
            .bind(i64::from(q.limit)).bind(i64::from(q.offset))
            .fetch_all(&mut *c).await?;
        let total: i64 = sqlx::query_scalar(sqlx::AssertSqlSafe(count.as_str()))
            .bind(org.0).bind(patient.0).bind(&system).bind(&code).bind(q.from).bind(q.before)
            .fetch_one(&mut *c).await?;
        (rows, total)
    });
    Ok((
        rows.into_iter().map(Observation::from).collect(),
        total.max(0) as u64,
    ))
}

/// Where a patient stands on one instrument in the open episode.
#[derive(Clone, Debug, PartialEq)]
pub struct MeasureStatus {
    pub patient_id: PatientId,
    pub instrument: String,
    pub episode_id: EpisodeId,
    pub responses: i64,
    pub baseline_score: Option<i32>,
    pub baseline_on: Date,
    pub latest_score: Option<i32>,
    pub latest_on: Date,
    pub latest_response_id: ResponseId,
    pub latest_severity: Option<String>,
    pub latest_interpretation: Option<String>,
    pub change: Option<i32>,
    pub percent_change: Option<f64>,
    pub weeks: i64,
    pub status: Option<String>,
    pub hits: String,
}

#[derive(FromRow)]
struct MeasureRow {
    patient_id: Uuid,
    instrument: String,
    episode_id: Uuid,
    responses: i64,
    baseline_score: Option<i32>,
    baseline_on: Date,
    latest_score: Option<i32>,
    latest_on: Date,
    latest_response_id: Uuid,
    latest_severity: Option<String>,
    latest_interpretation: Option<String>,
    change: Option<i32>,
    percent_change: Option<f64>,
    weeks: i64,
    status: Option<String>,
    hits: String,
}

impl From<MeasureRow> for MeasureStatus {
    fn from(r: MeasureRow) -> MeasureStatus {
        MeasureStatus {
            patient_id: PatientId(r.patient_id),
            instrument: r.instrument,
            episode_id: EpisodeId(r.episode_id),
            responses: r.responses,
            baseline_score: r.baseline_score,
            baseline_on: r.baseline_on,
            latest_score: r.latest_score,
            latest_on: r.latest_on,
            latest_response_id: ResponseId(r.latest_response_id),
            latest_severity: r.latest_severity,
            latest_interpretation: r.latest_interpretation,
            change: r.change,
            percent_change: r.percent_change,
            weeks: r.weeks,
            status: r.status,
            hits: r.hits,
        }
    }
}

const MEASURE_COLUMNS: &str = "patient_id, instrument, episode_id, responses, baseline_score, baseline_on, \
    latest_score, latest_on, latest_response_id, latest_severity, latest_interpretation, change, percent_change, \
    weeks, status, hits";

pub async fn upsert_measure(tx: &mut Tx, org: OrgId, m: &MeasureStatus) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO measure_status (org_id, patient_id, instrument, episode_id, responses, baseline_score, \
             baseline_on, latest_score, latest_on, latest_response_id, latest_severity, latest_interpretation, \
             change, percent_change, weeks, status, hits) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) \
             ON CONFLICT (org_id, patient_id, instrument) DO UPDATE SET episode_id = excluded.episode_id, \
             responses = excluded.responses, baseline_score = excluded.baseline_score, \
             baseline_on = excluded.baseline_on, latest_score = excluded.latest_score, \
             latest_on = excluded.latest_on, latest_response_id = excluded.latest_response_id, \
             latest_severity = excluded.latest_severity, latest_interpretation = excluded.latest_interpretation, \
             change = excluded.change, percent_change = excluded.percent_change, weeks = excluded.weeks, \
             status = excluded.status, hits = excluded.hits",
        )
        .bind(org.0).bind(m.patient_id.0).bind(&m.instrument).bind(m.episode_id.0).bind(m.responses)
        .bind(m.baseline_score).bind(m.baseline_on).bind(m.latest_score).bind(m.latest_on)
        .bind(m.latest_response_id.0).bind(&m.latest_severity).bind(&m.latest_interpretation)
        .bind(m.change).bind(m.percent_change).bind(m.weeks).bind(&m.status).bind(&m.hits)
        .execute(c).await?;
    });
    Ok(())
}

/// Every instrument's status for one patient in the given episode.
pub async fn measures_for(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    episode: EpisodeId,
) -> Result<Vec<MeasureStatus>> {
    let sql = format!(
        "SELECT {MEASURE_COLUMNS} FROM measure_status WHERE org_id = $1 AND patient_id = $2 AND episode_id = $3 ORDER BY instrument"
    );
    let rows: Vec<MeasureRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).bind(episode.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(MeasureStatus::from).collect())
}

/// The current statuses of several patients (one registry page).
pub async fn measures_for_patients(
    tx: &mut Tx,
    org: OrgId,
    patients: &[PatientId],
) -> Result<Vec<MeasureStatus>> {
    if patients.is_empty() {
        return Ok(Vec::new());
    }
    let marks: Vec<String> = (0..patients.len()).map(|i| format!("${}", i + 2)).collect();
    let sql = format!(
        "SELECT m.{cols} FROM measure_status m JOIN patient_status s ON s.org_id = m.org_id \
         AND s.patient_id = m.patient_id AND s.episode_id = m.episode_id \
         WHERE m.org_id = $1 AND m.patient_id IN ({}) ORDER BY m.patient_id, m.instrument",
        marks.join(", "),
        cols = MEASURE_COLUMNS.replace(", ", ", m.")
    );
    let rows: Vec<MeasureRow> = on_tx!(tx, c => {
        let mut q = sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0);
        for p in patients {
            q = q.bind(p.0);
        }
        q.fetch_all(c).await?
    });
    Ok(rows.into_iter().map(MeasureStatus::from).collect())
}
