//! Medication orders as a prescriber writes them: the order's fields, its
//! status, and the dose changes it goes through (a titration, or a taper of
//! dated steps the patient can read). The safety check of a new order or a
//! new dose is [`super::check`]; this module says what a well-formed order
//! and a well-formed change are, and who may write them.

use super::catalog::{Catalog, RxCui};
use super::order::{
    CowsScore, Dose, DoseUnit, FirstDay, Frequency, Induction, ProposedOrder, Route,
};
use crate::ids::ConditionId;
use crate::patient::parse_date;
use crate::role::Role;
use crate::validation::ValidationErrors;
use time::{Date, Duration};

/// Only prescribers sign medication orders: therapists, nurses and care
/// managers read them but never write or change them.
pub fn can_prescribe(role: Role) -> bool {
    role == Role::Prescriber
}

/// How far from today a start or step date may lie. Not a clinical rule: a
/// date years away is a typing mistake.
const DATE_WINDOW_DAYS: i64 = 366;

/// Where an order stands. `Completed` is never stored: it is an active
/// order whose taper has ended (see [`status_on`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum OrderStatus {
    Active,
    OnHold,
    Stopped,
    Completed,
}

impl OrderStatus {
    /// The FHIR `MedicationRequest.status` code, also the stored value.
    pub fn as_str(self) -> &'static str {
        match self {
            OrderStatus::Active => "active",
            OrderStatus::OnHold => "on-hold",
            OrderStatus::Stopped => "stopped",
            OrderStatus::Completed => "completed",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            OrderStatus::Active => "Active",
            OrderStatus::OnHold => "On hold",
            OrderStatus::Stopped => "Stopped",
            OrderStatus::Completed => "Completed",
        }
    }

    pub fn parse(s: &str) -> Option<OrderStatus> {
        [
            OrderStatus::Active,
            OrderStatus::OnHold,
            OrderStatus::Stopped,
            OrderStatus::Completed,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }
}

/// The status on `today`: an active order whose taper ends on or before
/// today is completed.
pub fn status_on(stored: OrderStatus, ends_on: Option<Date>, today: Date) -> OrderStatus {
    match (stored, ends_on) {
        (OrderStatus::Active, Some(end)) if end <= today => OrderStatus::Completed,
        (s, _) => s,
    }
}

/// One entry of an order's dose history.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum StepKind {
    Start,
    Titrate,
    Taper,
    Hold,
    Resume,
    Discontinue,
}

impl StepKind {
    pub fn as_str(self) -> &'static str {
        match self {
            StepKind::Start => "start",
            StepKind::Titrate => "titrate",
            StepKind::Taper => "taper",
            StepKind::Hold => "hold",
            StepKind::Resume => "resume",
            StepKind::Discontinue => "discontinue",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            StepKind::Start => "Started",
            StepKind::Titrate => "Titrated",
            StepKind::Taper => "Taper step",
            StepKind::Hold => "Held",
            StepKind::Resume => "Resumed",
            StepKind::Discontinue => "Discontinued",
        }
    }

    pub fn parse(s: &str) -> Option<StepKind> {
        [
            StepKind::Start,
            StepKind::Titrate,
            StepKind::Taper,
            StepKind::Hold,
            StepKind::Resume,
            StepKind::Discontinue,
        ]
        .into_iter()
        .find(|x| x.as_str() == s)
    }

    /// Whether the step sets a dose (the others change the status only).
    pub fn sets_dose(self) -> bool {
        matches!(self, StepKind::Start | StepKind::Titrate | StepKind::Taper)
    }
}

impl DoseUnit {
    pub const ALL: [DoseUnit; 4] = [DoseUnit::Mg, DoseUnit::Mcg, DoseUnit::G, DoseUnit::Ml];

    /// The UCUM code (FHIR `doseQuantity.code`), also the stored value.
    pub fn ucum(self) -> &'static str {
        match self {
            DoseUnit::Mg => "mg",
            DoseUnit::Mcg => "ug",
            DoseUnit::G => "g",
            DoseUnit::Ml => "mL",
        }
    }

    /// How the unit reads on a screen.
    pub fn label(self) -> &'static str {
        match self {
            DoseUnit::Mg => "mg",
            DoseUnit::Mcg => "mcg",
            DoseUnit::G => "g",
            DoseUnit::Ml => "mL",
        }
    }

    /// A UCUM code, or the screen label.
    pub fn parse(s: &str) -> Option<DoseUnit> {
        DoseUnit::ALL
            .into_iter()
            .find(|u| u.ucum() == s || u.label() == s)
    }
}

