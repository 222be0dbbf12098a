//! Clinic settings for medication safety whose numbers no checked source
//! confirms (`content/medications/settings.toml`). Each carries `verified`;
//! a finding that rests on an unverified setting says so.

use super::{ContentError, require};
use serde::Deserialize;
use std::collections::BTreeSet;

pub(crate) const FILE: &str = "content/medications/settings.toml";

/// The settings the checks read; the file must define each.
pub const NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS: &str = "naltrexone_negative_screen_window_days";
pub const BUPRENORPHINE_INDUCTION_COWS_MIN: &str = "buprenorphine_induction_cows_min";
pub const QTC_DISCUSS_MS: &str = "qtc_discuss_ms";
pub const QTC_CHANGE_TREATMENT_MS: &str = "qtc_change_treatment_ms";
pub const METHADONE_MISSED_DOSES_REVIEW: &str = "methadone_missed_doses_review";
pub const CLOZAPINE_ANC_INTERVAL_DAYS: &str = "clozapine_anc_interval_days";

const REQUIRED: [&str; 6] = [
    NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS,
    BUPRENORPHINE_INDUCTION_COWS_MIN,
    QTC_DISCUSS_MS,
    QTC_CHANGE_TREATMENT_MS,
    CLOZAPINE_ANC_INTERVAL_DAYS,
    METHADONE_MISSED_DOSES_REVIEW,
];

#[derive(Clone, Debug, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Setting {
    pub id: String,
    pub value: u32,
    pub unit: String,
    pub verified: bool,
    pub note: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFile {
    #[serde(default)]
    enable_unverified_rules: BTreeSet<String>,
    settings: Vec<Setting>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    /// Interaction rules marked `verified = false` that the clinic runs.
    pub enable_unverified_rules: BTreeSet<String>,
    pub settings: Vec<Setting>,
}

impl Settings {
    pub fn parse(text: &str) -> Result<Settings, ContentError> {
        let f: RawFile =
            toml::from_str(text).map_err(|e| ContentError::new(FILE, "file", e.to_string()))?;
        let mut ids = BTreeSet::new();
        for s in &f.settings {
            require(FILE, &s.id, "note", &s.note)?;
            require(FILE, &s.id, "unit", &s.unit)?;
            if !REQUIRED.contains(&s.id.as_str()) {
                return Err(ContentError::new(
                    FILE,
                    &s.id,
                    "no check reads this setting",
                ));
            }
            if !ids.insert(s.id.as_str()) {
                return Err(ContentError::new(
                    FILE,
                    &s.id,
                    "the setting is defined twice",
                ));
            }
        }
        for r in REQUIRED {
            if !ids.contains(r) {
                return Err(ContentError::new(FILE, r, "the setting is missing"));
            }
        }
        Ok(Settings {
            enable_unverified_rules: f.enable_unverified_rules,
            settings: f.settings,
        })
    }

    pub fn get(&self, id: &str) -> Option<&Setting> {
        self.settings.iter().find(|s| s.id == id)
    }

    /// The value and whether it is verified. Parsing guarantees every
    /// required setting exists; an unknown id reads as unverified 0.
    pub fn value(&self, id: &str) -> (u32, bool) {
        self.get(id).map_or((0, false), |s| (s.value, s.verified))
    }
}
