//! Laboratory `Observation`s: a lab result (a quantity judged against its
//! reference range, with `interpretation` L/N/H) and a urine drug screen
//! (one Observation whose `component`s are the substances of the panel,
//! each positive or negative, or absent as not performed).
//!
//! Codes: LOINC only where a public source confirmed it (lithium,
//! 14334-7); every result also carries Tandem's local code, which is the
//! only code of the others until theirs is confirmed.

use crate::instant;
use crate::observation::CATEGORY_SYSTEM;
use serde_json::{Map, Value, json};
use tandem_core::ids::PatientId;
use tandem_core::monitoring::{Analyte, RangeReading, ScreenOutcome, ScreenPanel, Substance};
use time::OffsetDateTime;
use uuid::Uuid;

/// Tandem's local code system for lab results and the screen panel.
pub const LAB_SYSTEM: &str = "urn:tandem:lab";
pub const LOINC: &str = "http://loinc.org";
pub const UCUM: &str = "http://unitsofmeasure.org";
pub const INTERPRETATION_SYSTEM: &str =
    "http://terminology.hl7.org/CodeSystem/v3-ObservationInterpretation";
pub const DATA_ABSENT_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/data-absent-reason";
/// The local code of the whole panel.
pub const SCREEN_CODE: &str = "urine-drug-screen";

/// The display LOINC gives its code.
fn loinc_display(code: &str) -> Option<&'static str> {
    match code {
        "14334-7" => Some("Lithium [Moles/volume] in Serum or Plasma"),
        _ => None,
    }
}

/// A reference range, as the content gives it.
#[derive(Clone, Debug, PartialEq)]
pub struct RangeView<'a> {
    pub low: f64,
    pub high: f64,
    /// The content's note and source, in words.
    pub text: &'a str,
}

#[derive(Clone, Debug, PartialEq)]
pub struct LabView<'a> {
    pub id: Uuid,
    pub patient: PatientId,
    pub analyte: Analyte,
    pub value: f64,
    pub effective: OffsetDateTime,
    pub issued: OffsetDateTime,
    pub range: Option<RangeView<'a>>,
    pub reading: Option<RangeReading>,
}

fn laboratory() -> Value {
    json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": "laboratory", "display": "Laboratory"}]}])
}

fn quantity(value: f64, a: Analyte) -> Value {
    json!({"value": value, "unit": a.unit(), "system": UCUM, "code": a.ucum()})
}

/// The codes a search by `code` matches for an analyte: its LOINC code
/// (when it has one) and its local code.
pub fn analyte_codes(a: Analyte) -> Vec<(&'static str, &'static str)> {
    let mut out = Vec::new();
    if let Some(l) = a.loinc() {
        out.push((LOINC, l));
    }
    out.push((LAB_SYSTEM, a.code()));
    out
}

pub fn lab_to_json(l: &LabView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Observation"));
    r.insert("id".into(), json!(l.id.hyphenated().to_string()));
    r.insert("status".into(), json!("final"));
    r.insert("category".into(), laboratory());
    let mut codings = Vec::new();
    if let Some(code) = l.analyte.loinc() {
        let mut c = Map::new();
        c.insert("system".into(), json!(LOINC));
        c.insert("code".into(), json!(code));
        if let Some(d) = loinc_display(code) {
            c.insert("display".into(), json!(d));
        }
        codings.push(Value::Object(c));
    }
    codings.push(
        json!({"system": LAB_SYSTEM, "code": l.analyte.code(), "display": l.analyte.label()}),
    );
    r.insert(
        "code".into(),
        json!({"coding": codings, "text": l.analyte.label()}),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", l.patient)}),
    );
    r.insert(
        "effectiveDateTime".into(),
        json!(instant::instant(l.effective)),
    );
    r.insert("issued".into(), json!(instant::instant(l.issued)));
    r.insert("valueQuantity".into(), quantity(l.value, l.analyte));
    if let Some(reading) = l.reading {
        r.insert(
            "interpretation".into(),
            json!([{"coding": [{"system": INTERPRETATION_SYSTEM, "code": reading.code(), "display": reading.label()}], "text": reading.label()}]),
        );
    }
    if let Some(range) = &l.range {
        r.insert(
            "referenceRange".into(),
            json!([{
                "low": quantity(range.low, l.analyte),
                "high": quantity(range.high, l.analyte),
                "text": range.text,
            }]),
        );
    }
    Value::Object(r)
}

#[derive(Clone, Debug, PartialEq)]
pub struct ScreenView<'a> {
    pub id: Uuid,
    pub patient: PatientId,
    pub panel: &'a ScreenPanel,
    pub issued: OffsetDateTime,
}