impl Route {
    pub const ALL: [Route; 8] = [
        Route::Oral,
        Route::Sublingual,
        Route::Buccal,
        Route::Transdermal,
        Route::Subcutaneous,
        Route::Intramuscular,
        Route::Intravenous,
        Route::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Route::Oral => "oral",
            Route::Sublingual => "sublingual",
            Route::Buccal => "buccal",
            Route::Transdermal => "transdermal",
            Route::Subcutaneous => "subcutaneous",
            Route::Intramuscular => "intramuscular",
            Route::Intravenous => "intravenous",
            Route::Other => "other",
        }
    }

    /// How a patient would say it ("By mouth"); empty where the order's
    /// instructions say it better.
    pub fn patient_words(self) -> &'static str {
        match self {
            Route::Oral => "By mouth",
            Route::Sublingual => "Under the tongue",
            Route::Buccal => "Inside the cheek",
            Route::Transdermal => "As a skin patch",
            Route::Subcutaneous => "As a shot under the skin",
            Route::Intramuscular => "As a shot into a muscle",
            Route::Intravenous => "Into a vein, at the clinic",
            Route::Other => "",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Route::Oral => "Oral",
            Route::Sublingual => "Sublingual",
            Route::Buccal => "Buccal",
            Route::Transdermal => "Transdermal",
            Route::Subcutaneous => "Subcutaneous",
            Route::Intramuscular => "Intramuscular",
            Route::Intravenous => "Intravenous",
            Route::Other => "Other",
        }
    }

    pub fn parse(s: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.as_str() == s)
    }
}

impl Frequency {
    pub const ALL: [Frequency; 9] = [
        Frequency::OnceDaily,
        Frequency::TwiceDaily,
        Frequency::ThreeTimesDaily,
        Frequency::FourTimesDaily,
        Frequency::EveryOtherDay,
        Frequency::Weekly,
        Frequency::Monthly,
        Frequency::AsNeeded,
        Frequency::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Frequency::OnceDaily => "once_daily",
            Frequency::TwiceDaily => "twice_daily",
            Frequency::ThreeTimesDaily => "three_times_daily",
            Frequency::FourTimesDaily => "four_times_daily",
            Frequency::EveryOtherDay => "every_other_day",
            Frequency::Weekly => "weekly",
            Frequency::Monthly => "monthly",
            Frequency::AsNeeded => "as_needed",
            Frequency::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Frequency::OnceDaily => "Once daily",
            Frequency::TwiceDaily => "Twice daily",
            Frequency::ThreeTimesDaily => "Three times daily",
            Frequency::FourTimesDaily => "Four times daily",
            Frequency::EveryOtherDay => "Every other day",
            Frequency::Weekly => "Weekly",
            Frequency::Monthly => "Monthly",
            Frequency::AsNeeded => "As needed",
            Frequency::Other => "Other (see instructions)",
        }
    }

    pub fn parse(s: &str) -> Option<Frequency> {
        Frequency::ALL.into_iter().find(|f| f.as_str() == s)
    }

    /// FHIR `Timing.repeat` as (frequency, period, periodUnit); `None` for
    /// as-needed and other schedules, which the instructions' text carries.
    pub fn repeat(self) -> Option<(u32, u32, &'static str)> {
        match self {
            Frequency::OnceDaily => Some((1, 1, "d")),
            Frequency::TwiceDaily => Some((2, 1, "d")),
            Frequency::ThreeTimesDaily => Some((3, 1, "d")),
            Frequency::FourTimesDaily => Some((4, 1, "d")),
            Frequency::EveryOtherDay => Some((1, 2, "d")),
            Frequency::Weekly => Some((1, 1, "wk")),
            Frequency::Monthly => Some((1, 1, "mo")),
            Frequency::AsNeeded | Frequency::Other => None,
        }
    }

    /// The schedule a FHIR `Timing.repeat` names, if it is one of ours.
    pub fn from_repeat(frequency: u32, period: u32, unit: &str) -> Option<Frequency> {
        Frequency::ALL
            .into_iter()
            .find(|f| f.repeat() == Some((frequency, period, unit)))
    }
}

