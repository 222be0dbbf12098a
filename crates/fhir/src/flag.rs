//! `Flag`: what the care team must not miss. `code.text` is exactly the
//! kind's text ("Suicide risk", "Not improving", …), which integrators
//! match on; the same kind is coded in Tandem's local flag system.

use crate::{FLAG_SYSTEM, instant};
use serde_json::{Map, Value, json};
use tandem_core::flag::FlagKind;
use tandem_core::ids::{FlagId, PatientId};
use time::OffsetDateTime;

/// HL7's flag categories (`clinical`).
pub const CATEGORY_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/flag-category";

/// What the API shows of a flag.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FlagView {
    pub id: FlagId,
    pub patient: PatientId,
    pub kind: FlagKind,
    pub active: bool,
    /// When the condition began.
    pub period_start: OffsetDateTime,
    /// When it ended, for an inactive flag.
    pub period_end: Option<OffsetDateTime>,
    pub updated_at: OffsetDateTime,
    pub version: i64,
}

pub fn flag_to_json(f: &FlagView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Flag"));
    r.insert("id".into(), json!(f.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"versionId": f.version.to_string(), "lastUpdated": instant::instant(f.updated_at)}),
    );
    r.insert(
        "status".into(),
        json!(if f.active { "active" } else { "inactive" }),
    );
    r.insert(
        "category".into(),
        json!([{"coding": [{"system": CATEGORY_SYSTEM, "code": "clinical", "display": "Clinical"}]}]),
    );
    r.insert(
        "code".into(),
        json!({
            "coding": [{"system": FLAG_SYSTEM, "code": f.kind.as_str(), "display": f.kind.text()}],
            "text": f.kind.text()
        }),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", f.patient)}),
    );
    let mut period = Map::new();
    period.insert("start".into(), json!(instant::instant(f.period_start)));
    if let Some(end) = f.period_end {
        period.insert("end".into(), json!(instant::instant(end)));
    }
    r.insert("period".into(), Value::Object(period));
    Value::Object(r)
}
