//! `CareTeam`: the clinicians looking after one patient.
//!
//! Tandem keeps one care team per patient, so the CareTeam's id is the
//! patient's id and needs no table of its own.

use crate::CARE_TEAM_ROLE_SYSTEM;
use crate::instant;
use serde_json::{Map, Value, json};
use tandem_core::ids::UserId;
use tandem_core::patient::Patient;
use tandem_core::role::CareTeamRole;

/// One clinician's membership of the team.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MemberView<'a> {
    pub user_id: UserId,
    pub display_name: &'a str,
    pub role: CareTeamRole,
    pub start: time::Date,
    pub end: Option<time::Date>,
}

/// One CareTeam per patient; its id is the patient's id.
pub fn care_team_to_json(patient: &Patient, members: &[MemberView]) -> Value {
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("CareTeam"));
    r.insert("id".into(), json!(patient.id.to_string()));
    r.insert("status".into(), json!("active"));
    r.insert(
        "subject".into(),
        reference(
            "Patient",
            &patient.id.to_string(),
            &patient.demographics.display_name(),
        ),
    );
    let participants: Vec<Value> = members.iter().map(participant).collect();
    if !participants.is_empty() {
        r.insert("participant".into(), Value::Array(participants));
    }
    Value::Object(r)
}

fn reference(type_: &str, id: &str, display: &str) -> Value {
    let mut r = Map::new();
    r.insert("reference".into(), json!(format!("{type_}/{id}")));
    let display = display.trim();
    if !display.is_empty() {
        r.insert("display".into(), json!(display));
    }
    Value::Object(r)
}

fn participant(m: &MemberView) -> Value {
    let mut period = Map::new();
    period.insert("start".into(), json!(instant::date(m.start)));
    if let Some(end) = m.end {
        period.insert("end".into(), json!(instant::date(end)));
    }
    json!({
        "role": [{
            "coding": [{"system": CARE_TEAM_ROLE_SYSTEM, "code": m.role.as_str(), "display": m.role.label()}],
            "text": m.role.label()
        }],
        "member": reference("Practitioner", &m.user_id.to_string(), m.display_name),
        "period": period
    })
}
