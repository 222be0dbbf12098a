//! Bulk loading: many rows per statement, for seeding synthetic clinics.
//!
//! Each function writes the same columns as its one-row counterpart in the
//! other modules (`patients::insert`, `measures::insert_response`,
//! `registry::upsert`, …), as multi-row `INSERT … VALUES (…), (…)`
//! statements of up to [`MAX_PARAMS`] parameters. Rows must be new: nothing
//! here updates. Call them in the order of the foreign keys (patients, care
//! teams, episodes, responses, observations, statuses, flags, notifications).

use crate::episodes::Episode;
use crate::flags::Flag;
use crate::measures::{MeasureStatus, Observation, Response};
use crate::registry::PatientStatus;
use crate::{Result, Tx, on_tx, unique};
use tandem_core::ids::{CareTeamMemberId, FlagId, NotificationId, OrgId, PatientId, UserId};
use tandem_core::mrn::Mrn;
use tandem_core::patient::Demographics;
use tandem_core::role::CareTeamRole;
use time::{Date, OffsetDateTime};

/// Parameters in one statement: under SQLite's limit (32,766 since 3.32)
/// and PostgreSQL's (65,535).
pub const MAX_PARAMS: usize = 32_000;

/// Inserts `$rows` in statements of at most [`MAX_PARAMS`] parameters;
/// `$push` binds the `$ncols` values of one row `$r` through `$b`.
macro_rules! insert_all {
    ($tx:expr, $head:expr, $ncols:expr, $rows:expr, |$b:ident, $r:ident| $push:expr) => {{
        for chunk in $rows.chunks(MAX_PARAMS / $ncols) {
            on_tx!($tx, c => {
                let mut qb = sqlx::QueryBuilder::new($head);
                qb.push_values(chunk, |mut $b, $r| {
                    $push;
                });
                qb.build().execute(&mut *c).await?;
            });
        }
    }};
}

/// A patient to insert.
pub struct NewPatient<'a> {
    pub id: PatientId,
    pub mrn: Mrn,
    pub demographics: &'a Demographics,
}

/// Patients with their name tokens, as `patients::insert` writes them
/// (version 1, created and updated `now`).
pub async fn insert_patients(
    tx: &mut Tx,
    org: OrgId,
    rows: &[NewPatient<'_>],
    now: OffsetDateTime,
) -> Result<()> {
    let mrns: Vec<String> = rows.iter().map(|p| p.mrn.to_string()).collect();
    let rows: Vec<(&NewPatient<'_>, &String)> = rows.iter().zip(&mrns).collect();
    for chunk in rows.chunks(MAX_PARAMS / 23) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO patients (org_id, id, mrn, family_name, given_names, preferred_name, birth_date, \
                 sex_at_birth, gender, gender_identity, pronouns, preferred_language, phone, address_line, city, \
                 state, postal_code, emergency_name, emergency_relationship, emergency_phone, version, created_at, \
                 updated_at) ",
            );
            qb.push_values(chunk, |mut b, (p, mrn)| {
                let d = p.demographics;
                let ec = d.emergency_contact.as_ref();
                b.push_bind(org.0)
                    .push_bind(p.id.0)
                    .push_bind(mrn.as_str())
                    .push_bind(d.family_name.as_str())
                    .push_bind(d.given_names.as_str())
                    .push_bind(d.preferred_name.as_deref())
                    .push_bind(d.birth_date)
                    .push_bind(d.sex_at_birth.as_str())
                    .push_bind(d.gender.as_str())
                    .push_bind(d.gender_identity.as_deref())
                    .push_bind(d.pronouns.as_deref())
                    .push_bind(d.preferred_language.as_deref())
                    .push_bind(d.phone.as_deref())
                    .push_bind(d.address.line.as_deref())
                    .push_bind(d.address.city.as_deref())
                    .push_bind(d.address.state.as_deref())
                    .push_bind(d.address.postal_code.as_deref())
                    .push_bind(ec.map(|e| e.name.as_str()))
                    .push_bind(ec.and_then(|e| e.relationship.as_deref()))
                    .push_bind(ec.map(|e| e.phone.as_str()))
                    .push_bind(1_i64)
                    .push_bind(now)
                    .push_bind(now);
            });
            qb.build().execute(&mut *c).await.map_err(unique("MRN"))?;
        });
    }
    let tokens: Vec<(String, &'static str, PatientId)> = rows
        .iter()
        .flat_map(|(p, _)| {
            crate::patients::tokens_of(p.demographics)
                .into_iter()
                .map(|(t, k)| (t, k, p.id))
        })
        .collect();
    insert_all!(
        tx,
        "INSERT INTO patient_name_tokens (org_id, token, kind, patient_id) ",
        4,
        tokens,
        |b, t| b
            .push_bind(org.0)
            .push_bind(t.0.as_str())
            .push_bind(t.1)
            .push_bind(t.2.0)
    );
    Ok(())
}

