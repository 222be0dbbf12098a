//! Drug–drug interaction rules (`content/medications/interactions.toml`).
//!
//! A rule has two sides; each matches catalog drugs by id, class or
//! property (or names a patient condition). Sides are resolved to bit sets
//! when the file is read, and every drug gets the list of rules it appears
//! in, so a check looks only at the rules of the ordered drug and tests each
//! other medication against the opposite side in constant time.

use super::catalog::{Catalog, DrugClass, DrugIdx, DrugSet, Property};
use super::finding::{Finding, FindingKind, Severity};
use super::order::MedStatus;
use super::{ContentError, require};
use serde::Deserialize;
use std::collections::{BTreeSet, HashMap};
use time::{Date, Duration};

pub(crate) const FILE: &str = "content/medications/interactions.toml";

/// A fact about the patient, rather than a drug, that a rule can match.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Condition {
    /// The patient recently stopped or started smoking.
    SmokingChange,
}

impl Condition {
    pub fn label(self) -> &'static str {
        match self {
            Condition::SmokingChange => "a recent change in smoking",
        }
    }
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSide {
    #[serde(default)]
    drugs: Vec<String>,
    #[serde(default)]
    classes: Vec<DrugClass>,
    #[serde(default)]
    properties: Vec<Property>,
    #[serde(default)]
    except: Vec<String>,
    washout_days: Option<u32>,
    condition: Option<Condition>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    id: String,
    a: RawSide,
    b: RawSide,
    severity: Severity,
    reason: String,
    advice: String,
    source: String,
    #[serde(default = "yes")]
    verified: bool,
}

/// The duplicate-therapy check's settings, kept with the interaction rules.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct DuplicateTherapy {
    pub classes: Vec<DrugClass>,
    pub severity: Severity,
    pub advice: String,
    pub source: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    sources: Vec<String>,
    duplicate_therapy: DuplicateTherapy,
    rules: Vec<RawRule>,
}

/// What one side of a rule matches.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Matches {
    Drugs(DrugSet),
    Condition(Condition),
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Side {
    pub matches: Matches,
    /// A drug on this side stopped fewer than this many days before the
    /// order starts still counts.
    pub washout_days: Option<u32>,
}

impl Side {
    pub fn contains(&self, drug: DrugIdx) -> bool {
        matches!(&self.matches, Matches::Drugs(set) if set.contains(drug))
    }

