//! Seeding: synthetic patients with long histories, many at a time.
//!
//! [`App::seed_patients`] writes what registering each patient, adding their
//! care team and recording every response of their history one by one with
//! [`App::record_response`] would write, then running
//! [`App::sweep_overdue`]: the same scores, observations, trajectories,
//! flags (raised and ended along the way), notifications and registry rows,
//! from the same functions. Only the storage differs: the history is
//! replayed in memory and the rows go in with multi-row inserts, in one
//! transaction per batch with one audit entry (operator action `seed`).

use crate::accounts::valid_username;
use crate::{App, AppError, Operator, Result, Submission};
use std::collections::{BTreeMap, BTreeSet, HashMap};
use tandem_core::ValidationErrors;
use tandem_core::audit::Outcome;
use tandem_core::auth::{Password, hash_password};
use tandem_core::entropy::random_bytes;
use tandem_core::flag::{self, FlagKind};
use tandem_core::ids::{CareTeamMemberId, EpisodeId, FlagId, NotificationId, PatientId, UserId};
use tandem_core::instrument::Instrument;
use tandem_core::mrn::Mrn;
use tandem_core::patient::{Demographics, SexAtBirth};
use tandem_core::role::{CareTeamRole, Role};
use tandem_store::bulk::{self, NewMember, NewNotification, NewPatient};
use tandem_store::episodes::Episode;
use tandem_store::flags::Flag;
use tandem_store::measures::{MeasureStatus, Observation, Response};
use tandem_store::registry::PatientStatus;
use tandem_store::users::{self, User};
use tandem_store::{StoreError, audit, org};
use time::{Duration, OffsetDateTime};

/// One synthetic patient and everything they answered.
#[derive(Clone, Debug)]
pub struct SeedPatient {
    pub demographics: Demographics,
    /// Clinicians on the care team, from the day of the first response (or
    /// today, without a history).
    pub team: Vec<UserId>,
    /// Completed questionnaires, in any order: the result is that of
    /// recording them one by one, oldest first.
    pub history: Vec<Submission>,
}

/// A synthetic staff account.
#[derive(Clone, Debug)]
pub struct SeedStaff {
    pub username: String,
    pub display_name: String,
    pub role: Role,
}

/// What a seeding call wrote, row by row.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct SeedReport {
    pub patients: u64,
    pub care_team_members: u64,
    pub responses: u64,
    pub observations: u64,
    pub measures: u64,
    pub flags: u64,
    pub notifications: u64,
}

impl SeedReport {
    /// Every row written (name tokens, episodes and registry rows included
    /// in neither count: one episode and one registry row per patient with a
    /// history).
    pub fn rows(&self) -> u64 {
        self.patients
            + self.care_team_members
            + self.responses
            + self.observations
            + self.measures
            + self.flags
            + self.notifications
    }

    pub fn add(&mut self, other: &SeedReport) {
        self.patients += other.patients;
        self.care_team_members += other.care_team_members;
        self.responses += other.responses;
        self.observations += other.observations;
        self.measures += other.measures;
        self.flags += other.flags;
        self.notifications += other.notifications;
    }
}

/// The rows of one patient's replayed history.
#[derive(Default)]
struct Replayed {
    episode: Option<Episode>,
    responses: Vec<Response>,
    observations: Vec<Observation>,
    measures: Vec<MeasureStatus>,
    status: Option<PatientStatus>,
    flags: Vec<Flag>,
    notifications: Vec<NewNotification>,
}

/// A batch built in memory, ready to write.
#[derive(Default)]
pub struct PreparedSeed {
    patients: Vec<(PatientId, Demographics)>,
    members: Vec<NewMember>,
    team: Vec<UserId>,
    episodes: Vec<Episode>,
    responses: Vec<Response>,
    observations: Vec<Observation>,
    measures: Vec<MeasureStatus>,
    statuses: Vec<PatientStatus>,
    flags: Vec<Flag>,
    notifications: Vec<NewNotification>,
    now: Option<OffsetDateTime>,
}

