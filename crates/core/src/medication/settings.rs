//! Clinic settings for medication safety (`content/medications/settings.toml`):
//! numbers a clinic may set for itself. Each carries `verified` (a source
//! confirms it, named in its note); a finding that rests on an unverified
//! setting says so.

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
/// The clozapine ANC schedule (see `monitoring::AncSchedule`).
pub const CLOZAPINE_ANC_WEEKLY_MONTHS: &str = "clozapine_anc_weekly_months";
pub const CLOZAPINE_ANC_INTERVAL_DAYS: &str = "clozapine_anc_interval_days";
pub const CLOZAPINE_ANC_BIWEEKLY_UNTIL_MONTHS: &str = "clozapine_anc_biweekly_until_months";
pub const CLOZAPINE_ANC_BIWEEKLY_DAYS: &str = "clozapine_anc_biweekly_days";
pub const CLOZAPINE_ANC_LATER_MONTHS: &str = "clozapine_anc_later_months";
pub const CLOZAPINE_ANC_MILD_BELOW: &str = "clozapine_anc_mild_neutropenia_below";
pub const CLOZAPINE_ANC_MILD_DAYS: &str = "clozapine_anc_mild_neutropenia_days";
pub const CLOZAPINE_ANC_MODERATE_BELOW: &str = "clozapine_anc_moderate_neutropenia_below";
pub const CLOZAPINE_ANC_MODERATE_DAYS: &str = "clozapine_anc_moderate_neutropenia_days";

const REQUIRED: [&str; 14] = [
    NALTREXONE_NEGATIVE_SCREEN_WINDOW_DAYS,
    BUPRENORPHINE_INDUCTION_COWS_MIN,
    QTC_DISCUSS_MS,
    QTC_CHANGE_TREATMENT_MS,
    METHADONE_MISSED_DOSES_REVIEW,
    CLOZAPINE_ANC_WEEKLY_MONTHS,
    CLOZAPINE_ANC_INTERVAL_DAYS,
    CLOZAPINE_ANC_BIWEEKLY_UNTIL_MONTHS,
    CLOZAPINE_ANC_BIWEEKLY_DAYS,
    CLOZAPINE_ANC_LATER_MONTHS,
    CLOZAPINE_ANC_MILD_BELOW,
    CLOZAPINE_ANC_MILD_DAYS,
    CLOZAPINE_ANC_MODERATE_BELOW,
    CLOZAPINE_ANC_MODERATE_DAYS,
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

    /// The clozapine ANC schedule, and whether every number of it is
    /// verified.
    pub fn anc_schedule(&self) -> (crate::monitoring::AncSchedule, bool) {
        let ids = [
            CLOZAPINE_ANC_WEEKLY_MONTHS,
            CLOZAPINE_ANC_INTERVAL_DAYS,
            CLOZAPINE_ANC_BIWEEKLY_UNTIL_MONTHS,
            CLOZAPINE_ANC_BIWEEKLY_DAYS,
            CLOZAPINE_ANC_LATER_MONTHS,
            CLOZAPINE_ANC_MILD_BELOW,
            CLOZAPINE_ANC_MILD_DAYS,
            CLOZAPINE_ANC_MODERATE_BELOW,
            CLOZAPINE_ANC_MODERATE_DAYS,
        ];
        let v = |id: &str| self.value(id).0;
        let schedule = crate::monitoring::AncSchedule {
            weekly_months: v(CLOZAPINE_ANC_WEEKLY_MONTHS),
            weekly_days: v(CLOZAPINE_ANC_INTERVAL_DAYS),
            biweekly_until_months: v(CLOZAPINE_ANC_BIWEEKLY_UNTIL_MONTHS),
            biweekly_days: v(CLOZAPINE_ANC_BIWEEKLY_DAYS),
            later_months: v(CLOZAPINE_ANC_LATER_MONTHS),
            mild_below: v(CLOZAPINE_ANC_MILD_BELOW),
            mild_days: v(CLOZAPINE_ANC_MILD_DAYS),
            moderate_below: v(CLOZAPINE_ANC_MODERATE_BELOW),
            moderate_days: v(CLOZAPINE_ANC_MODERATE_DAYS),
        };
        (schedule, ids.iter().all(|id| self.value(id).1))
    }
}
