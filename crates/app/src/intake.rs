//! Intake: the screening packet of the patient's program, the structured
//! clinical assessment, ASAM dimension ratings with a level-of-care
//! suggestion, and the pathway recommendation the clinician accepts or
//! overrides. The recommendation never decides alone: later care starts
//! from the decision ([`App::decided_pathway`]).

use crate::{App, AppError, Caller, Result};
use std::collections::BTreeMap;
use tandem_core::access::PatientAction;
use tandem_core::asam::{AsamRules, Ratings, RatingsInput, Suggestion};
use tandem_core::assessment::{Assessment, AssessmentInput, LastUse, Substance};
use tandem_core::ids::{AssessmentId, PatientId, UserId};
use tandem_core::instrument::Answers;
use tandem_core::pathway::{
    Decision, Facts, MeasureFact, Pathway, PathwayRules, Recommendation, Step,
};
use tandem_core::patient::Patient;
use tandem_core::program::Program;
use tandem_store::assessments::{self, AssessmentRow, Decided};
use tandem_store::measures::{self, Response};
use tandem_store::{Tx, audit, conditions, episodes, flags};
use time::{Date, OffsetDateTime};

/// The intake rules in force, checked when the app opens.
#[derive(Clone, Debug)]
pub(crate) struct IntakeRules {
    pub asam: AsamRules,
    pub pathway: PathwayRules,
}

/// One instrument of the screening packet and where it stands in the
/// current episode.
#[derive(Clone, Debug)]
pub struct PacketItem {
    pub instrument: String,
    pub name: String,
    pub title: String,
    /// The latest response in the open episode, if any.
    pub done: Option<PacketResult>,
}

#[derive(Clone, Debug)]
pub struct PacketResult {
    pub score: Option<i32>,
    pub band: Option<String>,
    pub severity: Option<String>,
    pub on: Date,
}

/// The screening packet of the patient's program.
#[derive(Clone, Debug)]
pub struct Packet {
    pub program: Program,
    /// The program is the open episode's; otherwise it was picked (or is
    /// the first program) and may be changed on the page.
    pub enrolled: bool,
    pub trauma_reported: bool,
    pub items: Vec<PacketItem>,
}

/// The clinician's decision on a recommendation, as stored.
#[derive(Clone, Debug, PartialEq)]
pub struct DecisionRecord {
    pub accepted: bool,
    pub pathway: Pathway,
    /// The override's reason.
    pub reason: Option<String>,
    pub by: Option<UserId>,
    pub by_name: Option<String>,
    pub at: OffsetDateTime,
    /// The recommendation as it was shown when the decision was made.
    pub recommendation: Recommendation,
}

/// One stored assessment.
#[derive(Clone, Debug, PartialEq)]
pub struct StoredAssessment {
    pub id: AssessmentId,
    pub assessment: Assessment,
    pub asam: Option<Ratings>,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub decision: Option<DecisionRecord>,
}

/// Everything the intake page shows.
#[derive(Clone, Debug)]
pub struct Intake {
    pub patient: Patient,
    pub packet: Packet,
    /// The latest assessment; editable while it has no decision.
    pub current: Option<StoredAssessment>,
    /// For an open assessment, computed now; for a decided one, as it was
    /// shown at the decision.
    pub recommendation: Recommendation,
    pub suggestion: Option<Suggestion>,
    /// Earlier decided assessments, newest first.
    pub earlier: Vec<StoredAssessment>,
}

/// What the clinician chose.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Choice {
    Accept,
    Override { pathway: String, reason: String },
}

/// A decision as the clinician submits it. `shown` is the pathway the
/// recommendation they read proposed (`None`: none); if the facts changed
/// since, the decision is refused so they decide on what is true now.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DecisionRequest {
    pub assessment: AssessmentId,
    pub shown: Option<Pathway>,
    pub choice: Choice,
}

/// The latest decided pathway: what the care plan starts from.
#[derive(Clone, Debug, PartialEq)]
pub struct DecidedPathway {
    pub assessment: AssessmentId,
    pub decision: DecisionRecord,
    /// The recommendation's first steps, in order (safety first).
    pub first_steps: Vec<Step>,
}

/// A recorded date of last use and when it was recorded.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct LastUseRecord {
    pub last_use: LastUse,
    pub assessment: AssessmentId,
    pub recorded_at: OffsetDateTime,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn unjson<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| AppError::Internal(format!("stored {what} cannot be read: {e}")))
}

