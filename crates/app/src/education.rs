//! Education for patients: the leaflets that fit a patient's plan, and the
//! record of what was given, by whom and when.

use crate::care_plan::CarePlanView;
use crate::{App, AppError, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::education::{Context, Leaflet};
use tandem_core::ids::{EducationGivenId, PatientId};
use tandem_core::patient::Patient;
use tandem_store::education::{self, Given};
use tandem_store::{Tx, care_plans, conditions};
use time::OffsetDateTime;

/// The plan as the patient reads it, with its leaflets.
#[derive(Clone, Debug)]
pub struct PlanSummary {
    pub patient: Patient,
    pub plan: Option<CarePlanView>,
    pub leaflets: Vec<ChosenLeaflet>,
}

/// A leaflet chosen for the patient, why, and when it was last given.
#[derive(Clone, Debug, PartialEq)]
pub struct ChosenLeaflet {
    pub leaflet: Leaflet,
    pub because: Vec<String>,
    pub last_given: Option<OffsetDateTime>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct PatientEducation {
    pub patient: Patient,
    pub chosen: Vec<ChosenLeaflet>,
    /// Everything given, newest first (including leaflets the plan no
    /// longer calls for).
    pub given: Vec<Given>,
}

impl App {
    /// The leaflets that fit the patient's diagnoses and plan, and what was
    /// already given. Audited as a chart read.
    pub async fn patient_education(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<PatientEducation> {
        let (mut tx, purpose, person) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "education.read")
            .await?;
        let ctx = self.education_context(&mut tx, patient).await?;
        let given = education::list(&mut tx, caller.actor.org, patient).await?;
        let chosen = self.choose(&ctx, &given);
        let rec = self.patient_record(caller, "education.read", patient, purpose);
        tandem_store::audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(PatientEducation {
            patient: person,
            chosen,
            given,
        })
    }

    /// Records that these leaflets were given to the patient now.
    pub async fn give_education(
        &self,
        caller: &Caller,
        patient: PatientId,
        materials: &[String],
    ) -> Result<usize> {
        if materials.is_empty() {
            return Err(AppError::invalid(
                "material",
                "choose at least one leaflet to record as given",
            ));
        }
        if let Some(unknown) = materials.iter().find(|m| self.education.get(m).is_none()) {
            return Err(AppError::invalid(
                "material",
                format!("there is no leaflet {unknown:?}"),
            ));
        }
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "education.give")
            .await?;
        let org = caller.actor.org;
        let plan_version = self.current_plan_version(&mut tx, patient).await?;
        let now = self.now();
        for m in materials {
            let id = EducationGivenId::generate(self.clock(), self.entropy());
            education::record(
                &mut tx,
                org,
                id,
                patient,
                m,
                plan_version,
                caller.actor.user_id,
                now,
            )
            .await?;
        }
        let mut rec = self.patient_record(caller, "education.give", patient, purpose);
        rec.detail = Some(materials.join(", "));
        tandem_store::audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(materials.len())
    }

    /// What the patient's leaflets are chosen from: active diagnoses and
    /// the current plan.
    async fn education_context(&self, tx: &mut Tx, patient: PatientId) -> Result<Context> {
        let diagnoses = conditions::active_codes(tx, self.org, patient).await?;
        let mut therapies = Vec::new();
        if let Some(plan) = care_plans::active_for(tx, self.org, patient).await?
            && let Some(v) =
                care_plans::version(tx, self.org, plan.id, plan.current_version).await?
        {
            therapies = v
                .body()
                .therapy
                .iter()
                .map(|t| t.modality.as_str().to_string())
                .collect();
        }
        let mut medication_classes: Vec<String> = Vec::new();
        for o in tandem_store::medications::orders_for_patient(tx, self.org, patient).await? {
            if o.status != "active" {
                continue;
            }
            let catalog = &self.medication_safety().catalog;
            let class = u32::try_from(o.rxcui)
                .ok()
                .and_then(tandem_core::medication::RxCui::new)
                .and_then(|code| catalog.lookup(code))
                .map(|idx| catalog.drug(idx).class.id().to_string());
            if let Some(c) = class
                && !medication_classes.contains(&c)
            {
                medication_classes.push(c);
            }
        }
        let mut pathways = Vec::new();
        if let Some(d) = self.decided_pathway_in(tx, patient).await? {
            pathways.push(d.decision.pathway.as_str().to_string());
            pathways.extend(d.first_steps.into_iter().map(|s| s.id));
        }
        Ok(Context {
            diagnoses,
            therapies,
            medication_classes,
            pathways,
        })
    }

    /// The leaflet library, checked when the app opened.
    pub fn education_library(&self) -> &tandem_core::education::Library {
        &self.education
    }

    /// The version of the patient's active care plan, if any, so a record
    /// of education says which plan it went with.
    async fn current_plan_version(&self, tx: &mut Tx, patient: PatientId) -> Result<Option<i32>> {
        Ok(care_plans::active_for(tx, self.org, patient)
            .await?
            .map(|p| i32::try_from(p.current_version).unwrap_or(i32::MAX)))
    }

    /// The patient's version of their plan: the plan, the leaflets that go
    /// with it, and the patient. One audited read.
    pub async fn patient_plan_summary(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<PlanSummary> {
        let (mut tx, purpose, person) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "care_plan.summary",
            )
            .await?;
        let plan = self.plan_view(&mut tx, patient).await?;
        let ctx = self.education_context(&mut tx, patient).await?;
        let given = education::list(&mut tx, caller.actor.org, patient).await?;
        let leaflets = self.choose(&ctx, &given);
        let mut rec = self.patient_record(caller, "care_plan.summary", patient, purpose);
        rec.resource = plan.as_ref().map(|v| format!("CarePlan/{}", v.plan.id));
        tandem_store::audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(PlanSummary {
            patient: person,
            plan,
            leaflets,
        })
    }

    fn choose(&self, ctx: &Context, given: &[Given]) -> Vec<ChosenLeaflet> {
        self.education
            .select(ctx)
            .into_iter()
            .map(|c| ChosenLeaflet {
                last_given: given
                    .iter()
                    .find(|g| g.material == c.leaflet.id)
                    .map(|g| g.given_at),
                leaflet: c.leaflet.clone(),
                because: c.because,
            })
            .collect()
    }
}
