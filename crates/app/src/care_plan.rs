//! The versioned care plan: starting, revising, signing, the patient's
//! agreement, comparing versions, and the schedule that decides when the
//! patient is overdue. Each method is one transaction with its audit entry.

use crate::{App, AppError, Caller, Forbidden, Result};
use std::collections::BTreeMap;
use tandem_core::access::{PatientAction, Purpose};
use tandem_core::care_plan::{
    Agreement, AnyVersion, Change, Diagnosis, DraftVersion, PlanBody, ReviewReason, Signed,
    VersionMeta, diff, review_due, schedule_due, side_by_side,
};
use tandem_core::flag::{self, Due, FlagKind};
use tandem_core::ids::{CarePlanId, GoalId, PatientId, UserId};
use tandem_core::role::Role;
use tandem_store::care_plans::{self, Plan};
use tandem_store::measures::MeasureStatus;
use tandem_store::{Tx, audit, care_team, conditions, episodes, flags, registry, users};
use time::Date;

/// A plan as the chart and the API show it.
#[derive(Clone, Debug)]
pub struct CarePlanView {
    pub plan: Plan,
    pub current: AnyVersion,
    /// Every version, oldest first.
    pub versions: Vec<AnyVersion>,
    /// Why the team should review the plan now; empty when not due.
    pub review: Vec<ReviewReason>,
    /// The last signature: the responsible clinician and when.
    pub signed: Option<Signed>,
    /// Names of the staff the plan mentions.
    pub names: BTreeMap<UserId, String>,
    /// The latest total of each instrument in the open episode, with its day.
    pub latest: BTreeMap<String, (i32, Date)>,
}

impl CarePlanView {
    pub fn name(&self, id: UserId) -> String {
        self.names
            .get(&id)
            .cloned()
            .unwrap_or_else(|| "a former staff member".into())
    }
}

/// What the plan editor offers to choose from.
#[derive(Clone, Debug, Default)]
pub struct PlanChoices {
    /// The patient's active diagnoses.
    pub diagnoses: Vec<Diagnosis>,
    /// Clinicians on the care team today: (id, name, role).
    pub clinicians: Vec<(UserId, String, Role)>,
}

/// Two versions and what changed from the first to the second.
#[derive(Clone, Debug)]
pub struct Comparison {
    pub a: AnyVersion,
    pub b: AnyVersion,
    pub changes: Vec<Change>,
    /// Every row of both versions, changed or not.
    pub rows: Vec<Change>,
    pub names: BTreeMap<UserId, String>,
}

/// A goal read on its own (FHIR `Goal`): as it stands in the latest version
/// that has it.
#[derive(Clone, Debug)]
pub struct GoalView {
    pub patient: PatientId,
    pub plan: CarePlanId,
    pub goal: tandem_core::care_plan::Goal,
    /// The problem's text and diagnosis.
    pub problem: Option<tandem_core::care_plan::Problem>,
    /// Whether the current version still has the goal.
    pub current: bool,
    pub version: u32,
}

/// The plan card on the chart.
#[derive(Clone, Debug)]
pub struct PlanCard {
    pub version: u32,
    pub signed: bool,
    pub review: Vec<ReviewReason>,
}

fn check_reason(reason: &str) -> Result<()> {
    let r = reason.trim();
    if r.is_empty() {
        return Err(AppError::invalid("reason", "say why the plan changes"));
    }
    if r.chars().count() > 500 {
        return Err(AppError::invalid(
            "reason",
            "keep the reason under 500 characters",
        ));
    }
    Ok(())
}

impl App {
    /// The clinic's cadence counted from the last measure of `ms`, or from
    /// the episode start when nothing was measured.
    pub(crate) fn clinic_due(&self, ms: &[MeasureStatus], episode_start: Date) -> Due {
        let last = ms
            .iter()
            .map(|m| m.latest_on)
            .max()
            .unwrap_or(episode_start);
        flag::clinic_due(last, self.cadence())
    }

    /// The due date by the patient's active plan's schedule, when the plan
    /// schedules anything. `ms` are the patient's measures in the open episode.
    pub(crate) async fn plan_due(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        ms: &[MeasureStatus],
    ) -> Result<Option<Due>> {
        let org = self.org;
        let Some(plan) = care_plans::active_for(tx, org, patient).await? else {
            return Ok(None);
        };
        let Some(current) = care_plans::version(tx, org, plan.id, plan.current_version).await?
        else {
            return Ok(None);
        };
        let latest: BTreeMap<String, Date> = ms
            .iter()
            .map(|m| (m.instrument.clone(), m.latest_on))
            .collect();
        Ok(schedule_due(
            &current.body().schedule,
            &latest,
            plan.created_at.date(),
            |id| {
                self.instruments
                    .get(id)
                    .map_or(id.to_string(), |i| i.name.clone())
            },
        ))
    }