impl PreparedSeed {
    /// The new patients' ids, in the order given.
    pub fn patient_ids(&self) -> Vec<PatientId> {
        self.patients.iter().map(|(id, _)| *id).collect()
    }

    pub fn report(&self) -> SeedReport {
        SeedReport {
            patients: self.patients.len() as u64,
            care_team_members: self.members.len() as u64,
            responses: self.responses.len() as u64,
            observations: self.observations.len() as u64,
            measures: self.measures.len() as u64,
            flags: self.flags.len() as u64,
            notifications: self.notifications.len() as u64,
        }
    }
}

impl App {
    /// Creates staff accounts in one transaction, all with one password,
    /// hashed once (synthetic clinics only: the accounts share the hash).
    pub async fn seed_staff(
        &self,
        op: &Operator,
        staff: &[SeedStaff],
        password: &str,
    ) -> Result<Vec<User>> {
        let mut errors = ValidationErrors::default();
        let names: Vec<String> = staff
            .iter()
            .filter_map(|s| {
                valid_username(&s.username)
                    .map_err(|e| errors.0.extend(e.0))
                    .ok()
            })
            .collect();
        let password = Password::new(password)
            .map_err(|e| errors.add("password", e.to_string()))
            .ok();
        let Some(password) = password.filter(|_| errors.is_empty()) else {
            return Err(errors.into());
        };
        let salt: [u8; 16] = random_bytes(self.entropy());
        let hash = tokio::task::spawn_blocking(move || hash_password(&password, &salt))
            .await
            .map_err(|e| AppError::Internal(e.to_string()))?
            .map_err(AppError::Internal)?;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let mut ids = Vec::new();
        for (s, username) in staff.iter().zip(&names) {
            let id = UserId::generate(self.clock(), self.entropy());
            let new = users::NewUser {
                org: self.org,
                id,
                username,
                display_name: s.display_name.trim(),
                role: s.role,
                password_hash: &hash,
                created_at: now,
            };
            users::insert(&mut tx, &new).await.map_err(|e| match e {
                StoreError::Duplicate(_) => {
                    AppError::invalid("username", format!("{username} is taken"))
                }
                e => e.into(),
            })?;
            ids.push(id);
        }
        let mut out = Vec::new();
        for id in ids {
            out.push(
                users::by_id(&mut tx, self.org, id)
                    .await?
                    .ok_or(AppError::NotFound("user"))?,
            );
        }
        let mut rec = self.operator_record(op, "seed", Outcome::Success);
        rec.detail = Some(format!("{} staff accounts", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// How many patients the clinic holds.
    pub async fn patient_count(&self) -> Result<u64> {
        let mut tx = self.store.begin_read().await?;
        let n = tandem_store::patients::count(&mut tx, self.org).await?;
        tx.commit().await?;
        Ok(n)
    }

    /// Seeds a batch of patients with their histories in one transaction:
    /// [`App::prepare_seed`] then [`App::write_seed`].
    pub async fn seed_patients(
        &self,
        op: &Operator,
        patients: Vec<SeedPatient>,
    ) -> Result<SeedReport> {
        let prepared = self.prepare_seed(patients)?;
        self.write_seed(op, prepared).await
    }

    /// The CPU half of seeding: scores every response and replays each
    /// history in memory, oldest first, through the functions
    /// `record_response` uses; then raises "Overdue" where the calendar
    /// would. Touches no database, so a caller may prepare the next batch
    /// while the last one is written.
    pub fn prepare_seed(&self, patients: Vec<SeedPatient>) -> Result<PreparedSeed> {
        let now = self.now();
        let today = self.clock().today();
        let mut out = PreparedSeed {
            now: Some(now),
            ..Default::default()
        };
        let mut team: BTreeSet<UserId> = BTreeSet::new();
        for sp in patients {
            let id = PatientId::generate(self.clock(), self.entropy());
            let r = self.replay(id, &sp, now)?;
            let start = r.episode.as_ref().map_or(today, |e| e.started_on);
            let mut seen = BTreeSet::new();
            for u in &sp.team {
                if seen.insert(*u) {
                    team.insert(*u);
                    out.members.push(NewMember {
                        id: CareTeamMemberId::generate(self.clock(), self.entropy()),
                        patient_id: id,
                        user_id: *u,
                        // Filled in from the account when written.
                        role: CareTeamRole::Therapist,
                        start,
                    });
                }
            }
            out.patients.push((id, sp.demographics));
            out.episodes.extend(r.episode);
            out.responses.extend(r.responses);
            out.observations.extend(r.observations);
            out.measures.extend(r.measures);
            out.statuses.extend(r.status);
            out.flags.extend(r.flags);
            out.notifications.extend(r.notifications);
        }
        out.team = team.into_iter().collect();
        Ok(out)
    }

    /// The database half of seeding: one transaction, multi-row inserts,
    /// one audit entry.
    pub async fn write_seed(&self, op: &Operator, mut s: PreparedSeed) -> Result<SeedReport> {
        let org = self.org;
        let now = s.now.unwrap_or_else(|| self.now());
        let report = s.report();
        let mut tx = self.store.begin().await?;
        let mut roles: HashMap<UserId, CareTeamRole> = HashMap::new();
        for u in &s.team {
            let role = users::by_id(&mut tx, org, *u)
                .await?
                .filter(|u| u.active)
                .and_then(|u| u.role.clinical())
                .ok_or_else(|| {
                    AppError::invalid("team", format!("{u} is not an active clinician"))
                })?;
            roles.insert(*u, role);
        }
        for m in &mut s.members {
            if let Some(r) = roles.get(&m.user_id) {
                m.role = *r;
            }
        }
        let n = s.patients.len() as i64;
        let last = org::take_counter(&mut tx, org, "mrn", n).await?;
        let rows: Vec<NewPatient<'_>> = s
            .patients
            .iter()
            .enumerate()
            .map(|(i, (id, d))| NewPatient {
                id: *id,
                mrn: Mrn::from_sequence(last - n + 1 + i as i64),
                demographics: d,
            })
            .collect();
        bulk::insert_patients(&mut tx, org, &rows, now).await?;
        bulk::insert_members(&mut tx, org, &s.members, now).await?;
        bulk::insert_episodes(&mut tx, org, &s.episodes, now).await?;
        bulk::insert_responses(&mut tx, org, &s.responses).await?;
        bulk::insert_observations(&mut tx, org, &s.observations).await?;
        bulk::insert_measures(&mut tx, org, &s.measures).await?;
        bulk::insert_statuses(&mut tx, org, &s.statuses).await?;
        bulk::insert_flags(&mut tx, org, &s.flags).await?;
        bulk::insert_notifications(&mut tx, org, &s.notifications).await?;
        let mut rec = self.operator_record(op, "seed", Outcome::Success);
        rec.detail = Some(format!(
            "{} patients, {} care-team members, {} responses, {} observations, {} flags, {} notifications",
            report.patients,
            report.care_team_members,
            report.responses,
            report.observations,
            report.flags,
            report.notifications
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(report)
    }

    /// One patient's history as `record_response` would have stored it,
    /// oldest first, followed by the overdue sweep.
    fn replay(
        &self,
        patient: PatientId,
        sp: &SeedPatient,
        now: OffsetDateTime,
    ) -> Result<Replayed> {
        let mut history: Vec<&Submission> = sp.history.iter().collect();
        history.sort_by_key(|s| s.authored);
        let Some(first) = history.first() else {
            return Ok(Replayed::default());
        };
        let today = self.clock().today();
        let sex: SexAtBirth = sp.demographics.sex_at_birth;
        let episode = Episode {
            id: EpisodeId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            started_on: first.authored.date(),
            ended_on: None,
        };
        // Team members active today, once each, as notifications go.
        let mut notified: Vec<UserId> = Vec::new();
        if episode.started_on <= today {
            for u in &sp.team {
                if !notified.contains(u) {
                    notified.push(*u);
                }
            }
        }
        let mut out = Replayed::default();
        let mut by_instrument: BTreeMap<String, Vec<Response>> = BTreeMap::new();
        let mut measures: BTreeMap<String, MeasureStatus> = BTreeMap::new();
        let mut active: Vec<Flag> = Vec::new();
        let mut instruments: HashMap<&str, &Instrument> = HashMap::new();
        for sub in history {
            if sub.authored > now + Duration::minutes(5) {
                return Err(AppError::invalid(
                    "authored",
                    "the time answered is in the future",
                ));
            }
            let inst = match instruments.get(sub.instrument.as_str()) {
                Some(i) => *i,
                None => {
                    let i = self.instruments.get(&sub.instrument).ok_or_else(|| {
                        AppError::invalid(
                            "questionnaire",
                            format!("there is no questionnaire {:?}", sub.instrument),
                        )
                    })?;
                    instruments.insert(sub.instrument.as_str(), i);
                    i
                }
            };
            let scored = self
                .score_answers(inst, &sub.answers, sex)
                .map_err(AppError::Response)?;
            let (response, observations) =
                self.response_rows(patient, episode.id, inst, sub, &scored, None, now)?;
            let list = by_instrument.entry(inst.id.clone()).or_default();
            let at =
                list.partition_point(|r| (r.authored, r.id) <= (response.authored, response.id));
            list.insert(at, response.clone());
            let m = self.measure_of(patient, &episode, inst, list)?;
            measures.insert(inst.id.clone(), m);
            out.responses.push(response);
            out.observations.extend(observations);

            let ms: Vec<&MeasureStatus> = measures.values().collect();
            let plan = self.flag_plan(&ms, episode.started_on, &active);
            for (i, reason) in &plan.reword {
                let f = &mut active[*i];
                f.reason.clone_from(reason);
                f.updated_at = now;
                f.version += 1;
            }
            for &i in plan.clear.iter().rev() {
                let mut f = active.remove(i);
                f.active = false;
                f.period_end = Some(sub.authored.max(f.period_start));
                f.updated_at = now;
                f.version += 1;
                out.flags.push(f);
            }
            for (kind, reason) in plan.raise {
                let f = Flag {
                    id: FlagId::generate(self.clock(), self.entropy()),
                    patient_id: patient,
                    kind,
                    active: true,
                    reason,
                    period_start: sub.authored,
                    period_end: None,
                    raised_at: now,
                    updated_at: now,
                    version: 1,
                };
                if kind.is_safety() {
                    for u in &notified {
                        out.notifications.push(NewNotification {
                            id: NotificationId::generate(self.clock(), self.entropy()),
                            user_id: *u,
                            patient_id: patient,
                            flag_id: f.id,
                            created_at: now,
                        });
                    }
                }
                active.push(f);
            }
        }
        let ms: Vec<MeasureStatus> = measures.into_values().collect();
        let mut kinds: Vec<FlagKind> = active.iter().map(|f| f.kind).collect();
        // The calendar's part, as `sweep_overdue` does it.
        let last = ms
            .iter()
            .map(|m| m.latest_on)
            .max()
            .unwrap_or(episode.started_on);
        if flag::is_overdue(last, today, self.cadence()) {
            let (reason, since) = self.overdue_flag(last, now);
            active.push(Flag {
                id: FlagId::generate(self.clock(), self.entropy()),
                patient_id: patient,
                kind: FlagKind::Overdue,
                active: true,
                reason,
                period_start: since,
                period_end: None,
                raised_at: now,
                updated_at: now,
                version: 1,
            });
            kinds.push(FlagKind::Overdue);
        }
        out.status = Some(self.status_row(patient, &episode, &ms, &kinds, now));
        out.flags.extend(active);
        out.measures = ms;
        out.episode = Some(episode);
        Ok(out)
    }
}