/// A care-team membership to insert (open-ended).
pub struct NewMember {
    pub id: CareTeamMemberId,
    pub patient_id: PatientId,
    pub user_id: UserId,
    pub role: CareTeamRole,
    pub start: Date,
}

pub async fn insert_members(
    tx: &mut Tx,
    org: OrgId,
    rows: &[NewMember],
    now: OffsetDateTime,
) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO care_team_members (org_id, id, patient_id, user_id, role, start_date, end_date, created_at) ",
        8,
        rows,
        |b, m| b
            .push_bind(org.0)
            .push_bind(m.id.0)
            .push_bind(m.patient_id.0)
            .push_bind(m.user_id.0)
            .push_bind(m.role.as_str())
            .push_bind(m.start)
            .push_bind(None::<Date>)
            .push_bind(now)
    );
    Ok(())
}

/// Open episodes.
pub async fn insert_episodes(
    tx: &mut Tx,
    org: OrgId,
    rows: &[Episode],
    now: OffsetDateTime,
) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO episodes (org_id, id, patient_id, started_on, ended_on, created_at) ",
        6,
        rows,
        |b, e| b
            .push_bind(org.0)
            .push_bind(e.id.0)
            .push_bind(e.patient_id.0)
            .push_bind(e.started_on)
            .push_bind(e.ended_on)
            .push_bind(now)
    );
    Ok(())
}

pub async fn insert_responses(tx: &mut Tx, org: OrgId, rows: &[Response]) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO responses (org_id, id, patient_id, episode_id, instrument, authored, answers, total, severity, \
         interpretation, band_model, hits, source, recorded_by, recorded_at) ",
        15,
        rows,
        |b, r| b
            .push_bind(org.0)
            .push_bind(r.id.0)
            .push_bind(r.patient_id.0)
            .push_bind(r.episode_id.0)
            .push_bind(r.instrument.as_str())
            .push_bind(r.authored)
            .push_bind(r.answers.as_str())
            .push_bind(r.total)
            .push_bind(r.severity.as_deref())
            .push_bind(r.interpretation.as_deref())
            .push_bind(r.band_model.as_deref())
            .push_bind(r.hits.as_str())
            .push_bind(r.source.as_str())
            .push_bind(r.recorded_by.map(|u| u.0))
            .push_bind(r.recorded_at)
    );
    Ok(())
}

pub async fn insert_observations(tx: &mut Tx, org: OrgId, rows: &[Observation]) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO observations (org_id, id, patient_id, response_id, instrument, code_system, code, display, \
         value, effective, interpretation, subscale) ",
        12,
        rows,
        |b, o| b
            .push_bind(org.0)
            .push_bind(o.id.0)
            .push_bind(o.patient_id.0)
            .push_bind(o.response_id.0)
            .push_bind(o.instrument.as_str())
            .push_bind(o.system.as_str())
            .push_bind(o.code.as_str())
            .push_bind(o.display.as_str())
            .push_bind(o.value)
            .push_bind(o.effective)
            .push_bind(o.interpretation.as_deref())
            .push_bind(o.subscale.as_deref())
    );
    Ok(())
}

