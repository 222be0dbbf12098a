//! The shape of an instrument file, and the checks a file must pass before
//! it is used: a malformed file is refused at start-up, naming the problem.

use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};

/// Whether a clinic may use the instrument freely.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LicenceStatus {
    /// Free to reproduce and use.
    Free,
    /// Free for clinical use, with conditions the clinic must read.
    Terms,
    /// Embedding in software needs the holder's permission.
    PermissionRequired,
    /// Not confirmed; the clinic must check before use.
    Unconfirmed,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Licence {
    pub status: LicenceStatus,
    pub text: String,
}

/// Codes confirmed in a source. Absent where the reference marks a code
/// unconfirmed: then no code is sent rather than a guessed one.
#[derive(Clone, Debug, Default, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Codes {
    pub panel: Option<String>,
    pub total: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerOption {
    /// What is stored and sent (`valueCoding.code`).
    pub code: String,
    pub label: String,
    pub score: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerSet {
    pub id: String,
    pub options: Vec<AnswerOption>,
}

/// An item is asked only when another item has a given answer (C-SSRS skips).
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct EnableWhen {
    pub item: String,
    pub code: String,
}

fn yes() -> bool {
    true
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// The item's `linkId`.
    pub id: String,
    pub text: String,
    /// The id of its answer set.
    pub answers: String,
    pub code: Option<String>,
    /// Counted in the total.
    #[serde(default = "yes")]
    pub scored: bool,
    /// Must be answered (when enabled) for a completed response.
    #[serde(default = "yes")]
    pub required: bool,
    pub enable_when: Option<EnableWhen>,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TotalRange {
    pub min: i32,
    pub max: i32,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Subscale {
    pub id: String,
    pub name: String,
    pub items: Vec<String>,
}

/// How severe a band is, for colour and sorting.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    None,
    Mild,
    Moderate,
    ModeratelySevere,
    Severe,
}

impl Severity {
    /// The id files and the database use (`moderately_severe`, …).
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::None => "none",
            Severity::Mild => "mild",
            Severity::Moderate => "moderate",
            Severity::ModeratelySevere => "moderately_severe",
            Severity::Severe => "severe",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Band {
    pub min: i32,
    pub max: i32,
    pub label: String,
    pub severity: Severity,
    /// A flag a total in this band raises (COWS, CIWA-Ar severe:
    /// `severe_withdrawal`).
    pub flag: Option<String>,
}

/// One way of banding the total. Where sources disagree (AUDIT zones,
/// CIWA-Ar) a file holds several, one marked default; a setting picks.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BandModel {
    pub id: String,
    pub name: String,
    #[serde(default)]
    pub default: bool,
    pub source: String,
    pub bands: Vec<Band>,
    /// Move up one band when any of these holds (AUDIT: items 4–6 ≥ 2, …).
    #[serde(default)]
    pub bump_up_when: Vec<ItemAtLeast>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ItemAtLeast {
    pub item: String,
    pub min_score: i32,
}

/// An item that raises a flag whatever the total.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Critical {
    pub item: String,
    pub min_score: i32,
    /// The flag raised, e.g. `suicide_risk`.
    pub flag: String,
    pub source: String,
}

/// A count of items at or above a score, per group.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CountGroup {
    pub items: Vec<String>,
    pub min_score: i32,
    /// This group's own minimum count (0: none).
    #[serde(default)]
    pub at_least: u32,
}

/// A condition on one answer.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AnswerIs {
    pub item: String,
    pub code: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Level {
    pub name: String,
    pub severity: Severity,
    /// A flag this level raises (C-SSRS moderate or high: `suicide_risk`).
    pub flag: Option<String>,
    /// The level applies when any of these answers was given.
    pub any: Vec<AnswerIs>,
}

/// A screening or decision rule beyond the total.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case", deny_unknown_fields)]
pub enum Rule {
    /// Positive when the total reaches the threshold; sex-specific
    /// thresholds where the instrument has them (AUDIT-C).
    Threshold {
        id: String,
        label: String,
        at_least: i32,
        female: Option<i32>,
        male: Option<i32>,
        source: String,
    },
    /// Positive when every group reaches its own count and, if given, the
    /// groups together reach `at_least_total` (PCL-5 DSM-5 rule, MDQ, ASRS).
    Count {
        id: String,
        label: String,
        groups: Vec<CountGroup>,
        at_least_total: Option<u32>,
        source: String,
    },
    /// The first level, in order, any of whose answers was given; the last
    /// level applies otherwise (C-SSRS: no total, the most severe item rules).
    Levels {
        id: String,
        label: String,
        levels: Vec<Level>,
        otherwise: String,
        source: String,
    },
}

impl Rule {
    pub fn id(&self) -> &str {
        match self {
            Rule::Threshold { id, .. } | Rule::Count { id, .. } | Rule::Levels { id, .. } => id,
        }
    }
}

/// One instrument, as its file defines it.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Instrument {
    /// Short stable id, e.g. `phq9`: the CLI's `--instrument`, the URL's tail.
    pub id: String,
    /// Display name, e.g. "PHQ-9".
    pub name: String,
    pub title: String,
    pub recall: Option<String>,
    pub licence: Licence,
    pub sources: Vec<String>,
    #[serde(default)]
    pub loinc: Codes,
    pub answer_sets: Vec<AnswerSet>,
    pub items: Vec<Item>,
    /// Absent when the instrument has no total (C-SSRS).
    pub total: Option<TotalRange>,
    #[serde(default)]
    pub subscales: Vec<Subscale>,
    #[serde(default)]
    pub band_models: Vec<BandModel>,
    #[serde(default)]
    pub critical: Vec<Critical>,
    #[serde(default)]
    pub rules: Vec<Rule>,
}

