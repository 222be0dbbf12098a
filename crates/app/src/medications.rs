//! Medication orders: placing one, changing its dose (a titration or a
//! taper of dated steps), holding, resuming and discontinuing it, and the
//! safety check made in the same transaction whenever a dose is set.
//!
//! The check reads the patient as the store knows them on the order's start
//! date: age, every other order with its status (stopped ones with their stop
//! date, for washouts), the latest assessment's dates of last opioid and
//! alcohol use and hepatic impairment, and the latest recorded drug screen,
//! serum levels, creatinine clearance and QTc (`monitoring`). What the
//! prescriber documents on the order itself (disulfiram consent, and those
//! results where none is recorded) is kept with the order.
//!
//! A contraindication stops the order and nothing is stored but the audit
//! entry of the refusal, unless the prescriber overrides it with a reason;
//! then the order is placed, the override is audited with its reason and the
//! finding is kept. Warnings never stop an order: each is kept as a detected
//! issue of the order.

use crate::{App, AppError, Caller, Forbidden, Result, patient_ref};
use std::collections::BTreeSet;
use tandem_core::access::{PatientAction, Purpose};
use tandem_core::assessment::{Assessment, LastUse, PrescribingCondition, Substance, YesNoUnknown};
use tandem_core::audit::Outcome;
use tandem_core::ids::{DetectedIssueId, MedicationOrderId, OrderStepId, PatientId, UserId};
use tandem_core::medication::prescription::{
    DoseChange, DoseStep, NewOrder, OrderStatus, StepKind, can_prescribe, check_date, check_reason,
    check_sig, ingredient, status_on,
};
use tandem_core::medication::{
    CheckResult, Dose, DoseUnit, DrugLevel, DrugScreen, Finding, FirstDay, Frequency, Induction,
    MedStatus, MedicationSafety, OtherMedication, PatientContext, ProposedOrder, Route, RxCui,
    ScreenResult, Severity, check,
};
use tandem_core::medication::{CowsScore, prescription::DocumentedFacts};
use tandem_core::patient::Patient;
use tandem_store::conditions::{self, Condition};
use tandem_store::medications::{self as store, IssueRow, OrderRow, StepRow};
use tandem_store::{Tx, assessments, audit};
use time::{Date, OffsetDateTime, PrimitiveDateTime, Time};

/// One step of an order's dose history.
#[derive(Clone, Debug, PartialEq)]
pub struct DoseHistoryStep {
    pub id: OrderStepId,
    pub seq: i64,
    pub kind: StepKind,
    /// The day it takes effect.
    pub on: Date,
    /// The daily dose it sets; none for a hold, resume or discontinuation.
    pub dose: Option<Dose>,
    pub reason: Option<String>,
    pub by: UserId,
    pub by_name: String,
    pub at: OffsetDateTime,
}

/// A finding of the safety check, kept with the order it concerns.
#[derive(Clone, Debug, PartialEq)]
pub struct DetectedIssue {
    pub id: DetectedIssueId,
    pub patient: PatientId,
    /// The order placed or changed when it was found.
    pub order: MedicationOrderId,
    pub severity: Severity,
    pub kind: String,
    pub rule_id: String,
    pub drugs: Vec<String>,
    pub detail: String,
    pub advice: String,
    pub source: String,
    pub verified: bool,
    /// Every order involved: the one placed or changed first, then the
    /// patient's other orders the finding names.
    pub implicated: Vec<MedicationOrderId>,
    /// Set when a contraindication was overridden.
    pub override_reason: Option<String>,
    pub identified_by: UserId,
    pub identified_at: OffsetDateTime,
}

/// The diagnosis an order treats.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrderIndication {
    pub id: tandem_core::ids::ConditionId,
    pub code: String,
    pub display: String,
}

/// A medication order with its history and findings.
#[derive(Clone, Debug, PartialEq)]
pub struct MedicationOrder {
    pub id: MedicationOrderId,
    pub patient: PatientId,
    /// The catalog's ingredient code.
    pub drug: RxCui,
    pub drug_name: String,
    /// The dose in force today (or the first dose of an order not started).
    pub dose: Dose,
    pub route: Route,
    pub frequency: Frequency,
    pub sig: String,
    pub start_on: Date,
    pub indication: Option<OrderIndication>,
    pub cross_taper: bool,
    pub first_day: Option<FirstDay>,
    pub induction: Option<Induction>,
    pub facts: DocumentedFacts,
    /// As of today: an ended taper reads as completed.
    pub status: OrderStatus,
    pub status_reason: Option<String>,
    pub stopped_on: Option<Date>,
    /// The first day without the drug at the end of a taper.
    pub ends_on: Option<Date>,
    pub prescriber: UserId,
    pub prescriber_name: String,
    pub created_at: OffsetDateTime,
    pub updated_at: OffsetDateTime,
    pub version: i64,
    /// Oldest first.
    pub history: Vec<DoseHistoryStep>,
    /// Newest first.
    pub issues: Vec<DetectedIssue>,
}

impl MedicationOrder {
    /// Steps scheduled after today (a taper the patient has still to follow).
    pub fn scheduled(&self, today: Date) -> Vec<&DoseHistoryStep> {
        self.history.iter().filter(|s| s.on > today).collect()
    }

