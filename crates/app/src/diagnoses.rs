//! The problem list: coded diagnoses (ICD-10-CM from the content list),
//! their clinical status and rank, and whether the patient has a dual
//! diagnosis. At most one active diagnosis is primary: making one primary
//! makes the others secondary in the same transaction, and the audit entry
//! says so.

use crate::{App, AppError, Caller, Result};
use tandem_core::access::{PatientAction, Purpose};
use tandem_core::diagnosis::{
    ClinicalStatus, DiagnosisList, NewDiagnosisInput, Rank, dual_diagnosis, parse_onset,
};
use tandem_core::ids::{ConditionId, PatientId};
use tandem_store::conditions::{self, Condition};
use tandem_store::{Tx, audit};

/// A change to a recorded diagnosis; `None` leaves that part as it is.
/// Values are the ids of [`ClinicalStatus`] and [`Rank`]; an empty onset
/// clears it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DiagnosisChange {
    pub clinical_status: Option<String>,
    pub rank: Option<String>,
    pub onset: Option<String>,
}

/// A patient's problem list as the chart shows it.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Diagnoses {
    /// Active first, primary first, then in the order recorded.
    pub conditions: Vec<Condition>,
    /// At least one active mental-health and one active substance-use diagnosis.
    pub dual_diagnosis: bool,
}

impl App {
    /// The ICD-10-CM codes Tandem accepts, checked when the app opened.
    pub fn diagnosis_list(&self) -> &DiagnosisList {
        &self.diagnoses
    }

    /// Whether a set of recorded diagnoses makes a dual diagnosis.
    pub fn is_dual_diagnosis(&self, conditions: &[Condition]) -> bool {
        dual_diagnosis(conditions.iter().filter_map(|c| {
            self.diagnoses
                .get(&c.code)
                .map(|d| (d.category, c.clinical_status))
        }))
    }

