//! Episodes of care: the span a measurement baseline belongs to, the
//! program and level of care it is enrolled at, its changes of level, and
//! its discharge.

use crate::{Result, StoreError, Tx, on_tx, parse_col};
use sqlx::FromRow;
use tandem_core::episode::DischargeReason;
use tandem_core::ids::{EpisodeId, OrgId, PatientId, TransitionId, UserId};
use tandem_core::level_of_care::LevelOfCare;
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

/// An episode with its enrolment and discharge, and its changes of level
/// oldest first. `program` and `level` are empty for an episode a first
/// measure started and no one has enrolled yet.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeOfCare {
    pub id: EpisodeId,
    pub patient_id: PatientId,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    pub program: Option<String>,
    pub level: Option<LevelOfCare>,
    pub enrolled_by: Option<UserId>,
    pub discharge_reason: Option<DischargeReason>,
    pub discharge_summary: Option<String>,
    pub discharged_by: Option<UserId>,
    pub created_at: OffsetDateTime,
    pub transitions: Vec<LevelChange>,
}

impl EpisodeOfCare {
    pub fn is_open(&self) -> bool {
        self.ended_on.is_none()
    }

    /// Since when the episode has been at its current level: the last
    /// change of level, or the start.
    pub fn level_since(&self) -> Date {
        self.transitions
            .last()
            .map_or(self.started_on, |t| t.on.max(self.started_on))
    }

    /// The earliest day a change of level or a discharge may be dated.
    pub fn not_before(&self) -> Date {
        self.level_since()
    }
}

/// One change of level of care (`episode_transitions`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LevelChange {
    pub id: TransitionId,
    pub episode_id: EpisodeId,
    pub on: Date,
    pub from: LevelOfCare,
    pub to: LevelOfCare,
    pub reason: String,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

#[derive(FromRow)]
struct EpisodeRow {
    id: Uuid,
    patient_id: Uuid,
    started_on: Date,
    ended_on: Option<Date>,
    program: Option<String>,
    level: Option<String>,
    enrolled_by: Option<Uuid>,
    discharge_reason: Option<String>,
    discharge_summary: Option<String>,
    discharged_by: Option<Uuid>,
    created_at: OffsetDateTime,
}

const EPISODE_COLUMNS: &str = "id, patient_id, started_on, ended_on, program, level, enrolled_by, \
    discharge_reason, discharge_summary, discharged_by, created_at";

fn level_col(col: &'static str, v: &str) -> Result<LevelOfCare> {
    LevelOfCare::parse(v).ok_or_else(|| StoreError::Corrupt(format!("{col} = {v:?}")))
}

async fn with_transitions(tx: &mut Tx, org: OrgId, r: EpisodeRow) -> Result<EpisodeOfCare> {
    let transitions = transitions_of(tx, org, EpisodeId(r.id)).await?;
    Ok(EpisodeOfCare {
        id: EpisodeId(r.id),
        patient_id: PatientId(r.patient_id),
        started_on: r.started_on,
        ended_on: r.ended_on,
        program: r.program,
        level: r
            .level
            .as_deref()
            .map(|l| level_col("episodes.level", l))
            .transpose()?,
        enrolled_by: r.enrolled_by.map(UserId),
        discharge_reason: r
            .discharge_reason
            .as_deref()
            .map(|v| parse_col("episodes.discharge_reason", v))
            .transpose()?,
        discharge_summary: r.discharge_summary,
        discharged_by: r.discharged_by.map(UserId),
        created_at: r.created_at,
        transitions,
    })
}

/// The changes of level of one episode, oldest first.
pub async fn transitions_of(
    tx: &mut Tx,
    org: OrgId,
    episode: EpisodeId,
) -> Result<Vec<LevelChange>> {
    type Row = (
        Uuid,
        Uuid,
        Date,
        String,
        String,
        String,
        Uuid,
        OffsetDateTime,
    );
    let rows: Vec<Row> = on_tx!(tx, c => {
        sqlx::query_as(
            "SELECT id, episode_id, on_date, from_level, to_level, reason, recorded_by, recorded_at \
             FROM episode_transitions WHERE org_id = $1 AND episode_id = $2 ORDER BY on_date, recorded_at, id",
        )
        .bind(org.0).bind(episode.0).fetch_all(c).await?
    });
    rows.into_iter()
        .map(|(id, ep, on, from, to, reason, by, at)| {
            Ok(LevelChange {
                id: TransitionId(id),
                episode_id: EpisodeId(ep),
                on,
                from: level_col("episode_transitions.from_level", &from)?,
                to: level_col("episode_transitions.to_level", &to)?,
                reason,
                recorded_by: UserId(by),
                recorded_at: at,
            })
        })
        .collect()
}

