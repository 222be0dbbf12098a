//! Standardized instruments (PHQ-9, GAD-7, AUDIT-C, C-SSRS, …) as data.
//!
//! An instrument is a reviewed file in `content/instruments/`: items,
//! answer options with their scores, the scoring rules, bands, critical
//! items, codes and sources. [`definition::Instrument::parse`] reads and
//! checks one; [`scoring::score`] turns one set of answers into totals,
//! bands, screens and critical-item flags. Nothing clinical is written in
//! Rust: the rules' shapes live here, their numbers in the files.

pub mod definition;
pub mod scoring;

pub use definition::{DefinitionError, Instrument, Library};
pub use scoring::{Answers, Context, ResponseError, RuleOutcome, Scored, score};
