//! `Observation`: one score derived from a QuestionnaireResponse (a total
//! or a subscale), with the interpretation people read beside the number.

use crate::instant;
use serde_json::{Map, Value, json};
use tandem_core::ids::{ObservationId, PatientId, ResponseId};
use time::OffsetDateTime;

/// HL7's observation categories (`survey`).
pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/observation-category";

/// What the API shows of a stored score.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ObservationView<'a> {
    pub id: ObservationId,
    pub patient: PatientId,
    /// The response it was scored from.
    pub response: ResponseId,
    /// The score's code: LOINC for totals where confirmed, `urn:tandem:score` otherwise.
    pub system: &'a str,
    pub code: &'a str,
    pub display: &'a str,
    pub value: i32,
    /// When the patient answered.
    pub effective: OffsetDateTime,
    /// The band label or screening result, in words.
    pub interpretation: Option<&'a str>,
}

/// A score as a final `survey` Observation. The interpretation travels as
/// text only: the band labels are the instruments' own, with no code
/// system to put them in.
pub fn observation_to_json(o: &ObservationView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Observation"));
    r.insert("id".into(), json!(o.id.to_string()));
    r.insert("status".into(), json!("final"));
    r.insert(
        "category".into(),
        json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": "survey", "display": "Survey"}]}]),
    );
    let mut coding = Map::new();
    coding.insert("system".into(), json!(o.system));
    coding.insert("code".into(), json!(o.code));
    let display = o.display.trim();
    if !display.is_empty() {
        coding.insert("display".into(), json!(display));
    }
    let mut code = Map::new();
    code.insert("coding".into(), json!([coding]));
    if !display.is_empty() {
        code.insert("text".into(), json!(display));
    }
    r.insert("code".into(), Value::Object(code));
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", o.patient)}),
    );
    r.insert(
        "effectiveDateTime".into(),
        json!(instant::instant(o.effective)),
    );
    r.insert("valueInteger".into(), json!(o.value));
    if let Some(text) = o.interpretation.map(str::trim).filter(|t| !t.is_empty()) {
        r.insert("interpretation".into(), json!([{"text": text}]));
    }
    r.insert(
        "derivedFrom".into(),
        json!([{"reference": format!("QuestionnaireResponse/{}", o.response)}]),
    );
    Value::Object(r)
}
