//! What the checks report: one finding per problem, with its severity, the
//! rule that found it, the drugs involved, and text a prescriber can act on.

use serde::Deserialize;

/// How serious a finding is. Ordered from least to most serious.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    Low,
    Moderate,
    High,
    /// Stops the order: it cannot be signed as it stands.
    Contraindicated,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Low => "low",
            Severity::Moderate => "moderate",
            Severity::High => "high",
            Severity::Contraindicated => "contraindicated",
        }
    }
}

/// Which check produced a finding.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum FindingKind {
    Interaction,
    DoseLimit,
    DuplicateTherapy,
    Prerequisite,
    /// A recent result (QTc, serum level) that bears on the order.
    Monitoring,
    TakeHome,
    /// The ordered drug is not in the catalog: nothing else was checked.
    NotInCatalog,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    pub kind: FindingKind,
    /// The id of the content row behind it (an interaction rule, a dose
    /// limit, a prerequisite).
    pub rule_id: String,
    /// The names of the drugs involved: the ordered drug first.
    pub drugs: Vec<String>,
    /// What is wrong and why, naming the drugs.
    pub text: String,
    pub advice: String,
    pub source: String,
    /// False when the finding rests on a rule or setting the reference marks
    /// UNCONFIRMED: the screen must say so.
    pub verified: bool,
}