pub async fn insert_measures(tx: &mut Tx, org: OrgId, rows: &[MeasureStatus]) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO measure_status (org_id, patient_id, instrument, episode_id, responses, baseline_score, \
         baseline_on, latest_score, latest_on, latest_response_id, latest_severity, latest_interpretation, \
         change, percent_change, weeks, status, hits) ",
        17,
        rows,
        |b, m| b
            .push_bind(org.0)
            .push_bind(m.patient_id.0)
            .push_bind(m.instrument.as_str())
            .push_bind(m.episode_id.0)
            .push_bind(m.responses)
            .push_bind(m.baseline_score)
            .push_bind(m.baseline_on)
            .push_bind(m.latest_score)
            .push_bind(m.latest_on)
            .push_bind(m.latest_response_id.0)
            .push_bind(m.latest_severity.as_deref())
            .push_bind(m.latest_interpretation.as_deref())
            .push_bind(m.change)
            .push_bind(m.percent_change)
            .push_bind(m.weeks)
            .push_bind(m.status.as_deref())
            .push_bind(m.hits.as_str())
    );
    Ok(())
}

/// Registry rows.
pub async fn insert_statuses(tx: &mut Tx, org: OrgId, rows: &[PatientStatus]) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO patient_status (org_id, patient_id, episode_id, episode_start, last_measured_on, \
         phq9_score, phq9_change, phq9_severity, phq9_status, gad7_score, gad7_change, gad7_severity, gad7_status, \
         status, status_rank, flags, urgency, updated_at, family_name, given_names, mrn) ",
        21,
        rows,
        |b, s| b
            .push_bind(org.0)
            .push_bind(s.patient_id.0)
            .push_bind(s.episode_id.0)
            .push_bind(s.episode_start)
            .push_bind(s.last_measured_on)
            .push_bind(s.phq9.score)
            .push_bind(s.phq9.change)
            .push_bind(s.phq9.severity.as_deref())
            .push_bind(s.phq9.status.as_deref())
            .push_bind(s.gad7.score)
            .push_bind(s.gad7.change)
            .push_bind(s.gad7.severity.as_deref())
            .push_bind(s.gad7.status.as_deref())
            .push_bind(s.status.as_deref())
            .push_bind(s.status_rank)
            .push_bind(s.flags)
            .push_bind(s.urgency)
            .push_bind(s.updated_at)
            .push_bind("")
            .push_bind("")
            .push_bind("")
    );
    // The name and MRN come from `patients`, as `registry::upsert` does.
    crate::registry::fill_names(tx, org).await?;
    Ok(())
}

/// Flags, active and ended, with their versions as given.
pub async fn insert_flags(tx: &mut Tx, org: OrgId, rows: &[Flag]) -> Result<()> {
    for chunk in rows.chunks(MAX_PARAMS / 11) {
        on_tx!(tx, c => {
            let mut qb = sqlx::QueryBuilder::new(
                "INSERT INTO flags (org_id, id, patient_id, kind, status, reason, period_start, period_end, \
                 raised_at, updated_at, version) ",
            );
            qb.push_values(chunk, |mut b, f| {
                b.push_bind(org.0)
                    .push_bind(f.id.0)
                    .push_bind(f.patient_id.0)
                    .push_bind(f.kind.as_str())
                    .push_bind(if f.active { "active" } else { "inactive" })
                    .push_bind(f.reason.as_str())
                    .push_bind(f.period_start)
                    .push_bind(f.period_end)
                    .push_bind(f.raised_at)
                    .push_bind(f.updated_at)
                    .push_bind(f.version);
            });
            qb.build().execute(&mut *c).await.map_err(unique("active flag"))?;
        });
    }
    Ok(())
}

/// A notification of a safety flag to one care-team member.
pub struct NewNotification {
    pub id: NotificationId,
    pub user_id: UserId,
    pub patient_id: PatientId,
    pub flag_id: FlagId,
    pub created_at: OffsetDateTime,
}

/// Unread notifications.
pub async fn insert_notifications(tx: &mut Tx, org: OrgId, rows: &[NewNotification]) -> Result<()> {
    insert_all!(
        tx,
        "INSERT INTO notifications (org_id, id, user_id, patient_id, flag_id, created_at, read_at) ",
        7,
        rows,
        |b, n| b
            .push_bind(org.0)
            .push_bind(n.id.0)
            .push_bind(n.user_id.0)
            .push_bind(n.patient_id.0)
            .push_bind(n.flag_id.0)
            .push_bind(n.created_at)
            .push_bind(None::<OffsetDateTime>)
    );
    Ok(())
}