/// Facts a check needs that Tandem does not yet record anywhere else: the
/// prescriber documents them on the order itself, and they are kept with it.
#[derive(Clone, Debug, Default, PartialEq, serde::Serialize, serde::Deserialize)]
pub struct DocumentedFacts {
    /// The latest opioid drug screen: its date and whether it was positive.
    pub opioid_screen: Option<(Date, bool)>,
    /// Creatinine clearance, mL/min.
    pub creatinine_clearance: Option<u32>,
    pub disulfiram_consent: bool,
    /// The latest corrected QT interval, ms.
    pub qtc_ms: Option<u32>,
    /// A serum level of a catalog drug: (RxCUI, value, date).
    pub levels: Vec<(u32, f64, Date)>,
    pub smoking_change: bool,
    pub cyp2c19_poor_metabolizer: bool,
    /// When the patient last drank, more precisely than the intake's date.
    pub last_alcohol_use: Option<time::PrimitiveDateTime>,
}

/// A new order, well formed. The drug is the catalog's ingredient code,
/// even when the prescriber chose an alias.
#[derive(Clone, Debug, PartialEq)]
pub struct NewOrder {
    pub drug: RxCui,
    pub daily_dose: Dose,
    pub route: Route,
    pub frequency: Frequency,
    /// The instructions as the patient reads them.
    pub sig: String,
    pub start: Date,
    /// The diagnosis it treats (a `Condition` id), if linked.
    pub indication: Option<ConditionId>,
    pub cross_taper: bool,
    pub first_day: Option<FirstDay>,
    pub induction: Option<Induction>,
    pub facts: DocumentedFacts,
}

impl NewOrder {
    /// What the safety check reads.
    pub fn proposed(&self) -> ProposedOrder {
        ProposedOrder {
            drug: self.drug,
            daily_dose: self.daily_dose,
            route: self.route,
            frequency: self.frequency,
            start: self.start,
            first_dose_at: None,
            cross_taper_documented: self.cross_taper,
            first_day: self.first_day,
            induction: self.induction,
        }
    }
}

/// The ingredient an RxCUI names in the catalog (its own code, or the
/// ingredient of an alias).
pub fn ingredient(catalog: &Catalog, code: RxCui) -> Option<RxCui> {
    catalog.lookup(code).map(|i| catalog.drug(i).rxcui)
}

/// Checks the free text of an order's instructions.
pub fn check_sig(sig: &str) -> Result<String, &'static str> {
    let s = sig.trim();
    if s.is_empty() {
        return Err("write the instructions as the patient will read them");
    }
    if s.chars().count() > 1000 {
        return Err("keep the instructions under 1000 characters");
    }
    Ok(s.to_string())
}

/// A reason (discontinue, hold, dose change, override) must say something.
pub fn check_reason(reason: &str) -> Result<String, &'static str> {
    let r = reason.trim();
    if r.chars().count() < 3 {
        return Err("give the reason in a few words");
    }
    if r.chars().count() > 1000 {
        return Err("keep the reason under 1000 characters");
    }
    Ok(r.to_string())
}

/// A date a prescriber enters for an order or a step.
pub fn check_date(d: Date, today: Date) -> Result<Date, &'static str> {
    if (d - today).abs() > Duration::days(DATE_WINDOW_DAYS) {
        return Err("the date is more than a year from today");
    }
    Ok(d)
}

/// One dated step of a dose change.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct DoseStep {
    pub on: Date,
    pub dose: Dose,
}

/// A change of dose: one new dose (titration), or a taper of dated steps,
/// each lower than the one before, optionally ending the order.
#[derive(Clone, Debug, PartialEq)]
pub enum DoseChange {
    Titrate(DoseStep),
    Taper {
        steps: Vec<DoseStep>,
        /// The first day without the drug: the order completes then.
        stop_on: Option<Date>,
    },
}

impl DoseChange {
    pub fn steps(&self) -> Vec<DoseStep> {
        match self {
            DoseChange::Titrate(s) => vec![*s],
            DoseChange::Taper { steps, .. } => steps.clone(),
        }
    }

    /// The highest dose of the change: the one the dose limits must allow.
    pub fn highest(&self) -> Option<DoseStep> {
        self.steps().into_iter().max_by(|a, b| {
            a.dose
                .quantity
                .get()
                .partial_cmp(&b.dose.quantity.get())
                .unwrap_or(std::cmp::Ordering::Equal)
        })
    }

