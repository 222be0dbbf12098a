//! The registry: one row per patient with an open episode, kept current in
//! the transaction of every new score and flag change, and queried with
//! filters and sorting without touching the history.

use crate::{Bind, Result, Tx, bind_all, on_tx};
use sqlx::FromRow;
use tandem_core::ids::{EpisodeId, OrgId, PatientId, UserId};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// The latest reading of a treat-to-target instrument (PHQ-9, GAD-7).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Tracked {
    pub score: Option<i32>,
    pub change: Option<i32>,
    pub severity: Option<String>,
    pub status: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PatientStatus {
    pub patient_id: PatientId,
    pub episode_id: EpisodeId,
    pub episode_start: Date,
    pub last_measured_on: Option<Date>,
    pub phq9: Tracked,
    pub gad7: Tracked,
    /// The most pressing status across instruments read to a target.
    pub status: Option<String>,
    pub status_rank: i32,
    /// Bits of the active flags ([`tandem_core::flag::FlagKind::bit`]).
    pub flags: i64,
    /// Higher is more urgent; sorts the registry.
    pub urgency: i64,
    pub updated_at: OffsetDateTime,
    /// The last day the patient is on time by their care plan's schedule;
    /// `None` when no plan schedules measures (the clinic's cadence applies).
    pub measures_due_on: Option<Date>,
}

/// Writes a patient's registry row. The name and MRN are copied from
/// `patients` in the same statement.
pub async fn upsert(tx: &mut Tx, org: OrgId, s: &PatientStatus) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "INSERT INTO patient_status (org_id, patient_id, episode_id, family_name, given_names, mrn, episode_start, \
             last_measured_on, phq9_score, phq9_change, phq9_severity, phq9_status, gad7_score, gad7_change, \
             gad7_severity, gad7_status, status, status_rank, flags, urgency, updated_at, measures_due_on) \
             SELECT $1, $2, $3, p.family_name, p.given_names, p.mrn, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, \
             $14, $15, $16, $17, $18, $19 FROM patients p WHERE p.org_id = $1 AND p.id = $2 \
             ON CONFLICT (org_id, patient_id) DO UPDATE SET episode_id = excluded.episode_id, \
             family_name = excluded.family_name, given_names = excluded.given_names, mrn = excluded.mrn, \
             episode_start = excluded.episode_start, last_measured_on = excluded.last_measured_on, \
             phq9_score = excluded.phq9_score, phq9_change = excluded.phq9_change, \
             phq9_severity = excluded.phq9_severity, phq9_status = excluded.phq9_status, \
             gad7_score = excluded.gad7_score, gad7_change = excluded.gad7_change, \
             gad7_severity = excluded.gad7_severity, gad7_status = excluded.gad7_status, \
             status = excluded.status, status_rank = excluded.status_rank, flags = excluded.flags, \
             urgency = excluded.urgency, updated_at = excluded.updated_at, \
             measures_due_on = excluded.measures_due_on",
        )
        .bind(org.0).bind(s.patient_id.0).bind(s.episode_id.0).bind(s.episode_start).bind(s.last_measured_on)
        .bind(s.phq9.score).bind(s.phq9.change).bind(&s.phq9.severity).bind(&s.phq9.status)
        .bind(s.gad7.score).bind(s.gad7.change).bind(&s.gad7.severity).bind(&s.gad7.status)
        .bind(&s.status).bind(s.status_rank).bind(s.flags).bind(s.urgency).bind(s.updated_at)
        .bind(s.measures_due_on)
        .execute(c).await?;
    });
    Ok(())
}

/// Copies a patient's name and MRN into the registry row after an edit.
pub(crate) async fn sync_names(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE patient_status SET family_name = p.family_name, given_names = p.given_names, mrn = p.mrn \
             FROM patients p WHERE p.org_id = patient_status.org_id AND p.id = patient_status.patient_id \
             AND patient_status.org_id = $1 AND patient_status.patient_id = $2",
        )
        .bind(org.0).bind(patient.0).execute(c).await?;
    });
    Ok(())
}

