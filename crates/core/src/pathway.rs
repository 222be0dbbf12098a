//! The pathway recommendation at intake — therapy, a medication evaluation,
//! or both — with the first steps in order and the reason of every rule
//! that applied (`content/intake/pathway.toml`), and the clinician's
//! decision on it.
//!
//! The recommendation never decides alone: a [`Decision`] (accepted, or
//! overridden with a reason) is what later care starts from.

use crate::assessment::{MedicationPreference, RiskLevel, SuicidalIdeation};
use crate::choice::choice;
use crate::flag::FlagKind;
use crate::instrument::definition::Severity;
use crate::instrument::{Instrument, RuleOutcome, Scored};
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

choice!(
    Pathway {
        Therapy = "therapy", "Therapy";
        Medication = "medication", "Medication evaluation";
        Both = "both", "Therapy and medication evaluation";
    }
);

impl Pathway {
    pub fn includes_medication(self) -> bool {
        matches!(self, Pathway::Medication | Pathway::Both)
    }

    pub fn includes_therapy(self) -> bool {
        matches!(self, Pathway::Therapy | Pathway::Both)
    }
}

/// The content file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PathwayRules {
    pub sources: Vec<String>,
    pub steps: Vec<StepDef>,
    pub rules: Vec<Rule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StepDef {
    pub id: String,
    pub text: String,
    #[serde(default)]
    pub safety: bool,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub id: String,
    pub reason: String,
    pub when: Trigger,
    pub pathway: Option<Pathway>,
    #[serde(default)]
    pub unless_medication: bool,
    #[serde(default)]
    pub steps: Vec<String>,
    pub caution: Option<String>,
    pub source: Option<String>,
    #[serde(default)]
    pub clinic_default: bool,
}

/// A rule applies when any of these holds.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    #[serde(default)]
    pub severity: Vec<SeverityTrigger>,
    #[serde(default)]
    pub rule: Vec<RuleTrigger>,
    #[serde(default)]
    pub diagnosis: Vec<String>,
    #[serde(default)]
    pub flags: Vec<String>,
    #[serde(default)]
    pub suicidal_ideation: Vec<SuicidalIdeation>,
    #[serde(default)]
    pub overall_risk: Vec<RiskLevel>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SeverityTrigger {
    pub instrument: String,
    #[serde(rename = "in")]
    pub severities: Vec<Severity>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RuleTrigger {
    pub instrument: String,
    pub rule: String,
}

/// The latest response to one instrument in the open episode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct MeasureFact {
    pub instrument: String,
    /// The instrument's display name ("PHQ-9").
    pub name: String,
    pub severity: Option<String>,
    /// The band label or interpretation ("Moderately severe").
    pub band: Option<String>,
    /// Ids of the yes/no screening rules that were positive.
    pub positive_rules: Vec<String>,
    pub on: Option<time::Date>,
}

impl MeasureFact {
    /// The ids of the yes/no screening rules a scored response made positive.
    pub fn positive_rules(scored: &Scored) -> Vec<String> {
        scored
            .rules
            .iter()
            .filter(|r| r.outcome == RuleOutcome::Positive(true))
            .map(|r| r.id.clone())
            .collect()
    }

    /// The fact of a response scored now.
    pub fn from_scored(inst: &Instrument, scored: &Scored, on: Option<time::Date>) -> MeasureFact {
        MeasureFact {
            instrument: inst.id.clone(),
            name: inst.name.clone(),
            severity: scored
                .band
                .as_ref()
                .map(|b| b.severity.as_str().to_string()),
            band: crate::measure::interpretation(scored),
            positive_rules: MeasureFact::positive_rules(scored),
            on,
        }
    }
}

/// Whether an instrument has a yes/no screening rule with this id, for
/// checking a pathway file against the library.
pub fn has_yes_no_rule(inst: &Instrument, rule: &str) -> bool {
    inst.rules.iter().any(|r| match r {
        crate::instrument::definition::Rule::Levels { .. } => false,
        other => other.id() == rule,
    })
}