    /// The patient's copy of the order: each dose step and the day it
    /// stops, in plain words from `today`.
    pub fn patient_schedule(&self, today: Date) -> tandem_core::medication::schedule::Schedule {
        use tandem_core::medication::schedule::{Step, for_order};
        let mut steps: Vec<Step> = self
            .history
            .iter()
            .filter(|st| st.kind.sets_dose())
            .filter_map(|st| {
                st.dose.map(|d| Step {
                    on: st.on,
                    daily: Some(d),
                })
            })
            .collect();
        if let Some(end) = self.stopped_on.or(self.ends_on) {
            steps.push(Step {
                on: end,
                daily: None,
            });
        }
        for_order(&self.drug_name, self.status, &steps, self.frequency, today)
    }
}

/// What placing an order or changing its dose came to.
#[derive(Clone, Debug, PartialEq)]
pub enum OrderOutcome {
    /// Stored, with the findings kept as detected issues.
    Placed {
        order: Box<MedicationOrder>,
        issues: Vec<DetectedIssue>,
    },
    /// Stopped by contraindications: nothing was stored but the audit entry
    /// of the refusal. Give an override reason to place it anyway.
    Stopped { contraindications: Vec<Finding> },
}

/// The medications page of a chart: every order, the findings, and the
/// diagnoses an order may name.
#[derive(Clone, Debug)]
pub struct MedicationChart {
    pub patient: Patient,
    /// Newest first.
    pub orders: Vec<MedicationOrder>,
    pub indications: Vec<Condition>,
    /// The latest result of each lab test, where it is out of its range.
    pub lab_alerts: Vec<crate::LabResult>,
}

fn json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| AppError::Internal(e.to_string()))
}

fn unjson<T: serde::de::DeserializeOwned>(what: &str, s: &str) -> Result<T> {
    serde_json::from_str(s)
        .map_err(|e| AppError::Internal(format!("stored {what} cannot be read: {e}")))
}

fn corrupt(what: &str, v: &str) -> AppError {
    AppError::Internal(format!("stored {what} {v:?} cannot be read"))
}

fn severity(s: &str) -> Result<Severity> {
    Ok(match s {
        "contraindicated" => Severity::Contraindicated,
        "high" => Severity::High,
        "moderate" => Severity::Moderate,
        "low" => Severity::Low,
        other => return Err(corrupt("severity", other)),
    })
}

fn kind_str(k: tandem_core::medication::FindingKind) -> &'static str {
    use tandem_core::medication::FindingKind as K;
    match k {
        K::Interaction => "interaction",
        K::DoseLimit => "dose_limit",
        K::DuplicateTherapy => "duplicate_therapy",
        K::Prerequisite => "prerequisite",
        K::Monitoring => "monitoring",
        K::TakeHome => "take_home",
        K::NotInCatalog => "not_in_catalog",
    }
}

fn issue_from(r: &IssueRow) -> Result<DetectedIssue> {
    let implicated: Vec<String> = unjson("implicated orders", &r.implicated)?;
    Ok(DetectedIssue {
        id: r.id,
        patient: r.patient_id,
        order: r.order_id,
        severity: severity(&r.severity)?,
        kind: r.kind.clone(),
        rule_id: r.rule_id.clone(),
        drugs: unjson("drugs", &r.drugs)?,
        detail: r.detail.clone(),
        advice: r.advice.clone(),
        source: r.source.clone(),
        verified: r.verified,
        implicated: implicated.iter().filter_map(|s| s.parse().ok()).collect(),
        override_reason: r.override_reason.clone(),
        identified_by: r.identified_by,
        identified_at: r.identified_at,
    })
}

fn step_from(r: &StepRow) -> Result<DoseHistoryStep> {
    let kind = StepKind::parse(&r.kind).ok_or_else(|| corrupt("step kind", &r.kind))?;
    let dose = match (r.daily_dose, r.dose_unit.as_deref()) {
        (Some(q), Some(u)) => Some(
            DoseUnit::parse(u)
                .and_then(|u| Dose::new(q, u))
                .ok_or_else(|| corrupt("dose", u))?,
        ),
        _ => None,
    };
    Ok(DoseHistoryStep {
        id: r.id,
        seq: r.seq,
        kind,
        on: r.effective_on,
        dose,
        reason: r.reason.clone(),
        by: r.recorded_by,
        by_name: r.recorded_by_name.clone(),
        at: r.recorded_at,
    })
}

/// The dose in force on `day`: the latest dose step begun by then, or the
/// first one for an order that has not started.
fn dose_in_force(history: &[DoseHistoryStep], day: Date) -> Option<Dose> {
    let steps: Vec<(StepKind, Date, Option<Dose>)> =
        history.iter().map(|s| (s.kind, s.on, s.dose)).collect();
    tandem_core::medication::prescription::dose_on(&steps, day)
}

/// Where another order stands on `day`, for the check.
fn med_status(o: &OrderRow, day: Date) -> MedStatus {
    match o.status.as_str() {
        "stopped" => MedStatus::Stopped {
            on: o.stopped_on.unwrap_or(o.updated_at.date()),
        },
        "on-hold" => MedStatus::Held,
        _ => match o.ends_on {
            Some(end) if end <= day => MedStatus::Stopped { on: end },
            _ => MedStatus::Active,
        },
    }
}

