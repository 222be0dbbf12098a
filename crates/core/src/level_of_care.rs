//! Levels of care an episode can be enrolled at. The names follow the
//! settings clinics run; each carries the ASAM Criteria (3rd edition) level
//! codes it corresponds to (Tandem clinical reference, section 7: level
//! codes and short names only, the criteria text is copyrighted).

use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum LevelOfCare {
    WithdrawalManagement,
    Residential,
    PartialHospitalization,
    IntensiveOutpatient,
    Outpatient,
    OpioidTreatmentProgram,
    Aftercare,
}

impl LevelOfCare {
    pub const ALL: [LevelOfCare; 7] = [
        LevelOfCare::WithdrawalManagement,
        LevelOfCare::Residential,
        LevelOfCare::PartialHospitalization,
        LevelOfCare::IntensiveOutpatient,
        LevelOfCare::Outpatient,
        LevelOfCare::OpioidTreatmentProgram,
        LevelOfCare::Aftercare,
    ];

    /// The stable id stored in the database and used in FHIR codings.
    pub fn as_str(self) -> &'static str {
        match self {
            LevelOfCare::WithdrawalManagement => "withdrawal_management",
            LevelOfCare::Residential => "residential",
            LevelOfCare::PartialHospitalization => "partial_hospitalization",
            LevelOfCare::IntensiveOutpatient => "intensive_outpatient",
            LevelOfCare::Outpatient => "outpatient",
            LevelOfCare::OpioidTreatmentProgram => "opioid_treatment_program",
            LevelOfCare::Aftercare => "aftercare",
        }
    }

    pub fn parse(id: &str) -> Option<LevelOfCare> {
        LevelOfCare::ALL.into_iter().find(|l| l.as_str() == id)
    }

    pub fn label(self) -> &'static str {
        match self {
            LevelOfCare::WithdrawalManagement => "Withdrawal management",
            LevelOfCare::Residential => "Residential",
            LevelOfCare::PartialHospitalization => "Partial hospitalization",
            LevelOfCare::IntensiveOutpatient => "Intensive outpatient",
            LevelOfCare::Outpatient => "Outpatient",
            LevelOfCare::OpioidTreatmentProgram => "Opioid treatment program",
            LevelOfCare::Aftercare => "Aftercare",
        }
    }

    /// The ASAM 3rd-edition level codes this setting spans.
    pub fn asam_levels(self) -> &'static [&'static str] {
        match self {
            LevelOfCare::WithdrawalManagement => &["1-WM", "2-WM", "3.2-WM", "3.7-WM", "4-WM"],
            LevelOfCare::Residential => &["3.1", "3.3", "3.5", "3.7"],
            LevelOfCare::PartialHospitalization => &["2.5"],
            LevelOfCare::IntensiveOutpatient => &["2.1"],
            LevelOfCare::Outpatient => &["1"],
            LevelOfCare::OpioidTreatmentProgram => &["OTP"],
            // Continuing care after treatment is not an ASAM level.
            LevelOfCare::Aftercare => &[],
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_are_refused() {
        for l in LevelOfCare::ALL {
            assert_eq!(LevelOfCare::parse(l.as_str()), Some(l));
        }
        assert_eq!(LevelOfCare::parse("inpatient"), None);
        assert_eq!(LevelOfCare::parse(""), None);
    }
}
