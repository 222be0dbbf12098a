//! One set of answers in, totals, bands, screens and critical flags out.
//! A critical item is reported on its own, never folded into the total: a
//! low total must not hide a positive item 9.

use super::definition::{Instrument, Rule, Severity};
use crate::patient::SexAtBirth;
use std::collections::BTreeMap;
use std::fmt;

/// Answers by item id (`linkId`) → answer code.
pub type Answers = BTreeMap<String, String>;

/// A problem with one answer, naming the item.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ResponseError {
    UnknownItem {
        item: String,
    },
    UnknownAnswer {
        item: String,
        code: String,
        allowed: Vec<String>,
    },
    Missing {
        item: String,
    },
    /// Answered although a skip rule leaves it unasked.
    NotAsked {
        item: String,
        because: String,
    },
    /// The band model the settings name does not exist: a setting's typo
    /// must not make the severity silently disappear.
    UnknownBandModel {
        model: String,
        known: Vec<String>,
    },
}

impl ResponseError {
    pub fn item(&self) -> &str {
        match self {
            ResponseError::UnknownItem { item }
            | ResponseError::UnknownAnswer { item, .. }
            | ResponseError::Missing { item }
            | ResponseError::NotAsked { item, .. } => item,
            ResponseError::UnknownBandModel { .. } => "",
        }
    }
}

impl fmt::Display for ResponseError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            ResponseError::UnknownItem { item } => {
                write!(f, "item {item:?} is not part of this instrument")
            }
            ResponseError::UnknownAnswer {
                item,
                code,
                allowed,
            } => {
                write!(
                    f,
                    "item {item:?}: {code:?} is not one of its answers ({})",
                    allowed.join(", ")
                )
            }
            ResponseError::Missing { item } => {
                write!(f, "item {item:?} is required and was not answered")
            }
            ResponseError::UnknownBandModel { model, known } => {
                write!(
                    f,
                    "there is no band model {model:?} (known: {})",
                    known.join(", ")
                )
            }
            ResponseError::NotAsked { item, because } => {
                write!(
                    f,
                    "item {item:?} is only asked when {because}, and that is not the case"
                )
            }
        }
    }
}

/// What scoring depends on beyond the answers.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// A band model id from the clinic's settings; the file's default otherwise.
    pub band_model: Option<&'a str>,
    pub sex: SexAtBirth,
}

