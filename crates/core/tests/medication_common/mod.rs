//! Shared by the medication tests: the shipped content, and builders for
//! orders and patients.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::OnceLock;
use tandem_core::medication::{
    ContentTexts, Dose, Frequency, MedStatus, MedicationSafety, OtherMedication, PatientContext,
    ProposedOrder, Route, RxCui,
};
use time::macros::date;
use time::{Date, Duration};

pub const TEXTS: ContentTexts<'static> = ContentTexts {
    catalog: tandem_content::MEDICATION_CATALOG,
    interactions: tandem_content::MEDICATION_INTERACTIONS,
    dose_limits: tandem_content::MEDICATION_DOSE_LIMITS,
    prerequisites: tandem_content::MEDICATION_PREREQUISITES,
    take_home: tandem_content::MEDICATION_TAKE_HOME,
    settings: tandem_content::MEDICATION_SETTINGS,
    side_effects: tandem_content::MEDICATION_SIDE_EFFECTS,
};

pub fn safety() -> &'static MedicationSafety {
    static S: OnceLock<MedicationSafety> = OnceLock::new();
    S.get_or_init(|| MedicationSafety::parse(&TEXTS).unwrap())
}

pub const START: Date = date!(2026 - 03 - 02);

/// The RxCUI of a catalog drug by id.
pub fn rx(id: &str) -> RxCui {
    let s = safety();
    let idx = s
        .catalog
        .by_id(id)
        .unwrap_or_else(|| panic!("no drug {id}"));
    s.catalog.drug(idx).rxcui
}

pub fn order(id: &str, mg: f64) -> ProposedOrder {
    ProposedOrder {
        drug: rx(id),
        daily_dose: Dose::mg(mg).unwrap(),
        route: Route::Oral,
        frequency: Frequency::OnceDaily,
        start: START,
        first_dose_at: None,
        cross_taper_documented: false,
        first_day: None,
        induction: None,
    }
}

pub fn active(id: &str) -> OtherMedication {
    OtherMedication {
        drug: rx(id),
        status: MedStatus::Active,
    }
}

pub fn stopped_days_ago(id: &str, days: i64) -> OtherMedication {
    OtherMedication {
        drug: rx(id),
        status: MedStatus::Stopped {
            on: START - Duration::days(days),
        },
    }
}

pub fn patient(meds: Vec<OtherMedication>) -> PatientContext {
    PatientContext {
        age_years: 40,
        medications: meds,
        ..PatientContext::default()
    }
}