/// Fills the name and MRN of rows written without them (bulk loads).
pub(crate) async fn fill_names(tx: &mut Tx, org: OrgId) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE patient_status SET family_name = p.family_name, given_names = p.given_names, mrn = p.mrn \
             FROM patients p WHERE p.org_id = patient_status.org_id AND p.id = patient_status.patient_id \
             AND patient_status.org_id = $1 AND patient_status.mrn = ''",
        )
        .bind(org.0).execute(c).await?;
    });
    Ok(())
}

/// Only the flag columns change (a flag raised or cleared by the calendar).
pub async fn set_flags(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    flags: i64,
    urgency: i64,
    now: OffsetDateTime,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query(
            "UPDATE patient_status SET flags = $3, urgency = $4, updated_at = $5 WHERE org_id = $1 AND patient_id = $2",
        )
        .bind(org.0).bind(patient.0).bind(flags).bind(urgency).bind(now).execute(c).await?;
    });
    Ok(())
}

pub async fn get(tx: &mut Tx, org: OrgId, patient: PatientId) -> Result<Option<PatientStatus>> {
    let sql = format!(
        "SELECT {STATUS_COLUMNS} FROM patient_status s WHERE s.org_id = $1 AND s.patient_id = $2"
    );
    let row: Option<StatusRow> = on_tx!(tx, c => {
        sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(PatientStatus::from))
}

/// Patients who are overdue (see [`OVERDUE`]) and do not carry the overdue
/// bit yet, or who carry it and are on time again: the calendar's work for
/// the flag sweep.
pub async fn overdue_changes(
    tx: &mut Tx,
    org: OrgId,
    on_time_since: Date,
    today: Date,
    overdue_bit: i64,
    limit: u32,
) -> Result<Vec<PatientId>> {
    let rows: Vec<Uuid> = on_tx!(tx, c => {
        sqlx::query_scalar(
            "SELECT patient_id FROM patient_status WHERE org_id = $1 AND \
             ((CASE WHEN measures_due_on IS NULL THEN COALESCE(last_measured_on, episode_start) < $2 \
             ELSE measures_due_on < $5 END) <> ((flags & $3) <> 0)) LIMIT $4",
        )
        .bind(org.0).bind(on_time_since).bind(overdue_bit).bind(i64::from(limit)).bind(today)
        .fetch_all(c).await?
    });
    Ok(rows.into_iter().map(PatientId).collect())
}

/// Sets the last day the patient is on time by their care plan's schedule;
/// `None` when no plan schedules measures (the clinic's cadence applies).
pub async fn set_measures_due(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
    due: Option<Date>,
) -> Result<()> {
    on_tx!(tx, c => {
        sqlx::query("UPDATE patient_status SET measures_due_on = $3 WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(patient.0).bind(due).execute(c).await?;
    });
    Ok(())
}

/// The care plan's due date on the registry row: `None` when the patient
/// has no row, `Some(None)` when the clinic's cadence applies.
pub async fn measures_due(
    tx: &mut Tx,
    org: OrgId,
    patient: PatientId,
) -> Result<Option<Option<Date>>> {
    let row: Option<(Option<Date>,)> = on_tx!(tx, c => {
        sqlx::query_as("SELECT measures_due_on FROM patient_status WHERE org_id = $1 AND patient_id = $2")
            .bind(org.0).bind(patient.0).fetch_optional(c).await?
    });
    Ok(row.map(|(d,)| d))
}

#[derive(FromRow)]
struct StatusRow {
    patient_id: Uuid,
    episode_id: Uuid,
    episode_start: Date,
    last_measured_on: Option<Date>,
    phq9_score: Option<i32>,
    phq9_change: Option<i32>,
    phq9_severity: Option<String>,
    phq9_status: Option<String>,
    gad7_score: Option<i32>,
    gad7_change: Option<i32>,
    gad7_severity: Option<String>,
    gad7_status: Option<String>,
    status: Option<String>,
    status_rank: i32,
    flags: i64,
    urgency: i64,
    updated_at: OffsetDateTime,
    measures_due_on: Option<Date>,
}

const STATUS_COLUMNS: &str = "s.patient_id, s.episode_id, s.episode_start, s.last_measured_on, s.phq9_score, \
    s.phq9_change, s.phq9_severity, s.phq9_status, s.gad7_score, s.gad7_change, s.gad7_severity, s.gad7_status, \
    s.status, s.status_rank, s.flags, s.urgency, s.updated_at, s.measures_due_on";

impl From<StatusRow> for PatientStatus {
    fn from(r: StatusRow) -> PatientStatus {
        PatientStatus {
            patient_id: PatientId(r.patient_id),
            episode_id: EpisodeId(r.episode_id),
            episode_start: r.episode_start,
            last_measured_on: r.last_measured_on,
            phq9: Tracked {
                score: r.phq9_score,
                change: r.phq9_change,
                severity: r.phq9_severity,
                status: r.phq9_status,
            },
            gad7: Tracked {
                score: r.gad7_score,
                change: r.gad7_change,
                severity: r.gad7_severity,
                status: r.gad7_status,
            },
            status: r.status,
            status_rank: r.status_rank,
            flags: r.flags,
            urgency: r.urgency,
            updated_at: r.updated_at,
            measures_due_on: r.measures_due_on,
        }
    }
}

/// Whose rows a registry query may list.
#[derive(Clone, Copy, Debug)]
pub enum Scope {
    WholeClinic,
    /// Patients on this user's care team on `today`.
    CaseloadOf {
        user: UserId,
        today: Date,
    },
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Sort {
    /// Most urgent flags first (the default).
    #[default]
    Urgency,
    Name,
    Mrn,
    Phq9,
    Phq9Change,
    Gad7,
    Gad7Change,
    /// Weeks in treatment (by episode start).
    Weeks,
    LastMeasured,
    Status,
}

impl Sort {
    fn column(self) -> &'static str {
        match self {
            Sort::Urgency => "s.urgency",
            Sort::Name => "s.family_name",
            Sort::Mrn => "s.mrn",
            Sort::Phq9 => "s.phq9_score",
            Sort::Phq9Change => "s.phq9_change",
            Sort::Gad7 => "s.gad7_score",
            Sort::Gad7Change => "s.gad7_change",
            // Longer in treatment = earlier start.
            Sort::Weeks => "s.episode_start",
            Sort::LastMeasured => "s.last_measured_on",
            Sort::Status => "s.status_rank",
        }
    }

    /// Whether the column can be empty (those sort last either way).
    fn nullable(self) -> bool {
        matches!(
            self,
            Sort::Phq9 | Sort::Phq9Change | Sort::Gad7 | Sort::Gad7Change | Sort::LastMeasured
        )
    }

    /// The natural direction of "descending" for this column.
    fn inverted(self) -> bool {
        matches!(self, Sort::Weeks)
    }
}

/// Which flag to filter by: flags stored as bits, or overdue by the date.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum FlagFilter {
    Bit(i64),
    /// Last measure (or episode start) before this day, or, for a patient
    /// whose care plan schedules measures, past the schedule's due date.
    MeasuredBefore(Date),
}

#[derive(Clone, Debug, Default)]
pub struct Query {
    pub flag: Option<FlagFilter>,
    /// The overall status text, e.g. `Not improving`.
    pub status: Option<String>,
    /// Only patients on this clinician's care team.
    pub clinician: Option<UserId>,
    pub sort: Sort,
    pub descending: bool,
    pub limit: u32,
    pub offset: u32,
}

/// One registry row.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Row {
    pub mrn: String,
    pub family_name: String,
    pub given_names: String,
    pub status: PatientStatus,
}