    /// After a plan change: the registry's due date and the "Overdue" flag
    /// follow the new schedule at once.
    async fn plan_changed(&self, tx: &mut Tx, patient: PatientId) -> Result<()> {
        if let Some(row) = registry::get(tx, self.org, patient).await? {
            self.apply_overdue(tx, &row, self.clock().today(), self.now())
                .await?;
        }
        Ok(())
    }

    /// Checks a plan body against the library, the staff it names and the
    /// patient's diagnoses. `before` is the version it replaces: diagnoses
    /// it already linked stay acceptable after they resolve.
    async fn check_body(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        body: &PlanBody,
        before: Option<&PlanBody>,
    ) -> Result<()> {
        let org = self.org;
        let mut errors = match body.check(&self.instruments) {
            Ok(()) => tandem_core::ValidationErrors::default(),
            Err(e) => e,
        };
        let active = conditions::active_for_plan(tx, org, patient).await?;
        for (i, p) in body.problems.iter().enumerate() {
            if let Some(d) = &p.diagnosis {
                // The code shown with the problem must be the chart's.
                let known = active
                    .iter()
                    .any(|(id, code, _)| *id == d.condition && *code == d.code)
                    || before.is_some_and(|b| {
                        b.diagnoses()
                            .iter()
                            .any(|x| x.condition == d.condition && x.code == d.code)
                    });
                if !known {
                    errors.add(
                        "problems",
                        format!(
                            "problem {}: that diagnosis is not active in this chart",
                            i + 1
                        ),
                    );
                }
            }
        }
        if let Some(m) = &body.medication {
            let ok = users::by_id(tx, org, m.prescriber)
                .await?
                .is_some_and(|u| u.active && u.role == Role::Prescriber);
            if !ok {
                errors.add("medication", "choose a prescriber");
            }
        }
        for (i, t) in body.therapy.iter().enumerate() {
            if let Some(c) = t.clinician {
                let ok = users::by_id(tx, org, c)
                    .await?
                    .is_some_and(|u| u.active && u.role.is_clinician());
                if !ok {
                    errors.add("therapy", format!("therapy {}: choose a clinician", i + 1));
                }
            }
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(AppError::Invalid(errors))
        }
    }