    pub fn drugs(&self) -> Option<&DrugSet> {
        match &self.matches {
            Matches::Drugs(set) => Some(set),
            Matches::Condition(_) => None,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Rule {
    pub id: String,
    pub a: Side,
    pub b: Side,
    pub severity: Severity,
    pub reason: String,
    pub advice: String,
    pub source: String,
    /// False for rules the reference marks UNCONFIRMED: they run only when
    /// the clinic enables them.
    pub verified: bool,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Which {
    A,
    B,
}

impl Rule {
    fn side(&self, which: Which) -> &Side {
        match which {
            Which::A => &self.a,
            Which::B => &self.b,
        }
    }
}

/// A rule a drug appears in, and the side the partner must be on.
#[derive(Clone, Copy, Debug)]
struct Entry {
    rule: u32,
    partner: Which,
}

#[derive(Clone, Debug)]
pub struct InteractionRules {
    pub sources: Vec<String>,
    pub duplicate_therapy: DuplicateTherapy,
    rules: Vec<Rule>,
    by_id: HashMap<String, usize>,
    /// Per catalog drug, the rules it appears in with a drug partner.
    by_drug: Vec<Vec<Entry>>,
    /// Per catalog drug, the rules pairing it with a patient condition.
    by_drug_condition: Vec<Vec<(u32, Condition)>>,
}

/// One other medication as the interaction check sees it.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Other {
    pub drug: DrugIdx,
    pub status: MedStatus,
}

/// Whether a medication with this status still counts on `start`, given the
/// washout of the side it matched.
pub(crate) fn counts(status: MedStatus, washout_days: Option<u32>, start: Date) -> bool {
    match status {
        MedStatus::Active | MedStatus::Held => true,
        MedStatus::Stopped { on } => {
            let since = (start - on).whole_days();
            // Stopped after the start date: still taken on it.
            since < 0 || washout_days.is_some_and(|w| since < i64::from(w))
        }
    }
}

impl InteractionRules {
    pub fn parse(text: &str, catalog: &Catalog) -> Result<InteractionRules, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        if f.sources.is_empty() {
            return Err(ContentError::new(FILE, "file", "the rules name no sources"));
        }
        let d = &f.duplicate_therapy;
        require(FILE, "duplicate_therapy", "advice", &d.advice)?;
        require(FILE, "duplicate_therapy", "source", &d.source)?;
        if d.classes.is_empty() {
            return Err(ContentError::new(
                FILE,
                "duplicate_therapy",
                "names no classes",
            ));
        }
        let mut rules = Vec::with_capacity(f.rules.len());
        let mut by_id = HashMap::new();
        for raw in f.rules {
            let row = raw.id.clone();
            require(FILE, &row, "id", &raw.id)?;
            require(FILE, &row, "reason", &raw.reason)?;
            require(FILE, &row, "advice", &raw.advice)?;
            require(FILE, &row, "source", &raw.source)?;
            let a = resolve_side(catalog, &row, "a", raw.a)?;
            let b = resolve_side(catalog, &row, "b", raw.b)?;
            if a.drugs().is_none() && b.drugs().is_none() {
                return Err(ContentError::new(FILE, &row, "both sides name a condition"));
            }
            if by_id.insert(raw.id.clone(), rules.len()).is_some() {
                return Err(ContentError::new(FILE, &row, "the id is used twice"));
            }
            rules.push(Rule {
                id: raw.id,
                a,
                b,
                severity: raw.severity,
                reason: raw.reason,
                advice: raw.advice,
                source: raw.source,
                verified: raw.verified,
            });
        }
        let mut by_drug = vec![Vec::new(); catalog.len()];
        let mut by_drug_condition = vec![Vec::new(); catalog.len()];
        for (ri, rule) in rules.iter().enumerate() {
            let ri =
                u32::try_from(ri).map_err(|_| ContentError::new(FILE, "file", "too many rules"))?;
            for (mine, partner) in [(Which::A, Which::B), (Which::B, Which::A)] {
                let Some(set) = rule.side(mine).drugs() else {
                    continue;
                };
                for drug in set.iter() {
                    match &rule.side(partner).matches {
                        Matches::Drugs(_) => {
                            if let Some(list) = by_drug.get_mut(drug.index()) {
                                list.push(Entry { rule: ri, partner });
                            }
                        }
                        Matches::Condition(c) => {
                            if let Some(list) = by_drug_condition.get_mut(drug.index()) {
                                list.push((ri, *c));
                            }
                        }
                    }
                }
            }
        }
        Ok(InteractionRules {
            sources: f.sources,
            duplicate_therapy: f.duplicate_therapy,
            rules,
            by_id,
            by_drug,
            by_drug_condition,
        })
    }

    pub fn rules(&self) -> &[Rule] {
        &self.rules
    }

    pub fn rule(&self, id: &str) -> Option<&Rule> {
        self.by_id.get(id).and_then(|i| self.rules.get(*i))
    }

    /// The interaction findings of ordering `drug` with the others, on
    /// `start`. Each rule fires at most once per partner.
    pub(crate) fn findings(
        &self,
        catalog: &Catalog,
        drug: DrugIdx,
        others: &[Other],
        conditions: &[Condition],
        start: Date,
        enabled_unverified: &BTreeSet<String>,
    ) -> Vec<Finding> {
        let mut out = Vec::new();
        let runs = |rule: &Rule| rule.verified || enabled_unverified.contains(&rule.id);
        let entries = self
            .by_drug
            .get(drug.index())
            .map_or(&[][..], Vec::as_slice);
        let me = catalog.drug(drug);
        for other in others {
            // A drug listed twice (or the ordered drug itself already on the
            // list) is not an interaction.
            if other.drug == drug {
                continue;
            }
            let mut fired: Vec<(u32, Option<u32>)> = Vec::new();
            for e in entries {
                let Some(rule) = self.rules.get(e.rule as usize) else {
                    continue;
                };
                let side = rule.side(e.partner);
                if !side.contains(other.drug) || !runs(rule) {
                    continue;
                }
                if !counts(other.status, side.washout_days, start) {
                    continue;
                }
                match fired.iter_mut().find(|(r, _)| *r == e.rule) {
                    // The drug pair matches both ways round: keep the longer
                    // washout for the text.
                    Some((_, w)) => *w = (*w).max(side.washout_days),
                    None => fired.push((e.rule, side.washout_days)),
                }
            }
            let them = catalog.drug(other.drug);
            for (ri, washout) in fired {
                let Some(rule) = self.rules.get(ri as usize) else {
                    continue;
                };
                let mut text = format!("{} with {}: {}.", me.name, them.name, rule.reason);
                if let (MedStatus::Stopped { on }, Some(w)) = (other.status, washout)
                    && on <= start
                {
                    let ends = on + Duration::days(i64::from(w));
                    text.push_str(&format!(
                        " {} was stopped on {on}, {} days before this order starts; its {w}-day washout ends on {ends}.",
                        them.name,
                        (start - on).whole_days()
                    ));
                }
                out.push(Finding {
                    severity: rule.severity,
                    kind: FindingKind::Interaction,
                    rule_id: rule.id.clone(),
                    drugs: vec![me.name.clone(), them.name.clone()],
                    text,
                    advice: rule.advice.clone(),
                    source: rule.source.clone(),
                    verified: rule.verified,
                });
            }
        }
        if let Some(list) = self.by_drug_condition.get(drug.index()) {
            for (ri, c) in list {
                let Some(rule) = self.rules.get(*ri as usize) else {
                    continue;
                };
                if !conditions.contains(c) || !runs(rule) {
                    continue;
                }
                out.push(Finding {
                    severity: rule.severity,
                    kind: FindingKind::Interaction,
                    rule_id: rule.id.clone(),
                    drugs: vec![me.name.clone()],
                    text: format!("{} with {}: {}.", me.name, c.label(), rule.reason),
                    advice: rule.advice.clone(),
                    source: rule.source.clone(),
                    verified: rule.verified,
                });
            }
        }
        out
    }
}

fn resolve_side(
    catalog: &Catalog,
    row: &str,
    name: &str,
    raw: RawSide,
) -> Result<Side, ContentError> {
    let selects = !raw.drugs.is_empty() || !raw.classes.is_empty() || !raw.properties.is_empty();
    if let Some(c) = raw.condition {
        if selects || !raw.except.is_empty() || raw.washout_days.is_some() {
            return Err(ContentError::new(
                FILE,
                row,
                format!("side {name} names a condition and drugs; it may name only one"),
            ));
        }
        return Ok(Side {
            matches: Matches::Condition(c),
            washout_days: None,
        });
    }
    if !selects {
        return Err(ContentError::new(
            FILE,
            row,
            format!("side {name} matches nothing: give drugs, classes, properties or a condition"),
        ));
    }
    if raw.washout_days == Some(0) {
        return Err(ContentError::new(
            FILE,
            row,
            format!("side {name}: a washout of 0 days is no washout; leave it out"),
        ));
    }
    let mut set = DrugSet::with_capacity(catalog.len());
    for id in &raw.drugs {
        set.insert(catalog.resolve(FILE, row, id)?);
    }
    for (idx, d) in catalog.drugs() {
        if raw.classes.contains(&d.class) || raw.properties.iter().any(|p| d.has(*p)) {
            set.insert(idx);
        }
    }
    for id in &raw.except {
        set.remove(catalog.resolve(FILE, row, id)?);
    }
    if set.is_empty() {
        // A rule that can never fire is a mistake in the file (a class no
        // catalog drug has yet, a misspelt property): refuse it.
        return Err(ContentError::new(
            FILE,
            row,
            format!("side {name} matches no drug in the catalog"),
        ));
    }
    Ok(Side {
        matches: Matches::Drugs(set),
        washout_days: raw.washout_days,
    })
}
