//! The content of one plan version and its checks.

use super::{MAX_TEXT, MAX_WEEKS};
use crate::ValidationErrors;
use crate::ids::{ConditionId, GoalId, UserId};
use crate::instrument::Library;
use crate::trajectory::TrajectoryRules;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use time::Date;

use crate::choice::choice;

choice!(
    /// Therapy modalities the clinic offers.
    Modality {
        Cbt = "cbt", "CBT (cognitive behavioural therapy)";
        Dbt = "dbt", "DBT (dialectical behaviour therapy)";
        Mi = "mi", "MI (motivational interviewing)";
        Emdr = "emdr", "EMDR";
        Ipt = "ipt", "IPT (interpersonal therapy)";
        Eft = "eft", "EFT (emotionally focused therapy)";
        Erp = "erp", "ERP (exposure and response prevention)";
        TraumaInformed = "trauma_informed", "Trauma-informed therapy";
        Family = "family", "Family therapy";
        Group = "group", "Group therapy";
    }
);

choice!(
    /// Who is in the room.
    Format {
        Individual = "individual", "Individual";
        Group = "group", "Group";
        Family = "family", "Family";
    }
);

choice!(
    /// Where the sessions happen.
    Setting {
        InPerson = "in_person", "In person";
        Telehealth = "telehealth", "Telehealth";
    }
);

choice!(
    /// How often sessions happen.
    Frequency {
        TwiceWeekly = "twice_weekly", "Twice a week";
        Weekly = "weekly", "Weekly";
        EveryTwoWeeks = "every_2_weeks", "Every 2 weeks";
        Monthly = "monthly", "Monthly";
    }
);

choice!(
    /// Where a goal stands.
    GoalStatus {
        Proposed = "proposed", "Proposed";
        Active = "active", "Active";
        Achieved = "achieved", "Achieved";
        NotAchieved = "not_achieved", "Not achieved";
        Cancelled = "cancelled", "Cancelled";
    }
);

choice!(
    /// How a score is compared with a goal's target.
    Comparator {
        Below = "below", "below";
        AtMost = "at_most", "at most";
        AtLeast = "at_least", "at least";
        Above = "above", "above";
    }
);

impl Comparator {
    /// Whether `score` meets a target of `value`.
    pub fn holds(self, score: i32, value: i32) -> bool {
        match self {
            Comparator::Below => score < value,
            Comparator::AtMost => score <= value,
            Comparator::AtLeast => score >= value,
            Comparator::Above => score > value,
        }
    }

    /// The whole scores that meet a target of `value` within `min..=max`,
    /// as an inclusive range; `None` when no score can.
    pub fn bounds(self, value: i32, min: i32, max: i32) -> Option<(i32, i32)> {
        let (lo, hi) = match self {
            Comparator::Below => (min, value - 1),
            Comparator::AtMost => (min, value),
            Comparator::AtLeast => (value, max),
            Comparator::Above => (value + 1, max),
        };
        (lo.max(min) <= hi.min(max)).then_some((lo.max(min), hi.min(max)))
    }
}

/// A diagnosis the problem addresses, as recorded in the chart.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Diagnosis {
    pub condition: ConditionId,
    /// ICD-10-CM.
    pub code: String,
    pub display: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub text: String,
    pub diagnosis: Option<Diagnosis>,
}

/// What a goal aims at.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Target {
    /// A score on an instrument of the library, e.g. "PHQ-9 below 5".
    Measurable {
        instrument: String,
        comparator: Comparator,
        value: i32,
        due: Date,
    },
    /// A specific, measurable, achievable, relevant, time-bound goal in words.
    Smart { text: String, due: Option<Date> },
}

