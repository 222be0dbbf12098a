//! Medication safety: the catalog of drugs by RxNorm ingredient code, and
//! the checks a new order passes before it is signed — interactions with
//! the patient's other medications, dose limits, duplicate therapy, the
//! prerequisites of medications for opioid and alcohol use disorder, and the
//! take-home ceilings of an opioid treatment program — and the side-effect
//! checklist of each class, from the classes' labels.
//!
//! The knowledge is content (`content/medications/*.toml`), every rule with
//! its source; this module holds the shapes, the checks made when the files
//! are read (a bad file is refused, naming the file and the row), and the
//! pure functions that apply them. Dates and times come in as arguments.

pub mod catalog;
pub mod check;
pub mod dose_limit;
pub mod dosing;
pub mod duplicate;
pub mod finding;
pub mod interaction;
pub mod monitoring;
pub mod order;
pub mod prerequisite;
pub mod prescription;
pub mod schedule;
pub mod settings;
pub mod side_effects;
pub mod take_home;

pub use catalog::{Catalog, Drug, DrugClass, DrugIdx, Property, RxCui};
pub use check::{CheckResult, check};
pub use finding::{Finding, FindingKind, Severity};
pub use order::{
    CowsScore, Dose, DoseUnit, DrugLevel, DrugScreen, FirstDay, Frequency, Induction, MedStatus,
    OtherMedication, PatientContext, ProposedOrder, Route, ScreenResult,
};

/// A content file that cannot be used, naming the file, the row and the
/// problem, so a reviewer can find it.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[error("{file}: {row}: {problem}")]
pub struct ContentError {
    pub file: &'static str,
    /// The row's id, or "file" for a problem with the whole file.
    pub row: String,
    pub problem: String,
}

impl ContentError {
    pub(crate) fn new(
        file: &'static str,
        row: impl Into<String>,
        problem: impl Into<String>,
    ) -> Self {
        ContentError {
            file,
            row: row.into(),
            problem: problem.into(),
        }
    }
}

/// The texts of the medication content files, as `tandem_content` embeds them.
#[derive(Clone, Copy, Debug)]
pub struct ContentTexts<'a> {
    pub catalog: &'a str,
    pub interactions: &'a str,
    pub dose_limits: &'a str,
    pub prerequisites: &'a str,
    pub take_home: &'a str,
    pub settings: &'a str,
    pub side_effects: &'a str,
}

/// Everything the checks need, read and cross-checked once (at start-up),
/// with the interaction rules indexed by drug.
#[derive(Clone, Debug)]
pub struct MedicationSafety {
    pub catalog: Catalog,
    pub interactions: interaction::InteractionRules,
    pub dose_limits: dose_limit::DoseLimits,
    pub prerequisites: prerequisite::Prerequisites,
    pub take_home: take_home::TakeHomeRules,
    pub settings: settings::Settings,
    pub side_effects: side_effects::SideEffects,
}

impl MedicationSafety {
    /// Reads every file and checks each against the catalog: a rule naming
    /// a drug the catalog does not have, or matching no drug at all, is
    /// refused.
    pub fn parse(texts: &ContentTexts<'_>) -> Result<MedicationSafety, ContentError> {
        let catalog = Catalog::parse(texts.catalog)?;
        let interactions = interaction::InteractionRules::parse(texts.interactions, &catalog)?;
        let dose_limits = dose_limit::DoseLimits::parse(texts.dose_limits, &catalog)?;
        let prerequisites = prerequisite::Prerequisites::parse(texts.prerequisites, &catalog)?;
        let take_home = take_home::TakeHomeRules::parse(texts.take_home, &catalog)?;
        let settings = settings::Settings::parse(texts.settings)?;
        let side_effects = side_effects::SideEffects::parse(texts.side_effects, &catalog)?;
        for id in &settings.enable_unverified_rules {
            match interactions.rule(id) {
                Some(r) if !r.verified => {}
                Some(_) => {
                    return Err(ContentError::new(
                        settings::FILE,
                        id.clone(),
                        "enable_unverified_rules names a verified rule (verified rules always run)",
                    ));
                }
                None => {
                    return Err(ContentError::new(
                        settings::FILE,
                        id.clone(),
                        "enable_unverified_rules names a rule interactions.toml does not have",
                    ));
                }
            }
        }
        Ok(MedicationSafety {
            catalog,
            interactions,
            dose_limits,
            prerequisites,
            take_home,
            settings,
            side_effects,
        })
    }
}

/// Refuses an empty or blank text field.
pub(crate) fn require(
    file: &'static str,
    row: &str,
    field: &str,
    value: &str,
) -> Result<(), ContentError> {
    if value.trim().is_empty() {
        return Err(ContentError::new(file, row, format!("{field} is empty")));
    }
    Ok(())
}
