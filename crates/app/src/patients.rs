//! Registering, finding, reading and editing patients; break-the-glass.

use crate::{App, AppError, Caller, Forbidden, Result, patient_ref};
use tandem_core::access::{
    Decision, Denial, PatientAction, Purpose, Relationship, can_break_glass, can_register, decide,
    searches_whole_clinic, valid_break_glass_reason,
};
use tandem_core::audit::{AuditRecord, Outcome};
use tandem_core::ids::{CareTeamMemberId, GrantId, PatientId};
use tandem_core::mrn::Mrn;
use tandem_core::patient::{Demographics, Patient, PatientQuery};
use tandem_store::patients::Scope;
use tandem_store::{Tx, audit, care_team, grants, org, patients};

/// An opened chart: the patient, the care team, and why it was opened.
#[derive(Clone, Debug)]
pub struct Chart {
    pub patient: Patient,
    pub care_team: Vec<care_team::Member>,
    pub purpose: Purpose,
    /// Scores, trajectories and flags; empty for roles that see no chart.
    pub measures: crate::ChartMeasures,
    /// The care plan's card: version, signed, review due.
    pub care_plan: Option<crate::PlanCard>,
}

/// One page of a patient search.
#[derive(Clone, Debug)]
pub struct PatientPage {
    pub patients: Vec<Patient>,
    pub total: u64,
}

impl App {
    /// Opens the transaction of an action on one patient and decides the
    /// access in it. A refusal is audited (outcome `denied`, or `failed` for
    /// an unknown patient), committed on its own, and returned as the error.
    pub(crate) async fn begin_for_patient(
        &self,
        caller: &Caller,
        patient: PatientId,
        action: PatientAction,
        audit_action: &str,
    ) -> Result<(Tx, Purpose, Patient)> {
        let mut tx = self.store.begin().await?;
        let actor = &caller.actor;
        let found = patients::get(&mut tx, actor.org, patient).await?;
        let exists = found.is_some();
        let mut rel = Relationship::default();
        if exists && actor.role.is_clinician() {
            let today = self.clock().today();
            rel.on_care_team =
                care_team::is_member(&mut tx, actor.org, patient, actor.user_id, today).await?;
            if !rel.on_care_team {
                rel.break_glass =
                    grants::active(&mut tx, actor.org, actor.user_id, patient, self.now()).await?;
            }
        }
        let (detail, error) = match (exists, decide(actor.role, rel, action)) {
            (true, Decision::Allow(purpose)) => {
                if let Some(p) = found {
                    return Ok((tx, purpose, p));
                }
                ("not found", AppError::NotFound("patient"))
            }
            (false, _) => ("not found", AppError::NotFound("patient")),
            (true, Decision::Deny(Denial::NotOnCareTeam)) => (
                "not on care team",
                AppError::Forbidden(Forbidden::NotOnCareTeam),
            ),
            (true, Decision::Deny(Denial::RoleNotPermitted)) => {
                ("role not permitted", AppError::Forbidden(Forbidden::Role))
            }
        };
        let outcome = if exists {
            Outcome::Denied
        } else {
            Outcome::Failed
        };
        let mut rec = self.record(caller, audit_action, outcome);
        rec.patient_id = exists.then_some(patient);
        rec.resource = Some(patient_ref(patient));
        rec.detail = Some(detail.to_string());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Err(error)
    }

    /// The audit record of a permitted action on one patient.
    pub(crate) fn patient_record(
        &self,
        caller: &Caller,
        action: &str,
        patient: PatientId,
        purpose: Purpose,
    ) -> AuditRecord {
        let mut rec = self.record(caller, action, Outcome::Success);
        rec.patient_id = Some(patient);
        rec.resource = Some(patient_ref(patient));
        rec.purpose = Some(purpose.as_str().into());
        rec
    }

    async fn deny_role<T>(
        &self,
        caller: &Caller,
        action: &str,
        patient: Option<PatientId>,
    ) -> Result<T> {
        let mut tx = self.store.begin().await?;
        let mut rec = self.record(caller, action, Outcome::Denied);
        rec.patient_id = patient;
        rec.resource = patient.map(patient_ref);
        rec.detail = Some("role not permitted".into());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Err(AppError::Forbidden(Forbidden::Role))
    }

