//! The input of a check: the order being written and what is known about
//! the patient on its start date.

use super::catalog::RxCui;
use time::{Date, PrimitiveDateTime};

/// A quantity that is finite and greater than zero.
#[derive(Clone, Copy, Debug, PartialEq, PartialOrd)]
pub struct Quantity(f64);

impl Quantity {
    pub fn new(value: f64) -> Option<Quantity> {
        (value.is_finite() && value > 0.0).then_some(Quantity(value))
    }

    pub fn get(self) -> f64 {
        self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DoseUnit {
    Mg,
    Mcg,
    G,
    /// Millilitres of a solution: not comparable with mg limits without the
    /// product's concentration.
    Ml,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Dose {
    pub quantity: Quantity,
    pub unit: DoseUnit,
}

impl Dose {
    /// `None` unless the quantity is finite and positive.
    pub fn new(quantity: f64, unit: DoseUnit) -> Option<Dose> {
        Quantity::new(quantity).map(|quantity| Dose { quantity, unit })
    }

    pub fn mg(quantity: f64) -> Option<Dose> {
        Dose::new(quantity, DoseUnit::Mg)
    }

    /// The dose in mg, when its unit is a mass.
    pub fn in_mg(self) -> Option<f64> {
        let q = self.quantity.get();
        match self.unit {
            DoseUnit::Mg => Some(q),
            DoseUnit::Mcg => Some(q / 1000.0),
            DoseUnit::G => Some(q * 1000.0),
            DoseUnit::Ml => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Route {
    Oral,
    Sublingual,
    Buccal,
    Transdermal,
    Subcutaneous,
    Intramuscular,
    Intravenous,
    Other,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Frequency {
    OnceDaily,
    TwiceDaily,
    ThreeTimesDaily,
    FourTimesDaily,
    EveryOtherDay,
    Weekly,
    Monthly,
    AsNeeded,
    Other,
}

/// A COWS total, 0 to 48.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct CowsScore(u8);

impl CowsScore {
    pub fn new(score: u8) -> Option<CowsScore> {
        (score <= 48).then_some(CowsScore(score))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

/// A buprenorphine induction: the COWS score rated before the first dose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Induction {
    pub cows: Option<CowsScore>,
}

/// The first day of methadone treatment.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct FirstDay {
    /// The total of all doses on day 1.
    pub total: Dose,
    /// The OTP practitioner documented that a higher dose is clinically
    /// indicated (42 CFR 8.12(h)(3)(ii)).
    pub higher_dose_justified: bool,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct ProposedOrder {
    pub drug: RxCui,
    pub daily_dose: Dose,
    pub route: Route,
    pub frequency: Frequency,
    pub start: Date,
    /// When the first dose is planned; without it the start of the start
    /// date is used, which can only make a waiting time look shorter.
    pub first_dose_at: Option<PrimitiveDateTime>,
    /// The order replaces another drug of its class by a documented
    /// cross-taper: duplicate therapy is expected.
    pub cross_taper_documented: bool,
    /// Present on the first day of methadone treatment.
    pub first_day: Option<FirstDay>,
    /// Present for a buprenorphine induction.
    pub induction: Option<Induction>,
}

/// Where another medication stands. A stopped one carries its stop date, so
/// a washout can be counted from it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MedStatus {
    Active,
    /// Paused; counts as active, because it may be restarted at any time.
    Held,
    Stopped {
        on: Date,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OtherMedication {
    pub drug: RxCui,
    pub status: MedStatus,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ScreenResult {
    Negative,
    Positive,
}

/// The latest opioid drug screen.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct DrugScreen {
    pub on: Date,
    pub result: ScreenResult,
}

/// A serum drug level, in the unit of the drug's reference range.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DrugLevel {
    pub drug: RxCui,
    pub value: f64,
    pub on: Date,
}

/// What is known about the patient on the order's start date.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct PatientContext {
    /// Age in whole years on the order's start date.
    pub age_years: u32,
    pub medications: Vec<OtherMedication>,
    /// The documented date of last opioid use.
    pub last_opioid_use: Option<Date>,
    pub last_alcohol_use: Option<PrimitiveDateTime>,
    pub opioid_screen: Option<DrugScreen>,
    /// Creatinine clearance in mL/min, rounded to a whole number.
    pub creatinine_clearance: Option<u32>,
    pub disulfiram_consent_recorded: bool,
    /// The patient recently stopped or started smoking.
    pub smoking_change: bool,
    pub hepatic_impairment: bool,
    pub cyp2c19_poor_metabolizer: bool,
    /// The latest corrected QT interval, in ms.
    pub latest_qtc_ms: Option<u32>,
    /// Serum drug levels (the latest of each drug is used).
    pub levels: Vec<DrugLevel>,
}