fn stored(row: &AssessmentRow) -> Result<StoredAssessment> {
    let decision = match (&row.decision, &row.decision_pathway, row.decided_at) {
        (Some(d), Some(p), Some(at)) => Some(DecisionRecord {
            accepted: d == "accepted",
            pathway: Pathway::parse(p)
                .ok_or_else(|| AppError::Internal(format!("stored pathway {p:?}")))?,
            reason: row.decision_reason.clone(),
            by: row.decided_by,
            by_name: row.decided_by_name.clone(),
            at,
            recommendation: unjson(
                "recommendation",
                row.recommendation.as_deref().unwrap_or("null"),
            )?,
        }),
        _ => None,
    };
    Ok(StoredAssessment {
        id: row.id,
        assessment: unjson("assessment", &row.body)?,
        asam: row
            .asam
            .as_deref()
            .map(|a| unjson("ASAM ratings", a))
            .transpose()?,
        created_at: row.created_at,
        updated_at: row.updated_at,
        decision,
    })
}

impl IntakeRules {
    pub(crate) fn load(
        settings: &crate::Settings,
        instruments: &tandem_core::instrument::Library,
    ) -> Result<IntakeRules> {
        let asam_text = settings
            .asam_rules
            .as_deref()
            .unwrap_or(tandem_content::ASAM);
        let asam = AsamRules::parse(asam_text)
            .map_err(|e| AppError::Configuration(format!("ASAM rules file: {e}")))?;
        let pathway_text = settings
            .pathway_rules
            .as_deref()
            .unwrap_or(tandem_content::PATHWAY);
        let pathway = PathwayRules::parse(
            pathway_text,
            |i| instruments.get(i).is_some(),
            |i, r| {
                instruments
                    .get(i)
                    .is_some_and(|inst| tandem_core::pathway::has_yes_no_rule(inst, r))
            },
        )
        .map_err(|e| AppError::Configuration(format!("pathway rules file: {e}")))?;
        Ok(IntakeRules { asam, pathway })
    }
}

impl App {
    /// The ASAM dimensions and the suggestion's rules in force.
    pub fn asam_rules(&self) -> &AsamRules {
        &self.intake.asam
    }

    /// The pathway rules in force.
    pub fn pathway_rules(&self) -> &PathwayRules {
        &self.intake.pathway
    }

