//! `MedicationAdministration`: one record of an opioid treatment program's
//! dosing log. A dose given (observed at the clinic, or dispensed to take
//! home) is `completed`; a missed day is `not-done` with its reason in
//! `statusReason.text`. `dosage.dose` is the amount of this record (one
//! part of a split dose is its own administration); `dosage.text` says
//! observed, take-home or the part, and `category` tells a dose taken at
//! the clinic (`outpatient`) from one taken at home (`community`).

use crate::instant;
use crate::medication_request::{RXNORM, UCUM};
use serde_json::{Map, Value, json};
use tandem_core::ids::{DoseRecordId, MedicationOrderId, PatientId, UserId};
use tandem_core::medication::RxCui;
use tandem_core::medication::dosing::{Entry, Given};
use time::{Date, OffsetDateTime};

const RESOURCE: &str = "MedicationAdministration";

/// HL7's medication administration categories (R4 example value set).
pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/medication-admin-category";

/// What the API shows of a dosing record.
#[derive(Clone, Debug, PartialEq)]
pub struct AdministrationView<'a> {
    pub id: DoseRecordId,
    pub patient: PatientId,
    pub order: MedicationOrderId,
    pub drug: RxCui,
    pub drug_name: &'a str,
    /// The day the dose is for.
    pub on: Date,
    pub entry: &'a Entry,
    /// When an observed dose was taken or a take-home dose dispensed.
    pub given_at: Option<OffsetDateTime>,
    pub note: Option<&'a str>,
    pub performer: UserId,
    pub performer_name: &'a str,
    pub recorded_at: OffsetDateTime,
}

/// A dose as JSON: whole numbers as integers, others to three decimals.
fn number(v: f64) -> Value {
    let r = (v * 1000.0).round() / 1000.0;
    if r.fract() == 0.0 && r.abs() < 1e15 {
        json!(r as i64)
    } else {
        json!(r)
    }
}

/// `dosage.text`: "Observed", "Take-home", "Observed, split part 1 of 2";
/// the words for a missed day serve the dosing page.
pub fn dosage_text(entry: &Entry) -> String {
    match entry {
        Entry::Missed => "Missed: no dose given".into(),
        Entry::Given { how, part, .. } if part.is_split() => format!(
            "{}, split part {} of {}",
            how.label(),
            part.number(),
            part.of()
        ),
        Entry::Given { how, .. } => how.label().into(),
    }
}

pub fn medication_administration_to_json(a: &AdministrationView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!(RESOURCE));
    r.insert("id".into(), json!(a.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"versionId": "1", "lastUpdated": instant::instant(a.recorded_at)}),
    );
    let given = matches!(a.entry, Entry::Given { .. });
    r.insert(
        "status".into(),
        json!(if given { "completed" } else { "not-done" }),
    );
    let note = a.note.filter(|n| !n.trim().is_empty());
    if !given {
        r.insert(
            "statusReason".into(),
            json!([{"text": note.unwrap_or("Missed dose: the patient did not take it")}]),
        );
    }
    if let Entry::Given { how, .. } = a.entry {
        let (code, display) = match how {
            Given::Observed => ("outpatient", "Outpatient"),
            Given::TakeHome => ("community", "Community"),
        };
        r.insert(
            "category".into(),
            json!({"coding": [{"system": CATEGORY_SYSTEM, "code": code, "display": display}], "text": how.label()}),
        );
    }
    r.insert(
        "medicationCodeableConcept".into(),
        json!({
            "coding": [{"system": RXNORM, "code": a.drug.to_string(), "display": a.drug_name}],
            "text": a.drug_name
        }),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", a.patient)}),
    );
    // An observed dose has its time; a take-home or missed dose is for a day.
    let effective = match (a.entry, a.given_at) {
        (
            Entry::Given {
                how: Given::Observed,
                ..
            },
            Some(t),
        ) => instant::instant(t),
        _ => instant::date(a.on),
    };
    r.insert("effectiveDateTime".into(), json!(effective));
    let mut actor = Map::new();
    actor.insert(
        "reference".into(),
        json!(format!("Practitioner/{}", a.performer)),
    );
    if !a.performer_name.trim().is_empty() {
        actor.insert("display".into(), json!(a.performer_name));
    }
    r.insert("performer".into(), json!([{"actor": Value::Object(actor)}]));
    r.insert(
        "request".into(),
        json!({"reference": format!("MedicationRequest/{}", a.order)}),
    );
    let mut notes = Vec::new();
    if let Entry::Given {
        how: Given::TakeHome,
        ..
    } = a.entry
    {
        let mut text = format!("Take-home dose for {}", instant::date(a.on));
        if let Some(t) = a.given_at {
            text.push_str(&format!(", dispensed {}", instant::instant(t)));
        }
        notes.push(json!({"text": text}));
    }
    if given && let Some(n) = note {
        notes.push(json!({"text": n}));
    }
    if !notes.is_empty() {
        r.insert("note".into(), Value::Array(notes));
    }
    // R4 (mad-1) wants a dose with any dosage: a missed day has none, and
    // says why in `statusReason`.
    if let Entry::Given { amount, .. } = a.entry {
        r.insert(
            "dosage".into(),
            json!({
                "text": dosage_text(a.entry),
                "dose": {
                    "value": number(amount.quantity.get()),
                    "unit": amount.unit.label(),
                    "system": UCUM,
                    "code": amount.unit.ucum()
                }
            }),
        );
    }
    Value::Object(r)
}

/// Reads the `status` search parameter: `completed` keeps doses given,
/// `not-done` missed days.
pub fn parse_status(value: &str) -> Result<bool, crate::FhirError> {
    match value.trim() {
        "completed" => Ok(true),
        "not-done" => Ok(false),
        other => Err(crate::FhirError::new(
            400,
            crate::IssueCode::Value,
            format!(
                "MedicationAdministration status {other:?} is not one Tandem records: use completed (a dose given) or not-done (a missed day)"
            ),
            Some("status".into()),
        )),
    }
}