/// Why a file was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {problem}")]
pub struct DefinitionError {
    pub file: String,
    pub problem: String,
}

impl Instrument {
    /// Parses and checks one file's text. `file` names it in errors.
    pub fn parse(file: &str, text: &str) -> Result<Instrument, DefinitionError> {
        let fail = |problem: String| DefinitionError {
            file: file.to_string(),
            problem,
        };
        let i: Instrument =
            toml::from_str(text).map_err(|e| fail(e.to_string().trim().to_string()))?;
        i.check().map_err(fail)?;
        Ok(i)
    }

    pub fn item(&self, id: &str) -> Option<&Item> {
        self.items.iter().find(|i| i.id == id)
    }

    pub fn answer_set(&self, id: &str) -> Option<&AnswerSet> {
        self.answer_sets.iter().find(|s| s.id == id)
    }

    /// The options an item offers.
    pub fn options(&self, item: &Item) -> &[AnswerOption] {
        self.answer_set(&item.answers)
            .map(|s| s.options.as_slice())
            .unwrap_or(&[])
    }

    /// The band model a setting names, or the default one.
    pub fn band_model(&self, chosen: Option<&str>) -> Option<&BandModel> {
        match chosen {
            Some(id) => self.band_models.iter().find(|m| m.id == id),
            None => self
                .band_models
                .iter()
                .find(|m| m.default)
                .or(self.band_models.first()),
        }
    }