    /// Checks the change against the dose in force, naming the field of
    /// each problem: every step in the unit of the order, a titration to a
    /// different dose, a taper going down by date, a stop after the last step.
    pub fn validate(&self, current: Dose, today: Date) -> Result<(), ValidationErrors> {
        let mut e = ValidationErrors::default();
        let steps = self.steps();
        if steps.is_empty() {
            e.add("steps", "give at least one dated step");
        }
        for s in &steps {
            if s.dose.unit != current.unit {
                e.add(
                    "dose",
                    format!(
                        "give the dose in {}, the unit of the order",
                        current.unit.label()
                    ),
                );
                break;
            }
        }
        for s in &steps {
            if check_date(s.on, today).is_err() {
                e.add("on", "a step's date is more than a year from today");
                break;
            }
        }
        match self {
            DoseChange::Titrate(s) => {
                if s.dose.quantity == current.quantity {
                    e.add("dose", "the new dose is the dose in force");
                }
            }
            DoseChange::Taper { steps, stop_on } => {
                let mut last = current.quantity.get();
                let mut last_on: Option<Date> = None;
                for s in steps {
                    if s.dose.quantity.get() >= last {
                        e.add("steps", "each taper step must be lower than the one before");
                        break;
                    }
                    if last_on.is_some_and(|d| s.on <= d) {
                        e.add("steps", "taper steps must be in date order, one per date");
                        break;
                    }
                    last = s.dose.quantity.get();
                    last_on = Some(s.on);
                }
                if let (Some(stop), Some(l)) = (stop_on, last_on)
                    && *stop <= l
                {
                    e.add("stop_on", "the stop date must come after the last step");
                }
            }
        }
        e.finish(())
    }
}

/// The dose in force on `day`: the latest dose-setting step on or before it,
/// else the first one (an order that has not started yet shows its first dose).
pub fn dose_on(steps: &[(StepKind, Date, Option<Dose>)], day: Date) -> Option<Dose> {
    let with_dose: Vec<(Date, Dose)> = steps
        .iter()
        .filter_map(|(k, d, dose)| k.sets_dose().then_some(()).and(dose.map(|x| (*d, x))))
        .collect();
    with_dose
        .iter()
        .filter(|(d, _)| *d <= day)
        .max_by_key(|(d, _)| *d)
        .or_else(|| with_dose.iter().min_by_key(|(d, _)| *d))
        .map(|(_, x)| *x)
}

/// The prescribing form as typed: every field a string, so the form can
/// come back with the input kept and a message next to each bad field.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct OrderInput {
    pub drug: String,
    pub dose: String,
    pub unit: String,
    pub route: String,
    pub frequency: String,
    pub sig: String,
    pub start: String,
    pub indication: String,
    pub cross_taper: bool,
    pub first_day_total: String,
    pub first_day_justified: bool,
    pub induction: bool,
    pub induction_cows: String,
    pub screen_on: String,
    /// "negative" or "positive".
    pub screen_result: String,
    pub creatinine_clearance: String,
    pub disulfiram_consent: bool,
    pub qtc_ms: String,
    pub smoking_change: bool,
    pub cyp2c19_poor_metabolizer: bool,
    /// The latest serum level of the ordered drug, in the unit of its
    /// reference range, and its date.
    pub level_value: String,
    pub level_on: String,
}

/// A positive number typed in a form.
pub fn parse_amount(s: &str) -> Option<f64> {
    s.trim().parse::<f64>().ok().filter(|v| v.is_finite())
}