impl Target {
    pub fn due(&self) -> Option<Date> {
        match self {
            Target::Measurable { due, .. } => Some(*due),
            Target::Smart { due, .. } => *due,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Goal {
    /// Stable across versions: the FHIR `Goal` id.
    pub id: GoalId,
    /// Index into [`PlanBody::problems`].
    pub problem: usize,
    pub target: Target,
    pub status: GoalStatus,
}

impl Goal {
    /// The goal in words, e.g. "PHQ-9 below 5 by 2027-02-01".
    pub fn describe(&self, lib: &Library) -> String {
        match &self.target {
            Target::Measurable {
                instrument,
                comparator,
                value,
                due,
            } => {
                let name = lib.get(instrument).map_or(instrument.as_str(), |i| &i.name);
                format!("{name} {} {value} by {due}", comparator.label())
            }
            Target::Smart { text, due: Some(d) } => format!("{text} (by {d})"),
            Target::Smart { text, due: None } => text.clone(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Therapy {
    pub modality: Modality,
    pub format: Format,
    pub setting: Setting,
    pub frequency: Frequency,
    pub clinician: Option<UserId>,
}

impl Therapy {
    /// e.g. "CBT (cognitive behavioural therapy), individual, telehealth, weekly".
    pub fn describe(&self) -> String {
        format!(
            "{}, {}, {}, {}",
            self.modality.label(),
            self.format.label().to_lowercase(),
            self.setting.label().to_lowercase(),
            self.frequency.label().to_lowercase()
        )
    }
}

/// Medication management by a prescriber.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Medication {
    pub prescriber: UserId,
    pub evaluation_on: Option<Date>,
    pub notes: String,
}

/// One instrument measured at a fixed interval.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Scheduled {
    pub instrument: String,
    pub every_weeks: u8,
}

/// The whole content of one plan version.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanBody {
    pub problems: Vec<Problem>,
    pub goals: Vec<Goal>,
    pub therapy: Vec<Therapy>,
    pub medication: Option<Medication>,
    pub schedule: Vec<Scheduled>,
    pub review_every_weeks: u8,
    pub shared_decisions: String,
}

impl PlanBody {
    /// Every problem with the plan, each naming its field and row.
    pub fn check(&self, lib: &Library) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        if self.problems.is_empty() {
            e.add("problems", "name at least one problem the plan addresses");
        }
        for (i, p) in self.problems.iter().enumerate() {
            let n = i + 1;
            if p.text.trim().is_empty() {
                e.add("problems", format!("problem {n}: describe the problem"));
            } else if p.text.chars().count() > MAX_TEXT {
                e.add(
                    "problems",
                    format!("problem {n}: keep it under 2,000 characters"),
                );
            }
            if p.diagnosis
                .as_ref()
                .is_some_and(|d| d.code.trim().is_empty())
            {
                e.add(
                    "problems",
                    format!("problem {n}: the diagnosis has no code"),
                );
            }
        }
        let mut ids = BTreeSet::new();
        for (i, g) in self.goals.iter().enumerate() {
            let n = i + 1;
            if !ids.insert(g.id) {
                e.add("goals", format!("goal {n} repeats another goal"));
            }
            if g.problem >= self.problems.len() {
                e.add(
                    "goals",
                    format!("goal {n}: choose the problem it belongs to"),
                );
            }
            match &g.target {
                Target::Measurable {
                    instrument,
                    comparator,
                    value,
                    ..
                } => match lib.get(instrument) {
                    None => e.add(
                        "goals",
                        format!("goal {n}: there is no instrument {instrument:?}"),
                    ),
                    Some(inst) => match &inst.total {
                        None => e.add(
                            "goals",
                            format!("goal {n}: {} has no total score to aim at", inst.name),
                        ),
                        Some(r) if *value < r.min || *value > r.max => e.add(
                            "goals",
                            format!(
                                "goal {n}: the target must be between {} and {} (the {} range)",
                                r.min, r.max, inst.name
                            ),
                        ),
                        Some(r) if comparator.bounds(*value, r.min, r.max).is_none() => e.add(
                            "goals",
                            format!(
                                "goal {n}: no {} score is {} {value}",
                                inst.name,
                                comparator.label()
                            ),
                        ),
                        Some(_) => {}
                    },
                },
                Target::Smart { text, .. } => {
                    if text.trim().is_empty() {
                        e.add("goals", format!("goal {n}: say what the goal is"));
                    } else if text.chars().count() > MAX_TEXT {
                        e.add("goals", format!("goal {n}: keep it under 2,000 characters"));
                    }
                }
            }
        }
        if self
            .medication
            .as_ref()
            .is_some_and(|m| m.notes.chars().count() > MAX_TEXT)
        {
            e.add("medication", "keep the notes under 2,000 characters");
        }
        let mut seen = BTreeSet::new();
        for (i, s) in self.schedule.iter().enumerate() {
            let n = i + 1;
            if lib.get(&s.instrument).is_none() {
                e.add(
                    "schedule",
                    format!("row {n}: there is no instrument {:?}", s.instrument),
                );
            } else if !seen.insert(s.instrument.as_str()) {
                e.add(
                    "schedule",
                    format!("row {n}: this instrument is already scheduled"),
                );
            }
            if s.every_weeks == 0 || s.every_weeks > MAX_WEEKS {
                e.add("schedule", format!("row {n}: every 1 to {MAX_WEEKS} weeks"));
            }
        }
        if self.review_every_weeks == 0 || self.review_every_weeks > MAX_WEEKS {
            e.add(
                "review_every_weeks",
                format!("review every 1 to {MAX_WEEKS} weeks"),
            );
        }
        if self.shared_decisions.chars().count() > MAX_TEXT {
            e.add("shared_decisions", "keep the notes under 2,000 characters");
        }
        e.finish(())
    }

    /// Diagnoses linked from problems, each once.
    pub fn diagnoses(&self) -> Vec<&Diagnosis> {
        let mut seen = BTreeSet::new();
        self.problems
            .iter()
            .filter_map(|p| p.diagnosis.as_ref())
            .filter(|d| seen.insert(d.condition))
            .collect()
    }
}

/// A treat-to-target number offered for a measurable goal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SuggestedTarget {
    pub comparator: Comparator,
    pub value: i32,
    /// e.g. "remission".
    pub meaning: &'static str,
    pub source: String,
}

/// The targets the treat-to-target rules give an instrument (remission,
/// then improvement); none for instruments the rules do not read to a target.
pub fn suggested_targets(instrument: &str, rules: &TrajectoryRules) -> Vec<SuggestedTarget> {
    let Some(t) = rules.instruments.get(instrument) else {
        return Vec::new();
    };
    [
        (t.remission_below, "remission"),
        (t.improved_below, "clinically significant improvement"),
    ]
    .into_iter()
    .filter_map(|(v, meaning)| {
        v.map(|value| SuggestedTarget {
            comparator: Comparator::Below,
            value,
            meaning,
            source: t.source.clone(),
        })
    })
    .collect()
}
