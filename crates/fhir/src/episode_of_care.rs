//! `EpisodeOfCare`: a span of care in one program, at a level of care.
//!
//! `type` carries the program and the current level of care, each in a
//! Tandem code system (`urn:tandem:program`, `urn:tandem:level-of-care`,
//! like the other local systems); `status` is `active` while the episode is
//! open and `finished` once discharged. An open episode lists the
//! patient's active diagnoses in `diagnosis`, ranked (1 is the primary).
//! Changes of level and the discharge reason and summary are in the chart;
//! R4 has no element for them here.

use crate::instant;
use serde_json::{Map, Value, json};
use tandem_core::ids::{ConditionId, EpisodeId, PatientId, UserId};
use tandem_core::level_of_care::LevelOfCare;
use time::Date;

/// Code system of programs (`content/intake/programs.toml` ids).
pub const PROGRAM_SYSTEM: &str = "urn:tandem:program";
/// Code system of levels of care (`tandem_core::level_of_care::LevelOfCare::as_str`).
pub const LEVEL_OF_CARE_SYSTEM: &str = "urn:tandem:level-of-care";

/// What the API shows of an episode.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EpisodeView<'a> {
    pub id: EpisodeId,
    pub patient: PatientId,
    pub started_on: Date,
    pub ended_on: Option<Date>,
    /// The program's id and name; none until someone enrols the patient.
    pub program: Option<(&'a str, &'a str)>,
    pub level: Option<LevelOfCare>,
    /// Active diagnoses, primary first: `diagnosis.rank` is the position.
    pub diagnoses: Vec<ConditionId>,
    pub care_manager: Option<(UserId, &'a str)>,
}

pub fn episode_to_json(e: &EpisodeView) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("EpisodeOfCare"));
    r.insert("id".into(), json!(e.id.to_string()));
    let open = e.ended_on.is_none();
    r.insert(
        "status".into(),
        json!(if open { "active" } else { "finished" }),
    );
    let mut types = Vec::new();
    if let Some((id, name)) = e.program {
        types.push(json!({"coding": [{"system": PROGRAM_SYSTEM, "code": id, "display": name}], "text": name}));
    }
    if let Some(l) = e.level {
        types.push(json!({"coding": [{"system": LEVEL_OF_CARE_SYSTEM, "code": l.as_str(), "display": l.label()}], "text": l.label()}));
    }
    if !types.is_empty() {
        r.insert("type".into(), Value::Array(types));
    }
    if open && !e.diagnoses.is_empty() {
        let d: Vec<Value> = e
            .diagnoses
            .iter()
            .enumerate()
            .map(|(i, c)| json!({"condition": {"reference": format!("Condition/{c}")}, "rank": i + 1}))
            .collect();
        r.insert("diagnosis".into(), Value::Array(d));
    }
    r.insert(
        "patient".into(),
        json!({"reference": format!("Patient/{}", e.patient)}),
    );
    let mut period = Map::new();
    period.insert("start".into(), json!(instant::date(e.started_on)));
    if let Some(end) = e.ended_on {
        period.insert("end".into(), json!(instant::date(end)));
    }
    r.insert("period".into(), Value::Object(period));
    if let Some((u, name)) = e.care_manager {
        r.insert(
            "careManager".into(),
            json!({"reference": format!("Practitioner/{u}"), "display": name}),
        );
    }
    Value::Object(r)
}
