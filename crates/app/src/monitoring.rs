//! Medication monitoring: lab results and urine drug screens, side effects
//! and adherence against an order, and the monitoring page that puts them
//! on one time axis with the dose history and the PHQ-9 and GAD-7 scores.
//!
//! Recorded labs and screens are also what the safety check reads when an
//! order is placed or its dose changed (`recorded_facts`): the latest
//! opioid screen, serum levels, creatinine clearance and QTc. What the
//! prescriber types on the order is used only where nothing is recorded.

use crate::medications::MedicationOrder;
use crate::{App, AppError, Caller, Result};
use tandem_core::access::PatientAction;
use tandem_core::ids::{
    AdherenceReportId, DrugScreenId, LabResultId, MedicationOrderId, PatientId, SideEffectId,
    UserId,
};
use tandem_core::medication::side_effects::Checklist;
use tandem_core::medication::{DrugClass, DrugLevel, DrugScreen, RxCui, ScreenResult};
use tandem_core::monitoring::{
    Adherence, AdherenceInput, Analyte, Effect, LabInput, RangeReading, Reporter, ScreenInput,
    ScreenOutcome, ScreenPanel, Severity, SideEffectInput, Substance, compare, doses_per_week,
};
use tandem_core::patient::Patient;
use tandem_store::monitoring::{self as store, AdherenceRow, LabRow, ScreenRow, SideEffectRow};
use tandem_store::{Tx, audit, measures};
use time::{Date, OffsetDateTime};
use uuid::Uuid;

/// A reference range from the content, with its source.
#[derive(Clone, Debug, PartialEq)]
pub struct LabRange {
    pub low: f64,
    pub high: f64,
    pub unit: String,
    pub note: String,
    pub source: String,
}

/// A recorded lab result, judged against its range where the content has one.
#[derive(Clone, Debug, PartialEq)]
pub struct LabResult {
    pub id: LabResultId,
    pub patient: PatientId,
    pub analyte: Analyte,
    pub value: f64,
    pub effective: OffsetDateTime,
    pub range: Option<LabRange>,
    /// Present exactly when `range` is.
    pub reading: Option<RangeReading>,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

impl LabResult {
    /// Outside its reference range.
    pub fn out_of_range(&self) -> bool {
        matches!(self.reading, Some(RangeReading::Low | RangeReading::High))
    }
}

/// A recorded urine drug screen.
#[derive(Clone, Debug, PartialEq)]
pub struct DrugScreenRecord {
    pub id: DrugScreenId,
    pub patient: PatientId,
    pub panel: ScreenPanel,
    pub recorded_by: UserId,
    pub recorded_at: OffsetDateTime,
}

/// A lab result or a drug screen: the two kinds of laboratory Observation.
#[derive(Clone, Debug, PartialEq)]
pub enum LabObservation {
    Lab(LabResult),
    Screen(DrugScreenRecord),
}

/// One side effect noted against an order.
#[derive(Clone, Debug, PartialEq)]
pub struct SideEffectEntry {
    pub id: SideEffectId,
    pub order: MedicationOrderId,
    pub drug_name: String,
    pub effect: Effect,
    pub severity: Severity,
    pub noted_on: Date,
}

/// One week's adherence against an order.
#[derive(Clone, Debug, PartialEq)]
pub struct AdherenceEntry {
    pub id: AdherenceReportId,
    pub order: MedicationOrderId,
    pub drug_name: String,
    pub week_ending: Date,
    pub adherence: Adherence,
    pub reporter: Reporter,
}

/// One PHQ-9 or GAD-7 total.
#[derive(Clone, Debug, PartialEq)]
pub struct ScorePoint {
    pub instrument: String,
    pub at: OffsetDateTime,
    pub total: i32,
}

/// When the next ANC is due for a patient on clozapine, by the prescribing
/// information's schedule (clinic settings, shipped verified).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AncReminder {
    pub due_on: Date,
    pub overdue: bool,
    pub band: tandem_core::monitoring::AncBand,
    /// The rule that set the date, in words.
    pub why: String,
    /// Whether every number of the schedule is verified.
    pub verified: bool,
    /// The schedule's source, from the settings' notes.
    pub source: String,
}

impl AncReminder {
    /// The latest count is below the normal range (neutropenia).
    pub fn below_range(&self) -> bool {
        use tandem_core::monitoring::AncBand;
        matches!(
            self.band,
            AncBand::MildNeutropenia | AncBand::ModerateOrSevereNeutropenia
        )
    }
}