/// The screen as one Observation; each substance is a component whose
/// value is positive or negative (v3 ObservationInterpretation POS/NEG),
/// or has a `dataAbsentReason` of not-performed.
pub fn screen_to_json(s: &ScreenView) -> Value {
    let components: Vec<Value> = s
        .panel
        .results()
        .map(|(substance, outcome)| {
            let code = json!({
                "coding": [{"system": LAB_SYSTEM, "code": format!("uds-{}", substance.code()), "display": substance.label()}],
                "text": substance.label(),
            });
            match outcome {
                ScreenOutcome::Positive | ScreenOutcome::Negative => {
                    let (c, d) = if outcome == ScreenOutcome::Positive {
                        ("POS", "Positive")
                    } else {
                        ("NEG", "Negative")
                    };
                    json!({
                        "code": code,
                        "valueCodeableConcept": {"coding": [{"system": INTERPRETATION_SYSTEM, "code": c, "display": d}], "text": d},
                    })
                }
                ScreenOutcome::NotTested => json!({
                    "code": code,
                    "dataAbsentReason": {"coding": [{"system": DATA_ABSENT_SYSTEM, "code": "not-performed", "display": "Not Performed"}]},
                }),
            }
        })
        .collect();
    json!({
        "resourceType": "Observation",
        "id": s.id.hyphenated().to_string(),
        "status": "final",
        "category": laboratory(),
        "code": {"coding": [{"system": LAB_SYSTEM, "code": SCREEN_CODE, "display": "Urine drug screen"}], "text": "Urine drug screen"},
        "subject": {"reference": format!("Patient/{}", s.patient)},
        "effectiveDateTime": instant::instant(s.panel.collected),
        "issued": instant::instant(s.issued),
        "component": components,
    })
}

/// A posted lab result: the patient and the result as the form would give
/// it, so the app validates both the same way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedLab {
    pub patient: PatientId,
    pub input: tandem_core::monitoring::LabInput,
}

/// A posted urine drug screen, as the monitoring form would give it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParsedScreen {
    pub patient: PatientId,
    pub input: tandem_core::monitoring::ScreenInput,
}

/// What a posted laboratory Observation is: its `code` decides.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum PostedLabObservation {
    Lab(ParsedLab),
    Screen(ParsedScreen),
}

/// Collects the problems of a posted Observation, each naming its element.
#[derive(Default)]
struct Problems(Vec<crate::outcome::Issue>);

impl Problems {
    fn add(&mut self, expr: &str, msg: impl Into<String>) {
        use crate::outcome::{Issue, IssueCode};
        self.0.push(Issue::error(
            IssueCode::Invalid,
            msg.into(),
            Some(expr.to_string()),
        ));
    }

    fn into_error(self) -> crate::FhirError {
        crate::FhirError {
            status: 422,
            issues: self.0,
        }
    }
}

