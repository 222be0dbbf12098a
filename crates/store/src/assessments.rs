//! Structured clinical assessments with their ASAM ratings, the pathway
//! recommendation as it was shown, and the clinician's decision. `body`,
//! `asam` and `recommendation` are JSON text; `app` owns their shape.

use crate::{Result, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{AssessmentId, EpisodeId, OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AssessmentRow {
    pub id: AssessmentId,
    pub patient_id: PatientId,
    pub episode_id: Option<EpisodeId>,
    pub body: String,
    pub asam: Option<String>,
    pub recommendation: Option<String>,
    /// `accepted` or `overridden`; `None` while the assessment is open.
    pub decision: Option<String>,
    pub decision_pathway: Option<String>,
    pub decision_reason: Option<String>,
    pub decided_by: Option<UserId>,
    /// The decider's display name.
    pub decided_by_name: Option<String>,
    pub decided_at: Option<OffsetDateTime>,
    pub created_by: UserId,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
}

#[derive(FromRow)]
struct Row {
    id: Uuid,
    patient_id: Uuid,
    episode_id: Option<Uuid>,
    body: String,
    asam: Option<String>,
    recommendation: Option<String>,
    decision: Option<String>,
    decision_pathway: Option<String>,
    decision_reason: Option<String>,
    decided_by: Option<Uuid>,
    decided_by_name: Option<String>,
    decided_at: Option<OffsetDateTime>,
    created_by: Uuid,
    created_at: OffsetDateTime,
    updated_at: OffsetDateTime,
}

impl From<Row> for AssessmentRow {
    fn from(r: Row) -> AssessmentRow {
        AssessmentRow {
            id: AssessmentId(r.id),
            patient_id: PatientId(r.patient_id),
            episode_id: r.episode_id.map(EpisodeId),
            body: r.body,
            asam: r.asam,
            recommendation: r.recommendation,
            decision: r.decision,
            decision_pathway: r.decision_pathway,
            decision_reason: r.decision_reason,
            decided_by: r.decided_by.map(UserId),
            decided_by_name: r.decided_by_name,
            decided_at: r.decided_at,
            created_by: UserId(r.created_by),
            created_at: r.created_at,
            updated_at: r.updated_at,
        }
    }
}

const SELECT: &str = "SELECT a.id, a.patient_id, a.episode_id, a.body, a.asam, a.recommendation, a.decision, \
    a.decision_pathway, a.decision_reason, a.decided_by, u.display_name AS decided_by_name, a.decided_at, \
    a.created_by, a.created_at, a.updated_at \
    FROM assessments a LEFT JOIN users u ON u.org_id = a.org_id AND u.id = a.decided_by";

#[allow(clippy::too_many_arguments)]
pub async fn insert(
    tx: &mut Tx,
    org: OrgId,
    id: AssessmentId,
    patient: PatientId,
    episode: Option<EpisodeId>,
    body: &str,
    by: UserId,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO assessments (org_id, id, patient_id, episode_id, body, created_by, created_at, updated_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $7)",
        )
        .bind(org.0).bind(id.0).bind(patient.0).bind(episode.map(|e| e.0)).bind(body).bind(by.0).bind(now)
        .execute(c).await?;
    });
    Ok(())
}

/// Rewrites an open assessment's body. False when it was decided meanwhile
/// (a decided assessment is never edited).
pub async fn update_body(
    tx: &mut Tx,
    org: OrgId,
    id: AssessmentId,
    body: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE assessments SET body = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 AND decision IS NULL",
        )
        .bind(org.0).bind(id.0).bind(body).bind(now).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// Sets an open assessment's ASAM ratings. False when it was decided.
pub async fn set_asam(
    tx: &mut Tx,
    org: OrgId,
    id: AssessmentId,
    asam: &str,
    now: OffsetDateTime,
) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE assessments SET asam = $3, updated_at = $4 WHERE org_id = $1 AND id = $2 AND decision IS NULL",
        )
        .bind(org.0).bind(id.0).bind(asam).bind(now).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

/// The clinician's decision, with the recommendation as it was shown.
pub struct Decided<'a> {
    pub recommendation: &'a str,
    pub decision: &'a str,
    pub pathway: &'a str,
    pub reason: Option<&'a str>,
    pub by: UserId,
    pub at: OffsetDateTime,
}

/// Records the decision on an open assessment. False when it was already
/// decided: a decision is made once.
pub async fn decide(tx: &mut Tx, org: OrgId, id: AssessmentId, d: &Decided<'_>) -> Result<bool> {
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE assessments SET recommendation = $3, decision = $4, decision_pathway = $5, decision_reason = $6, \
             decided_by = $7, decided_at = $8, updated_at = $8 \
             WHERE org_id = $1 AND id = $2 AND decision IS NULL",
        )
        .bind(org.0).bind(id.0).bind(d.recommendation).bind(d.decision).bind(d.pathway).bind(d.reason)
        .bind(d.by.0).bind(d.at).execute(c).await?.rows_affected()
    });
    Ok(n == 1)
}

pub async fn get(tx: &mut Tx, org: OrgId, id: AssessmentId) -> Result<Option<AssessmentRow>> {
    let sql = format!("{SELECT} WHERE a.org_id = $1 AND a.id = $2");
    let row: Option<Row> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(AssessmentRow::from))
}

/// The patient's assessments, newest first.
pub async fn for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<AssessmentRow>> {
    let sql = format!(
        "{SELECT} WHERE a.org_id = $1 AND a.patient_id = $2 ORDER BY a.created_at DESC, a.id DESC"
    );
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(AssessmentRow::from).collect())
}

/// The patient's latest assessment, decided or not.
pub async fn latest(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Option<AssessmentRow>> {
    let sql = format!(
        "{SELECT} WHERE a.org_id = $1 AND a.patient_id = $2 ORDER BY a.created_at DESC, a.id DESC LIMIT 1"
    );
    let row: Option<Row> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(AssessmentRow::from))
}

/// The patient's latest decided assessment.
pub async fn latest_decided(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Option<AssessmentRow>> {
    let sql = format!(
        "{SELECT} WHERE a.org_id = $1 AND a.patient_id = $2 AND a.decision IS NOT NULL \
         ORDER BY a.decided_at DESC, a.id DESC LIMIT 1"
    );
    let row: Option<Row> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(AssessmentRow::from))
}

/// The program of the patient's open episode, when the patient is enrolled.
pub async fn open_episode_program(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Option<String>> {
    let row: Option<(Option<String>,)> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT program FROM episodes WHERE org_id = $1 AND patient_id = $2 AND ended_on IS NULL",
        )
        .bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.and_then(|(p,)| p))
}