/// The monitoring page of a chart.
#[derive(Clone, Debug)]
pub struct MonitoringView {
    pub patient: Patient,
    /// Newest first, with their dose histories.
    pub orders: Vec<MedicationOrder>,
    /// The latest taken first.
    pub labs: Vec<LabResult>,
    /// The latest collected first.
    pub screens: Vec<DrugScreenRecord>,
    /// Oldest first.
    pub side_effects: Vec<SideEffectEntry>,
    /// Oldest first.
    pub adherence: Vec<AdherenceEntry>,
    /// PHQ-9 and GAD-7 totals, oldest first.
    pub scores: Vec<ScorePoint>,
    /// Present while a clozapine order is active or held.
    pub anc: Option<AncReminder>,
}

impl MonitoringView {
    /// The latest result of each analyte, in the order of `Analyte::ALL`.
    pub fn latest_labs(&self) -> Vec<&LabResult> {
        Analyte::ALL
            .iter()
            .filter_map(|a| self.labs.iter().find(|l| l.analyte == *a))
            .collect()
    }
}

/// What the safety check reads from the recorded results on an order's
/// start date.
#[derive(Clone, Debug, Default, PartialEq)]
pub(crate) struct RecordedFacts {
    pub opioid_screen: Option<DrugScreen>,
    pub creatinine_clearance: Option<u32>,
    pub qtc_ms: Option<u32>,
    pub levels: Vec<DrugLevel>,
}

/// The instruments whose totals the timeline draws.
const TIMELINE_INSTRUMENTS: [&str; 2] = ["phq9", "gad7"];

fn whole(v: f64) -> Option<u32> {
    let r = v.round();
    (r >= 0.0 && r <= f64::from(u32::MAX)).then_some(r as u32)
}

impl App {
    /// The content's range for an analyte that is a serum level.
    fn lab_range(&self, analyte: Analyte) -> Option<LabRange> {
        let m = &self.medication;
        let drug = m.catalog.by_id(analyte.level_of()?)?;
        let r = m.dose_limits.levels.iter().find(|l| l.drug == drug)?;
        Some(LabRange {
            low: r.low,
            high: r.high,
            unit: r.unit.clone(),
            note: r.note.clone(),
            source: r.source.clone(),
        })
    }

    fn lab_from(&self, r: &LabRow) -> Result<LabResult> {
        let analyte = Analyte::parse(&r.analyte).ok_or_else(|| {
            AppError::Internal(format!("stored lab analyte {:?} is unknown", r.analyte))
        })?;
        let range = self.lab_range(analyte);
        let reading = range.as_ref().map(|g| compare(r.value, g.low, g.high));
        Ok(LabResult {
            id: r.id,
            patient: r.patient_id,
            analyte,
            value: r.value,
            effective: r.effective_at,
            range,
            reading,
            recorded_by: r.recorded_by,
            recorded_at: r.recorded_at,
        })
    }

    async fn load_labs(&self, tx: &mut Tx, patient: PatientId) -> Result<Vec<LabResult>> {
        store::labs_for_patient(tx, self.org, patient)
            .await?
            .iter()
            .map(|r| self.lab_from(r))
            .collect()
    }

    async fn load_screens(&self, tx: &mut Tx, patient: PatientId) -> Result<Vec<DrugScreenRecord>> {
        store::screens_for_patient(tx, self.org, patient)
            .await?
            .iter()
            .map(screen_from)
            .collect()
    }

    /// The latest result of each test, kept only where out of its range.
    pub(crate) async fn out_of_range_labs(
        &self,
        tx: &mut Tx,
        patient: PatientId,
    ) -> Result<Vec<LabResult>> {
        let labs = self.load_labs(tx, patient).await?;
        Ok(Analyte::ALL
            .iter()
            .filter_map(|a| labs.iter().find(|l| l.analyte == *a))
            .filter(|l| l.out_of_range())
            .cloned()
            .collect())
    }

    /// The recorded results the check reads for an order starting on `day`:
    /// only results taken on or before that day, the latest of each.
    pub(crate) async fn recorded_facts(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        day: Date,
    ) -> Result<RecordedFacts> {
        let labs = self.load_labs(tx, patient).await?;
        let screens = self.load_screens(tx, patient).await?;
        let labs: Vec<&LabResult> = labs.iter().filter(|l| l.effective.date() <= day).collect();
        let latest = |a: Analyte| labs.iter().find(|l| l.analyte == a).map(|l| l.value);
        let mut levels = Vec::new();
        for l in &labs {
            let Some(id) = l.analyte.level_of() else {
                continue;
            };
            let Some(idx) = self.medication.catalog.by_id(id) else {
                continue;
            };
            levels.push(DrugLevel {
                drug: self.medication.catalog.drug(idx).rxcui,
                value: l.value,
                on: l.effective.date(),
            });
        }
        let opioid_screen = screens
            .iter()
            .filter(|s| s.panel.collected.date() <= day)
            .find_map(|s| {
                s.panel.opioid_result().map(|result| DrugScreen {
                    on: s.panel.collected.date(),
                    result,
                })
            });
        Ok(RecordedFacts {
            opioid_screen,
            creatinine_clearance: latest(Analyte::CreatinineClearance).and_then(whole),
            qtc_ms: latest(Analyte::Qtc).and_then(whole),
            levels,
        })
    }