impl Default for Context<'_> {
    fn default() -> Self {
        Context {
            band_model: None,
            sex: SexAtBirth::Unknown,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BandResult {
    pub model: String,
    pub label: String,
    pub severity: Severity,
    /// Moved up one band by a rule of the model (AUDIT zones).
    pub bumped: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubscaleScore {
    pub id: String,
    pub name: String,
    pub score: i32,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum RuleOutcome {
    Positive(bool),
    Level { name: String, severity: Severity },
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RuleResult {
    pub id: String,
    pub label: String,
    pub outcome: RuleOutcome,
    /// Said beside the result, e.g. that sex was unknown.
    pub note: Option<String>,
}

/// A flag raised by an answer, whatever the total.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct CriticalHit {
    /// The item (or rule) that raised it.
    pub source: String,
    pub flag: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Scored {
    pub total: Option<i32>,
    pub band: Option<BandResult>,
    pub subscales: Vec<SubscaleScore>,
    pub rules: Vec<RuleResult>,
    pub critical: Vec<CriticalHit>,
}

impl Scored {
    pub fn rule(&self, id: &str) -> Option<&RuleResult> {
        self.rules.iter().find(|r| r.id == id)
    }

    pub fn has_flag(&self, flag: &str) -> bool {
        self.critical.iter().any(|c| c.flag == flag)
    }
}

/// Checks and scores one completed response. Every problem is reported.
pub fn score(
    inst: &Instrument,
    answers: &Answers,
    ctx: Context<'_>,
) -> Result<Scored, Vec<ResponseError>> {
    if let Some(model) = ctx.band_model
        && inst.band_model(Some(model)).is_none()
    {
        let known = inst.band_models.iter().map(|m| m.id.clone()).collect();
        return Err(vec![ResponseError::UnknownBandModel {
            model: model.to_string(),
            known,
        }]);
    }
    let mut errors = Vec::new();
    let mut scores: BTreeMap<&str, i32> = BTreeMap::new();
    for (item_id, code) in answers {
        let Some(item) = inst.item(item_id) else {
            errors.push(ResponseError::UnknownItem {
                item: item_id.clone(),
            });
            continue;
        };
        let options = inst.options(item);
        match options.iter().find(|o| &o.code == code) {
            Some(o) => {
                scores.insert(item.id.as_str(), o.score);
            }
            None => errors.push(ResponseError::UnknownAnswer {
                item: item_id.clone(),
                code: code.clone(),
                allowed: options.iter().map(|o| o.code.clone()).collect(),
            }),
        }
    }
    for item in &inst.items {
        let asked = item
            .enable_when
            .as_ref()
            .is_none_or(|e| answers.get(&e.item) == Some(&e.code));
        let answered = answers.contains_key(&item.id);
        if !asked && answered {
            let because = item
                .enable_when
                .as_ref()
                .map(|e| format!("item {:?} is {:?}", e.item, e.code))
                .unwrap_or_default();
            errors.push(ResponseError::NotAsked {
                item: item.id.clone(),
                because,
            });
        } else if asked && item.required && !answered {
            errors.push(ResponseError::Missing {
                item: item.id.clone(),
            });
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let item_score = |id: &str| scores.get(id).copied().unwrap_or(0);
    let total = inst.total.map(|_| {
        inst.items
            .iter()
            .filter(|i| i.scored)
            .map(|i| item_score(&i.id))
            .sum::<i32>()
    });
    let mut band_hits = Vec::new();
    let band = match (total, inst.band_model(ctx.band_model)) {
        (Some(t), Some(m)) => {
            let idx = m.bands.iter().position(|b| b.min <= t && t <= b.max);
            idx.map(|mut i| {
                let bump = m
                    .bump_up_when
                    .iter()
                    .any(|c| item_score(&c.item) >= c.min_score)
                    && i + 1 < m.bands.len();
                if bump {
                    i += 1;
                }
                let b = &m.bands[i.min(m.bands.len() - 1)];
                if let Some(flag) = &b.flag {
                    band_hits.push(CriticalHit {
                        source: format!("band {:?} of {}", b.label, m.id),
                        flag: flag.clone(),
                    });
                }
                BandResult {
                    model: m.id.clone(),
                    label: b.label.clone(),
                    severity: b.severity,
                    bumped: bump,
                }
            })
        }
        _ => None,
    };
    let subscales = inst
        .subscales
        .iter()
        .map(|s| SubscaleScore {
            id: s.id.clone(),
            name: s.name.clone(),
            score: s.items.iter().map(|i| item_score(i)).sum(),
        })
        .collect();
    let mut critical: Vec<CriticalHit> = inst
        .critical
        .iter()
        .filter(|c| {
            scores
                .get(c.item.as_str())
                .is_some_and(|s| *s >= c.min_score)
        })
        .map(|c| CriticalHit {
            source: c.item.clone(),
            flag: c.flag.clone(),
        })
        .collect();
    critical.append(&mut band_hits);
    let mut rules = Vec::new();
    for r in &inst.rules {
        match r {
            Rule::Threshold {
                id,
                label,
                at_least,
                female,
                male,
                ..
            } => {
                let (cut, note) = match (ctx.sex, female, male) {
                    (SexAtBirth::Female, Some(f), _) => (*f, None),
                    (SexAtBirth::Male, _, Some(m)) => (*m, None),
                    (SexAtBirth::Unknown, f, m) if f.is_some() || m.is_some() => {
                        let cut = [Some(*at_least), *f, *m]
                            .into_iter()
                            .flatten()
                            .min()
                            .unwrap_or(*at_least);
                        (
                            cut,
                            Some(format!(
                                "Sex not recorded: the more sensitive cut-off (≥{cut}) was used."
                            )),
                        )
                    }
                    _ => (*at_least, None),
                };
                let positive = total.is_some_and(|t| t >= cut);
                rules.push(RuleResult {
                    id: id.clone(),
                    label: label.clone(),
                    outcome: RuleOutcome::Positive(positive),
                    note,
                });
            }
            Rule::Count {
                id,
                label,
                groups,
                at_least_total,
                ..
            } => {
                let counts: Vec<u32> = groups
                    .iter()
                    .map(|g| {
                        g.items
                            .iter()
                            .filter(|i| scores.get(i.as_str()).is_some_and(|s| *s >= g.min_score))
                            .count() as u32
                    })
                    .collect();
                let each = groups.iter().zip(&counts).all(|(g, n)| *n >= g.at_least);
                let all = at_least_total.is_none_or(|t| counts.iter().sum::<u32>() >= t);
                rules.push(RuleResult {
                    id: id.clone(),
                    label: label.clone(),
                    outcome: RuleOutcome::Positive(each && all),
                    note: None,
                });
            }
            Rule::Levels {
                id,
                label,
                levels,
                otherwise,
                ..
            } => {
                let hit = levels
                    .iter()
                    .find(|l| l.any.iter().any(|a| answers.get(&a.item) == Some(&a.code)));
                let outcome = match hit {
                    Some(l) => {
                        if let Some(flag) = &l.flag {
                            critical.push(CriticalHit {
                                source: id.clone(),
                                flag: flag.clone(),
                            });
                        }
                        RuleOutcome::Level {
                            name: l.name.clone(),
                            severity: l.severity,
                        }
                    }
                    None => RuleOutcome::Level {
                        name: otherwise.clone(),
                        severity: Severity::None,
                    },
                };
                rules.push(RuleResult {
                    id: id.clone(),
                    label: label.clone(),
                    outcome,
                    note: None,
                });
            }
        }
    }
    Ok(Scored {
        total,
        band,
        subscales,
        rules,
        critical,
    })
}