#[derive(FromRow)]
struct RegistryRow {
    mrn: String,
    family_name: String,
    given_names: String,
    #[sqlx(flatten)]
    status: StatusRow,
}

pub async fn query(
    tx: &mut Tx,
    org: OrgId,
    scope: Scope,
    today: Date,
    q: &Query,
) -> Result<(Vec<Row>, u64)> {
    let mut binds = vec![Bind::Uuid(org.0)];
    let param = |b: Bind, binds: &mut Vec<Bind>| {
        binds.push(b);
        format!("${}", binds.len())
    };
    // A caseload (or the clinic filtered by one clinician) is driven from the
    // care-team index, user first: the outer loop is that clinician's
    // patients, not the clinic's rows (`CROSS JOIN` fixes SQLite's join
    // order; PostgreSQL plans it as any join).
    let team_of = |user: String, day: String| {
        format!(
            "SELECT DISTINCT m.patient_id FROM care_team_members m WHERE m.org_id = $1 AND m.user_id = {user} \
             AND m.start_date <= {day} AND (m.end_date IS NULL OR m.end_date >= {day})"
        )
    };
    let mut users = Vec::new();
    if let Scope::CaseloadOf { user, today } = scope {
        users.push((user, today));
    }
    if let Some(c) = q.clinician {
        users.push((c, today));
    }
    let mut filter = String::new();
    let mut rest = String::new();
    for (i, (user, day)) in users.into_iter().enumerate() {
        let u = param(Bind::Uuid(user.0), &mut binds);
        let d = param(Bind::Date(day), &mut binds);
        if i == 0 {
            filter = format!(
                "FROM ({}) team CROSS JOIN patient_status s WHERE s.org_id = $1 AND s.patient_id = team.patient_id",
                team_of(u, d)
            );
        } else {
            rest.push_str(&format!(" AND s.patient_id IN ({})", team_of(u, d)));
        }
    }
    if filter.is_empty() {
        filter = String::from("FROM patient_status s WHERE s.org_id = $1");
    }
    filter.push_str(&rest);
    match q.flag {
        Some(FlagFilter::Bit(b)) => {
            let p = param(Bind::Int(b), &mut binds);
            filter.push_str(&format!(" AND (s.flags & {p}) <> 0"));
        }
        Some(FlagFilter::MeasuredBefore(d)) => {
            let p = param(Bind::Date(d), &mut binds);
            let t = param(Bind::Date(today), &mut binds);
            // A care plan's schedule, where there is one, decides instead of
            // the clinic's cadence.
            filter.push_str(&format!(
                " AND (CASE WHEN s.measures_due_on IS NULL THEN COALESCE(s.last_measured_on, s.episode_start) < {p} \
                 ELSE s.measures_due_on < {t} END)"
            ));
        }
        None => {}
    }
    if let Some(status) = &q.status {
        let p = param(Bind::Text(status.clone()), &mut binds);
        filter.push_str(&format!(" AND s.status = {p}"));
    }
    let desc = q.descending != q.sort.inverted();
    let dir = if desc { "DESC" } else { "ASC" };
    // Names break ties; the default order (most urgent, then by name) is
    // exactly the `patient_status_urgency` index.
    let tiebreak = match q.sort {
        Sort::Name => "s.given_names, s.mrn",
        Sort::Mrn => "s.patient_id",
        _ => "s.family_name, s.given_names, s.mrn",
    };
    let nulls = if q.sort.nullable() { " NULLS LAST" } else { "" };
    let n = binds.len();
    let sql = sqlx::AssertSqlSafe(format!(
        "SELECT s.mrn, s.family_name, s.given_names, {STATUS_COLUMNS} {filter} \
         ORDER BY {col} {dir}{nulls}, {tiebreak} LIMIT ${} OFFSET ${}",
        n + 1,
        n + 2,
        col = q.sort.column()
    ));
    let count = sqlx::AssertSqlSafe(format!("SELECT COUNT(*) {filter}"));
    let (rows, total): (Vec<RegistryRow>, i64) = on_tx!(tx, c => {
        let rows = bind_all!(sqlx::query_as(sql), &binds)
            .bind(i64::from(q.limit)).bind(i64::from(q.offset))
            .fetch_all(&mut *c).await?;
        let total: i64 = bind_all!(sqlx::query_scalar(count), &binds).fetch_one(&mut *c).await?;
        (rows, total)
    });
    Ok((
        rows.into_iter()
            .map(|r| Row {
                mrn: r.mrn,
                family_name: r.family_name,
                given_names: r.given_names,
                status: PatientStatus::from(r.status),
            })
            .collect(),
        total.max(0) as u64,
    ))
}
