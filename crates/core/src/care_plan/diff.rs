//! What changed between two versions, row by row, for a side-by-side view.

use super::{Medication, PlanBody, Problem, Therapy};
use crate::ids::UserId;
use crate::instrument::Library;

/// The parts of a plan, in the order a plan is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Section {
    Problems,
    Goals,
    Therapy,
    Medication,
    Schedule,
    Review,
    SharedDecisions,
}

impl Section {
    pub fn label(self) -> &'static str {
        match self {
            Section::Problems => "Problems",
            Section::Goals => "Goals",
            Section::Therapy => "Therapy",
            Section::Medication => "Medication management",
            Section::Schedule => "Measurement schedule",
            Section::Review => "Team review",
            Section::SharedDecisions => "Shared decisions",
        }
    }
}

/// One changed row: absent before (added), absent after (removed), or both
/// present and different.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Change {
    pub section: Section,
    /// Which row, e.g. "Goal 2" or "PHQ-9".
    pub what: String,
    pub before: Option<String>,
    pub after: Option<String>,
}

/// The changes from `a` to `b`, in reading order. `user` names a staff
/// member (therapists, prescribers).
pub fn diff(
    a: &PlanBody,
    b: &PlanBody,
    lib: &Library,
    user: &dyn Fn(UserId) -> String,
) -> Vec<Change> {
    side_by_side(a, b, lib, user)
        .into_iter()
        .filter(Change::changed)
        .collect()
}

impl Change {
    pub fn changed(&self) -> bool {
        self.before != self.after
    }
}

/// Every row of both versions, paired, in reading order: the unchanged
/// ones too, for a side-by-side view.
pub fn side_by_side(
    a: &PlanBody,
    b: &PlanBody,
    lib: &Library,
    user: &dyn Fn(UserId) -> String,
) -> Vec<Change> {
    let mut out = Vec::new();
    let mut push = |section, what: String, before: Option<String>, after: Option<String>| {
        if before.is_some() || after.is_some() {
            out.push(Change {
                section,
                what,
                before,
                after,
            });
        }
    };
    let problem = |p: &Problem| match &p.diagnosis {
        Some(d) => format!("{} ({} {})", p.text, d.code, d.display),
        None => p.text.clone(),
    };
    for i in 0..a.problems.len().max(b.problems.len()) {
        push(
            Section::Problems,
            format!("Problem {}", i + 1),
            a.problems.get(i).map(problem),
            b.problems.get(i).map(problem),
        );
    }
    let goal = |body: &PlanBody, g: &super::Goal| {
        let of = body
            .problems
            .get(g.problem)
            .map_or(String::new(), |p| format!(" — for: {}", p.text));
        format!("{} [{}]{of}", g.describe(lib), g.status.label())
    };
    for (i, ga) in a.goals.iter().enumerate() {
        let gb = b.goals.iter().position(|g| g.id == ga.id);
        let what = format!("Goal {}", gb.unwrap_or(i) + 1);
        push(
            Section::Goals,
            what,
            Some(goal(a, ga)),
            gb.map(|j| goal(b, &b.goals[j])),
        );
    }
    for (j, gb) in b.goals.iter().enumerate() {
        if !a.goals.iter().any(|g| g.id == gb.id) {
            push(
                Section::Goals,
                format!("Goal {}", j + 1),
                None,
                Some(goal(b, gb)),
            );
        }
    }
    let therapy = |t: &Therapy| match t.clinician {
        Some(c) => format!("{}; with {}", t.describe(), user(c)),
        None => t.describe(),
    };
    for i in 0..a.therapy.len().max(b.therapy.len()) {
        push(
            Section::Therapy,
            format!("Therapy {}", i + 1),
            a.therapy.get(i).map(therapy),
            b.therapy.get(i).map(therapy),
        );
    }
    let medication = |m: &Medication| {
        let mut s = format!("Prescriber {}", user(m.prescriber));
        if let Some(d) = m.evaluation_on {
            s.push_str(&format!("; evaluation on {d}"));
        }
        if !m.notes.trim().is_empty() {
            s.push_str(&format!("; {}", m.notes.trim()));
        }
        s
    };
    push(
        Section::Medication,
        "Medication management".into(),
        a.medication.as_ref().map(medication),
        b.medication.as_ref().map(medication),
    );
    let name = |id: &str| lib.get(id).map_or(id.to_string(), |i| i.name.clone());
    let every = |w: u8| format!("every {w} weeks");
    for sa in &a.schedule {
        let sb = b.schedule.iter().find(|s| s.instrument == sa.instrument);
        push(
            Section::Schedule,
            name(&sa.instrument),
            Some(every(sa.every_weeks)),
            sb.map(|s| every(s.every_weeks)),
        );
    }
    for sb in &b.schedule {
        if !a.schedule.iter().any(|s| s.instrument == sb.instrument) {
            push(
                Section::Schedule,
                name(&sb.instrument),
                None,
                Some(every(sb.every_weeks)),
            );
        }
    }
    push(
        Section::Review,
        "Team review".into(),
        Some(every(a.review_every_weeks)),
        Some(every(b.review_every_weeks)),
    );
    let text = |s: &str| (!s.trim().is_empty()).then(|| s.trim().to_string());
    push(
        Section::SharedDecisions,
        "Shared decisions".into(),
        text(&a.shared_decisions),
        text(&b.shared_decisions),
    );
    out
}