/// The form's date-and-time text for an instant (UTC, to the second).
fn form_time(t: OffsetDateTime) -> String {
    format!(
        "{}T{:02}:{:02}:{:02}",
        t.date(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// The codings of a CodeableConcept element, as (system, code) pairs.
fn codings(concept: Option<&Value>) -> Vec<(&str, &str)> {
    concept
        .and_then(|c| c.get("coding"))
        .and_then(Value::as_array)
        .map(|cs| {
            cs.iter()
                .filter_map(|c| Some((c.get("system")?.as_str()?, c.get("code")?.as_str()?)))
                .collect()
        })
        .unwrap_or_default()
}

/// Reads a posted laboratory Observation: a lab result or a urine drug
/// screen, told apart by `code`. Both need `status` final, `subject` the
/// Patient and `effectiveDateTime` with a time and zone.
///
/// A lab result: `code` one of Tandem's lab codes (or LOINC 14334-7),
/// `valueQuantity.value` (its `code`, when given, the analyte's UCUM unit).
/// The interpretation and reference range are Tandem's to work out, so
/// posted ones are not read.
///
/// A drug screen: `code` Tandem's `urine-drug-screen`, and one `component`
/// per substance tested, coded `uds-<substance>`, whose
/// `valueCodeableConcept` is v3 ObservationInterpretation POS or NEG (a
/// component with a `dataAbsentReason`, or a substance left out, was not
/// tested). Every problem names its element.
pub fn parse_posted(body: &[u8]) -> Result<PostedLabObservation, crate::FhirError> {
    let r = crate::reading::resource_body(body, "Observation")?;
    let mut p = Problems::default();
    if r.get("status").and_then(Value::as_str) != Some("final") {
        p.add("Observation.status", "status must be final");
    }
    let patient = r
        .get("subject")
        .and_then(|s| s.get("reference"))
        .and_then(Value::as_str)
        .and_then(|s| s.strip_prefix("Patient/"))
        .and_then(|id| id.parse::<PatientId>().ok());
    if patient.is_none() {
        p.add(
            "Observation.subject",
            "subject must reference the patient as Patient/<id>",
        );
    }
    let effective = r
        .get("effectiveDateTime")
        .and_then(Value::as_str)
        .and_then(|s| instant::parse_date_time(s).ok());
    if effective.is_none() {
        p.add(
            "Observation.effectiveDateTime",
            "effectiveDateTime must be a date and time of day with its zone",
        );
    }
    let code = codings(r.get("code"));
    if code.contains(&(LAB_SYSTEM, SCREEN_CODE)) {
        let results = screen_results(&r, &mut p);
        return match (patient, effective) {
            (Some(patient), Some(t)) if p.0.is_empty() => {
                Ok(PostedLabObservation::Screen(ParsedScreen {
                    patient,
                    input: tandem_core::monitoring::ScreenInput {
                        collected: form_time(t),
                        results,
                    },
                }))
            }
            _ => Err(p.into_error()),
        };
    }
    let analyte = code.iter().find_map(|&(system, code)| {
        Analyte::ALL.into_iter().find(|a| {
            (system == LAB_SYSTEM && a.code() == code)
                || (system == LOINC && a.loinc() == Some(code))
        })
    });
    if analyte.is_none() {
        p.add(
            "Observation.code",
            format!(
                "code must name a test Tandem records: {LAB_SYSTEM} lithium, valproate, creatinine-clearance, anc, qtc or {SCREEN_CODE} (or LOINC 14334-7)"
            ),
        );
    }
    let quantity = r.get("valueQuantity");
    let value = quantity
        .and_then(|q| q.get("value"))
        .and_then(Value::as_f64);
    if value.is_none() {
        p.add(
            "Observation.valueQuantity.value",
            "the result must be a valueQuantity with a numeric value",
        );
    }
    if let (Some(a), Some(unit)) = (
        analyte,
        quantity.and_then(|q| q.get("code")).and_then(Value::as_str),
    ) && unit != a.ucum()
    {
        p.add(
            "Observation.valueQuantity.code",
            format!(
                "{} is recorded in {} (UCUM {}), not {unit}",
                a.label(),
                a.unit(),
                a.ucum()
            ),
        );
    }
    match (patient, analyte, value, effective) {
        (Some(patient), Some(a), Some(value), Some(t)) if p.0.is_empty() => {
            Ok(PostedLabObservation::Lab(ParsedLab {
                patient,
                input: tandem_core::monitoring::LabInput {
                    analyte: a.code().into(),
                    value: value.to_string(),
                    effective: form_time(t),
                },
            }))
        }
        _ => Err(p.into_error()),
    }
}

/// The tested substances of a posted screen as (substance code, outcome
/// code) pairs, the monitoring form's shape.
fn screen_results(r: &Map<String, Value>, p: &mut Problems) -> Vec<(String, String)> {
    let Some(components) = r.get("component").and_then(Value::as_array) else {
        p.add(
            "Observation.component",
            "a drug screen lists each substance tested as a component",
        );
        return Vec::new();
    };
    let mut out: Vec<(String, String)> = Vec::new();
    for (i, c) in components.iter().enumerate() {
        let at = format!("Observation.component[{i}]");
        let substance = codings(c.get("code")).iter().find_map(|&(system, code)| {
            let code = code.strip_prefix("uds-")?;
            (system == LAB_SYSTEM)
                .then(|| Substance::ALL.into_iter().find(|s| s.code() == code))
                .flatten()
        });
        let Some(s) = substance else {
            let known: Vec<String> = Substance::ALL
                .iter()
                .map(|s| format!("uds-{}", s.code()))
                .collect();
            p.add(
                &format!("{at}.code"),
                format!(
                    "the component must be a substance of the panel ({LAB_SYSTEM} {})",
                    known.join(", ")
                ),
            );
            continue;
        };
        if out.iter().any(|(code, _)| code == s.code()) {
            p.add(
                &format!("{at}.code"),
                format!("{} is listed twice", s.label()),
            );
            continue;
        }
        let value = codings(c.get("valueCodeableConcept"));
        let outcome = if value.contains(&(INTERPRETATION_SYSTEM, "POS")) {
            ScreenOutcome::Positive
        } else if value.contains(&(INTERPRETATION_SYSTEM, "NEG")) {
            ScreenOutcome::Negative
        } else if c.get("dataAbsentReason").is_some() && c.get("valueCodeableConcept").is_none() {
            ScreenOutcome::NotTested
        } else {
            p.add(
                &format!("{at}.valueCodeableConcept"),
                format!(
                    "{} must be positive or negative ({INTERPRETATION_SYSTEM} POS or NEG), or carry a dataAbsentReason when not tested",
                    s.label()
                ),
            );
            continue;
        };
        out.push((s.code().to_string(), outcome.code().to_string()));
    }
    out
}