/// The latest assessment's dates of last use and hepatic impairment.
struct FromAssessment {
    last_opioid_use: Option<Date>,
    last_alcohol_use: Option<Date>,
    hepatic_impairment: bool,
}

/// A patient's documented state, read in the order's transaction.
async fn from_assessments(tx: &mut Tx, app: &App, patient: PatientId) -> Result<FromAssessment> {
    let rows = assessments::for_patient(tx, app.org, patient).await?;
    let mut out = FromAssessment {
        last_opioid_use: None,
        last_alcohol_use: None,
        hepatic_impairment: false,
    };
    let (mut opioid_done, mut alcohol_done) = (false, false);
    for (i, row) in rows.iter().enumerate() {
        let a: Assessment = unjson("assessment", &row.body)?;
        if i == 0 {
            out.hepatic_impairment =
                a.prescribing(PrescribingCondition::Hepatic) == YesNoUnknown::Yes;
        }
        // The newest assessment that mentions a substance speaks for it, as
        // `App::last_use` reads it; opioids count together.
        if !opioid_done {
            let opioid: Vec<LastUse> = [
                Substance::Heroin,
                Substance::Fentanyl,
                Substance::PrescriptionOpioids,
            ]
            .into_iter()
            .filter_map(|s| a.last_use(s))
            .collect();
            if !opioid.is_empty() {
                opioid_done = true;
                out.last_opioid_use = opioid
                    .iter()
                    .filter_map(|l| match l {
                        LastUse::On(d) => Some(*d),
                        LastUse::Unknown => None,
                    })
                    .max();
            }
        }
        if !alcohol_done && let Some(l) = a.last_use(Substance::Alcohol) {
            alcohol_done = true;
            out.last_alcohol_use = match l {
                LastUse::On(d) => Some(d),
                LastUse::Unknown => None,
            };
        }
    }
    Ok(out)
}

/// What the check needs of one order being placed or changed.
struct Checking<'a> {
    proposed: ProposedOrder,
    facts: &'a DocumentedFacts,
    /// The order being changed, left out of "other medications".
    exclude: Option<MedicationOrderId>,
}

impl App {
    /// The medication catalog and safety rules, checked when the app opened.
    pub fn medication_safety(&self) -> &MedicationSafety {
        &self.medication
    }

    /// Refuses (and audits) a caller whose role never prescribes.
    async fn require_prescriber(
        &self,
        caller: &Caller,
        action: &str,
        patient: PatientId,
    ) -> Result<()> {
        if can_prescribe(caller.actor.role) {
            return Ok(());
        }
        let mut tx = self.store.begin().await?;
        let mut rec = self.record(caller, action, Outcome::Denied);
        rec.patient_id = Some(patient);
        rec.resource = Some(patient_ref(patient));
        rec.detail = Some("role not permitted: only prescribers write medication orders".into());
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Err(AppError::Forbidden(Forbidden::Role))
    }

    /// Runs the check against the patient as the store knows them.
    async fn run_check(
        &self,
        tx: &mut Tx,
        p: &Patient,
        c: &Checking<'_>,
        others: &[OrderRow],
    ) -> Result<CheckResult> {
        let day = c.proposed.start;
        let documented = from_assessments(tx, self, p.id).await?;
        let medications = others
            .iter()
            .filter(|o| Some(o.id) != c.exclude)
            .filter_map(|o| {
                let code = RxCui::new(u32::try_from(o.rxcui).ok()?)?;
                Some(OtherMedication {
                    drug: code,
                    status: med_status(o, day),
                })
            })
            .collect();
        // A date of last drinking without a time counts as its last moment,
        // which can only make the wait look shorter, never longer.
        let last_alcohol = c.facts.last_alcohol_use.or_else(|| {
            documented.last_alcohol_use.and_then(|d| {
                Time::from_hms(23, 59, 59)
                    .ok()
                    .map(|t| PrimitiveDateTime::new(d, t))
            })
        });
        // Recorded results come first; what the prescriber typed on the
        // order stands in only where nothing is recorded. Levels are
        // pooled, and the check takes the latest of each drug.
        let recorded = self.recorded_facts(tx, p.id, day).await?;
        let ctx = PatientContext {
            age_years: u32::try_from(tandem_core::clock::age_on(p.demographics.birth_date, day))
                .unwrap_or(0),
            medications,
            last_opioid_use: documented.last_opioid_use,
            last_alcohol_use: last_alcohol,
            opioid_screen: recorded.opioid_screen.or_else(|| {
                c.facts.opioid_screen.map(|(on, positive)| DrugScreen {
                    on,
                    result: if positive {
                        ScreenResult::Positive
                    } else {
                        ScreenResult::Negative
                    },
                })
            }),
            creatinine_clearance: recorded
                .creatinine_clearance
                .or(c.facts.creatinine_clearance),
            disulfiram_consent_recorded: c.facts.disulfiram_consent,
            smoking_change: c.facts.smoking_change,
            hepatic_impairment: documented.hepatic_impairment,
            cyp2c19_poor_metabolizer: c.facts.cyp2c19_poor_metabolizer,
            latest_qtc_ms: recorded.qtc_ms.or(c.facts.qtc_ms),
            levels: c
                .facts
                .levels
                .iter()
                .filter_map(|(code, value, on)| {
                    Some(DrugLevel {
                        drug: RxCui::new(*code)?,
                        value: *value,
                        on: *on,
                    })
                })
                .chain(recorded.levels)
                .collect(),
        };
        Ok(check(&self.medication, &c.proposed, &ctx))
    }