    /// Adds a diagnosis to the problem list. A primary one makes any other
    /// active primary secondary.
    pub async fn add_diagnosis(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &NewDiagnosisInput,
    ) -> Result<Condition> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, "diagnosis.add")
            .await?;
        let d = input.validate(&self.diagnoses, self.clock().today())?;
        let org = self.org;
        // Two primaries added at once would each demote only the other's
        // predecessor.
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let now = self.now();
        let c = Condition {
            id: ConditionId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            code: d.code().code.clone(),
            display: d.code().title.clone(),
            rank: d.rank(),
            clinical_status: d.status(),
            onset_on: d.onset(),
            note: d.note().map(str::to_string),
            recorded_by: Some(caller.actor.user_id),
            recorded_at: now,
            updated_at: now,
        };
        conditions::insert(&mut tx, org, &c).await?;
        let demoted = self.keep_one_primary(&mut tx, &c).await?;
        let mut rec = self.patient_record(caller, "diagnosis.add", patient, purpose);
        rec.resource = Some(format!("Condition/{}", c.id));
        rec.detail = Some(describe(&c, &demoted));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// Changes a diagnosis's clinical status, rank or onset.
    pub async fn change_diagnosis(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: ConditionId,
        change: &DiagnosisChange,
    ) -> Result<Condition> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::WriteChart,
                "diagnosis.update",
            )
            .await?;
        let org = self.org;
        tandem_store::patients::lock(&mut tx, org, patient).await?;
        let mut c = conditions::get(&mut tx, org, id)
            .await?
            .filter(|c| c.patient_id == patient)
            .ok_or(AppError::NotFound("diagnosis"))?;
        let mut errors = tandem_core::ValidationErrors::default();
        let mut changed = Vec::new();
        if let Some(s) = &change.clinical_status {
            match s.trim().parse::<ClinicalStatus>() {
                Ok(s) if s != c.clinical_status => {
                    changed.push(format!("status {} → {}", c.clinical_status, s));
                    c.clinical_status = s;
                }
                Ok(_) => {}
                Err(()) => errors.add("clinical_status", "choose active, remission or resolved"),
            }
        }
        if let Some(r) = &change.rank {
            match r.trim().parse::<Rank>() {
                Ok(r) if r != c.rank => {
                    changed.push(format!("rank {} → {}", c.rank.as_str(), r.as_str()));
                    c.rank = r;
                }
                Ok(_) => {}
                Err(()) => errors.add("rank", "choose primary or secondary"),
            }
        }
        if let Some(o) = &change.onset {
            match parse_onset(o, self.clock().today()) {
                Ok(d) if d != c.onset_on => {
                    changed.push("onset".into());
                    c.onset_on = d;
                }
                Ok(_) => {}
                Err(m) => errors.add("onset", m),
            }
        }
        if !errors.is_empty() {
            return Err(AppError::Invalid(errors));
        }
        c.updated_at = self.now();
        conditions::update(&mut tx, org, &c).await?;
        let demoted = self.keep_one_primary(&mut tx, &c).await?;
        let mut rec = self.patient_record(caller, "diagnosis.update", patient, purpose);
        rec.resource = Some(format!("Condition/{id}"));
        let mut detail = format!(
            "{}: {}",
            c.code,
            if changed.is_empty() {
                "no changes".to_string()
            } else {
                changed.join(", ")
            }
        );
        if !demoted.is_empty() {
            detail.push_str(&format!("; {} made secondary", demoted.join(", ")));
        }
        rec.detail = Some(detail);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(c)
    }

    /// The codes of the diagnoses made secondary so that `c`, an active
    /// primary, is the only one.
    async fn keep_one_primary(&self, tx: &mut Tx, c: &Condition) -> Result<Vec<String>> {
        if c.rank != Rank::Primary || c.clinical_status != ClinicalStatus::Active {
            return Ok(Vec::new());
        }
        let ids =
            conditions::demote_other_primaries(tx, self.org, c.patient_id, c.id, c.updated_at)
                .await?;
        let mut codes = Vec::new();
        for id in ids {
            if let Some(d) = conditions::get(tx, self.org, id).await? {
                codes.push(d.code);
            }
        }
        Ok(codes)
    }

    /// The problem list for the chart, with the dual-diagnosis rule applied.
    pub async fn patient_diagnoses(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Diagnoses> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "diagnosis.list")
            .await?;
        let list = conditions::for_patient(&mut tx, self.org, patient).await?;
        self.audit_read(
            &mut tx,
            caller,
            patient,
            purpose,
            "diagnosis.list",
            "Condition".into(),
            Some(format!("{} found", list.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(Diagnoses {
            dual_diagnosis: self.is_dual_diagnosis(&list),
            conditions: list,
        })
    }

    /// One diagnosis (FHIR `Condition` read), access decided on its patient.
    pub async fn read_condition(&self, caller: &Caller, id: ConditionId) -> Result<Condition> {
        let mut tx = self.store.begin_read().await?;
        let found = conditions::get(&mut tx, self.org, id).await?;
        tx.commit().await?;
        let c = found.ok_or(AppError::NotFound("Condition"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                c.patient_id,
                PatientAction::ReadChart,
                "condition.read",
            )
            .await?;
        self.audit_read(
            &mut tx,
            caller,
            c.patient_id,
            purpose,
            "condition.read",
            format!("Condition/{id}"),
            None,
        )
        .await?;
        tx.commit().await?;
        Ok(c)
    }

    /// A patient's diagnoses with one of `statuses` (all when empty) and,
    /// when given, one ICD-10-CM code.
    pub async fn search_conditions(
        &self,
        caller: &Caller,
        patient: PatientId,
        statuses: &[ClinicalStatus],
        code: Option<&str>,
    ) -> Result<Vec<Condition>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "condition.search",
            )
            .await?;
        let list = conditions::search(&mut tx, self.org, patient, statuses, code).await?;
        self.audit_read(
            &mut tx,
            caller,
            patient,
            purpose,
            "condition.search",
            "Condition".into(),
            Some(format!("{} found", list.len())),
        )
        .await?;
        tx.commit().await?;
        Ok(list)
    }

    #[allow(clippy::too_many_arguments)]
    pub(crate) async fn audit_read(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        patient: PatientId,
        purpose: Purpose,
        action: &str,
        resource: String,
        detail: Option<String>,
    ) -> Result<()> {
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(resource);
        rec.detail = detail;
        audit::append(tx, rec).await?;
        Ok(())
    }
}

fn describe(c: &Condition, demoted: &[String]) -> String {
    let mut s = format!(
        "{} {} {}",
        c.code,
        c.rank.as_str(),
        c.clinical_status.as_str()
    );
    if !demoted.is_empty() {
        s.push_str(&format!("; {} made secondary", demoted.join(", ")));
    }
    s
}