    /// The latest response to each instrument in the open episode.
    async fn latest_responses(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<BTreeMap<String, Response>> {
        let mut out = BTreeMap::new();
        if let Some(ep) = episodes::open(tx, self.org, patient).await? {
            // Oldest first, so the last one kept is the latest.
            for r in measures::in_episode(tx, self.org, ep.id, None).await? {
                out.insert(r.instrument.clone(), r);
            }
        }
        Ok(out)
    }

    /// What the recommendation is made from, read in the caller's
    /// transaction.
    async fn facts(
        &self,
        tx: &mut Tx,
        p: &Patient,
        latest: &BTreeMap<String, Response>,
        assessment: Option<&Assessment>,
    ) -> Result<Facts> {
        let mut ms = Vec::new();
        for r in latest.values() {
            let inst = self.instruments.get(&r.instrument);
            // Screening-rule results are not stored apart from the
            // response; scoring its stored answers again gives them.
            let positive = inst
                .and_then(|i| {
                    let answers: Answers = crate::parse_answers(&r.answers);
                    self.score_answers(i, &answers, p.demographics.sex_at_birth)
                        .ok()
                })
                .map(|s| MeasureFact::positive_rules(&s))
                .unwrap_or_default();
            ms.push(MeasureFact {
                instrument: r.instrument.clone(),
                name: inst.map_or(r.instrument.clone(), |i| i.name.clone()),
                severity: r.severity.clone(),
                band: r.interpretation.clone(),
                positive_rules: positive,
                on: Some(r.authored.date()),
            });
        }
        let active = flags::active_for(tx, self.org, p.id).await?;
        Ok(Facts {
            measures: ms,
            flags: active.iter().map(|f| f.kind).collect(),
            diagnoses: conditions::active_codes(tx, self.org, p.id).await?,
            suicidal_ideation: assessment.map(|a| a.risk.suicidal_ideation),
            overall_risk: assessment.map(|a| a.risk.overall),
            preference: assessment.map_or(
                tandem_core::assessment::MedicationPreference::NotStated,
                |a| a.preferences.medication,
            ),
        })
    }

    /// The program whose packet applies: the open episode's, else the one
    /// asked for, else the first.
    async fn packet_program(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        asked: Option<&str>,
    ) -> Result<(Program, bool)> {
        let programs = self.programs();
        if let Some(id) = assessments::open_episode_program(tx, self.org, patient).await?
            && let Some(p) = programs.get(&id)
        {
            return Ok((p.clone(), true));
        }
        let chosen = asked
            .and_then(|id| programs.get(id))
            .or_else(|| programs.programs.first())
            .ok_or_else(|| AppError::Configuration("no programs are defined".into()))?;
        Ok((chosen.clone(), false))
    }

    fn packet(
        &self,
        program: Program,
        enrolled: bool,
        trauma_reported: bool,
        latest: &BTreeMap<String, Response>,
    ) -> Packet {
        let items = program
            .packet_for(trauma_reported)
            .into_iter()
            .map(|id| {
                let inst = self.instruments.get(id);
                PacketItem {
                    instrument: id.to_string(),
                    name: inst.map_or(id.to_string(), |i| i.name.clone()),
                    title: inst.map_or(String::new(), |i| i.title.clone()),
                    done: latest.get(id).map(|r| PacketResult {
                        score: r.total,
                        band: r.interpretation.clone(),
                        severity: r.severity.clone(),
                        on: r.authored.date(),
                    }),
                }
            })
            .collect();
        Packet {
            program,
            enrolled,
            trauma_reported,
            items,
        }
    }

    /// The intake page: packet status, the latest assessment, its ASAM
    /// suggestion, and the recommendation. `program` is the clinician's
    /// pick when the patient is not enrolled in one.
    pub async fn intake(
        &self,
        caller: &Caller,
        patient: PatientId,
        program: Option<&str>,
    ) -> Result<Intake> {
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "intake.read")
            .await?;
        let rows = assessments::for_patient(&mut tx, self.org, patient).await?;
        let mut all = rows.iter().map(stored).collect::<Result<Vec<_>>>()?;
        let current = (!all.is_empty()).then(|| all.remove(0));
        let earlier: Vec<StoredAssessment> =
            all.into_iter().filter(|a| a.decision.is_some()).collect();
        let latest = self.latest_responses(&mut tx, patient).await?;
        let (prog, enrolled) = self.packet_program(&mut tx, patient, program).await?;
        let trauma = current
            .as_ref()
            .is_some_and(|c| c.assessment.trauma_reported);
        let packet = self.packet(prog, enrolled, trauma, &latest);
        let recommendation = match current.as_ref().and_then(|c| c.decision.as_ref()) {
            Some(d) => d.recommendation.clone(),
            None => {
                let facts = self
                    .facts(
                        &mut tx,
                        &p,
                        &latest,
                        current.as_ref().map(|c| &c.assessment),
                    )
                    .await?;
                self.intake.pathway.recommend(&facts)
            }
        };
        let suggestion = current
            .as_ref()
            .and_then(|c| c.asam.as_ref())
            .and_then(|r| self.intake.asam.suggest(r));
        let mut rec = self.patient_record(caller, "intake.read", patient, purpose);
        rec.detail = Some(format!("program {}", packet.program.id));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(Intake {
            patient: p,
            packet,
            current,
            recommendation,
            suggestion,
            earlier,
        })
    }

