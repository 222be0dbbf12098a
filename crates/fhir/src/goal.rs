//! `Goal`: a goal of a care plan, as it stands in the latest version that
//! has it. A measurable goal's target is the instrument total's code with
//! the whole scores that meet it as a range.

use serde_json::{Map, Value, json};
use tandem_core::care_plan::{Goal, GoalStatus, Problem, Target};
use tandem_core::ids::PatientId;
use tandem_core::instrument::Library;
use tandem_core::measure::total_code;

pub const ACHIEVEMENT_SYSTEM: &str = "http://terminology.hl7.org/CodeSystem/goal-achievement";

pub struct GoalResource<'a> {
    pub patient: PatientId,
    pub goal: &'a Goal,
    pub problem: Option<&'a Problem>,
    /// Whether the plan's current version still has the goal; a goal taken
    /// out of the plan reads as cancelled.
    pub current: bool,
    pub version: u32,
    pub library: &'a Library,
}

/// `Goal.lifecycleStatus`.
pub fn lifecycle_status(status: GoalStatus, current: bool) -> &'static str {
    if !current {
        return "cancelled";
    }
    match status {
        GoalStatus::Proposed => "proposed",
        GoalStatus::Active => "active",
        GoalStatus::Achieved | GoalStatus::NotAchieved => "completed",
        GoalStatus::Cancelled => "cancelled",
    }
}

fn achievement(status: GoalStatus) -> Option<(&'static str, &'static str)> {
    match status {
        GoalStatus::Active => Some(("in-progress", "In Progress")),
        GoalStatus::Achieved => Some(("achieved", "Achieved")),
        GoalStatus::NotAchieved => Some(("not-achieved", "Not Achieved")),
        GoalStatus::Proposed | GoalStatus::Cancelled => None,
    }
}

pub fn goal_to_json(g: &GoalResource<'_>) -> Value {
    let goal = g.goal;
    let mut r = Map::new();
    r.insert("resourceType".into(), json!("Goal"));
    r.insert("id".into(), json!(goal.id.to_string()));
    r.insert("meta".into(), json!({"versionId": g.version.to_string()}));
    r.insert(
        "lifecycleStatus".into(),
        json!(lifecycle_status(goal.status, g.current)),
    );
    if g.current
        && let Some((code, display)) = achievement(goal.status)
    {
        r.insert(
            "achievementStatus".into(),
            json!({"coding": [{"system": ACHIEVEMENT_SYSTEM, "code": code, "display": display}]}),
        );
    }
    r.insert(
        "description".into(),
        json!({"text": goal.describe(g.library)}),
    );
    r.insert(
        "subject".into(),
        json!({"reference": format!("Patient/{}", g.patient)}),
    );
    let mut target = Map::new();
    if let Target::Measurable {
        instrument,
        comparator,
        value,
        ..
    } = &goal.target
        && let Some(inst) = g.library.get(instrument)
    {
        let code = total_code(inst);
        target.insert(
            "measure".into(),
            json!({"coding": [{"system": code.system, "code": code.code, "display": code.display}], "text": code.display}),
        );
        if let Some(range) = &inst.total
            && let Some((lo, hi)) = comparator.bounds(*value, range.min, range.max)
        {
            target.insert(
                "detailRange".into(),
                json!({"low": {"value": lo}, "high": {"value": hi}}),
            );
        }
    }
    if let Some(due) = goal.target.due() {
        target.insert("dueDate".into(), json!(crate::instant::date(due)));
    }
    if !target.is_empty() {
        r.insert("target".into(), json!([Value::Object(target)]));
    }
    if let Some(d) = g.problem.and_then(|p| p.diagnosis.as_ref()) {
        r.insert(
            "addresses".into(),
            json!([{"reference": format!("Condition/{}", d.condition), "display": format!("{} {}", d.code, d.display)}]),
        );
    } else if let Some(p) = g.problem {
        r.insert(
            "note".into(),
            json!([{"text": format!("Problem: {}", p.text)}]),
        );
    }
    Value::Object(r)
}
