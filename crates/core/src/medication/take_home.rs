//! Take-home doses of methadone in an opioid treatment program
//! (`content/medications/take_home.toml`, 42 CFR 8.12(i)): the ceiling by
//! days in treatment, the criteria the practitioner documents, and the
//! missed-doses review threshold (a clinic setting).

use super::catalog::{Catalog, DrugIdx, RxCui};
use super::finding::{Finding, FindingKind, Severity};
use super::settings::{METHADONE_MISSED_DOSES_REVIEW, Settings};
use super::{ContentError, require};
use serde::Deserialize;
use std::collections::BTreeSet;

pub(crate) const FILE: &str = "content/medications/take_home.toml";

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Step {
    /// Days in treatment from which this ceiling applies (day 0 = admission).
    pub from_day: u32,
    pub max_days: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criterion {
    pub id: String,
    pub text: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Criteria {
    pub source: String,
    pub items: Vec<Criterion>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    applies_to: Vec<String>,
    not_applicable: Vec<String>,
    source: String,
    steps: Vec<Step>,
    criteria: Criteria,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeRules {
    pub applies_to: Vec<DrugIdx>,
    pub not_applicable: Vec<DrugIdx>,
    pub source: String,
    /// Ordered by `from_day`, the first from day 0.
    pub steps: Vec<Step>,
    pub criteria: Criteria,
}

/// The take-home ceiling for one drug.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ceiling {
    /// At most this many take-home days.
    Days(u32),
    /// The ladder does not apply (buprenorphine products).
    NotApplicable,
    /// The drug is not one the ladder covers.
    NotCovered,
}

/// A request for take-home doses.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TakeHomeRequest {
    pub drug: RxCui,
    pub days_in_treatment: u32,
    pub days_requested: u32,
    /// Ids of the criteria the practitioner documented.
    pub criteria_documented: BTreeSet<String>,
}

impl TakeHomeRules {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<TakeHomeRules, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        require(FILE, "file", "source", &f.source)?;
        require(FILE, "criteria", "source", &f.criteria.source)?;
        if f.steps.first().map(|s| s.from_day) != Some(0) {
            return Err(ContentError::new(
                FILE,
                "steps",
                "the first step must start at day 0",
            ));
        }
        for w in f.steps.windows(2) {
            if let [a, b] = w
                && (b.from_day <= a.from_day || b.max_days < a.max_days)
            {
                return Err(ContentError::new(
                    FILE,
                    format!("steps from day {}", b.from_day),
                    "steps must start later and allow no fewer days than the one before",
                ));
            }
        }
        let mut ids = BTreeSet::new();
        for c in &f.criteria.items {
            require(FILE, &c.id, "text", &c.text)?;
            if !ids.insert(c.id.as_str()) {
                return Err(ContentError::new(
                    FILE,
                    &c.id,
                    "the criterion is listed twice",
                ));
            }
        }
        if f.criteria.items.is_empty() {
            return Err(ContentError::new(
                FILE,
                "criteria",
                "no criteria are listed",
            ));
        }
        let resolve = |ids: &[String]| -> Result<Vec<DrugIdx>, ContentError> {
            ids.iter()
                .map(|id| catalog.resolve(FILE, "file", id))
                .collect()
        };
        let applies_to = resolve(&f.applies_to)?;
        let not_applicable = resolve(&f.not_applicable)?;
        if applies_to.iter().any(|d| not_applicable.contains(d)) {
            return Err(ContentError::new(
                FILE,
                "file",
                "a drug is both in applies_to and not_applicable",
            ));
        }
        Ok(TakeHomeRules {
            applies_to,
            not_applicable,
            source: f.source,
            steps: f.steps,
            criteria: f.criteria,
        })
    }

    /// The most take-home days allowed after `days_in_treatment` days
    /// (42 CFR 8.12(i)(3): 7 in days 0–14, 14 from day 15, 28 from day 31).
    pub fn max_take_home_days(&self, days_in_treatment: u32) -> u32 {
        self.steps
            .iter()
            .rev()
            .find(|s| s.from_day <= days_in_treatment)
            .map_or(0, |s| s.max_days)
    }

    pub fn ceiling(&self, catalog: &Catalog, drug: RxCui, days_in_treatment: u32) -> Ceiling {
        match catalog.lookup(drug) {
            Some(d) if self.not_applicable.contains(&d) => Ceiling::NotApplicable,
            Some(d) if self.applies_to.contains(&d) => {
                Ceiling::Days(self.max_take_home_days(days_in_treatment))
            }
            _ => Ceiling::NotCovered,
        }
    }

    /// Findings for a take-home request: more days than the ceiling stops
    /// it; criteria not documented warn, naming each.
    pub fn assess(&self, catalog: &Catalog, request: &TakeHomeRequest) -> Vec<Finding> {
        let mut out = Vec::new();
        let Ceiling::Days(max) = self.ceiling(catalog, request.drug, request.days_in_treatment)
        else {
            return out;
        };
        let name = catalog
            .lookup(request.drug)
            .map(|d| catalog.drug(d).name.clone())
            .unwrap_or_default();
        if request.days_requested > max {
            out.push(Finding {
                severity: Severity::Contraindicated,
                kind: FindingKind::TakeHome,
                rule_id: "take_home_ceiling".into(),
                drugs: vec![name.clone()],
                text: format!(
                    "{} take-home days of {name} requested on day {} of treatment; the ceiling is {max} days.",
                    request.days_requested, request.days_in_treatment
                ),
                advice: format!("Give at most {max} take-home days (doses for clinic closures are allowed besides)."),
                source: self.source.clone(),
                verified: true,
            });
        }
        if request.days_requested > 0 {
            let missing: Vec<&str> = self
                .criteria
                .items
                .iter()
                .filter(|c| !request.criteria_documented.contains(&c.id))
                .map(|c| c.text.as_str())
                .collect();
            if !missing.is_empty() {
                out.push(Finding {
                    severity: Severity::High,
                    kind: FindingKind::TakeHome,
                    rule_id: "take_home_criteria".into(),
                    drugs: vec![name],
                    text: format!(
                        "Take-home doses need the practitioner's documented review of each criterion; not documented: {}.",
                        missing.join("; ")
                    ),
                    advice: "Document each criterion before giving take-home doses.".into(),
                    source: self.criteria.source.clone(),
                    verified: true,
                });
            }
        }
        out
    }
}

/// Whether `consecutive_missed` doses call for a clinician's review before
/// the next dose, and whether the threshold is verified (it ships
/// unverified: no primary source was checked).
pub fn missed_doses_review(settings: &Settings, consecutive_missed: u32) -> (bool, bool) {
    let (threshold, verified) = settings.value(METHADONE_MISSED_DOSES_REVIEW);
    (threshold > 0 && consecutive_missed >= threshold, verified)
}
