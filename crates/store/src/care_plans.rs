//! Care plans, their versions (the content as JSON, with who, when, why,
//! the signature and the patient's agreement) and the goal-id map.

use crate::{Result, StoreError, Tx, on_tx};
use sqlx::FromRow;
use tandem_core::care_plan::{
    Agreement, AnyVersion, DraftVersion, PlanBody, Signed, SignedVersion, VersionMeta,
};
use tandem_core::ids::{CarePlanId, EpisodeId, GoalId, OrgId, PatientId, UserId};
use time::OffsetDateTime;
use uuid::Uuid;

/// A plan's header: whose, and which version is current.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Plan {
    pub id: CarePlanId,
    pub patient_id: PatientId,
    pub episode_id: Option<EpisodeId>,
    /// `active` (one per patient) or `ended`.
    pub status: String,
    pub current_version: u32,
    pub created_at: OffsetDateTime,
}

#[derive(FromRow)]
struct PlanRow {
    id: Uuid,
    patient_id: Uuid,
    episode_id: Option<Uuid>,
    status: String,
    current_version: i32,
    created_at: OffsetDateTime,
}

impl From<PlanRow> for Plan {
    fn from(r: PlanRow) -> Plan {
        Plan {
            id: CarePlanId(r.id),
            patient_id: PatientId(r.patient_id),
            episode_id: r.episode_id.map(EpisodeId),
            status: r.status,
            current_version: u32::try_from(r.current_version).unwrap_or(0),
            created_at: r.created_at,
        }
    }
}

const PLAN_COLUMNS: &str = "id, patient_id, episode_id, status, current_version, created_at";

#[derive(FromRow)]
struct VersionRow {
    plan_id: Uuid,
    version: i32,
    body: String,
    reason: String,
    author: Uuid,
    created_at: OffsetDateTime,
    signed_by: Option<Uuid>,
    signed_at: Option<OffsetDateTime>,
    patient_agreed_at: Option<OffsetDateTime>,
    agreement_note: Option<String>,
    agreement_recorded_by: Option<Uuid>,
}

const VERSION_COLUMNS: &str = "plan_id, version, body, reason, author, created_at, signed_by, signed_at, \
    patient_agreed_at, agreement_note, agreement_recorded_by";

impl TryFrom<VersionRow> for AnyVersion {
    type Error = StoreError;
    fn try_from(r: VersionRow) -> Result<AnyVersion> {
        let body: PlanBody = serde_json::from_str(&r.body).map_err(|e| {
            StoreError::Corrupt(format!(
                "care_plan_versions.body of version {}: {e}",
                r.version
            ))
        })?;
        let meta = VersionMeta {
            plan: CarePlanId(r.plan_id),
            number: u32::try_from(r.version)
                .map_err(|_| StoreError::Corrupt("care_plan_versions.version".into()))?,
            author: UserId(r.author),
            created_at: r.created_at,
            reason: r.reason,
        };
        let agreement = match (r.patient_agreed_at, r.agreement_recorded_by) {
            (Some(at), Some(by)) => Some(Agreement {
                at,
                note: r.agreement_note.unwrap_or_default(),
                recorded_by: UserId(by),
            }),
            _ => None,
        };
        Ok(match (r.signed_by, r.signed_at) {
            (Some(by), Some(at)) => AnyVersion::Signed(SignedVersion::restore(
                meta,
                body,
                agreement,
                Signed { by: UserId(by), at },
            )),
            _ => AnyVersion::Draft(DraftVersion::restore(meta, body, agreement)),
        })
    }
}

fn body_json(body: &PlanBody) -> Result<String> {
    serde_json::to_string(body).map_err(|e| StoreError::Corrupt(e.to_string()))
}

/// A new active plan with its first version.
pub async fn create(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    episode: Option<EpisodeId>,
    first: &DraftVersion,
) -> Result<Plan> {
    let m = first.meta();
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO care_plans (org_id, id, patient_id, episode_id, status, current_version, created_at) \
             VALUES ($1, $2, $3, $4, 'active', $5, $6)",
        )
        .bind(org.0).bind(m.plan.0).bind(patient.0).bind(episode.map(|e| e.0))
        .bind(i64::from(m.number)).bind(m.created_at)
        .execute(c).await?;
    });
    insert_version(tx, org, patient, first).await?;
    Ok(Plan {
        id: m.plan,
        patient_id: patient,
        episode_id: episode,
        status: "active".into(),
        current_version: m.number,
        created_at: m.created_at,
    })
}

/// A new version that becomes the plan's current one.
pub async fn add_version(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    v: &DraftVersion,
) -> Result<()> {
    insert_version(tx, org, patient, v).await?;
    let m = v.meta();
    on_tx!(tx, c => {
        sqlx::query("UPDATE care_plans SET current_version = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(m.plan.0).bind(i64::from(m.number)).execute(c).await?;
    });
    Ok(())
}

async fn insert_version(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    v: &DraftVersion,
) -> Result<()> {
    let m = v.meta();
    let body = body_json(v.body())?;
    let res = on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO care_plan_versions (org_id, plan_id, version, patient_id, body, reason, author, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8) ON CONFLICT DO NOTHING",
        )
        .bind(org.0).bind(m.plan.0).bind(i64::from(m.number)).bind(patient.0).bind(body)
        .bind(&m.reason).bind(m.author.0).bind(m.created_at)
        .execute(c).await?
        .rows_affected()
    });
    if res == 0 {
        return Err(StoreError::Duplicate("care plan version"));
    }
    Ok(())
}