    /// Registers a patient. A clinician who registers joins the care team in
    /// their role, so they can go on treating the patient they just met.
    pub async fn register_patient(&self, caller: &Caller, d: Demographics) -> Result<Patient> {
        if !can_register(caller.actor.role) {
            return self.deny_role(caller, "patient.create", None).await;
        }
        let org_id = caller.actor.org;
        let id = PatientId::generate(self.clock(), self.entropy());
        let now = self.now();
        let mut tx = self.store.begin().await?;
        let seq = org::next_counter(&mut tx, org_id, "mrn").await?;
        let mrn = Mrn::from_sequence(seq);
        patients::insert(&mut tx, org_id, id, &mrn, &d, now).await?;
        let mut detail = format!("MRN {mrn}");
        if let Some(role) = caller.actor.role.clinical() {
            let m = CareTeamMemberId::generate(self.clock(), self.entropy());
            care_team::add(
                &mut tx,
                org_id,
                m,
                id,
                caller.actor.user_id,
                role,
                self.clock().today(),
                now,
            )
            .await?;
            detail.push_str(&format!(
                "; registering {} joined the care team",
                role.as_str()
            ));
        }
        let mut rec = self.record(caller, "patient.create", Outcome::Success);
        rec.patient_id = Some(id);
        rec.resource = Some(patient_ref(id));
        rec.purpose = Some(
            if caller.actor.role.is_clinician() {
                Purpose::Treatment
            } else {
                Purpose::Operations
            }
            .as_str()
            .into(),
        );
        rec.detail = Some(detail);
        // Read back before the audit append: the append locks the chain
        // head until commit, so nothing else should happen after it.
        let p = patients::get(&mut tx, org_id, id)
            .await?
            .ok_or(AppError::NotFound("patient"))?;
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Reads demographics (FHIR `Patient`, the chart header).
    pub async fn read_patient(&self, caller: &Caller, id: PatientId) -> Result<Patient> {
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, id, PatientAction::ReadDemographics, "patient.read")
            .await?;
        let rec = self.patient_record(caller, "patient.read", id, purpose);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Opens the chart: demographics and care team. Front desk may open the
    /// registration view (demographics) but not the clinical chart.
    pub async fn open_chart(&self, caller: &Caller, id: PatientId) -> Result<Chart> {
        let action = if caller.actor.role.is_clinician() {
            PatientAction::ReadChart
        } else {
            PatientAction::ReadDemographics
        };
        let (mut tx, purpose, patient) = self
            .begin_for_patient(caller, id, action, "chart.open")
            .await?;
        let org_id = caller.actor.org;
        let team = care_team::for_patient(&mut tx, org_id, id).await?;
        let (measures, care_plan) = if action == PatientAction::ReadChart {
            (
                self.chart_measures(&mut tx, id).await?,
                self.plan_card(&mut tx, id).await?,
            )
        } else {
            (crate::ChartMeasures::default(), None)
        };
        let rec = self.patient_record(caller, "chart.open", id, purpose);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(Chart {
            patient,
            care_team: team,
            purpose,
            measures,
            care_plan,
        })
    }

    /// Replaces demographics. With `expected_version`, refuses when the
    /// record changed meanwhile (FHIR `If-Match`, the edit form's hidden field).
    pub async fn update_patient(
        &self,
        caller: &Caller,
        id: PatientId,
        d: Demographics,
        expected_version: Option<i64>,
    ) -> Result<Patient> {
        let (mut tx, purpose, current) = self
            .begin_for_patient(
                caller,
                id,
                PatientAction::EditDemographics,
                "patient.update",
            )
            .await?;
        let org_id = caller.actor.org;
        let expected = expected_version.unwrap_or(current.version);
        if expected != current.version {
            return Err(AppError::VersionConflict {
                current: current.version,
            });
        }
        let changed = changed_fields(&current.demographics, &d);
        patients::update(&mut tx, org_id, id, expected, &d, self.now())
            .await?
            .ok_or(AppError::VersionConflict {
                current: current.version,
            })?;
        let mut rec = self.patient_record(caller, "patient.update", id, purpose);
        rec.detail = Some(if changed.is_empty() {
            "no changes".into()
        } else {
            format!("changed: {}", changed.join(", "))
        });
        // Read back before the audit append: the append locks the chain
        // head until commit, so nothing else should happen after it.
        let p = patients::get(&mut tx, org_id, id)
            .await?
            .ok_or(AppError::NotFound("patient"))?;
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(p)
    }

    /// Searches the patients the caller may see: a clinician their care-team
    /// patients, front desk the whole clinic. The search and its terms are audited.
    pub async fn search_patients(&self, caller: &Caller, q: &PatientQuery) -> Result<PatientPage> {
        let scope = if caller.actor.role.is_clinician() {
            Scope::CareTeamOf {
                user: caller.actor.user_id,
                today: self.clock().today(),
            }
        } else if searches_whole_clinic(caller.actor.role) {
            Scope::Organization
        } else {
            return self.deny_role(caller, "patient.search", None).await;
        };
        let mut tx = self.store.begin().await?;
        let page = patients::search(&mut tx, caller.actor.org, scope, q).await?;
        let mut rec = self.record(caller, "patient.search", Outcome::Success);
        rec.detail = Some(format!("{} ({} found)", describe(q), page.total));
        rec.resource = Some("Patient".into());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(PatientPage {
            patients: page.patients,
            total: page.total,
        })
    }

    /// A clinician's own panel (or, for front desk, the clinic's patients).
    pub async fn my_patients(
        &self,
        caller: &Caller,
        limit: u32,
        offset: u32,
    ) -> Result<PatientPage> {
        let q = PatientQuery {
            limit,
            offset,
            ..Default::default()
        };
        self.search_patients(caller, &q).await
    }

    /// Finds a patient by exact MRN across the clinic, for a clinician who
    /// must break the glass. Reveals only that the MRN exists and whose it is
    /// by id; the chart itself needs the reason.
    pub async fn find_for_break_glass(&self, caller: &Caller, mrn: &str) -> Result<PatientId> {
        if !can_break_glass(caller.actor.role) {
            return self.deny_role(caller, "break_glass.lookup", None).await;
        }
        let mrn: Mrn = mrn
            .parse()
            .map_err(|e: tandem_core::mrn::MrnError| AppError::invalid("mrn", e.to_string()))?;
        let mut tx = self.store.begin().await?;
        let found = patients::by_mrn(&mut tx, caller.actor.org, mrn.as_str()).await?;
        let mut rec = self.record(caller, "break_glass.lookup", Outcome::Success);
        rec.detail = Some(format!("MRN {mrn}"));
        rec.patient_id = found.as_ref().map(|p| p.id);
        if found.is_none() {
            rec.outcome = Outcome::Failed.as_str().into();
        }
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        found.map(|p| p.id).ok_or(AppError::NotFound("patient"))
    }

    /// Break-the-glass: a clinician off the care team opens a chart for a
    /// stated reason, for a limited time. Recorded and reported to auditors.
    pub async fn break_glass(&self, caller: &Caller, id: PatientId, reason: &str) -> Result<()> {
        if !can_break_glass(caller.actor.role) {
            return self.deny_role(caller, "break_glass.open", Some(id)).await;
        }
        let reason =
            valid_break_glass_reason(reason).map_err(|m| AppError::invalid("reason", m))?;
        let org_id = caller.actor.org;
        let now = self.now();
        let mut tx = self.store.begin().await?;
        if patients::get(&mut tx, org_id, id).await?.is_none() {
            return Err(AppError::NotFound("patient"));
        }
        let gid = GrantId::generate(self.clock(), self.entropy());
        let until = now + self.settings.break_glass;
        grants::insert(
            &mut tx,
            org_id,
            gid,
            caller.actor.user_id,
            id,
            &reason,
            now,
            until,
        )
        .await?;
        let mut rec = self.record(caller, "break_glass.open", Outcome::Success);
        rec.patient_id = Some(id);
        rec.resource = Some(patient_ref(id));
        rec.purpose = Some(Purpose::BreakGlass.as_str().into());
        rec.detail = Some(reason);
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn describe(q: &PatientQuery) -> String {
    let mut parts = Vec::new();
    if !q.name_prefixes.is_empty() {
        parts.push(format!("name={}", q.name_prefixes.join(" ")));
    }
    if let Some(f) = &q.family_prefix {
        parts.push(format!("family={f}"));
    }
    if let Some(g) = &q.given_prefix {
        parts.push(format!("given={g}"));
    }
    if let Some(d) = q.birth_date {
        parts.push(format!("birthdate={d}"));
    }
    if let Some(m) = &q.mrn {
        parts.push(format!("mrn={m}"));
    }
    if parts.is_empty() {
        parts.push("all".into());
    }
    parts.join("&")
}

/// Names of the fields that differ, for the audit entry (never the values).
fn changed_fields(a: &Demographics, b: &Demographics) -> Vec<&'static str> {
    let mut out = Vec::new();
    let mut check = |name: &'static str, differs: bool| {
        if differs {
            out.push(name);
        }
    };
    check("family_name", a.family_name != b.family_name);
    check("given_names", a.given_names != b.given_names);
    check("preferred_name", a.preferred_name != b.preferred_name);
    check("birth_date", a.birth_date != b.birth_date);
    check("sex_at_birth", a.sex_at_birth != b.sex_at_birth);
    check("gender", a.gender != b.gender);
    check("gender_identity", a.gender_identity != b.gender_identity);
    check("pronouns", a.pronouns != b.pronouns);
    check(
        "preferred_language",
        a.preferred_language != b.preferred_language,
    );
    check("phone", a.phone != b.phone);
    check("address", a.address != b.address);
    check(
        "emergency_contact",
        a.emergency_contact != b.emergency_contact,
    );
    out
}
