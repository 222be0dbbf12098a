//! `CarePlan`: one plan holding therapy and medication together. The
//! resource shows the current version: `active` once signed, `draft`
//! before; `meta.versionId` is the plan's version number.

use crate::instant;
use serde_json::{Map, Value, json};
use tandem_core::care_plan::{AnyVersion, Signed};
use tandem_core::ids::{CarePlanId, PatientId, UserId};
use tandem_core::instrument::Library;
use time::OffsetDateTime;

/// Identifies a plan version across systems: `{plan id}/{version}`.
pub const VERSION_SYSTEM: &str = "urn:tandem:care-plan-version";

/// What the API shows of a plan.
pub struct CarePlanResource<'a> {
    pub id: CarePlanId,
    pub patient: PatientId,
    pub created: OffsetDateTime,
    pub current: &'a AnyVersion,
    /// The last signature: the responsible clinician.
    pub signed: Option<&'a Signed>,
    pub name: &'a dyn Fn(UserId) -> String,
    pub library: &'a Library,
}

/// `active` when the current version is signed, `draft` otherwise.
pub fn status(current: &AnyVersion) -> &'static str {
    if current.signature().is_some() {
        "active"
    } else {
        "draft"
    }
}

fn practitioner(id: UserId, name: &dyn Fn(UserId) -> String) -> Value {
    json!({"reference": format!("Practitioner/{id}"), "display": name(id)})
}

pub fn care_plan_to_json(p: &CarePlanResource<'_>) -> Value {
    let v = p.current;
    let body = v.body();
    let updated = v
        .signature()
        .map_or(v.meta().created_at, |s| s.at.max(v.meta().created_at));
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("CarePlan"));
    r.insert("id".into(), json!(p.id.to_string()));
    r.insert(
        "meta".into(),
        json!({"versionId": v.number().to_string(), "lastUpdated": instant::instant(updated)}),
    );
    r.insert(
        "identifier".into(),
        json!([{"system": VERSION_SYSTEM, "value": format!("{}/{}", p.id, v.number())}]),
    );
    r.insert("status".into(), json!(status(v)));
    r.insert("intent".into(), json!("plan"));
    r.insert("title".into(), json!("Care plan"));
    r.insert(
        "description".into(),
        json!(format!("Version {}: {}", v.number(), v.meta().reason)),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", p.patient)}),
    );
    r.insert(
        "period".into(),
        json!({"start": instant::instant(p.created)}),
    );
    r.insert("created".into(), json!(instant::instant(p.created)));
    if let Some(s) = p.signed {
        r.insert("author".into(), practitioner(s.by, p.name));
    }
    let addresses: Vec<Value> = body
        .diagnoses()
        .into_iter()
        .map(|d| {
            json!({"reference": format!("Condition/{}", d.condition), "display": format!("{} {}", d.code, d.display)})
        })
        .collect();
    if !addresses.is_empty() {
        r.insert("addresses".into(), Value::Array(addresses));
    }
    let goals: Vec<Value> = body
        .goals
        .iter()
        .map(|g| json!({"reference": format!("Goal/{}", g.id)}))
        .collect();
    if !goals.is_empty() {
        r.insert("goal".into(), Value::Array(goals));
    }
    let activity_status = if v.signature().is_some() {
        "in-progress"
    } else {
        "not-started"
    };
    let mut activity = Vec::new();
    for t in &body.therapy {
        let mut d = Map::new();
        d.insert("kind".into(), json!("ServiceRequest"));
        d.insert(
            "code".into(),
            json!({"text": format!("{} therapy", t.modality.label())}),
        );
        d.insert("status".into(), json!(activity_status));
        d.insert("scheduledString".into(), json!(t.frequency.label()));
        if let Some(c) = t.clinician {
            d.insert("performer".into(), json!([practitioner(c, p.name)]));
        }
        d.insert("description".into(), json!(t.describe()));
        activity.push(json!({"detail": Value::Object(d)}));
    }
    if let Some(m) = &body.medication {
        let mut d = Map::new();
        d.insert("kind".into(), json!("ServiceRequest"));
        d.insert("code".into(), json!({"text": "Medication management"}));
        d.insert("status".into(), json!(activity_status));
        if let Some(on) = m.evaluation_on {
            d.insert(
                "scheduledString".into(),
                json!(format!("Evaluation on {on}")),
            );
        }
        d.insert(
            "performer".into(),
            json!([practitioner(m.prescriber, p.name)]),
        );
        let mut text = format!("Medication management by {}", (p.name)(m.prescriber));
        if !m.notes.trim().is_empty() {
            text.push_str(&format!(": {}", m.notes.trim()));
        }
        d.insert("description".into(), json!(text));
        activity.push(json!({"detail": Value::Object(d)}));
    }
    for s in &body.schedule {
        let name = p
            .library
            .get(&s.instrument)
            .map_or(s.instrument.clone(), |i| i.name.clone());
        activity.push(json!({"detail": {
            "code": {"text": format!("{name} measurement")},
            "status": activity_status,
            "scheduledString": format!("Every {} weeks", s.every_weeks),
            "description": format!("{name} every {} weeks", s.every_weeks)
        }}));
    }
    activity.push(json!({"detail": {
        "code": {"text": "Care team review"},
        "status": activity_status,
        "scheduledString": format!("Every {} weeks", body.review_every_weeks),
        "description": format!("The care team reviews the plan every {} weeks", body.review_every_weeks)
    }}));
    r.insert("activity".into(), Value::Array(activity));
    if !body.shared_decisions.trim().is_empty() {
        r.insert(
            "note".into(),
            json!([{"text": body.shared_decisions.trim()}]),
        );
    }
    Value::Object(r)
}
