//! Instruments published as R4 Questionnaires. Each answer option carries
//! its score in the standard `ordinalValue` extension, so a form filler can
//! show totals without knowing Tandem.

use serde_json::{Map, Value, json};
use tandem_core::instrument::Instrument;

pub const ORDINAL_VALUE: &str = "http://hl7.org/fhir/StructureDefinition/ordinalValue";
pub const LOINC: &str = "http://loinc.org";

/// The canonical URL of an instrument's Questionnaire. A URN: it names the
/// definition wherever Tandem is installed, and claims no web address.
pub fn canonical_url(instrument_id: &str) -> String {
    format!("urn:tandem:questionnaire:{instrument_id}")
}

/// The code system of an instrument's local answer codes.
pub fn answer_system(instrument_id: &str) -> String {
    format!("{}:answer", canonical_url(instrument_id))
}

/// The computer-friendly `name`: letters and digits of the display name,
/// starting with an upper-case letter ("PHQ-9" → "PHQ9").
pub fn computer_name(i: &Instrument) -> String {
    let mut n: String = i.name.chars().filter(char::is_ascii_alphanumeric).collect();
    if !n.starts_with(|c: char| c.is_ascii_uppercase()) {
        n.insert(0, 'Q');
    }
    n
}

pub fn questionnaire_to_json(i: &Instrument) -> Value {
    let mut q = Map::new();
    q.insert("resourceType".into(), json!("Questionnaire"));
    q.insert("id".into(), json!(i.id));
    q.insert("url".into(), json!(canonical_url(&i.id)));
    q.insert("name".into(), json!(computer_name(i)));
    q.insert("title".into(), json!(i.title));
    q.insert("status".into(), json!("active"));
    q.insert("subjectType".into(), json!(["Patient"]));
    if let Some(panel) = &i.loinc.panel {
        q.insert(
            "code".into(),
            json!([{"system": LOINC, "code": panel, "display": i.name}]),
        );
    }
    if let Some(recall) = &i.recall {
        q.insert("description".into(), json!(recall));
    }
    q.insert("copyright".into(), json!(i.licence.text));
    let system = answer_system(&i.id);
    let items: Vec<Value> = i
        .items
        .iter()
        .map(|item| {
            let mut it = Map::new();
            it.insert("linkId".into(), json!(item.id));
            if let Some(code) = &item.code {
                it.insert("code".into(), json!([{"system": LOINC, "code": code}]));
            }
            it.insert("text".into(), json!(item.text));
            it.insert("type".into(), json!("choice"));
            it.insert("required".into(), json!(item.required));
            if let Some(e) = &item.enable_when {
                it.insert(
                    "enableWhen".into(),
                    json!([{"question": e.item, "operator": "=", "answerCoding": {"system": system, "code": e.code}}]),
                );
            }
            let options: Vec<Value> = i
                .options(item)
                .iter()
                .map(|o| {
                    json!({"valueCoding": {
                        "extension": [{"url": ORDINAL_VALUE, "valueDecimal": o.score}],
                        "system": system,
                        "code": o.code,
                        "display": o.label,
                    }})
                })
                .collect();
            it.insert("answerOption".into(), Value::Array(options));
            Value::Object(it)
        })
        .collect();
    q.insert("item".into(), Value::Array(items));
    Value::Object(q)
}