/// One episode with its changes of level.
pub async fn get_of_care(tx: &mut Tx, org: OrgId, id: EpisodeId) -> Result<Option<EpisodeOfCare>> {
    let sql = format!("SELECT {EPISODE_COLUMNS} FROM episodes WHERE org_id = $1 AND id = $2");
    let row: Option<EpisodeRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(id.0).fetch_optional(c).await?
    });
    match row {
        Some(r) => Ok(Some(with_transitions(tx, org, r).await?)),
        None => Ok(None),
    }
}

/// The patient's open episode with its program, level and changes of level.
pub async fn open_of_care(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Option<EpisodeOfCare>> {
    Ok(of_patient(tx, org, patient, Some(true))
        .await?
        .into_iter()
        .next())
}

/// A patient's episodes, newest first; `open` filters by whether they have ended.
pub async fn of_patient(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    open: Option<bool>,
) -> Result<Vec<EpisodeOfCare>> {
    let filter = match open {
        None => "",
        Some(true) => " AND ended_on IS NULL",
        Some(false) => " AND ended_on IS NOT NULL",
    };
    let sql = format!(
        "SELECT {EPISODE_COLUMNS} FROM episodes WHERE org_id = $1 AND patient_id = $2{filter} \
         ORDER BY started_on DESC, created_at DESC, id DESC"
    );
    let rows: Vec<EpisodeRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_all(c).await?
    });
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        out.push(with_transitions(tx, org, r).await?);
    }
    Ok(out)
}

/// When the patient's last ended episode ended.
pub async fn last_ended(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Option<Date>> {
    let last: Option<Option<Date>> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT ended_on FROM episodes WHERE org_id = $1 AND patient_id = $2 AND ended_on IS NOT NULL \
             ORDER BY ended_on DESC LIMIT 1",
        )
        .bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(last.flatten())
}

/// Enrols an open episode in a program at a level.
pub async fn enrol(
    tx: &mut Tx,
    org: OrgId,
    id: EpisodeId,
    program: &str,
    level: LevelOfCare,
    by: UserId,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE episodes SET program = $3, level = $4, enrolled_by = $5 WHERE org_id = $1 AND id = $2",
        )
        .bind(org.0).bind(id.0).bind(program).bind(level.as_str()).bind(by.0).execute(c).await?;
    });
    Ok(())
}

/// Records a change of level and moves the episode to it.
pub async fn change_level(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    t: &LevelChange,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO episode_transitions (org_id, id, episode_id, patient_id, on_date, from_level, to_level, \
             reason, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        )
        .bind(org.0).bind(t.id.0).bind(t.episode_id.0).bind(patient.0).bind(t.on).bind(t.from.as_str())
        .bind(t.to.as_str()).bind(&t.reason).bind(t.recorded_by.0).bind(t.recorded_at)
        .execute(&mut *c).await?;
        sqlx::query("UPDATE episodes SET level = $3 WHERE org_id = $1 AND id = $2")
            .bind(org.0).bind(t.episode_id.0).bind(t.to.as_str()).execute(&mut *c).await?;
    });
    Ok(())
}

/// Closes an episode.
pub async fn discharge(
    tx: &mut Tx,
    org: OrgId,
    id: EpisodeId,
    on: Date,
    reason: DischargeReason,
    summary: &str,
    by: UserId,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE episodes SET ended_on = $3, discharge_reason = $4, discharge_summary = $5, discharged_by = $6 \
             WHERE org_id = $1 AND id = $2 AND ended_on IS NULL",
        )
        .bind(org.0).bind(id.0).bind(on).bind(reason.as_str()).bind(summary).bind(by.0).execute(c).await?;
    });
    Ok(())
}

/// Removes what is derived from a patient's open episode once it has
/// closed: the registry row (the registry lists patients in care) and the
/// per-instrument status (where the patient stood in that episode). The
/// responses and scores stay.
pub async fn clear_derived(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM patient_status WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(patient.0).execute(&mut *c).await?;
        sqlx::query("DELETE FROM measure_status WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(patient.0).execute(&mut *c).await?;
    });
    Ok(())
}

/// Moves a registry row's episode start (an enrolment dated before the
/// first measure).
pub async fn sync_registry_start(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    start: Date,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE patient_status SET episode_start = $3 WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(patient.0).bind(start).execute(c).await?;
    });
    Ok(())
}