    /// Saves the structured assessment. `editing` names the open
    /// assessment being edited; `None` starts a new one (the first, or a
    /// reassessment after a decision). A decided assessment is never edited.
    pub async fn save_assessment(
        &self,
        caller: &Caller,
        patient: PatientId,
        editing: Option<AssessmentId>,
        input: &AssessmentInput,
    ) -> Result<AssessmentId> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "assessment.save",
            )
            .await?;
        let a = input.validate(self.clock().today())?;
        let body = json(&a)?;
        let now = self.now();
        let org = self.org;
        // Two clinicians saving at once must not both open a new assessment.
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let latest = assessments::latest(&mut tx, org, patient).await?;
        let (id, what) = match editing {
            Some(id) => {
                let row = assessments::get(&mut tx, org, id)
                    .await?
                    .filter(|r| r.patient_id == patient)
                    .ok_or(AppError::NotFound("assessment"))?;
                if row.decision.is_some()
                    || !assessments::update_body(&mut tx, org, id, &body, now).await?
                {
                    return Err(AppError::Conflict(
                        "this assessment has a decision and can no longer be edited; a reassessment is a new record".into(),
                    ));
                }
                (id, "updated")
            }
            None => {
                if latest.as_ref().is_some_and(|l| l.decision.is_none()) {
                    return Err(AppError::Conflict(
                        "an assessment is already open for this patient; edit it instead".into(),
                    ));
                }
                let id = AssessmentId::generate(self.clock(), self.entropy());
                let episode = episodes::open(&mut tx, org, patient).await?.map(|e| e.id);
                assessments::insert(
                    &mut tx,
                    org,
                    id,
                    patient,
                    episode,
                    &body,
                    caller.actor.user_id,
                    now,
                )
                .await?;
                let what = if latest.is_some() {
                    "reassessment created"
                } else {
                    "created"
                };
                (id, what)
            }
        };
        let mut rec = self.patient_record(caller, "assessment.save", patient, purpose);
        rec.resource = Some(format!("Assessment/{id}"));
        rec.detail = Some(what.to_string());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Saves the six ASAM dimension ratings on the open assessment and
    /// returns the level-of-care suggestion (decision support).
    pub async fn save_asam(
        &self,
        caller: &Caller,
        patient: PatientId,
        assessment: AssessmentId,
        input: &RatingsInput,
    ) -> Result<Option<Suggestion>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "assessment.asam",
            )
            .await?;
        let ratings = input.validate()?;
        let org = self.org;
        let row = assessments::get(&mut tx, org, assessment)
            .await?
            .filter(|r| r.patient_id == patient)
            .ok_or(AppError::NotFound("assessment"))?;
        if row.decision.is_some()
            || !assessments::set_asam(&mut tx, org, assessment, &json(&ratings)?, self.now())
                .await?
        {
            return Err(AppError::Conflict(
                "this assessment has a decision and can no longer be edited; a reassessment is a new record".into(),
            ));
        }
        let suggestion = self.intake.asam.suggest(&ratings);
        let mut rec = self.patient_record(caller, "assessment.asam", patient, purpose);
        rec.resource = Some(format!("Assessment/{assessment}"));
        let values: Vec<String> = ratings
            .dimensions
            .iter()
            .map(|d| d.rating.value().to_string())
            .collect();
        rec.detail = Some(format!(
            "ratings {}; suggestion {}",
            values.join(","),
            suggestion.as_ref().map_or("none".to_string(), |s| format!(
                "{} ({})",
                s.level.as_str(),
                s.asam_level
            ))
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(suggestion)
    }

    /// The pathway recommendation from what is known now: the latest
    /// severities and screening results of the open episode, active flags,
    /// active diagnoses and the latest assessment.
    pub async fn recommend(&self, caller: &Caller, patient: PatientId) -> Result<Recommendation> {
        let (mut tx, purpose, p) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "pathway.recommend",
            )
            .await?;
        let rec = self.current_recommendation(&mut tx, &p).await?;
        let mut a = self.patient_record(caller, "pathway.recommend", patient, purpose);
        a.detail = Some(
            rec.pathway
                .map_or("no pathway rule applies".to_string(), |x| {
                    format!("recommended {}", x.as_str())
                }),
        );
        audit::append(&mut tx, a).await?;
        tx.commit().await?;
        Ok(rec)
    }

    async fn current_recommendation(&self, tx: &mut Tx, p: &Patient) -> Result<Recommendation> {
        let latest_row = assessments::latest(tx, self.org, p.id).await?;
        let current = latest_row.as_ref().map(stored).transpose()?;
        let latest = self.latest_responses(tx, p.id).await?;
        let facts = self
            .facts(tx, p, &latest, current.as_ref().map(|c| &c.assessment))
            .await?;
        Ok(self.intake.pathway.recommend(&facts))
    }

    /// The clinician accepts the recommendation or overrides it with a
    /// reason. The recommendation is computed again in the same
    /// transaction and stored as it was shown.
    pub async fn decide_pathway(
        &self,
        caller: &Caller,
        patient: PatientId,
        req: &DecisionRequest,
    ) -> Result<DecisionRecord> {
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "pathway.decide")
            .await?;
        let org = self.org;
        // The recommendation is read again below; a measure recorded
        // meanwhile must wait for the decision, not slip in between.
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let latest = assessments::latest(&mut tx, org, patient).await?;
        let row = match latest {
            Some(r) if r.id == req.assessment => r,
            _ => {
                let exists = assessments::get(&mut tx, org, req.assessment)
                    .await?
                    .is_some_and(|r| r.patient_id == patient);
                return Err(if exists {
                    AppError::Conflict("a newer assessment exists; decide on the latest one".into())
                } else {
                    AppError::NotFound("assessment")
                });
            }
        };
        if row.decision.is_some() {
            return Err(AppError::Conflict(
                "this assessment already has a decision; a reassessment is a new record".into(),
            ));
        }
        let recommendation = self.current_recommendation(&mut tx, &p).await?;
        if recommendation.pathway != req.shown {
            return Err(AppError::Conflict(
                "the recommendation changed since the page was shown (new measures, flags or diagnoses); review it again".into(),
            ));
        }
        let decision = match &req.choice {
            Choice::Accept => Decision::accept(&recommendation)?,
            Choice::Override { pathway, reason } => {
                Decision::overriding(&recommendation, pathway, reason)?
            }
        };
        let now = self.now();
        let rec_json = json(&recommendation)?;
        let done = assessments::decide(
            &mut tx,
            org,
            req.assessment,
            &Decided {
                recommendation: &rec_json,
                decision: decision.as_str(),
                pathway: decision.pathway().as_str(),
                reason: decision.reason(),
                by: caller.actor.user_id,
                at: now,
            },
        )
        .await?;
        if !done {
            return Err(AppError::Conflict(
                "this assessment already has a decision".into(),
            ));
        }
        let mut a = self.patient_record(caller, "pathway.decide", patient, purpose);
        a.resource = Some(format!("Assessment/{}", req.assessment));
        let shown = recommendation
            .pathway
            .map_or("none", |x| x.as_str())
            .to_string();
        a.detail = Some(match &decision {
            Decision::Accepted(x) => format!("accepted {}", x.as_str()),
            Decision::Overridden { pathway, reason } => format!(
                "overridden: recommended {shown}, chose {}; reason: {reason}",
                pathway.as_str()
            ),
        });
        audit::append(&mut tx, a).await?;
        tx.commit().await?;
        Ok(DecisionRecord {
            accepted: matches!(decision, Decision::Accepted(_)),
            pathway: decision.pathway(),
            reason: decision.reason().map(str::to_string),
            by: Some(caller.actor.user_id),
            by_name: Some(caller.actor.display_name.clone()),
            at: now,
            recommendation,
        })
    }

    /// The patient's latest decided pathway, within a transaction already
    /// open for this patient (access decided by the caller).
    pub(crate) async fn decided_pathway_in(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<Option<DecidedPathway>> {
        let Some(row) = assessments::latest_decided(tx, self.org, patient).await? else {
            return Ok(None);
        };
        let s = stored(&row)?;
        Ok(s.decision.map(|d| DecidedPathway {
            assessment: s.id,
            first_steps: d.recommendation.steps.clone(),
            decision: d,
        }))
    }

    /// The patient's latest decided pathway (accepted or overridden) and
    /// the recommendation's first steps: what a care plan starts from.
    pub async fn decided_pathway(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Option<DecidedPathway>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "pathway.read")
            .await?;
        let d = self.decided_pathway_in(&mut tx, patient).await?;
        let mut rec = self.patient_record(caller, "pathway.read", patient, purpose);
        if let Some(d) = &d {
            rec.resource = Some(format!("Assessment/{}", d.assessment));
        }
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(d)
    }

    /// The most recently recorded date of last use of a substance (newest
    /// assessment that mentions it), for medication safety checks.
    pub async fn last_use(
        &self,
        caller: &Caller,
        patient: PatientId,
        substance: Substance,
    ) -> Result<Option<LastUseRecord>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "assessment.last_use",
            )
            .await?;
        let mut found = None;
        for row in assessments::for_patient(&mut tx, self.org, patient).await? {
            let a: Assessment = unjson("assessment", &row.body)?;
            if let Some(l) = a.last_use(substance) {
                found = Some(LastUseRecord {
                    last_use: l,
                    assessment: row.id,
                    recorded_at: row.updated_at,
                });
                break;
            }
        }
        let mut rec = self.patient_record(caller, "assessment.last_use", patient, purpose);
        rec.detail = Some(substance.as_str().to_string());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(found)
    }
}
