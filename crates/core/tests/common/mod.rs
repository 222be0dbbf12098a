//! Helpers shared by the instrument test binaries.
#![allow(dead_code)]

use tandem_core::instrument::scoring::{Context, RuleOutcome};
use tandem_core::instrument::{Answers, Instrument, Library, Scored, score};

/// The shipped library; a bad file fails the test naming it.
pub fn library() -> Library {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied())
        .unwrap_or_else(|e| panic!("{e}"))
}

pub fn inst(id: &str) -> Instrument {
    library()
        .get(id)
        .unwrap_or_else(|| panic!("no instrument {id}"))
        .clone()
}

/// Answers from `(linkId, code)` pairs.
pub fn answers(codes: &[(&str, &str)]) -> Answers {
    codes
        .iter()
        .map(|(i, c)| (i.to_string(), c.to_string()))
        .collect()
}

/// Scores with the default band model and unknown sex; refusal fails the test.
pub fn scored(i: &Instrument, a: &Answers) -> Scored {
    score(i, a, Context::default()).unwrap_or_else(|e| panic!("{}: {e:?} for {a:?}", i.id))
}

/// The yes/no outcome of a rule.
pub fn positive(s: &Scored, rule: &str) -> bool {
    match &s
        .rule(rule)
        .unwrap_or_else(|| panic!("no rule {rule}"))
        .outcome
    {
        RuleOutcome::Positive(p) => *p,
        RuleOutcome::Level { .. } => panic!("{rule} is not a yes/no rule"),
    }
}