/// Everything a recommendation is made from, gathered at one moment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Facts {
    pub measures: Vec<MeasureFact>,
    pub flags: Vec<FlagKind>,
    /// ICD-10-CM codes of active diagnoses.
    pub diagnoses: Vec<String>,
    pub suicidal_ideation: Option<SuicidalIdeation>,
    pub overall_risk: Option<RiskLevel>,
    pub preference: MedicationPreference,
}

impl Default for Facts {
    fn default() -> Self {
        Facts {
            measures: Vec::new(),
            flags: Vec::new(),
            diagnoses: Vec::new(),
            suicidal_ideation: None,
            overall_risk: None,
            preference: MedicationPreference::NotStated,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub id: String,
    pub text: String,
    pub safety: bool,
}

/// Why a rule applied, as the clinician reads it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reason {
    pub rule: String,
    pub text: String,
    /// The facts that set it off ("PHQ-9: Severe", "diagnosis F11.20").
    pub because: Vec<String>,
    pub source: Option<String>,
    pub clinic_default: bool,
    /// False for a rule that held but gave way (therapy first, when another
    /// rule asks for a medication evaluation).
    pub applied: bool,
}

/// What Tandem proposes; stored with the decision as it was shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Recommendation {
    /// `None` when no rule sets a pathway: the clinician decides.
    pub pathway: Option<Pathway>,
    /// In order; safety steps first.
    pub steps: Vec<Step>,
    pub reasons: Vec<Reason>,
    /// Shown on the medication part.
    pub cautions: Vec<String>,
    /// The patient's stated preference, shown beside the recommendation.
    pub preference: MedicationPreference,
    /// Where the preference and the recommendation disagree: a point for
    /// shared decision-making, never a silent change.
    pub preference_conflict: Option<String>,
}

impl Recommendation {
    /// No rule applied at all.
    pub fn no_rule_applies(&self) -> bool {
        !self.reasons.iter().any(|r| r.applied)
    }

    pub fn safety_first(&self) -> bool {
        self.steps.first().is_some_and(|s| s.safety)
    }
}

impl PathwayRules {
    /// Parses and checks the file. `known_rule(instrument, rule)` and
    /// `known_instrument` check triggers against the instrument library.
    pub fn parse(
        text: &str,
        known_instrument: impl Fn(&str) -> bool,
        known_rule: impl Fn(&str, &str) -> bool,
    ) -> Result<PathwayRules, String> {
        let p: PathwayRules = toml::from_str(text).map_err(|e| e.to_string())?;
        if p.sources.is_empty() {
            return Err("the pathway file names no sources".into());
        }
        if p.rules.is_empty() {
            return Err("the pathway file has no rules".into());
        }
        let mut seen = std::collections::BTreeSet::new();
        for s in &p.steps {
            if s.id.trim().is_empty() || s.text.trim().is_empty() {
                return Err("every step needs an id and a text".into());
            }
            if !seen.insert(s.id.as_str()) {
                return Err(format!("step {} is defined twice", s.id));
            }
        }
        let mut ids = std::collections::BTreeSet::new();
        for r in &p.rules {
            let name = &r.id;
            if name.trim().is_empty() || r.reason.trim().is_empty() {
                return Err("every rule needs an id and a reason".into());
            }
            if !ids.insert(name.as_str()) {
                return Err(format!("rule {name} is defined twice"));
            }
            if r.source.as_deref().is_none_or(|s| s.trim().is_empty()) && !r.clinic_default {
                return Err(format!(
                    "rule {name} names no source and is not marked clinic_default = true"
                ));
            }
            let w = &r.when;
            if w.severity.is_empty()
                && w.rule.is_empty()
                && w.diagnosis.is_empty()
                && w.flags.is_empty()
                && w.suicidal_ideation.is_empty()
                && w.overall_risk.is_empty()
            {
                return Err(format!("rule {name} has no trigger"));
            }
            for s in &w.severity {
                if !known_instrument(&s.instrument) {
                    return Err(format!(
                        "rule {name}: no instrument {} in the library",
                        s.instrument
                    ));
                }
            }
            for t in &w.rule {
                if !known_rule(&t.instrument, &t.rule) {
                    return Err(format!(
                        "rule {name}: instrument {} has no yes/no rule {}",
                        t.instrument, t.rule
                    ));
                }
            }
            for d in &w.diagnosis {
                if d.trim().is_empty() || d.trim() != d {
                    return Err(format!("rule {name}: a diagnosis code is blank or padded"));
                }
            }
            for f in &w.flags {
                if f.parse::<FlagKind>().is_err() {
                    return Err(format!("rule {name}: unknown flag {f}"));
                }
            }
            for s in &r.steps {
                if !seen.contains(s.as_str()) {
                    return Err(format!("rule {name}: unknown step {s}"));
                }
            }
            if r.unless_medication && r.pathway.is_some_and(Pathway::includes_medication) {
                return Err(format!(
                    "rule {name}: unless_medication makes sense only for a therapy pathway"
                ));
            }
        }
        Ok(p)
    }

