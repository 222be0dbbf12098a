//! A first care plan drafted from the intake: the decided pathway says
//! whether therapy, medication management or both go in; the active
//! diagnoses become the problems; the intake's measures become the
//! schedule and a measurable goal. It is only a starting point: the
//! clinician reviews every row and gives the reason when saving.

use crate::{App, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::care_plan::{
    Format, Frequency, Goal, GoalStatus, Medication, Modality, PlanBody, Problem, Scheduled,
    Setting, Target, Therapy, suggested_targets,
};
use tandem_core::diagnosis::Category;
use tandem_core::ids::{GoalId, PatientId};
use tandem_core::role::Role;
use tandem_store::{audit, measures};

/// Measured at every care-manager contact, every 2–4 weeks in active
/// treatment (Tandem clinical reference, section 2); the draft starts at
/// the closer end.
const SCHEDULE_WEEKS: u8 = 2;
/// First follow-up within 4 weeks of the first contact (ibid.).
const REVIEW_WEEKS: u8 = 4;
/// Not improved by week 8 → case review in weeks 8–12 (ibid.): a goal's
/// first target date is the end of that window.
const GOAL_WEEKS: i64 = 12;

/// The instruments a first plan keeps measuring, when the intake measured them.
const TRACKED: [&str; 2] = ["phq9", "gad7"];

impl App {
    /// A plan body drafted from the patient's latest intake decision, or
    /// `None` when no pathway has been decided. Audited as a chart read.
    pub async fn draft_plan_from_intake(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Option<PlanBody>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "care_plan.draft")
            .await?;
        let Some(decided) = self.decided_pathway_in(&mut tx, patient).await? else {
            let rec = self.patient_record(caller, "care_plan.draft", patient, purpose);
            audit::append(&mut tx, rec).await?;
            tx.commit().await?;
            return Ok(None);
        };
        let choices = self.plan_choices_in(&mut tx, patient).await?;
        let episode = tandem_store::episodes::open(&mut tx, self.org, patient).await?;
        let measured: Vec<String> = match &episode {
            Some(e) => measures::measures_for(&mut tx, self.org, patient, e.id)
                .await?
                .into_iter()
                .map(|m| m.instrument)
                .collect(),
            None => Vec::new(),
        };
        let today = self.clock().today();
        let pathway = decided.decision.pathway;

        let mut problems: Vec<Problem> = choices
            .diagnoses
            .iter()
            .map(|d| Problem {
                text: d.display.clone(),
                diagnosis: Some(d.clone()),
            })
            .collect();
        if problems.is_empty() {
            problems.push(Problem {
                text: "Presenting problem from the intake assessment".into(),
                diagnosis: None,
            });
        }
        let schedule: Vec<Scheduled> = TRACKED
            .iter()
            .filter(|i| measured.iter().any(|m| m == *i))
            .map(|i| Scheduled {
                instrument: (*i).to_string(),
                every_weeks: SCHEDULE_WEEKS,
            })
            .collect();
        // Mood and anxiety scores are goals of the mental-health problem,
        // when there is one.
        let mood_problem = problems
            .iter()
            .position(|p| {
                p.diagnosis.as_ref().is_some_and(|d| {
                    self.diagnoses
                        .get(&d.code)
                        .is_some_and(|c| c.category == Category::MentalHealth)
                })
            })
            .unwrap_or(0);
        let goals: Vec<Goal> = schedule
            .iter()
            .filter_map(|s| {
                let target = suggested_targets(&s.instrument, self.trajectory_rules())
                    .into_iter()
                    .next()?;
                Some(Goal {
                    id: GoalId::generate(self.clock(), self.entropy()),
                    problem: mood_problem,
                    target: Target::Measurable {
                        instrument: s.instrument.clone(),
                        comparator: target.comparator,
                        value: target.value,
                        due: today + time::Duration::weeks(GOAL_WEEKS),
                    },
                    status: GoalStatus::Proposed,
                })
            })
            .collect();
        let with_role = |role: Role| choices.clinicians.iter().find(|c| c.2 == role).map(|c| c.0);
        let therapy = if pathway.includes_therapy() {
            vec![Therapy {
                modality: Modality::Cbt,
                format: Format::Individual,
                setting: Setting::InPerson,
                frequency: Frequency::Weekly,
                clinician: with_role(Role::Therapist),
            }]
        } else {
            Vec::new()
        };
        let medication = if pathway.includes_medication() {
            with_role(Role::Prescriber).map(|prescriber| Medication {
                prescriber,
                evaluation_on: None,
                notes: String::new(),
            })
        } else {
            None
        };
        let mut notes = vec![format!(
            "Intake pathway: {} ({}).",
            pathway.label(),
            if decided.decision.accepted {
                "recommendation accepted".to_string()
            } else {
                format!(
                    "clinician override: {}",
                    decided.decision.reason.clone().unwrap_or_default()
                )
            }
        )];
        for step in &decided.first_steps {
            notes.push(format!("First: {}", step.text));
        }
        notes.push(format!(
            "Patient's medication preference: {}.",
            decided.decision.recommendation.preference.label()
        ));
        let rec = self.patient_record(caller, "care_plan.draft", patient, purpose);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(Some(PlanBody {
            problems,
            goals,
            therapy,
            medication,
            schedule,
            review_every_weeks: REVIEW_WEEKS,
            shared_decisions: notes.join("\n"),
        }))
    }
}