    /// Starts the patient's care plan with its first version, from a body
    /// the caller filled in (the editor, or an accepted intake pathway).
    pub async fn start_care_plan(
        &self,
        caller: &Caller,
        patient: PatientId,
        body: PlanBody,
        reason: &str,
    ) -> Result<CarePlanView> {
        check_reason(reason)?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "care_plan.create",
            )
            .await?;
        let org = self.org;
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        if care_plans::active_for(&mut tx, org, patient)
            .await?
            .is_some()
        {
            return Err(AppError::Conflict(
                "this patient already has a care plan; revise it instead".into(),
            ));
        }
        self.check_body(&mut tx, patient, &body, None).await?;
        let now = self.now();
        let id = CarePlanId::generate(self.clock(), self.entropy());
        let first = DraftVersion::new(
            VersionMeta {
                plan: id,
                number: 1,
                author: caller.actor.user_id,
                created_at: now,
                reason: reason.trim().to_string(),
            },
            body,
        );
        let episode = episodes::open(&mut tx, org, patient).await?.map(|e| e.id);
        care_plans::create(&mut tx, org, patient, episode, &first).await?;
        let goals: Vec<GoalId> = first.body().goals.iter().map(|g| g.id).collect();
        care_plans::map_goals(&mut tx, org, id, patient, &goals).await?;
        self.plan_changed(&mut tx, patient).await?;
        let mut rec = self.patient_record(caller, "care_plan.create", patient, purpose);
        rec.resource = Some(format!("CarePlan/{id}"));
        rec.detail = Some(format!("version 1: {}", reason.trim()));
        audit::append(&mut tx, rec).await?;
        let view = self.plan_view(&mut tx, patient).await?;
        tx.commit().await?;
        view.ok_or(AppError::Internal("the new plan vanished".into()))
    }

    /// A new version of the plan. `based_on` is the version the caller
    /// edited: a plan changed meanwhile is refused rather than overwritten.
    pub async fn revise_care_plan(
        &self,
        caller: &Caller,
        patient: PatientId,
        based_on: u32,
        body: PlanBody,
        reason: &str,
    ) -> Result<u32> {
        check_reason(reason)?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "care_plan.revise",
            )
            .await?;
        let org = self.org;
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let plan = care_plans::active_for(&mut tx, org, patient)
            .await?
            .ok_or(AppError::NotFound("care plan"))?;
        if plan.current_version != based_on {
            return Err(AppError::VersionConflict {
                current: i64::from(plan.current_version),
            });
        }
        let current = care_plans::version(&mut tx, org, plan.id, plan.current_version)
            .await?
            .ok_or(AppError::NotFound("care plan version"))?;
        self.check_body(&mut tx, patient, &body, Some(current.body()))
            .await?;
        let next = current.revise(body, caller.actor.user_id, self.now(), reason);
        care_plans::add_version(&mut tx, org, patient, &next).await?;
        let goals: Vec<GoalId> = next.body().goals.iter().map(|g| g.id).collect();
        care_plans::map_goals(&mut tx, org, plan.id, patient, &goals).await?;
        self.plan_changed(&mut tx, patient).await?;
        let mut rec = self.patient_record(caller, "care_plan.revise", patient, purpose);
        rec.resource = Some(format!("CarePlan/{}", plan.id));
        rec.detail = Some(format!("version {}: {}", next.number(), reason.trim()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(next.number())
    }

    /// Signs the current version as the responsible clinician. Only a
    /// clinician on the care team signs (break-the-glass access does not),
    /// and only a version not signed yet.
    pub async fn sign_care_plan(
        &self,
        caller: &Caller,
        patient: PatientId,
        version: u32,
    ) -> Result<()> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "care_plan.sign")
            .await?;
        let org = self.org;
        if purpose != Purpose::Treatment || !caller.actor.role.is_clinician() {
            let mut rec = self.record(
                caller,
                "care_plan.sign",
                tandem_core::audit::Outcome::Denied,
            );
            rec.patient_id = Some(patient);
            rec.detail = Some("only a clinician on the care team signs the plan".into());
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
            return Err(AppError::Forbidden(Forbidden::NotOnCareTeam));
        }
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let plan = care_plans::active_for(&mut tx, org, patient)
            .await?
            .ok_or(AppError::NotFound("care plan"))?;
        if version != plan.current_version {
            return Err(AppError::Conflict(format!(
                "only the current version ({}) can be signed",
                plan.current_version
            )));
        }
        let draft = match care_plans::version(&mut tx, org, plan.id, version).await? {
            Some(AnyVersion::Draft(d)) => d,
            Some(AnyVersion::Signed(_)) => {
                return Err(AppError::Conflict(format!(
                    "version {version} is already signed"
                )));
            }
            None => return Err(AppError::NotFound("care plan version")),
        };
        let signed = draft.sign(caller.actor.user_id, self.now());
        if !care_plans::sign(&mut tx, org, &signed).await? {
            return Err(AppError::Conflict(format!(
                "version {version} is already signed"
            )));
        }
        let mut rec = self.patient_record(caller, "care_plan.sign", patient, purpose);
        rec.resource = Some(format!("CarePlan/{}", plan.id));
        rec.detail = Some(format!("version {version}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records that the patient agreed with the current version.
    pub async fn record_plan_agreement(
        &self,
        caller: &Caller,
        patient: PatientId,
        version: u32,
        note: &str,
    ) -> Result<()> {
        if note.trim().chars().count() > 2000 {
            return Err(AppError::invalid(
                "note",
                "keep the note under 2,000 characters",
            ));
        }
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "care_plan.agreement",
            )
            .await?;
        let org = self.org;
        let plan = care_plans::active_for(&mut tx, org, patient)
            .await?
            .ok_or(AppError::NotFound("care plan"))?;
        if version != plan.current_version {
            return Err(AppError::Conflict(format!(
                "the patient agrees with the current version ({})",
                plan.current_version
            )));
        }
        let a = Agreement {
            at: self.now(),
            note: note.trim().to_string(),
            recorded_by: caller.actor.user_id,
        };
        care_plans::record_agreement(&mut tx, org, plan.id, version, &a).await?;
        let mut rec = self.patient_record(caller, "care_plan.agreement", patient, purpose);
        rec.resource = Some(format!("CarePlan/{}", plan.id));
        rec.detail = Some(format!("version {version}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }

    /// The patient's current plan with every version and whether it is due
    /// for review; `None` when the patient has no plan.
    pub async fn care_plan(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Option<CarePlanView>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "care_plan.read")
            .await?;
        let view = self.plan_view(&mut tx, patient).await?;
        let mut rec = self.patient_record(caller, "care_plan.read", patient, purpose);
        rec.resource = view.as_ref().map(|v| format!("CarePlan/{}", v.plan.id));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// The plan's versions, oldest first (who, when, why, signed).
    pub async fn care_plan_versions(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<CarePlanView> {
        self.care_plan(caller, patient)
            .await?
            .ok_or(AppError::NotFound("care plan"))
    }

    /// What the editor offers: the patient's active diagnoses and the
    /// clinicians on the care team.
    pub async fn care_plan_choices(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<PlanChoices> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "care_plan.edit")
            .await?;
        let choices = self.choices(&mut tx, patient).await?;
        let rec = self.patient_record(caller, "care_plan.edit", patient, purpose);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(choices)
    }

    pub(crate) async fn plan_choices_in(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<PlanChoices> {
        self.choices(tx, patient).await
    }

    async fn choices(&self, tx: &mut Tx, patient: PatientId) -> Result<PlanChoices> {
        let org = self.org;
        let diagnoses = conditions::active_for_plan(tx, org, patient)
            .await?
            .into_iter()
            .map(|(condition, code, display)| Diagnosis {
                condition,
                code,
                display,
            })
            .collect();
        let today = self.clock().today();
        let mut clinicians: Vec<(UserId, String, Role)> = Vec::new();
        for m in care_team::for_patient(tx, org, patient).await? {
            if !m.active_on(today) || clinicians.iter().any(|c| c.0 == m.user_id) {
                continue;
            }
            if let Some(u) = users::by_id(tx, org, m.user_id).await?
                && u.active
            {
                clinicians.push((u.id, u.display_name, u.role));
            }
        }
        Ok(PlanChoices {
            diagnoses,
            clinicians,
        })
    }

    /// Two versions side by side, with the changed rows.
    pub async fn compare_care_plan(
        &self,
        caller: &Caller,
        patient: PatientId,
        a: u32,
        b: u32,
    ) -> Result<Comparison> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "care_plan.compare",
            )
            .await?;
        let org = self.org;
        let plan = care_plans::active_for(&mut tx, org, patient)
            .await?
            .ok_or(AppError::NotFound("care plan"))?;
        let va = care_plans::version(&mut tx, org, plan.id, a)
            .await?
            .ok_or(AppError::NotFound("care plan version"))?;
        let vb = care_plans::version(&mut tx, org, plan.id, b)
            .await?
            .ok_or(AppError::NotFound("care plan version"))?;
        let names = self.names_of(&mut tx, [&va, &vb].into_iter()).await?;
        let name = |id: UserId| names.get(&id).cloned().unwrap_or_else(|| id.to_string());
        let changes = diff(va.body(), vb.body(), &self.instruments, &name);
        let rows = side_by_side(va.body(), vb.body(), &self.instruments, &name);
        let mut rec = self.patient_record(caller, "care_plan.compare", patient, purpose);
        rec.resource = Some(format!("CarePlan/{}", plan.id));
        rec.detail = Some(format!("versions {a} and {b}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(Comparison {
            a: va,
            b: vb,
            changes,
            rows,
            names,
        })
    }

    async fn names_of<'a>(
        &self,
        tx: &mut Tx,
        versions: impl Iterator<Item = &'a AnyVersion>,
    ) -> Result<BTreeMap<UserId, String>> {
        let mut ids = Vec::new();
        for v in versions {
            ids.push(v.meta().author);
            if let Some(s) = v.signature() {
                ids.push(s.by);
            }
            if let Some(a) = v.agreement() {
                ids.push(a.recorded_by);
            }
            let b = v.body();
            ids.extend(b.therapy.iter().filter_map(|t| t.clinician));
            ids.extend(b.medication.iter().map(|m| m.prescriber));
        }
        ids.sort();
        ids.dedup();
        let mut names = BTreeMap::new();
        for id in ids {
            if let Some(u) = users::by_id(tx, self.org, id).await? {
                names.insert(id, u.display_name);
            }
        }
        Ok(names)
    }

    /// Loads the plan view inside an open transaction (no audit).
    pub(crate) async fn plan_view(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<Option<CarePlanView>> {
        let org = self.org;
        let Some(plan) = care_plans::active_for(tx, org, patient).await? else {
            return Ok(None);
        };
        self.view_of(tx, plan).await.map(Some)
    }

    async fn view_of(&self, tx: &mut Tx, plan: Plan) -> Result<CarePlanView> {
        let org = self.org;
        let patient = plan.patient_id;
        let versions = care_plans::versions(tx, org, plan.id).await?;
        let current = versions
            .iter()
            .find(|v| v.number() == plan.current_version)
            .cloned()
            .ok_or(AppError::NotFound("care plan version"))?;
        let signed = care_plans::last_signature(&versions).cloned();
        let not_improving = flags::active_for(tx, org, patient)
            .await?
            .into_iter()
            .find(|f| f.kind == FlagKind::NotImproving)
            .map(|f| f.raised_at);
        let review = review_due(
            plan.created_at,
            signed.as_ref().map(|s| s.at),
            current.body().review_every_weeks,
            not_improving,
            self.clock().today(),
        );
        let names = self.names_of(tx, versions.iter()).await?;
        let mut latest = BTreeMap::new();
        if let Some(ep) = episodes::open(tx, org, patient).await? {
            for m in tandem_store::measures::measures_for(tx, org, patient, ep.id).await? {
                if let Some(score) = m.latest_score {
                    latest.insert(m.instrument.clone(), (score, m.latest_on));
                }
            }
        }
        Ok(CarePlanView {
            plan,
            current,
            versions,
            review,
            signed,
            names,
            latest,
        })
    }

    /// The chart's plan card, inside the chart's transaction.
    pub(crate) async fn plan_card(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<Option<PlanCard>> {
        Ok(self.plan_view(tx, patient).await?.map(|v| PlanCard {
            version: v.current.number(),
            signed: v.current.signature().is_some(),
            review: v.review,
        }))
    }

    /// One plan by id (FHIR `CarePlan` read).
    pub async fn read_care_plan(&self, caller: &Caller, id: CarePlanId) -> Result<CarePlanView> {
        let mut tx = self.store.begin_read().await?;
        let found = care_plans::get(&mut tx, self.org, id).await?;
        tx.commit().await?;
        let plan = found.ok_or(AppError::NotFound("CarePlan"))?;
        let patient = plan.patient_id;
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "care_plan.read")
            .await?;
        let view = self.view_of(&mut tx, plan).await?;
        let mut rec = self.patient_record(caller, "care_plan.read", patient, purpose);
        rec.resource = Some(format!("CarePlan/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(view)
    }

    /// A patient's plans, newest first (FHIR `CarePlan` search).
    pub async fn search_care_plans(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Vec<CarePlanView>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "care_plan.search",
            )
            .await?;
        let mut out = Vec::new();
        for plan in care_plans::for_patient(&mut tx, self.org, patient).await? {
            out.push(self.view_of(&mut tx, plan).await?);
        }
        let mut rec = self.patient_record(caller, "care_plan.search", patient, purpose);
        rec.resource = Some("CarePlan".into());
        rec.detail = Some(format!("{} found", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out)
    }

    async fn goal_of(
        &self,
        tx: &mut Tx,
        plan: CarePlanId,
        patient: PatientId,
        goal: GoalId,
    ) -> Result<Option<GoalView>> {
        let org = self.org;
        let Some(p) = care_plans::get(tx, org, plan).await? else {
            return Ok(None);
        };
        let versions = care_plans::versions(tx, org, plan).await?;
        for v in versions.iter().rev() {
            let body = v.body();
            if let Some(g) = body.goals.iter().find(|g| g.id == goal) {
                return Ok(Some(GoalView {
                    patient,
                    plan,
                    goal: g.clone(),
                    problem: body.problems.get(g.problem).cloned(),
                    current: v.number() == p.current_version,
                    version: v.number(),
                }));
            }
        }
        Ok(None)
    }

    /// One goal by id (FHIR `Goal` read).
    pub async fn read_goal(&self, caller: &Caller, id: GoalId) -> Result<GoalView> {
        let mut tx = self.store.begin_read().await?;
        let found = care_plans::goal_owner(&mut tx, self.org, id).await?;
        tx.commit().await?;
        let (plan, patient) = found.ok_or(AppError::NotFound("Goal"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "goal.read")
            .await?;
        let g = self
            .goal_of(&mut tx, plan, patient, id)
            .await?
            .ok_or(AppError::NotFound("Goal"))?;
        let mut rec = self.patient_record(caller, "goal.read", patient, purpose);
        rec.resource = Some(format!("Goal/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(g)
    }

    /// Every goal a patient's plans have had (FHIR `Goal` search).
    pub async fn search_goals(&self, caller: &Caller, patient: PatientId) -> Result<Vec<GoalView>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "goal.search")
            .await?;
        let mut out = Vec::new();
        for (goal, plan) in care_plans::goals_for_patient(&mut tx, self.org, patient).await? {
            if let Some(g) = self.goal_of(&mut tx, plan, patient, goal).await? {
                out.push(g);
            }
        }
        let mut rec = self.patient_record(caller, "goal.search", patient, purpose);
        rec.resource = Some("Goal".into());
        rec.detail = Some(format!("{} found", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out)
    }
}