    /// Records a lab result. A serum level is judged against the content's
    /// range at once; the answer says whether it is out of range.
    pub async fn record_lab(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &LabInput,
    ) -> Result<LabResult> {
        let action = "lab.record";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, action)
            .await?;
        let lab = input.validate(self.now())?;
        let row = LabRow {
            id: LabResultId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            analyte: lab.analyte.code().into(),
            value: lab.value,
            unit: lab.analyte.unit().into(),
            effective_at: lab.effective,
            recorded_by: caller.actor.user_id,
            recorded_at: self.now(),
        };
        store::insert_lab(&mut tx, self.org, &row).await?;
        let result = self.lab_from(&row)?;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("Observation/{}", row.id));
        rec.detail = Some(format!(
            "{}{}",
            lab.analyte.code(),
            result
                .reading
                .map(|r| format!(" ({})", r.label()))
                .unwrap_or_default()
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(result)
    }

    /// Records a urine drug screen panel.
    pub async fn record_drug_screen(
        &self,
        caller: &Caller,
        patient: PatientId,
        input: &ScreenInput,
    ) -> Result<DrugScreenRecord> {
        let action = "drug_screen.record";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, action)
            .await?;
        let panel = input.validate(self.now())?;
        let row = ScreenRow {
            id: DrugScreenId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            collected_at: panel.collected,
            results: Substance::ALL.map(|s| panel.outcome(s).code().to_string()),
            recorded_by: caller.actor.user_id,
            recorded_at: self.now(),
        };
        store::insert_screen(&mut tx, self.org, &row).await?;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("Observation/{}", row.id));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        screen_from(&row)
    }

    /// The order, checked to be this patient's (refused as invalid input
    /// otherwise, so a form naming another patient's order stores nothing).
    async fn patients_order(
        &self,
        tx: &mut Tx,
        patient: PatientId,
        order: MedicationOrderId,
    ) -> Result<MedicationOrder> {
        self.load_all(tx, patient)
            .await?
            .into_iter()
            .find(|o| o.id == order)
            .ok_or_else(|| AppError::invalid("order", "choose one of this patient's medications"))
    }

    /// The side-effect checklist for an order of `drug`: its class's label
    /// items, then the general items. A drug the catalog no longer has (an
    /// old order) gets the general list.
    pub fn side_effect_checklist(&self, drug: RxCui) -> Checklist<'_> {
        let m = &self.medication;
        let class = m
            .catalog
            .lookup(drug)
            .map_or(DrugClass::Other, |i| m.catalog.drug(i).class);
        m.side_effects.checklist(class)
    }

    /// Records the side effects noted on one day against one order; the
    /// checklist codes accepted are those of the order's class.
    pub async fn record_side_effects(
        &self,
        caller: &Caller,
        patient: PatientId,
        order: MedicationOrderId,
        input: &SideEffectInput,
    ) -> Result<Vec<SideEffectEntry>> {
        let action = "side_effect.record";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, action)
            .await?;
        let o = self.patients_order(&mut tx, patient, order).await?;
        let report = input.validate(self.clock().today(), &self.side_effect_checklist(o.drug))?;
        let mut out = Vec::new();
        for (effect, severity) in &report.effects {
            let (code, other) = match effect {
                Effect::Listed { code, .. } => (code.clone(), None),
                Effect::Other(t) => ("other".to_string(), Some(t.clone())),
            };
            let row = SideEffectRow {
                id: SideEffectId::generate(self.clock(), self.entropy()),
                patient_id: patient,
                order_id: order,
                effect: code,
                other_text: other,
                severity: severity.code().into(),
                noted_on: report.noted_on,
                recorded_by: caller.actor.user_id,
                recorded_at: self.now(),
            };
            store::insert_side_effect(&mut tx, self.org, &row).await?;
            out.push(SideEffectEntry {
                id: row.id,
                order,
                drug_name: o.drug_name.clone(),
                effect: effect.clone(),
                severity: *severity,
                noted_on: report.noted_on,
            });
        }
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{order}"));
        rec.detail = Some(format!("{} side effects", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out)
    }

    /// Records a week's missed doses against an order; the doses expected
    /// come from the order's frequency.
    pub async fn record_adherence(
        &self,
        caller: &Caller,
        patient: PatientId,
        order: MedicationOrderId,
        input: &AdherenceInput,
    ) -> Result<AdherenceEntry> {
        let action = "adherence.record";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::WriteChart, action)
            .await?;
        let o = self.patients_order(&mut tx, patient, order).await?;
        let report = input.validate(self.clock().today(), doses_per_week(o.frequency))?;
        let row = AdherenceRow {
            id: AdherenceReportId::generate(self.clock(), self.entropy()),
            patient_id: patient,
            order_id: order,
            week_ending: report.week_ending,
            missed: i64::from(report.adherence.missed()),
            expected: i64::from(report.adherence.expected()),
            reporter: report.reporter.code().into(),
            recorded_by: caller.actor.user_id,
            recorded_at: self.now(),
        };
        store::insert_adherence(&mut tx, self.org, &row).await?;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("MedicationRequest/{order}"));
        rec.detail = Some(format!(
            "{} of {} missed, reported by {}",
            report.adherence.missed(),
            report.adherence.expected(),
            report.reporter.code()
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(AdherenceEntry {
            id: row.id,
            order,
            drug_name: o.drug_name,
            week_ending: report.week_ending,
            adherence: report.adherence,
            reporter: report.reporter,
        })
    }

    /// The monitoring page: orders with their dose histories, labs,
    /// screens, side effects, adherence and the PHQ-9 and GAD-7 totals.
    pub async fn medication_monitoring(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<MonitoringView> {
        let action = "monitoring.view";
        let (mut tx, purpose, p) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, action)
            .await?;
        let orders = self.load_all(&mut tx, patient).await?;
        let name_of = |id: MedicationOrderId| {
            orders
                .iter()
                .find(|o| o.id == id)
                .map(|o| o.drug_name.clone())
                .unwrap_or_default()
        };
        let labs = self.load_labs(&mut tx, patient).await?;
        let screens = self.load_screens(&mut tx, patient).await?;
        let side_effects = store::side_effects_for_patient(&mut tx, self.org, patient)
            .await?
            .into_iter()
            .map(|r| {
                let severity = Severity::parse(&r.severity).ok_or_else(|| {
                    AppError::Internal(format!("stored severity {:?} is unknown", r.severity))
                })?;
                let effect = match (r.effect.as_str(), r.other_text) {
                    ("other", Some(t)) => Effect::Other(t),
                    (code, _) => Effect::listed(code, &self.medication.side_effects),
                };
                Ok(SideEffectEntry {
                    id: r.id,
                    order: r.order_id,
                    drug_name: name_of(r.order_id),
                    effect,
                    severity,
                    noted_on: r.noted_on,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        let adherence = store::adherence_for_patient(&mut tx, self.org, patient)
            .await?
            .into_iter()
            .map(|r| {
                let a = u32::try_from(r.missed)
                    .ok()
                    .zip(u32::try_from(r.expected).ok())
                    .and_then(|(m, x)| Adherence::new(m, x));
                let reporter = Reporter::parse(&r.reporter);
                match (a, reporter) {
                    (Some(adherence), Some(reporter)) => Ok(AdherenceEntry {
                        id: r.id,
                        order: r.order_id,
                        drug_name: name_of(r.order_id),
                        week_ending: r.week_ending,
                        adherence,
                        reporter,
                    }),
                    _ => Err(AppError::Internal(format!(
                        "stored adherence report {} is malformed",
                        r.id.0
                    ))),
                }
            })
            .collect::<Result<Vec<_>>>()?;
        let mut scores = Vec::new();
        for inst in TIMELINE_INSTRUMENTS {
            for r in measures::responses_for(&mut tx, self.org, patient, Some(inst)).await? {
                if let Some(total) = r.total {
                    scores.push(ScorePoint {
                        instrument: inst.to_string(),
                        at: r.authored,
                        total,
                    });
                }
            }
        }
        scores.sort_by_key(|s| s.at);
        let anc = self.anc_reminder(&orders, &labs);
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.detail = Some(format!(
            "{} labs, {} screens, {} side effects, {} adherence reports",
            labs.len(),
            screens.len(),
            side_effects.len(),
            adherence.len()
        ));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(MonitoringView {
            patient: p,
            orders,
            labs,
            screens,
            side_effects,
            adherence,
            scores,
            anc,
        })
    }

    /// The ANC reminder for the earliest active or held clozapine order.
    fn anc_reminder(&self, orders: &[MedicationOrder], labs: &[LabResult]) -> Option<AncReminder> {
        use tandem_core::medication::prescription::OrderStatus;
        use tandem_core::medication::settings::CLOZAPINE_ANC_INTERVAL_DAYS;
        let cat = &self.medication.catalog;
        let clozapine = cat.drug(cat.by_id("clozapine")?).rxcui;
        let start = orders
            .iter()
            .filter(|o| o.drug == clozapine)
            .filter(|o| matches!(o.status, OrderStatus::Active | OrderStatus::OnHold))
            .map(|o| o.start_on)
            .min()?;
        let latest = labs
            .iter()
            .find(|l| l.analyte == Analyte::Anc)
            .map(|l| (l.effective.date(), l.value));
        let (schedule, verified) = self.medication.settings.anc_schedule();
        let due = tandem_core::monitoring::anc_due(start, latest, &schedule);
        let source = self
            .medication
            .settings
            .get(CLOZAPINE_ANC_INTERVAL_DAYS)
            .and_then(|s| {
                s.note
                    .split_once("Source: ")
                    .map(|(_, src)| src.to_string())
            })
            .unwrap_or_default();
        Some(AncReminder {
            due_on: due.due_on,
            overdue: due.due_on < self.clock().today(),
            band: due.band,
            why: due.why,
            verified,
            source,
        })
    }

    /// A patient's lab results and drug screens (the laboratory
    /// Observations), the latest first.
    pub async fn lab_observations(
        &self,
        caller: &Caller,
        patient: PatientId,
    ) -> Result<Vec<LabObservation>> {
        let action = "lab.search";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, action)
            .await?;
        let mut out: Vec<(OffsetDateTime, LabObservation)> = Vec::new();
        for l in self.load_labs(&mut tx, patient).await? {
            out.push((l.effective, LabObservation::Lab(l)));
        }
        for s in self.load_screens(&mut tx, patient).await? {
            out.push((s.panel.collected, LabObservation::Screen(s)));
        }
        out.sort_by_key(|o| std::cmp::Reverse(o.0));
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some("Observation".into());
        rec.detail = Some(format!("category laboratory, {} found", out.len()));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(out.into_iter().map(|(_, o)| o).collect())
    }

    /// One laboratory Observation by id: a lab result or a drug screen.
    pub async fn read_lab_observation(&self, caller: &Caller, id: Uuid) -> Result<LabObservation> {
        let org = self.org;
        let mut tx = self.store.begin_read().await?;
        let lab = store::get_lab(&mut tx, org, LabResultId(id)).await?;
        let screen = match lab {
            Some(_) => None,
            None => store::get_screen(&mut tx, org, DrugScreenId(id)).await?,
        };
        tx.commit().await?;
        let patient = match (&lab, &screen) {
            (Some(l), _) => l.patient_id,
            (None, Some(s)) => s.patient_id,
            (None, None) => return Err(AppError::NotFound("observation")),
        };
        let action = "lab.read";
        let (mut tx, purpose, _) = self
            .begin_for_patient(caller, patient, PatientAction::ReadChart, action)
            .await?;
        // Read again inside the audited transaction.
        let found = match lab {
            Some(_) => store::get_lab(&mut tx, org, LabResultId(id))
                .await?
                .map(|r| self.lab_from(&r).map(LabObservation::Lab)),
            None => store::get_screen(&mut tx, org, DrugScreenId(id))
                .await?
                .map(|r| screen_from(&r).map(LabObservation::Screen)),
        };
        let obs = found.ok_or(AppError::NotFound("observation"))??;
        let mut rec = self.patient_record(caller, action, patient, purpose);
        rec.resource = Some(format!("Observation/{id}"));
        audit::append(&mut tx, rec).await?;
        tx.commit().await?;
        Ok(obs)
    }
}

fn screen_from(r: &ScreenRow) -> Result<DrugScreenRecord> {
    let mut results = [ScreenOutcome::NotTested; 9];
    for (slot, text) in results.iter_mut().zip(&r.results) {
        *slot = ScreenOutcome::parse(text).ok_or_else(|| {
            AppError::Internal(format!("stored screen outcome {text:?} is unknown"))
        })?;
    }
    Ok(DrugScreenRecord {
        id: r.id,
        patient: r.patient_id,
        panel: ScreenPanel::new(r.collected_at, results),
        recorded_by: r.recorded_by,
        recorded_at: r.recorded_at,
    })
}

/// Whether a drug screen shows opioid use, for the pages' badge.
pub fn opioid_positive(s: &DrugScreenRecord) -> bool {
    s.panel.opioid_result() == Some(ScreenResult::Positive)
}
