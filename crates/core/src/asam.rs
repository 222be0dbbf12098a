//! ASAM Criteria dimension ratings (3rd edition: six dimensions, each 0–4)
//! and a level-of-care suggestion from them.
//!
//! The suggestion is decision support from a clinic-configurable rule set
//! (`content/intake/asam.toml`), not the ASAM Criteria algorithm; the file
//! says so and carries `verified`, which the user interface shows.

use crate::level_of_care::LevelOfCare;
use crate::validation::ValidationErrors;
use serde::{Deserialize, Serialize};

/// The six dimensions, numbered 1 to 6.
pub const DIMENSIONS: usize = 6;

/// The rating and note form fields of each dimension.
pub const RATING_FIELDS: [&str; DIMENSIONS] = [
    "asam_d1", "asam_d2", "asam_d3", "asam_d4", "asam_d5", "asam_d6",
];
pub const NOTE_FIELDS: [&str; DIMENSIONS] = [
    "asam_d1_note",
    "asam_d2_note",
    "asam_d3_note",
    "asam_d4_note",
    "asam_d5_note",
    "asam_d6_note",
];

/// A risk rating, 0 (none) to 4 (severe).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "u8", into = "u8")]
pub struct Rating(u8);

impl Rating {
    pub fn new(v: u8) -> Option<Rating> {
        (v <= 4).then_some(Rating(v))
    }

    pub fn value(self) -> u8 {
        self.0
    }
}

impl TryFrom<u8> for Rating {
    type Error = String;
    fn try_from(v: u8) -> Result<Rating, String> {
        Rating::new(v).ok_or_else(|| format!("a rating is 0 to 4, not {v}"))
    }
}

impl From<Rating> for u8 {
    fn from(r: Rating) -> u8 {
        r.0
    }
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DimensionRating {
    pub rating: Rating,
    pub note: String,
}

/// All six dimensions rated (`assessments.asam`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ratings {
    /// Dimension 1 first.
    pub dimensions: [DimensionRating; DIMENSIONS],
}

/// The ratings as typed: `(rating, note)` per dimension, dimension 1 first.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RatingsInput {
    pub dimensions: [(String, String); DIMENSIONS],
}

impl RatingsInput {
    pub fn validate(&self) -> Result<Ratings, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let mut out = Vec::with_capacity(DIMENSIONS);
        for (i, (rating, note)) in self.dimensions.iter().enumerate() {
            let r = rating.trim();
            let rating = if r.is_empty() {
                e.add(RATING_FIELDS[i], "rate this dimension from 0 to 4");
                None
            } else {
                let v = r.parse::<u8>().ok().and_then(Rating::new);
                if v.is_none() {
                    e.add(RATING_FIELDS[i], "a rating is a whole number from 0 to 4");
                }
                v
            };
            let note = note.trim().replace("\r\n", "\n");
            if note.chars().count() > 2000 {
                e.add(NOTE_FIELDS[i], "keep the note under 2,000 characters");
            }
            if let Some(rating) = rating {
                out.push(DimensionRating { rating, note });
            }
        }
        let dims: Result<[DimensionRating; DIMENSIONS], _> = out.try_into();
        match dims {
            Ok(dimensions) if e.is_empty() => Ok(Ratings { dimensions }),
            _ => Err(e),
        }
    }

    pub fn from_ratings(r: &Ratings) -> RatingsInput {
        RatingsInput {
            dimensions: r
                .dimensions
                .clone()
                .map(|d| (d.rating.value().to_string(), d.note)),
        }
    }
}

/// The content file.
#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AsamRules {
    /// Whether a clinician has reviewed the rules; the UI says "not
    /// validated" while false.
    pub verified: bool,
    /// What the suggestion is and is not, shown beside it.
    pub statement: String,
    pub sources: Vec<String>,
    pub dimensions: Vec<Dimension>,
    pub rules: Vec<LevelRule>,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Dimension {
    pub number: u8,
    pub name: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LevelRule {
    pub id: String,
    /// Dimension numbers the rule reads; empty means all six.
    #[serde(default)]
    pub dimensions: Vec<u8>,
    pub at_least: u8,
    pub level: LevelOfCare,
    pub asam_level: String,
    pub explain: String,
}

impl LevelRule {
    fn reads(&self, dimension: u8) -> bool {
        self.dimensions.is_empty() || self.dimensions.contains(&dimension)
    }
}

/// A suggested level of care and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Suggestion {
    pub rule: String,
    pub level: LevelOfCare,
    pub asam_level: String,
    pub explain: String,
    /// `(dimension number, rating)` of the ratings that made the rule match,
    /// highest first.
    pub driven_by: Vec<(u8, u8)>,
}

impl AsamRules {
    pub fn parse(text: &str) -> Result<AsamRules, String> {
        let r: AsamRules = toml::from_str(text).map_err(|e| e.to_string())?;
        if r.statement.trim().is_empty() {
            return Err("the ASAM file needs a statement of what the suggestion is".into());
        }
        if r.sources.is_empty() {
            return Err("the ASAM file names no sources".into());
        }
        let numbers: Vec<u8> = r.dimensions.iter().map(|d| d.number).collect();
        if numbers != [1, 2, 3, 4, 5, 6] {
            return Err("the ASAM file must name dimensions 1 to 6, in order".into());
        }
        if r.dimensions.iter().any(|d| d.name.trim().is_empty()) {
            return Err("every ASAM dimension needs a name".into());
        }
        if r.rules.is_empty() {
            return Err("the ASAM file has no rules".into());
        }
        for rule in &r.rules {
            if rule.at_least > 4 {
                return Err(format!("rule {}: ratings go from 0 to 4", rule.id));
            }
            if rule.dimensions.iter().any(|d| !(1..=6).contains(d)) {
                return Err(format!("rule {}: dimensions are numbered 1 to 6", rule.id));
            }
            if !rule.level.asam_levels().contains(&rule.asam_level.as_str()) {
                return Err(format!(
                    "rule {}: ASAM level {} is not one of {}'s ({})",
                    rule.id,
                    rule.asam_level,
                    rule.level.label(),
                    rule.level.asam_levels().join(", ")
                ));
            }
        }
        let last = r.rules.last();
        if !last.is_some_and(|l| l.at_least == 0 && l.dimensions.is_empty()) {
            return Err(
                "the last ASAM rule must read every dimension at 0, so there is always a suggestion"
                    .into(),
            );
        }
        Ok(r)
    }

    pub fn name(&self, number: u8) -> &str {
        self.dimensions
            .iter()
            .find(|d| d.number == number)
            .map_or("", |d| d.name.as_str())
    }

    /// The first rule that matches the ratings.
    pub fn suggest(&self, ratings: &Ratings) -> Option<Suggestion> {
        let rated: Vec<(u8, u8)> = ratings
            .dimensions
            .iter()
            .enumerate()
            .map(|(i, d)| (i as u8 + 1, d.rating.value()))
            .collect();
        self.rules.iter().find_map(|rule| {
            let hits: Vec<(u8, u8)> = rated
                .iter()
                .copied()
                .filter(|(n, v)| rule.reads(*n) && *v >= rule.at_least)
                .collect();
            let top = hits.iter().map(|(_, v)| *v).max()?;
            let mut driven_by: Vec<(u8, u8)> =
                hits.into_iter().filter(|(_, v)| *v == top).collect();
            driven_by.sort_by_key(|(n, _)| *n);
            Some(Suggestion {
                rule: rule.id.clone(),
                level: rule.level,
                asam_level: rule.asam_level.clone(),
                explain: rule.explain.clone(),
                driven_by,
            })
        })
    }
}
