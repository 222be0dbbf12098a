//! From a scored response to what is kept and published: the score
//! observations (a total under its LOINC code, subscales under local codes)
//! and the interpretation people read beside a number.

use crate::flag::Hit;
use crate::instrument::{Instrument, RuleOutcome, Scored};

pub const LOINC: &str = "http://loinc.org";
/// Codes Tandem mints where no confirmed standard code exists (subscales,
/// totals of instruments whose LOINC code is unconfirmed).
pub const LOCAL_SCORE_SYSTEM: &str = "urn:tandem:score";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreCode {
    pub system: String,
    pub code: String,
    pub display: String,
}

/// One score to be stored as an observation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ScoreDraft {
    pub code: ScoreCode,
    pub value: i32,
    pub interpretation: Option<String>,
    /// The subscale id; `None` for the total.
    pub subscale: Option<String>,
}

/// The code a total is published under.
pub fn total_code(inst: &Instrument) -> ScoreCode {
    match &inst.loinc.total {
        Some(code) => ScoreCode {
            system: LOINC.into(),
            code: code.clone(),
            display: format!("{} total score", inst.name),
        },
        None => ScoreCode {
            system: LOCAL_SCORE_SYSTEM.into(),
            code: format!("{}-total", inst.id),
            display: format!("{} total score", inst.name),
        },
    }
}

/// What the total means in words: the band label (e.g. "Moderately
/// severe"); without bands, the first screening rule ("Positive" or
/// "Negative") or level. A note (sex not recorded) follows in brackets.
pub fn interpretation(scored: &Scored) -> Option<String> {
    if let Some(b) = &scored.band {
        return Some(b.label.clone());
    }
    let r = scored.rules.first()?;
    let text = match &r.outcome {
        RuleOutcome::Positive(true) => "Positive".to_string(),
        RuleOutcome::Positive(false) => "Negative".to_string(),
        RuleOutcome::Level { name, .. } => name.clone(),
    };
    Some(match &r.note {
        Some(note) => format!("{text} ({note})"),
        None => text,
    })
}

/// The observations a scored response yields: the total, then subscales.
pub fn drafts(inst: &Instrument, scored: &Scored) -> Vec<ScoreDraft> {
    let mut out = Vec::new();
    if let Some(total) = scored.total {
        out.push(ScoreDraft {
            code: total_code(inst),
            value: total,
            interpretation: interpretation(scored),
            subscale: None,
        });
    }
    for s in &scored.subscales {
        out.push(ScoreDraft {
            code: ScoreCode {
                system: LOCAL_SCORE_SYSTEM.into(),
                code: format!("{}-{}", inst.id, s.id),
                display: format!("{} {}", inst.name, s.name),
            },
            value: s.score,
            interpretation: None,
            subscale: Some(s.id.clone()),
        });
    }
    out
}

/// The flags the response raised, in the form flag evaluation reads.
pub fn hits(scored: &Scored) -> Vec<Hit> {
    scored
        .critical
        .iter()
        .map(|c| Hit {
            flag: c.flag.clone(),
            source: if c.source.starts_with("band ") {
                c.source.clone()
            } else if scored.rules.iter().any(|r| r.id == c.source) {
                let level = scored
                    .rules
                    .iter()
                    .find(|r| r.id == c.source)
                    .and_then(|r| match &r.outcome {
                        RuleOutcome::Level { name, .. } => Some(name.clone()),
                        RuleOutcome::Positive(_) => None,
                    });
                format!("risk level {}", level.unwrap_or_default())
            } else {
                format!("item {}", c.source)
            },
        })
        .collect()
}
