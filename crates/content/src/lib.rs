//! Clinical knowledge as reviewed data: the files of `content/`, compiled
//! into the binary. Parsing and checking them is `tandem_core`'s job.
#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/embedded.rs"));

/// The treat-to-target rules (`content/measurement/trajectory.toml`).
pub static TRAJECTORY: &str = include_str!("../../../content/measurement/trajectory.toml");

/// Programs, their levels of care and intake screening packets
/// (`content/intake/programs.toml`).
pub static PROGRAMS: &str = include_str!("../../../content/intake/programs.toml");

/// The medication catalog by RxNorm ingredient code
/// (`content/medications/catalog.toml`).
pub static MEDICATION_CATALOG: &str = include_str!("../../../content/medications/catalog.toml");

/// Drug–drug interaction rules and the duplicate-therapy classes
/// (`content/medications/interactions.toml`).
pub static MEDICATION_INTERACTIONS: &str =
    include_str!("../../../content/medications/interactions.toml");

/// Dose limits (`content/medications/dose_limits.toml`).
pub static MEDICATION_DOSE_LIMITS: &str =
    include_str!("../../../content/medications/dose_limits.toml");

/// Prerequisites of medications for opioid and alcohol use disorder
/// (`content/medications/prerequisites.toml`).
pub static MEDICATION_PREREQUISITES: &str =
    include_str!("../../../content/medications/prerequisites.toml");

/// Take-home methadone ceilings and criteria (`content/medications/take_home.toml`).
pub static MEDICATION_TAKE_HOME: &str = include_str!("../../../content/medications/take_home.toml");

/// Clinic settings for medication safety, marked verified or not
/// (`content/medications/settings.toml`).
pub static MEDICATION_SETTINGS: &str = include_str!("../../../content/medications/settings.toml");

/// The side-effect checklist per drug class, from the classes' labels
/// (`content/medications/side_effects.toml`).
pub static MEDICATION_SIDE_EFFECTS: &str =
    include_str!("../../../content/medications/side_effects.toml");

/// The verified RxNorm ingredient list the catalog's codes are checked
/// against (`content/medications/rxnorm-verified.csv`).
pub static RXNORM_VERIFIED: &str = include_str!("../../../content/medications/rxnorm-verified.csv");

/// Ingredient codes verified after the list above was copied, in the same
/// columns, each with at least two public sources
/// (`content/medications/rxnorm-added.csv`). The catalog's codes are checked
/// against the union of both files.
pub static RXNORM_ADDED: &str = include_str!("../../../content/medications/rxnorm-added.csv");

/// ASAM dimension names and the level-of-care suggestion rules
/// (`content/intake/asam.toml`).
pub static ASAM: &str = include_str!("../../../content/intake/asam.toml");

/// The pathway recommendation rules (`content/intake/pathway.toml`).
pub static PATHWAY: &str = include_str!("../../../content/intake/pathway.toml");
/// The ICD-10-CM diagnoses Tandem records, with their categories and sources
/// (`content/diagnoses/icd10cm.toml`).
pub static DIAGNOSES: &str = include_str!("../../../content/diagnoses/icd10cm.toml");
