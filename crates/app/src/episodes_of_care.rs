//! Episodes of care: enrolling a patient in a program at a level of care,
//! changing the level, and discharge. Each is one audited transaction.
//!
//! - **Enrolment.** An open episode that a first measure started has no
//!   program: enrolling fills it in (and moves its start back when the
//!   enrolment is dated earlier), so the measurement baseline stays with the
//!   episode. An open episode that already has a program must have its level
//!   changed or be discharged first. With no open episode a new one starts on
//!   the enrolment date (not before the last episode ended) and the patient
//!   joins the registry at once: the registry is the list of patients in care,
//!   and a patient enrolled but never measured is exactly who "Overdue" is for.
//! - **Discharge** closes the episode (`ended_on`). What was derived from it
//!   goes: the registry row (the registry lists patients in care) and the
//!   per-instrument status (where the patient stood in that episode); the
//!   responses and scores stay in the record. Open flags about the course of
//!   treatment (not improving, worsening, overdue) end on the discharge date,
//!   since there is no course left to read. Safety flags (suicide risk,
//!   severe withdrawal) stay open: they are about the person, not the
//!   episode, and only a new measure ends them. A later measure starts a new
//!   episode, as a first measure always does.

use crate::{App, AppError, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::episode::{DischargeInput, EnrolInput, TransitionInput};
use tandem_core::flag::FlagKind;
use tandem_core::ids::{EpisodeId, PatientId, TransitionId};
use tandem_store::episodes::{self, EpisodeOfCare, LevelChange};
use tandem_store::{audit, flags, registry};

/// A patient's problem list and episodes of care, as the chart shows them.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CareSummary {
    pub diagnoses: crate::Diagnoses,
    /// Newest first; the first is open when the patient is in care.
    pub episodes: Vec<EpisodeOfCare>,
}

impl CareSummary {
    pub fn open_episode(&self) -> Option<&EpisodeOfCare> {
        self.episodes.first().filter(|e| e.is_open())
    }
}