impl OrderInput {
    /// The order, or every problem with its field. The drug must be in the
    /// catalog; an alias code becomes its ingredient.
    pub fn validate(&self, catalog: &Catalog, today: Date) -> Result<NewOrder, ValidationErrors> {
        let mut e = ValidationErrors::default();
        let drug = match self.drug.trim().parse::<RxCui>() {
            Ok(code) => match ingredient(catalog, code) {
                Some(i) => Some(i),
                None => {
                    e.add("drug", "this drug is not in the medication catalog");
                    None
                }
            },
            Err(_) => {
                e.add("drug", "choose a drug from the list");
                None
            }
        };
        let unit = DoseUnit::parse(self.unit.trim());
        if unit.is_none() {
            e.add("unit", "choose a unit");
        }
        let dose = match parse_amount(&self.dose) {
            Some(v) if v > 0.0 => unit.and_then(|u| Dose::new(v, u)),
            Some(_) => {
                e.add("dose", "the daily dose must be more than zero");
                None
            }
            None => {
                e.add("dose", "give the total daily dose as a number, e.g. 50");
                None
            }
        };
        let route = Route::parse(self.route.trim());
        if route.is_none() {
            e.add("route", "choose a route");
        }
        let frequency = Frequency::parse(self.frequency.trim());
        if frequency.is_none() {
            e.add("frequency", "choose how often");
        }
        let sig = match check_sig(&self.sig) {
            Ok(s) => Some(s),
            Err(m) => {
                e.add("sig", m);
                None
            }
        };
        let start = if self.start.trim().is_empty() {
            Some(today)
        } else {
            match parse_date(self.start.trim()).map(|d| check_date(d, today)) {
                Some(Ok(d)) => Some(d),
                Some(Err(m)) => {
                    e.add("start", m);
                    None
                }
                None => {
                    e.add("start", "give the start date as YYYY-MM-DD");
                    None
                }
            }
        };
        let indication = match self.indication.trim() {
            "" => None,
            s => match s.parse::<ConditionId>() {
                Ok(u) => Some(u),
                Err(_) => {
                    e.add("indication", "choose a diagnosis from the list");
                    None
                }
            },
        };
        let first_day = match self.first_day_total.trim() {
            "" => None,
            s => match parse_amount(s).and_then(|v| Dose::new(v, unit.unwrap_or(DoseUnit::Mg))) {
                Some(total) => Some(FirstDay {
                    total,
                    higher_dose_justified: self.first_day_justified,
                }),
                None => {
                    e.add(
                        "first_day_total",
                        "give the first day's total as a number above zero",
                    );
                    None
                }
            },
        };
        let cows = match self.induction_cows.trim() {
            "" => None,
            s => match s.parse::<u8>().ok().and_then(CowsScore::new) {
                Some(c) => Some(c),
                None => {
                    e.add(
                        "induction_cows",
                        "a COWS score is a whole number from 0 to 48",
                    );
                    None
                }
            },
        };
        let induction = (self.induction || cows.is_some()).then_some(Induction { cows });
        let screen = match (self.screen_on.trim(), self.screen_result.trim()) {
            ("", "") => None,
            (d, r) => match (parse_date(d), r) {
                (Some(d), "negative") => Some((d, false)),
                (Some(d), "positive") => Some((d, true)),
                (None, _) => {
                    e.add("screen_on", "give the screen's date as YYYY-MM-DD");
                    None
                }
                (Some(_), _) => {
                    e.add("screen_result", "choose negative or positive");
                    None
                }
            },
        };
        if let Some((d, _)) = screen
            && d > today
        {
            e.add("screen_on", "the screen's date is in the future");
        }
        let whole = |field: &'static str, s: &str, e: &mut ValidationErrors| match s.trim() {
            "" => None,
            t => match t.parse::<u32>() {
                Ok(v) if v > 0 => Some(v),
                _ => {
                    e.add(field, "give a whole number above zero");
                    None
                }
            },
        };
        let level = match (self.level_value.trim(), self.level_on.trim()) {
            ("", "") => None,
            (v, d) => match (parse_amount(v).filter(|x| *x >= 0.0), parse_date(d)) {
                (Some(v), Some(d)) if d <= today => Some((v, d)),
                (None, _) => {
                    e.add("level_value", "give the level as a number");
                    None
                }
                _ => {
                    e.add(
                        "level_on",
                        "give the level's date as YYYY-MM-DD, not in the future",
                    );
                    None
                }
            },
        };
        let creatinine_clearance =
            whole("creatinine_clearance", &self.creatinine_clearance, &mut e);
        let qtc_ms = whole("qtc_ms", &self.qtc_ms, &mut e);
        match (drug, dose, route, frequency, sig, start) {
            (
                Some(drug),
                Some(daily_dose),
                Some(route),
                Some(frequency),
                Some(sig),
                Some(start),
            ) if e.is_empty() => Ok(NewOrder {
                drug,
                daily_dose,
                route,
                frequency,
                sig,
                start,
                indication,
                cross_taper: self.cross_taper,
                first_day,
                induction,
                facts: DocumentedFacts {
                    opioid_screen: screen,
                    creatinine_clearance,
                    disulfiram_consent: self.disulfiram_consent,
                    qtc_ms,
                    levels: level
                        .map(|(v, d)| vec![(drug.get(), v, d)])
                        .unwrap_or_default(),
                    smoking_change: self.smoking_change,
                    cyp2c19_poor_metabolizer: self.cyp2c19_poor_metabolizer,
                    last_alcohol_use: None,
                },
            }),
            _ => {
                if e.is_empty() {
                    e.add("drug", "the order is incomplete");
                }
                Err(e)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    #[test]
    fn a_taper_that_has_ended_is_completed() {
        let today = date!(2026 - 11 - 22);
        assert_eq!(
            status_on(OrderStatus::Active, Some(today), today),
            OrderStatus::Completed
        );
        assert_eq!(
            status_on(OrderStatus::Active, Some(date!(2026 - 11 - 23)), today),
            OrderStatus::Active
        );
        assert_eq!(
            status_on(OrderStatus::OnHold, Some(today), today),
            OrderStatus::OnHold
        );
    }

    #[test]
    fn a_taper_goes_down_by_date_and_a_titration_changes_the_dose() {
        let today = date!(2026 - 11 - 22);
        let mg = |v| Dose::mg(v).unwrap_or_else(|| unreachable!());
        let cur = mg(100.0);
        let ok = DoseChange::Taper {
            steps: vec![
                DoseStep {
                    on: today,
                    dose: mg(75.0),
                },
                DoseStep {
                    on: date!(2026 - 11 - 29),
                    dose: mg(50.0),
                },
            ],
            stop_on: Some(date!(2026 - 12 - 06)),
        };
        assert!(ok.validate(cur, today).is_ok());
        let up = DoseChange::Taper {
            steps: vec![DoseStep {
                on: today,
                dose: mg(150.0),
            }],
            stop_on: None,
        };
        assert!(up.validate(cur, today).is_err());
        let same = DoseChange::Titrate(DoseStep {
            on: today,
            dose: mg(100.0),
        });
        assert!(same.validate(cur, today).is_err());
        let early_stop = DoseChange::Taper {
            steps: vec![DoseStep {
                on: today,
                dose: mg(50.0),
            }],
            stop_on: Some(today),
        };
        assert!(early_stop.validate(cur, today).is_err());
    }

    #[test]
    fn the_dose_in_force_is_the_latest_step_begun() {
        let mg = |v| Dose::mg(v);
        let steps = [
            (StepKind::Start, date!(2026 - 11 - 01), mg(50.0)),
            (StepKind::Hold, date!(2026 - 11 - 05), None),
            (StepKind::Titrate, date!(2026 - 11 - 10), mg(100.0)),
        ];
        assert_eq!(dose_on(&steps, date!(2026 - 11 - 09)), mg(50.0));
        assert_eq!(dose_on(&steps, date!(2026 - 11 - 10)), mg(100.0));
        assert_eq!(dose_on(&steps, date!(2026 - 10 - 01)), mg(50.0));
    }

    fn catalog() -> Catalog {
        Catalog::parse(tandem_content::MEDICATION_CATALOG).unwrap_or_else(|e| panic!("{e}"))
    }

    fn input() -> OrderInput {
        OrderInput {
            drug: "42351".into(),
            dose: "600".into(),
            unit: "mg".into(),
            route: "oral".into(),
            frequency: "twice_daily".into(),
            sig: " 300 mg twice a day ".into(),
            level_value: "1.6".into(),
            level_on: "2026-11-20".into(),
            ..OrderInput::default()
        }
    }

    #[test]
    fn the_form_names_each_bad_field_and_reads_an_alias_as_its_ingredient() {
        let today = date!(2026 - 11 - 22);
        let c = catalog();
        let o = input()
            .validate(&c, today)
            .unwrap_or_else(|e| panic!("{e}"));
        // Lithium carbonate's code is lithium to every check.
        assert_eq!(o.drug.get(), 6448);
        assert_eq!(o.sig, "300 mg twice a day");
        assert_eq!(o.start, today);
        assert_eq!(o.facts.levels, vec![(6448, 1.6, date!(2026 - 11 - 20))]);
        let bad = OrderInput {
            drug: "999999".into(),
            dose: "0".into(),
            sig: " ".into(),
            start: "2029-01-01".into(),
            induction_cows: "60".into(),
            ..input()
        };
        let e = bad.validate(&c, today).err().unwrap_or_default();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field).collect();
        assert_eq!(fields, ["drug", "dose", "sig", "start", "induction_cows"]);
    }

    #[test]
    fn codes_round_trip() {
        for r in Route::ALL {
            assert_eq!(Route::parse(r.as_str()), Some(r));
        }
        for f in Frequency::ALL {
            assert_eq!(Frequency::parse(f.as_str()), Some(f));
            if let Some((n, p, u)) = f.repeat() {
                assert_eq!(Frequency::from_repeat(n, p, u), Some(f));
            }
        }
        for u in DoseUnit::ALL {
            assert_eq!(DoseUnit::parse(u.ucum()), Some(u));
        }
        assert!(can_prescribe(Role::Prescriber));
        assert!(!can_prescribe(Role::Nurse));
    }
}
