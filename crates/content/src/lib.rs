//! Clinical knowledge as reviewed data: the files of `content/`, compiled
//! into the binary. Parsing and checking them is `tandem_core`'s job.
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/instruments.rs"));

/// The treat-to-target rules (`content/measurement/trajectory.toml`).
pub static TRAJECTORY: &str = include_str!("../../../content/measurement/trajectory.toml");

/// Programs, their levels of care and intake screening packets
/// (`content/intake/programs.toml`).
pub static PROGRAMS: &str = include_str!("../../../content/intake/programs.toml");

/// The ICD-10-CM diagnoses Tandem records, with their categories and sources
/// (`content/diagnoses/icd10cm.toml`).
pub static DIAGNOSES: &str = include_str!("../../../content/diagnoses/icd10cm.toml");