    fn check(&self) -> Result<(), String> {
        let id_ok = !self.id.is_empty()
            && self
                .id
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !id_ok {
            return Err(format!(
                "id {:?} must be lower-case letters, digits or '-'",
                self.id
            ));
        }
        if self.sources.is_empty() {
            return Err("no sources: every instrument names where its rules come from".into());
        }
        let mut set_ids = BTreeSet::new();
        for s in &self.answer_sets {
            if !set_ids.insert(s.id.as_str()) {
                return Err(format!("answer set {:?} is defined twice", s.id));
            }
            if s.options.is_empty() {
                return Err(format!("answer set {:?} has no options", s.id));
            }
            let mut codes = BTreeSet::new();
            for o in &s.options {
                if !codes.insert(o.code.as_str()) {
                    return Err(format!(
                        "answer set {:?} repeats the code {:?}",
                        s.id, o.code
                    ));
                }
            }
        }
        let mut item_ids = BTreeSet::new();
        for it in &self.items {
            if !item_ids.insert(it.id.as_str()) {
                return Err(format!("item {:?} is defined twice", it.id));
            }
            if !set_ids.contains(it.answers.as_str()) {
                return Err(format!(
                    "item {:?} uses the unknown answer set {:?}",
                    it.id, it.answers
                ));
            }
        }
        if self.items.is_empty() {
            return Err("no items".into());
        }
        let known = |id: &str, what: &str| -> Result<(), String> {
            if item_ids.contains(id) {
                Ok(())
            } else {
                Err(format!("{what} names the unknown item {id:?}"))
            }
        };
        for it in &self.items {
            if let Some(e) = &it.enable_when {
                known(&e.item, &format!("item {:?}'s enable_when", it.id))?;
            }
        }
        let scored_max: i32 = self
            .items
            .iter()
            .filter(|i| i.scored)
            .map(|i| self.options(i).iter().map(|o| o.score).max().unwrap_or(0))
            .sum();
        let scored_min: i32 = self
            .items
            .iter()
            .filter(|i| i.scored)
            .map(|i| self.options(i).iter().map(|o| o.score).min().unwrap_or(0))
            .sum();
        if let Some(t) = self.total
            && (t.min, t.max) != (scored_min, scored_max)
        {
            return Err(format!(
                "the total's range {}–{} does not match the items' scores ({scored_min}–{scored_max})",
                t.min, t.max
            ));
        }
        for s in &self.subscales {
            for i in &s.items {
                known(i, &format!("subscale {:?}", s.id))?;
            }
        }
        let defaults = self.band_models.iter().filter(|m| m.default).count();
        if defaults > 1 {
            return Err("more than one band model is marked default".into());
        }
        for m in &self.band_models {
            let Some(t) = self.total else {
                return Err(format!("band model {:?} but no total", m.id));
            };
            let mut next = t.min;
            for b in &m.bands {
                if b.min != next || b.max < b.min {
                    return Err(format!(
                        "band model {:?}: band {:?} starts at {} where {} was expected (bands must cover the total without gaps or overlaps)",
                        m.id, b.label, b.min, next
                    ));
                }
                next = b.max + 1;
            }
            if next != t.max + 1 {
                return Err(format!(
                    "band model {:?} ends at {} but the total reaches {}",
                    m.id,
                    next - 1,
                    t.max
                ));
            }
            for c in &m.bump_up_when {
                known(&c.item, &format!("band model {:?}", m.id))?;
            }
        }
        for c in &self.critical {
            known(&c.item, "a critical rule")?;
            known_flag(&c.flag)?;
        }
        for m in &self.band_models {
            for b in &m.bands {
                if let Some(f) = &b.flag {
                    known_flag(f)?;
                }
            }
        }
        let mut rule_ids = BTreeSet::new();
        for r in &self.rules {
            if !rule_ids.insert(r.id().to_string()) {
                return Err(format!("rule {:?} is defined twice", r.id()));
            }
            match r {
                Rule::Threshold { .. } if self.total.is_none() => {
                    return Err(format!("threshold rule {:?} but no total", r.id()));
                }
                Rule::Threshold { .. } => {}
                Rule::Count { groups, .. } => {
                    for g in groups {
                        for i in &g.items {
                            known(i, &format!("rule {:?}", r.id()))?;
                        }
                    }
                }
                Rule::Levels { levels, .. } => {
                    for l in levels {
                        if let Some(f) = &l.flag {
                            known_flag(f)?;
                        }
                        for a in &l.any {
                            known(&a.item, &format!("rule {:?}", r.id()))?;
                            let item = self.item(&a.item).ok_or("unreachable")?;
                            if !self.options(item).iter().any(|o| o.code == a.code) {
                                return Err(format!(
                                    "rule {:?} expects answer {:?} to item {:?}, which it does not offer",
                                    r.id(),
                                    a.code,
                                    a.item
                                ));
                            }
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// A flag named in a file must be one the product raises: a typo would
/// otherwise silently raise nothing.
fn known_flag(flag: &str) -> Result<(), String> {
    if flag
        .parse::<crate::flag::FlagKind>()
        .is_ok_and(|k| k.raised_by_answers())
    {
        Ok(())
    } else {
        Err(format!(
            "unknown flag {flag:?} (answers can raise: {})",
            crate::flag::FlagKind::ALL
                .iter()
                .filter(|k| k.raised_by_answers())
                .map(|k| k.as_str())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

/// Every instrument a clinic uses, by id.
#[derive(Clone, Debug, Default)]
pub struct Library {
    by_id: BTreeMap<String, Instrument>,
}

impl Library {
    /// Builds a library from `(file name, text)` pairs; the first bad file
    /// stops it, named in the error.
    pub fn from_files<'a>(
        files: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<Library, DefinitionError> {
        let mut by_id = BTreeMap::new();
        for (file, text) in files {
            let i = Instrument::parse(file, text)?;
            if by_id.contains_key(&i.id) {
                return Err(DefinitionError {
                    file: file.into(),
                    problem: format!("a second instrument with id {:?}", i.id),
                });
            }
            by_id.insert(i.id.clone(), i);
        }
        Ok(Library { by_id })
    }

    pub fn get(&self, id: &str) -> Option<&Instrument> {
        self.by_id.get(id)
    }

    pub fn all(&self) -> impl Iterator<Item = &Instrument> {
        self.by_id.values()
    }
}