    /// The facts that set a rule off, in words; empty when it does not apply.
    fn because(&self, rule: &Rule, f: &Facts) -> Vec<String> {
        let w = &rule.when;
        let mut out = Vec::new();
        for s in &w.severity {
            for m in f.measures.iter().filter(|m| m.instrument == s.instrument) {
                if let Some(sev) = &m.severity
                    && s.severities.iter().any(|x| x.as_str() == sev)
                {
                    out.push(format!(
                        "{}: {}",
                        m.name,
                        m.band.clone().unwrap_or_else(|| sev.clone())
                    ));
                }
            }
        }
        for t in &w.rule {
            for m in f.measures.iter().filter(|m| m.instrument == t.instrument) {
                if m.positive_rules.contains(&t.rule) {
                    out.push(format!("{}: positive screen", m.name));
                }
            }
        }
        for code in &f.diagnoses {
            if w.diagnosis.iter().any(|p| code.starts_with(p.as_str())) {
                out.push(format!("diagnosis {code}"));
            }
        }
        for k in &f.flags {
            if w.flags.iter().any(|x| x == k.as_str()) {
                out.push(format!("active flag: {}", k.text()));
            }
        }
        if let Some(si) = f.suicidal_ideation
            && w.suicidal_ideation.contains(&si)
        {
            out.push(format!("assessment: suicidal ideation {}", si.label()));
        }
        if let Some(r) = f.overall_risk
            && w.overall_risk.contains(&r)
        {
            out.push(format!("assessment: overall risk {}", r.label()));
        }
        out
    }