/// The patient's active plan, if any.
pub async fn active_for(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Option<Plan>> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM care_plans WHERE org_id = $1 AND patient_id = $2 AND status = 'active'"
    );
    let row: Option<PlanRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(Plan::from))
}

pub async fn get(tx: &mut Tx, org: OrgId, id: CarePlanId) -> Result<Option<Plan>> {
    let sql = format!("SELECT {PLAN_COLUMNS} FROM care_plans WHERE org_id = $1 AND id = $2");
    let row: Option<PlanRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    Ok(row.map(Plan::from))
}

/// Every plan of a patient, newest first.
pub async fn for_patient(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Vec<Plan>> {
    let sql = format!(
        "SELECT {PLAN_COLUMNS} FROM care_plans WHERE org_id = $1 AND patient_id = $2 ORDER BY created_at DESC, id DESC"
    );
    let rows: Vec<PlanRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows.into_iter().map(Plan::from).collect())
}

/// One version of a plan.
pub async fn version(
    tx: &mut Tx,
    org: OrgId,
    plan: CarePlanId,
    number: u32,
) -> Result<Option<AnyVersion>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM care_plan_versions WHERE org_id = $1 AND plan_id = $2 AND version = $3"
    );
    let row: Option<VersionRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
            .bind(org.0).bind(plan.0).bind(i64::from(number)).fetch_optional(c).await?
    });
    row.map(AnyVersion::try_from).transpose()
}

/// Every version of a plan, oldest first.
pub async fn versions(tx: &mut Tx, org: OrgId, plan: CarePlanId) -> Result<Vec<AnyVersion>> {
    let sql = format!(
        "SELECT {VERSION_COLUMNS} FROM care_plan_versions WHERE org_id = $1 AND plan_id = $2 ORDER BY version"
    );
    let rows: Vec<VersionRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(plan.0).fetch_all(c).await?
    });
    rows.into_iter().map(AnyVersion::try_from).collect()
}

/// Signs a version that is not signed yet. `false` when it already was
/// (or does not exist): a signature is never replaced.
pub async fn sign(tx: &mut Tx, org: OrgId, v: &SignedVersion) -> Result<bool> {
    let m = v.meta();
    let s = v.signature();
    let n = on_tx!(tx, c => {
        sqlx::query(
            "UPDATE care_plan_versions SET signed_by = $4, signed_at = $5 \
             WHERE org_id = $1 AND plan_id = $2 AND version = $3 AND signed_at IS NULL",
        )
        .bind(org.0).bind(m.plan.0).bind(i64::from(m.number)).bind(s.by.0).bind(s.at)
        .execute(c).await?
        .rows_affected()
    });
    Ok(n == 1)
}

/// Records the patient's agreement with a version.
pub async fn record_agreement(
    tx: &mut Tx,
    org: OrgId,
    plan: CarePlanId,
    number: u32,
    a: &Agreement,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE care_plan_versions SET patient_agreed_at = $4, agreement_note = $5, agreement_recorded_by = $6 \
             WHERE org_id = $1 AND plan_id = $2 AND version = $3",
        )
        .bind(org.0).bind(plan.0).bind(i64::from(number)).bind(a.at).bind(&a.note).bind(a.recorded_by.0)
        .execute(c).await?;
    });
    Ok(())
}

/// Makes goals addressable by id (a goal keeps its id across versions).
pub async fn map_goals(
    tx: &mut Tx,
    org: OrgId,
    plan: CarePlanId,
    patient: PatientId,
    goals: &[GoalId],
) -> Result<()> {
    for g in goals {
        on_tx!(tx, c => {
            sqlx::query(
                "INSERT INTO care_plan_goals (org_id, id, plan_id, patient_id) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT DO NOTHING",
            )
            .bind(org.0).bind(g.0).bind(plan.0).bind(patient.0).execute(c).await?;
        });
    }
    Ok(())
}

/// The plan and patient a goal belongs to.
pub async fn goal_owner(
    tx: &mut Tx,
    org: OrgId,
    goal: GoalId,
) -> Result<Option<(CarePlanId, PatientId)>> {
    let row: Option<(Uuid, Uuid)> = on_tx!(tx, c => {
        sqlx::query_as("SELECT plan_id, patient_id FROM care_plan_goals WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(goal.0).fetch_optional(c).await?
    });
    Ok(row.map(|(p, pt)| (CarePlanId(p), PatientId(pt))))
}

/// The ids of every goal a patient's plans have had.
pub async fn goals_for_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Vec<(GoalId, CarePlanId)>> {
    let rows: Vec<(Uuid, Uuid)> = on_tx!(tx, c => {
        sqlx::query_as("SELECT id, plan_id FROM care_plan_goals WHERE org_id = $1 AND patient_id = $2 ORDER BY id")
            .bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    Ok(rows
        .into_iter()
        .map(|(g, p)| (GoalId(g), CarePlanId(p)))
        .collect())
}

/// Who signed a plan's versions last, and when: the responsible clinician.
pub fn last_signature(versions: &[AnyVersion]) -> Option<&Signed> {
    versions.iter().rev().find_map(AnyVersion::signature)
}