impl App {
    /// Enrols the patient in a program at a level of care.
    pub async fn enrol_patient(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &EnrolInput,
    ) -> Result<EpisodeOfCare> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "episode.enrol")
            .await?;
        let org = self.org;
        // A measure recorded meanwhile could start an episode of its own.
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let open = episodes::open_of_care(&mut tx, org, patient).await?;
        if let Some(e) = &open
            && let Some(program) = &e.program
        {
            let name = self
                .programs
                .get(program)
                .map_or(program.as_str(), |p| p.name.as_str());
            return Err(AppError::invalid(
                "program",
                format!(
                    "the patient is already enrolled in {name} (since {}); change the level of care or discharge first",
                    e.started_on
                ),
            ));
        }
        let not_before = match &open {
            Some(_) => None,
            None => episodes::last_ended(&mut tx, org, patient).await?,
        };
        let today = self.clock().today();
        let en = input.validate(&self.programs, today, not_before)?;
        let now = self.now();
        let id = match open {
            Some(e) => {
                if en.on < e.started_on {
                    episodes::move_start(&mut tx, org, e.id, en.on).await?;
                    episodes::sync_registry_start(&mut tx, org, patient, en.on).await?;
                }
                e.id
            }
            None => {
                let id = EpisodeId::generate(self.clock(), self.entropy());
                let ep = episodes::start(&mut tx, org, id, patient, en.on, now).await?;
                let kinds: Vec<FlagKind> = flags::active_for(&mut tx, org, patient)
                    .await?
                    .into_iter()
                    .map(|f| f.kind)
                    .collect();
                let row = self.status_row(patient, &ep, &[], &kinds, now);
                registry::upsert(&mut tx, org, &row).await?;
                // A care plan from an earlier episode keeps its schedule: the
                // new row takes its due date (and "Overdue" if already past).
                self.apply_overdue(&mut tx, &row, self.clock().today(), now)
                    .await?;
                id
            }
        };
        episodes::enrol(
            &mut tx,
            org,
            id,
            &en.program,
            en.level,
            caller.actor.user_id,
        )
        .await?;
        let episode = episodes::get_of_care(&mut tx, org, id)
            .await?
            .ok_or(AppError::NotFound("episode"))?;
        let mut rec = self.patient_record(caller, "episode.enrol", patient, purpose);
        rec.resource = Some(format!("EpisodeOfCare/{id}"));
        rec.detail = Some(format!(
            "{} at {} from {}",
            en.program,
            en.level.as_str(),
            episode.started_on
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(episode)
    }

    /// Moves the open episode to another level of care its program offers.
    pub async fn change_level_of_care(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &TransitionInput,
    ) -> Result<EpisodeOfCare> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "episode.transition",
            )
            .await?;
        let org = self.org;
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let e = episodes::open_of_care(&mut tx, org, patient)
            .await?
            .ok_or_else(|| {
                AppError::Conflict("the patient has no open episode; enrol first".into())
            })?;
        let (Some(program_id), Some(current)) = (e.program.as_deref(), e.level) else {
            return Err(AppError::Conflict(
                "the open episode is not enrolled in a program yet; enrol first".into(),
            ));
        };
        let program = self.programs.get(program_id).ok_or_else(|| {
            AppError::Conflict(format!(
                "the episode's program {program_id:?} is no longer offered; discharge and enrol again"
            ))
        })?;
        let t = input.validate(program, current, e.not_before(), self.clock().today())?;
        let change = LevelChange {
            id: TransitionId::generate(self.clock(), self.entropy()),
            episode_id: e.id,
            on: t.on,
            from: t.from,
            to: t.to,
            reason: t.reason,
            recorded_by: caller.actor.user_id,
            recorded_at: self.now(),
        };
        episodes::change_level(&mut tx, org, patient, &change).await?;
        let episode = episodes::get_of_care(&mut tx, org, e.id)
            .await?
            .ok_or(AppError::NotFound("episode"))?;
        let mut rec = self.patient_record(caller, "episode.transition", patient, purpose);
        rec.resource = Some(format!("EpisodeOfCare/{}", e.id));
        rec.detail = Some(format!(
            "{} → {} on {}",
            change.from.as_str(),
            change.to.as_str(),
            change.on
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(episode)
    }

    /// Discharges the patient: closes the open episode (see the module doc
    /// for what happens to the registry row and flags).
    pub async fn discharge_patient(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &DischargeInput,
    ) -> Result<EpisodeOfCare> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "episode.discharge",
            )
            .await?;
        let org = self.org;
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let e = episodes::open_of_care(&mut tx, org, patient)
            .await?
            .ok_or_else(|| {
                AppError::Conflict("the patient has no open episode to discharge".into())
            })?;
        let d = input.validate(e.not_before(), self.clock().today())?;
        let now = self.now();
        episodes::discharge(
            &mut tx,
            org,
            e.id,
            d.on,
            d.reason,
            &d.summary,
            caller.actor.user_id,
        )
        .await?;
        let until = d.on.midnight().assume_utc().min(now);
        let mut ended = Vec::new();
        for f in flags::active_for(&mut tx, org, patient).await? {
            if f.kind.is_safety() {
                continue;
            }
            flags::clear(&mut tx, org, f.id, until.max(f.period_start), now).await?;
            ended.push(f.kind.text());
        }
        episodes::clear_derived(&mut tx, org, patient).await?;
        let episode = episodes::get_of_care(&mut tx, org, e.id)
            .await?
            .ok_or(AppError::NotFound("episode"))?;
        let mut rec = self.patient_record(caller, "episode.discharge", patient, purpose);
        rec.resource = Some(format!("EpisodeOfCare/{}", e.id));
        let mut detail = format!("{} on {}", d.reason.as_str(), d.on);
        if !ended.is_empty() {
            detail.push_str(&format!("; ended flags: {}", ended.join(", ")));
        }
        rec.detail = Some(detail);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(episode)
    }

    /// The chart's problem list and episodes of care, in one audited read.
    pub async fn care_summary(&self, caller: &Caller, patient: PatientId) -> Result<CareSummary> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "care.read")
            .await?;
        let org = self.org;
        let conditions = tandem_store::conditions::for_patient(&mut tx, org, patient).await?;
        let list = episodes::of_patient(&mut tx, org, patient, None).await?;
        self.audit_read(
            &mut tx,
            caller,
            patient,
            purpose,
            "care.read",
            "EpisodeOfCare".into(),
            Some(format!(
                "{} diagnoses, {} episodes",
                conditions.len(),
                list.len()
            )),
        )
        .await?;
        tx.commit().await?;
        Ok(CareSummary {
            diagnoses: crate::Diagnoses {
                dual_diagnosis: self.is_dual_diagnosis(&conditions),
                conditions,
            },
            episodes: list,
        })
    }

    /// One episode (FHIR `EpisodeOfCare` read), access decided on its patient.
    pub async fn read_episode(&self, caller: &Caller, id: EpisodeId) -> Result<EpisodeOfCare> {
        let mut tx = self.store.begin_read().await?;
        let found = episodes::get_of_care(&mut tx, self.org, id).await?;
        tx.commit().await?;
        let e = found.ok_or(AppError::NotFound("EpisodeOfCare"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                e.patient_id,
                PatientAction::ReadChart,
                "episode.read",
            )
            .await?;
        self.audit_read(
            &mut tx,
            caller,
            e.patient_id,
            purpose,
            "episode.read",
            format!("EpisodeOfCare/{id}"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(e)
    }

    /// A patient's episodes, newest first; `open` filters active (true) or
    /// finished (false) ones.
    pub async fn search_episodes(
        &self,
        caller: &Caller,
        patient: PatientId,
        open: Option<bool>,
    ) -> Result<Vec<EpisodeOfCare>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "episode.search")
            .await?;
        let list = episodes::of_patient(&mut tx, self.org, patient, open).await?;
        self.audit_read(
            &mut tx,
            caller,
            patient,
            purpose,
            "episode.search",
            "EpisodeOfCare".into(),
            Some(format!("{} found", list.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(list)
    }

    /// The current care-manager of a patient (for `EpisodeOfCare.careManager`).
    pub async fn care_manager_of(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Option<tandem_store::care_team::Member>> {
        let team = self.care_team(caller, patient).await?;
        let today = self.clock().today();
        Ok(team
            .into_iter()
            .find(|m| m.role == tandem_core::role::CareTeamRole::CareManager && m.active_on(today)))
    }
}