    /// The recommendation these facts lead to.
    pub fn recommend(&self, f: &Facts) -> Recommendation {
        let held: Vec<(&Rule, Vec<String>)> = self
            .rules
            .iter()
            .filter_map(|r| {
                let b = self.because(r, f);
                (!b.is_empty()).then_some((r, b))
            })
            .collect();
        let medication_asked = held.iter().any(|(r, _)| {
            !r.unless_medication && r.pathway.is_some_and(Pathway::includes_medication)
        });
        let mut therapy = false;
        let mut medication = false;
        let mut step_ids: Vec<&str> = Vec::new();
        let mut cautions = Vec::new();
        let mut reasons = Vec::new();
        for (r, because) in held {
            let applied = !(r.unless_medication && medication_asked);
            if applied {
                if let Some(p) = r.pathway {
                    therapy |= p.includes_therapy();
                    medication |= p.includes_medication();
                }
                step_ids.extend(r.steps.iter().map(String::as_str));
                if let Some(c) = &r.caution {
                    cautions.push(c.clone());
                }
            }
            reasons.push(Reason {
                rule: r.id.clone(),
                text: r.reason.clone(),
                because,
                source: r.source.clone(),
                clinic_default: r.clinic_default,
                applied,
            });
        }
        let pathway = match (therapy, medication) {
            (true, true) => Some(Pathway::Both),
            (true, false) => Some(Pathway::Therapy),
            (false, true) => Some(Pathway::Medication),
            (false, false) => None,
        };
        // Safety steps above everything, then the file's order.
        let mut steps: Vec<(bool, usize, &StepDef)> = self
            .steps
            .iter()
            .enumerate()
            .filter(|(_, s)| step_ids.contains(&s.id.as_str()))
            .map(|(i, s)| (!s.safety, i, s))
            .collect();
        steps.sort_by_key(|(not_safety, i, _)| (*not_safety, *i));
        let steps = steps
            .into_iter()
            .map(|(_, _, s)| Step {
                id: s.id.clone(),
                text: s.text.clone(),
                safety: s.safety,
            })
            .collect();
        Recommendation {
            preference_conflict: conflict(pathway, f.preference),
            pathway,
            steps,
            reasons,
            cautions,
            preference: f.preference,
        }
    }
}

fn conflict(pathway: Option<Pathway>, pref: MedicationPreference) -> Option<String> {
    match (pathway, pref) {
        (Some(p), MedicationPreference::PrefersNone) if p.includes_medication() => Some(
            "The patient prefers no medication, and the recommendation includes a medication \
             evaluation: discuss it together before deciding."
                .into(),
        ),
        (Some(Pathway::Therapy), MedicationPreference::Prefers) => Some(
            "The patient prefers medication, and the recommendation is therapy only: discuss it \
             together before deciding."
                .into(),
        ),
        _ => None,
    }
}

/// The clinician's decision on a recommendation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Decision {
    Accepted(Pathway),
    Overridden { pathway: Pathway, reason: String },
}

impl Decision {
    /// Accepting needs a recommended pathway: where no rule sets one, the
    /// clinician chooses (an override, with a reason).
    pub fn accept(rec: &Recommendation) -> Result<Decision, ValidationErrors> {
        rec.pathway.map(Decision::Accepted).ok_or_else(|| {
            ValidationErrors::single(
                "decision",
                "no pathway is recommended: choose one and give your reason",
            )
        })
    }

    /// Choosing another pathway than the one recommended, with a reason.
    pub fn overriding(
        rec: &Recommendation,
        pathway: &str,
        reason: &str,
    ) -> Result<Decision, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let chosen = match pathway.trim() {
            "" => {
                e.add("pathway", "choose the pathway");
                None
            }
            p => match Pathway::parse(p) {
                None => {
                    e.add("pathway", "choose one of the listed pathways");
                    None
                }
                Some(p) if Some(p) == rec.pathway => {
                    e.add(
                        "pathway",
                        "this is the recommended pathway: accept it instead",
                    );
                    None
                }
                Some(p) => Some(p),
            },
        };
        let reason = reason.trim();
        if reason.chars().count() < 3 {
            e.add(
                "reason",
                "give the reason for choosing another pathway (at least a few words)",
            );
        } else if reason.chars().count() > 2000 {
            e.add("reason", "keep the reason under 2,000 characters");
        }
        match chosen {
            Some(pathway) if e.is_empty() => Ok(Decision::Overridden {
                pathway,
                reason: reason.replace("\r\n", "\n"),
            }),
            _ => Err(e),
        }
    }

    pub fn pathway(&self) -> Pathway {
        match self {
            Decision::Accepted(p) | Decision::Overridden { pathway: p, .. } => *p,
        }
    }

    /// `accepted` or `overridden`, as stored.
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Accepted(_) => "accepted",
            Decision::Overridden { .. } => "overridden",
        }
    }

    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Accepted(_) => None,
            Decision::Overridden { reason, .. } => Some(reason),
        }
    }
}