    /// The audit entry and error of an order the check stopped: committed
    /// alone, so nothing else of the attempt is stored.
    #[allow(clippy::too_many_arguments)]
    async fn refuse_contraindicated(
        &self,
        mut tx: Tx,
        caller: &Caller,
        action: &str,
        patient: PatientId,
        purpose: Purpose,
        resource: Option<String>,
        result: CheckResult,
    ) -> Result<OrderOutcome> {
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.outcome = Outcome::Denied.as_str().into();
        rec.resource = resource.or(rec.resource);
        rec.detail = Some(format!(
            "stopped by the safety check: {}",
            result
                .contraindications
                .iter()
                .map(|f| format!("{} ({})", f.rule_id, f.drugs.join(" + ")))
                .collect::<Vec<_>>()
                .join("; ")
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(OrderOutcome::Stopped {
            contraindications: result.contraindications,
        })
    }

    /// Stores each finding as a detected issue of `order`, naming the
    /// patient's other orders of the drugs it involves.
    #[allow(clippy::too_many_arguments)]
    async fn keep_findings(
        &self,
        tx: &mut Tx,
        caller: &Caller,
        patient: PatientId,
        order: MedicationOrderId,
        step: OrderStepId,
        result: &CheckResult,
        others: &[OrderRow],
        override_reason: Option<&str>,
        already: &[DetectedIssue],
    ) -> Result<Vec<DetectedIssue>> {
        let now = self.now();
        let mut kept = Vec::new();
        for f in result.all() {
            // A dose change finds again what the order already carries; a
            // warning is kept once, an overridden contraindication each time.
            if f.severity != Severity::Contraindicated
                && already.iter().any(|i| {
                    i.rule_id == f.rule_id && i.drugs == f.drugs && i.severity == f.severity
                })
            {
                continue;
            }
            let named: BTreeSet<&str> = f.drugs.iter().skip(1).map(String::as_str).collect();
            let mut implicated = vec![order];
            for o in others {
                if o.id != order
                    && named.contains(o.drug_name.as_str())
                    && !implicated.contains(&o.id)
                {
                    implicated.push(o.id);
                }
            }
            let row = IssueRow {
                id: DetectedIssueId::generate(self.clock(), self.entropy()),
                patient_id: patient,
                order_id: order,
                step_id: Some(step),
                severity: f.severity.as_str().into(),
                kind: kind_str(f.kind).into(),
                rule_id: f.rule_id.clone(),
                drugs: json(&f.drugs)?,
                detail: f.text.clone(),
                advice: f.advice.clone(),
                source: f.source.clone(),
                verified: f.verified,
                implicated: json(
                    &implicated
                        .iter()
                        .map(ToString::to_string)
                        .collect::<Vec<_>>(),
                )?,
                override_reason: (f.severity == Severity::Contraindicated)
                    .then(|| override_reason.map(str::to_string))
                    .flatten(),
                identified_by: caller.actor.user_id,
                identified_at: now,
            };
            store::insert_issue(tx, self.org, &row).await?;
            kept.push(issue_from(&row)?);
        }
        Ok(kept)
    }

    /// Reads one order with its history and findings.
    async fn load_order(
        &self,
        tx: &mut Tx,
        row: OrderRow,
        steps: &[StepRow],
        issues: &[IssueRow],
    ) -> Result<MedicationOrder> {
        let history = steps
            .iter()
            .filter(|s| s.order_id == row.id)
            .map(step_from)
            .collect::<Result<Vec<_>>>()?;
        let issues = issues
            .iter()
            .filter(|i| i.order_id == row.id)
            .map(issue_from)
            .collect::<Result<Vec<_>>>()?;
        let indication = match row.indication_id {
            Some(id) => conditions::get(tx, self.org, id)
                .await?
                .map(|c| OrderIndication {
                    id: c.id,
                    code: c.code,
                    display: c.display,
                }),
            None => None,
        };
        let unit =
            DoseUnit::parse(&row.dose_unit).ok_or_else(|| corrupt("unit", &row.dose_unit))?;
        let today = self.clock().today();
        let dose = dose_in_force(&history, today)
            .or_else(|| Dose::new(row.daily_dose, unit))
            .ok_or_else(|| corrupt("dose", &row.daily_dose.to_string()))?;
        let stored =
            OrderStatus::parse(&row.status).ok_or_else(|| corrupt("status", &row.status))?;
        Ok(MedicationOrder {
            id: row.id,
            patient: row.patient_id,
            drug: u32::try_from(row.rxcui)
                .ok()
                .and_then(RxCui::new)
                .ok_or_else(|| corrupt("rxcui", &row.rxcui.to_string()))?,
            drug_name: row.drug_name,
            dose,
            route: Route::parse(&row.route).ok_or_else(|| corrupt("route", &row.route))?,
            frequency: Frequency::parse(&row.frequency)
                .ok_or_else(|| corrupt("frequency", &row.frequency))?,
            sig: row.sig,
            start_on: row.start_on,
            indication,
            cross_taper: row.cross_taper,
            first_day: row.first_day_total.and_then(|t| {
                Dose::new(t, unit).map(|total| FirstDay {
                    total,
                    higher_dose_justified: row.first_day_justified,
                })
            }),
            induction: row.induction.then(|| Induction {
                cows: row
                    .induction_cows
                    .and_then(|c| u8::try_from(c).ok())
                    .and_then(CowsScore::new),
            }),
            facts: unjson("documented facts", &row.facts)?,
            status: status_on(stored, row.ends_on, today),
            status_reason: row.status_reason,
            stopped_on: row.stopped_on,
            ends_on: row.ends_on,
            prescriber: row.prescriber,
            prescriber_name: row.prescriber_name,
            created_at: row.created_at,
            updated_at: row.updated_at,
            version: row.version,
            history,
            issues,
        })
    }

    pub(crate) async fn load_one(
        &self,
        tx: &mut Tx,
        id: MedicationOrderId,
    ) -> Result<MedicationOrder> {
        let row = store::get_order(tx, self.org, id)
            .await?
            .ok_or(AppError::NotFound("medication order"))?;
        let steps = store::steps_for_order(tx, self.org, id).await?;
        let issues: Vec<IssueRow> = store::issues_for_patient(tx, self.org, row.patient_id)
            .await?
            .into_iter()
            .filter(|i| i.order_id == id)
            .collect();
        self.load_order(tx, row, &steps, &issues).await
    }

    pub(crate) async fn load_all(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<Vec<MedicationOrder>> {
        let rows = store::orders_for_patient(tx, self.org, patient).await?;
        let steps = store::steps_for_patient(tx, self.org, patient).await?;
        let issues = store::issues_for_patient(tx, self.org, patient).await?;
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.load_order(tx, r, &steps, &issues).await?);
        }
        Ok(out)
    }

    /// Places a medication order after the safety check. A contraindication
    /// stops it unless `override_reason` is given.
    pub async fn place_order(
        &self,
        caller: &Caller,
        patient: PatientId,
        order: &NewOrder,
        override_reason: Option<&str>,
    ) -> Result<OrderOutcome> {
        const ACTION: &str = "medication.order";
        self.require_prescriber(caller, ACTION, patient).await?;
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, ACTION)
            .await?;
        let today = self.clock().today();
        let catalog = &self.medication.catalog;
        let drug = ingredient(catalog, order.drug).ok_or_else(|| {
            AppError::invalid("drug", "this drug is not in the medication catalog")
        })?;
        let drug_name = catalog
            .lookup(drug)
            .map(|i| catalog.drug(i).name.clone())
            .unwrap_or_default();
        let sig = check_sig(&order.sig).map_err(|m| AppError::invalid("sig", m))?;
        let start = check_date(order.start, today).map_err(|m| AppError::invalid("start", m))?;
        if start < p.demographics.birth_date {
            return Err(AppError::invalid(
                "start",
                "the start date is before the patient's birth",
            ));
        }
        if let Some(first) = order.first_day
            && first.total.unit != order.daily_dose.unit
        {
            return Err(AppError::invalid(
                "first_day_total",
                "give the first day's total in the unit of the daily dose",
            ));
        }
        let override_reason = override_reason
            .filter(|r| !r.trim().is_empty())
            .map(|r| check_reason(r).map_err(|m| AppError::invalid("override_reason", m)))
            .transpose()?;
        if let Some(c) = order.indication {
            let found = conditions::get(&mut tx, self.org, c).await?;
            if found.is_none_or(|x| x.patient_id != patient) {
                return Err(AppError::invalid(
                    "indication",
                    "the indication must be one of this patient's diagnoses",
                ));
            }
        }
        // Two prescribers ordering at once must each see the other's order.
        tandem_store::patients::lock(&mut tx, self.org, patient).await?;
        let others = store::orders_for_patient(&mut tx, self.org, patient).await?;
        let mut proposed = order.proposed();
        proposed.drug = drug;
        proposed.start = start;
        let result = self
            .run_check(
                &mut tx,
                &p,
                &Checking {
                    proposed,
                    facts: &order.facts,
                    exclude: None,
                },
                &others,
            )
            .await?;
        if result.stops_order() && override_reason.is_none() {
            return self
                .refuse_contraindicated(tx, caller, ACTION, patient, purpose, None, result)
                .await;
        }
        let now = self.now();
        let id = MedicationOrderId::generate(self.clock(), self.entropy());
        let row = OrderRow {
            id,
            patient_id: patient,
            rxcui: i64::from(drug.get()),
            drug_name: drug_name.clone(),
            daily_dose: order.daily_dose.quantity.get(),
            dose_unit: order.daily_dose.unit.ucum().into(),
            route: order.route.as_str().into(),
            frequency: order.frequency.as_str().into(),
            sig,
            start_on: start,
            indication_id: order.indication,
            cross_taper: order.cross_taper,
            first_day_total: order.first_day.map(|f| f.total.quantity.get()),
            first_day_justified: order.first_day.is_some_and(|f| f.higher_dose_justified),
            induction: order.induction.is_some(),
            induction_cows: order
                .induction
                .and_then(|i| i.cows)
                .map(|c| i32::from(c.get())),
            facts: json(&order.facts)?,
            status: OrderStatus::Active.as_str().into(),
            status_reason: None,
            stopped_on: None,
            ends_on: None,
            prescriber: caller.actor.user_id,
            prescriber_name: String::new(),
            created_at: now,
            updated_at: now,
            version: 1,
        };
        store::insert_order(&mut tx, self.org, &row).await?;
        let step = StepRow {
            id: OrderStepId::generate(self.clock(), self.entropy()),
            order_id: id,
            patient_id: patient,
            seq: 1,
            kind: StepKind::Start.as_str().into(),
            effective_on: start,
            daily_dose: Some(row.daily_dose),
            dose_unit: Some(row.dose_unit.clone()),
            reason: Some("new order".into()),
            recorded_by: caller.actor.user_id,
            recorded_by_name: String::new(),
            recorded_at: now,
        };
        store::insert_step(&mut tx, self.org, &step).await?;
        let issues = self
            .keep_findings(
                &mut tx,
                caller,
                patient,
                id,
                step.id,
                &result,
                &others,
                override_reason.as_deref(),
                &[],
            )
            .await?;
        let placed = self.load_one(&mut tx, id).await?;
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{id}"));
        rec.detail = Some(self.order_detail(
            &format!(
                "{drug_name} {} {}/day from {start}",
                fmt_qty(order.daily_dose.quantity.get()),
                order.daily_dose.unit.label()
            ),
            &result,
            override_reason.as_deref(),
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(OrderOutcome::Placed {
            order: Box::new(placed),
            issues,
        })
    }

    /// The audit detail of a placed order or dose change: what was done, the
    /// findings kept, and any override with its reason.
    fn order_detail(&self, what: &str, result: &CheckResult, over: Option<&str>) -> String {
        let mut d = what.to_string();
        if !result.warnings.is_empty() {
            d.push_str(&format!(
                "; warnings: {}",
                result
                    .warnings
                    .iter()
                    .map(|f| format!("{} {}", f.severity.as_str(), f.rule_id))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        if let Some(reason) = over
            && result.stops_order()
        {
            d.push_str(&format!(
                "; overrode contraindication {}; reason: {reason}",
                result
                    .contraindications
                    .iter()
                    .map(|f| format!("{} ({})", f.rule_id, f.drugs.join(" + ")))
                    .collect::<Vec<_>>()
                    .join(", ")
            ));
        }
        d
    }

    /// Opens the transaction of a change to one order of `patient`: the
    /// prescriber check, access, and the order itself.
    async fn begin_order_change(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        action: &str,
    ) -> Result<(Tx, Purpose, Patient, OrderRow)> {
        self.require_prescriber(caller, action, patient).await?;
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, action)
            .await?;
        tandem_store::patients::lock(&mut tx, self.org, patient).await?;
        let row = store::get_order(&mut tx, self.org, id)
            .await?
            .filter(|o| o.patient_id == patient)
            .ok_or(AppError::NotFound("medication order"))?;
        Ok((tx, purpose, p, row))
    }

    /// Changes an order's dose: a titration, or a taper of dated steps,
    /// checked like a new order at the highest new dose.
    pub async fn change_dose(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        change: &DoseChange,
        reason: &str,
        override_reason: Option<&str>,
    ) -> Result<OrderOutcome> {
        const ACTION: &str = "medication.dose_change";
        let (mut tx, purpose, p, row) =
            self.begin_order_change(caller, patient, id, ACTION).await?;
        let reason = check_reason(reason).map_err(|m| AppError::invalid("reason", m))?;
        let override_reason = override_reason
            .filter(|r| !r.trim().is_empty())
            .map(|r| check_reason(r).map_err(|m| AppError::invalid("override_reason", m)))
            .transpose()?;
        let current = self.load_one(&mut tx, id).await?;
        if current.status != OrderStatus::Active {
            return Err(AppError::Conflict(format!(
                "the order is {}; only an active order's dose changes",
                current.status.label().to_lowercase()
            )));
        }
        let today = self.clock().today();
        let steps = change.steps();
        let (Some(first), Some(highest)) = (steps.first().copied(), change.highest()) else {
            return Err(AppError::invalid("steps", "give at least one dated step"));
        };
        if let Some(last) = current
            .history
            .iter()
            .filter(|s| s.kind.sets_dose())
            .map(|s| s.on)
            .max()
            && first.on < last
        {
            return Err(AppError::invalid(
                "on",
                format!("a dose step is already set for {last}; a change starts on or after it"),
            ));
        }
        let in_force = dose_in_force(&current.history, first.on).unwrap_or(current.dose);
        change.validate(in_force, today)?;
        let facts = current.facts.clone();
        let others = store::orders_for_patient(&mut tx, self.org, patient).await?;
        let result = self
            .run_check(
                &mut tx,
                &p,
                &Checking {
                    proposed: ProposedOrder {
                        drug: current.drug,
                        daily_dose: highest.dose,
                        route: current.route,
                        frequency: current.frequency,
                        start: first.on,
                        first_dose_at: None,
                        cross_taper_documented: current.cross_taper,
                        first_day: None,
                        induction: None,
                    },
                    facts: &facts,
                    exclude: Some(id),
                },
                &others,
            )
            .await?;
        if result.stops_order() && override_reason.is_none() {
            return self
                .refuse_contraindicated(
                    tx,
                    caller,
                    ACTION,
                    patient,
                    purpose,
                    Some(format!("MedicationRequest/{id}")),
                    result,
                )
                .await;
        }
        let now = self.now();
        let (kind, stop_on) = match change {
            DoseChange::Titrate(_) => (StepKind::Titrate, None),
            DoseChange::Taper { stop_on, .. } => (StepKind::Taper, *stop_on),
        };
        let first_seq = current.history.iter().map(|s| s.seq).max().unwrap_or(0) + 1;
        let mut first_step = None;
        for (seq, s) in (first_seq..).zip(steps.iter()) {
            let step = StepRow {
                id: OrderStepId::generate(self.clock(), self.entropy()),
                order_id: id,
                patient_id: patient,
                seq,
                kind: kind.as_str().into(),
                effective_on: s.on,
                daily_dose: Some(s.dose.quantity.get()),
                dose_unit: Some(s.dose.unit.ucum().into()),
                reason: Some(reason.clone()),
                recorded_by: caller.actor.user_id,
                recorded_by_name: String::new(),
                recorded_at: now,
            };
            store::insert_step(&mut tx, self.org, &step).await?;
            first_step.get_or_insert(step.id);
        }
        let last = steps.last().copied().unwrap_or(first);
        if !store::set_dose(
            &mut tx,
            self.org,
            id,
            row.version,
            last.dose.quantity.get(),
            last.dose.unit.ucum(),
            stop_on,
            now,
        )
        .await?
        {
            return Err(AppError::Conflict(
                "the order changed meanwhile; review it again".into(),
            ));
        }
        let issues = self
            .keep_findings(
                &mut tx,
                caller,
                patient,
                id,
                first_step.unwrap_or(OrderStepId(uuid::Uuid::nil())),
                &result,
                &others,
                override_reason.as_deref(),
                &current.issues,
            )
            .await?;
        let changed = self.load_one(&mut tx, id).await?;
        let mut rec = self.patient_record(caller, ACTION, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{id}"));
        let schedule = steps
            .iter()
            .map(|s| {
                format!(
                    "{} {} from {}",
                    fmt_qty(s.dose.quantity.get()),
                    s.dose.unit.label(),
                    s.on
                )
            })
            .collect::<Vec<_>>()
            .join(", ");
        rec.detail = Some(self.order_detail(
            &format!(
                "{} {}: {schedule}{}; reason: {reason}",
                kind.as_str(),
                current.drug_name,
                stop_on.map_or(String::new(), |d| format!(", stop on {d}"))
            ),
            &result,
            override_reason.as_deref(),
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(OrderOutcome::Placed {
            order: Box::new(changed),
            issues,
        })
    }

    /// Holds, resumes or discontinues an order: a status step in its history.
    async fn change_status(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        kind: StepKind,
        reason: Option<&str>,
    ) -> Result<MedicationOrder> {
        let action = match kind {
            StepKind::Hold => "medication.hold",
            StepKind::Resume => "medication.resume",
            _ => "medication.discontinue",
        };
        let (mut tx, purpose, _, row) =
            self.begin_order_change(caller, patient, id, action).await?;
        let reason = match (kind, reason.filter(|r| !r.trim().is_empty())) {
            (_, Some(r)) => Some(check_reason(r).map_err(|m| AppError::invalid("reason", m))?),
            (StepKind::Resume, None) => None,
            (_, None) => {
                return Err(AppError::invalid(
                    "reason",
                    match kind {
                        StepKind::Hold => "say why the order is held",
                        _ => "say why the order is discontinued",
                    },
                ));
            }
        };
        let today = self.clock().today();
        let current = self.load_one(&mut tx, id).await?;
        let (allowed, next, stopped_on) = match kind {
            StepKind::Hold => (
                current.status == OrderStatus::Active,
                OrderStatus::OnHold,
                None,
            ),
            StepKind::Resume => (
                current.status == OrderStatus::OnHold,
                OrderStatus::Active,
                None,
            ),
            _ => (
                matches!(current.status, OrderStatus::Active | OrderStatus::OnHold),
                OrderStatus::Stopped,
                Some(today),
            ),
        };
        if !allowed {
            return Err(AppError::Conflict(format!(
                "the order is {}; it cannot be {}",
                current.status.label().to_lowercase(),
                kind.label().to_lowercase()
            )));
        }
        let now = self.now();
        if !store::set_status(
            &mut tx,
            self.org,
            id,
            row.version,
            next.as_str(),
            reason.as_deref(),
            stopped_on,
            now,
        )
        .await?
        {
            return Err(AppError::Conflict(
                "the order changed meanwhile; review it again".into(),
            ));
        }
        let seq = current.history.iter().map(|s| s.seq).max().unwrap_or(0) + 1;
        store::insert_step(
            &mut tx,
            self.org,
            &StepRow {
                id: OrderStepId::generate(self.clock(), self.entropy()),
                order_id: id,
                patient_id: patient,
                seq,
                kind: kind.as_str().into(),
                effective_on: today,
                daily_dose: None,
                dose_unit: None,
                reason: reason.clone(),
                recorded_by: caller.actor.user_id,
                recorded_by_name: String::new(),
                recorded_at: now,
            },
        )
        .await?;
        let changed = self.load_one(&mut tx, id).await?;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{id}"));
        rec.detail = Some(format!(
            "{} {}{}",
            kind.as_str(),
            current.drug_name,
            reason.map_or(String::new(), |r| format!("; reason: {r}"))
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(changed)
    }

    /// Puts an active order on hold; the reason is required.
    pub async fn hold_order(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        reason: &str,
    ) -> Result<MedicationOrder> {
        self.change_status(caller, patient, id, StepKind::Hold, Some(reason))
            .await
    }

    /// Resumes a held order.
    pub async fn resume_order(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        reason: Option<&str>,
    ) -> Result<MedicationOrder> {
        self.change_status(caller, patient, id, StepKind::Resume, reason)
            .await
    }

    /// Discontinues an order today; the reason is required.
    pub async fn discontinue_order(
        &self,
        caller: &Caller,
        patient: PatientId,
        id: MedicationOrderId,
        reason: &str,
    ) -> Result<MedicationOrder> {
        self.change_status(caller, patient, id, StepKind::Discontinue, Some(reason))
            .await
    }

    /// The medications page: every order with its history and findings,
    /// and the patient's diagnoses for the indication.
    pub async fn medication_chart(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<MedicationChart> {
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "medication.list")
            .await?;
        let orders = self.load_all(&mut tx, patient).await?;
        let indications = conditions::for_patient(&mut tx, self.org, patient).await?;
        let lab_alerts = self.out_of_range_labs(&mut tx, patient).await?;
        let mut rec = self.patient_record(caller, "medication.list", patient, purpose);
        rec.resource = Some("MedicationRequest".into());
        rec.detail = Some(format!("{} orders", orders.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(MedicationChart {
            patient: p,
            orders,
            indications,
            lab_alerts,
        })
    }

    /// Opens the prescribing form: only prescribers (a refusal is audited),
    /// then the same read as the medications page.
    pub async fn prescribing_form(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<MedicationChart> {
        self.require_prescriber(caller, "medication.order_form", patient)
            .await?;
        self.medication_chart(caller, patient).await
    }

    /// A patient's orders, newest first, optionally of one status (as of today).
    pub async fn search_medication_orders(
        &self,
        caller: &Caller,
        patient: PatientId,
        status: Option<OrderStatus>,
    ) -> Result<Vec<MedicationOrder>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "medication.search",
            )
            .await?;
        let mut orders = self.load_all(&mut tx, patient).await?;
        orders.retain(|o| status.is_none_or(|s| o.status == s));
        let mut rec = self.patient_record(caller, "medication.search", patient, purpose);
        rec.resource = Some("MedicationRequest".into());
        rec.detail = Some(format!("{} found", orders.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(orders)
    }

    /// Which patient a stored record belongs to, read before access is decided.
    async fn owner_of<F>(&self, find: F) -> Result<Option<PatientId>>
    where
        F: AsyncFnOnce(&mut Tx) -> Result<Option<PatientId>>,
    {
        let mut tx = self.store.begin_read().await?;
        let found = find(&mut tx).await?;
        tx.commit().await?;
        Ok(found)
    }

    pub async fn read_medication_order(
        &self,
        caller: &Caller,
        id: MedicationOrderId,
    ) -> Result<MedicationOrder> {
        let org = self.org;
        let patient = self
            .owner_of(async |tx| Ok(store::get_order(tx, org, id).await?.map(|o| o.patient_id)))
            .await?
            .ok_or(AppError::NotFound("medication order"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, "medication.read")
            .await?;
        let order = self.load_one(&mut tx, id).await?;
        let mut rec = self.patient_record(caller, "medication.read", patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(order)
    }

    /// A patient's detected issues, newest first.
    pub async fn detected_issues(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Vec<DetectedIssue>> {
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "detected_issue.search",
            )
            .await?;
        let list = store::issues_for_patient(&mut tx, self.org, patient)
            .await?
            .iter()
            .map(issue_from)
            .collect::<Result<Vec<_>>>()?;
        let mut rec = self.patient_record(caller, "detected_issue.search", patient, purpose);
        rec.resource = Some("DetectedIssue".into());
        rec.detail = Some(format!("{} found", list.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(list)
    }

    pub async fn read_detected_issue(
        &self,
        caller: &Caller,
        id: DetectedIssueId,
    ) -> Result<DetectedIssue> {
        let org = self.org;
        let patient = self
            .owner_of(async |tx| Ok(store::get_issue(tx, org, id).await?.map(|i| i.patient_id)))
            .await?
            .ok_or(AppError::NotFound("detected issue"))?;
        let (mut tx, purpose, _) = self
            .begin_for_patient(
                caller,
                patient,
                PatientAction::ReadChart,
                "detected_issue.read",
            )
            .await?;
        let row = store::get_issue(&mut tx, self.org, id)
            .await?
            .ok_or(AppError::NotFound("detected issue"))?;
        let issue = issue_from(&row)?;
        let mut rec = self.patient_record(caller, "detected_issue.read", patient, purpose);
        rec.resource = Some(format!("DetectedIssue/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(issue)
    }
}

/// A dose as people write it: 50, 12.5, 0.25.
pub fn fmt_qty(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// A taper of dated steps, from what a form or request gives.
pub fn taper(steps: Vec<(Date, Dose)>, stop_on: Option<Date>) -> DoseChange {
    DoseChange::Taper {
        steps: steps
            .into_iter()
            .map(|(on, dose)| DoseStep { on, dose })
            .collect(),
        stop_on,
    }
}
