//! The daily dosing log of an opioid treatment program: who may record a
//! dose, what one day's records may hold (one dose, the parts of one split
//! dose, or a missed day), the ceiling of the order's dose in force, the
//! count of missed doses since the last one given, and the take-home
//! schedule a prescriber grants (`take_home`'s ceiling and criteria).

use super::catalog::{Catalog, RxCui};
use super::order::{Dose, DoseUnit};
use super::take_home::{Ceiling, TakeHomeRequest, TakeHomeRules};
use crate::role::Role;
use std::collections::BTreeSet;
use time::Date;

/// Nurses and prescribers give doses; other clinicians read the log.
pub fn can_record_dose(role: Role) -> bool {
    matches!(role, Role::Nurse | Role::Prescriber)
}

/// Only prescribers document the take-home criteria and grant take-home
/// days: the rule names the practitioner.
pub fn can_grant_take_home(role: Role) -> bool {
    role == Role::Prescriber
}

/// The most parts a split dose is given in. Not a clinical rule: it bounds
/// what a form offers (twice a day is the usual split).
pub const MAX_PARTS: u8 = 4;

/// Which part of the day's dose a record is: 1 of 1 when not split.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Part {
    number: u8,
    of: u8,
}

impl Part {
    pub const WHOLE: Part = Part { number: 1, of: 1 };

    pub fn new(number: u8, of: u8) -> Option<Part> {
        (1..=MAX_PARTS)
            .contains(&of)
            .then_some(())
            .filter(|_| (1..=of).contains(&number))
            .map(|_| Part { number, of })
    }

    pub fn number(self) -> u8 {
        self.number
    }

    pub fn of(self) -> u8 {
        self.of
    }

    pub fn is_split(self) -> bool {
        self.of > 1
    }
}

/// How a dose reached the patient.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Given {
    /// Taken at the clinic under observation.
    Observed,
    /// Dispensed to take at home on a date of the take-home schedule.
    TakeHome,
}

impl Given {
    pub fn as_str(self) -> &'static str {
        match self {
            Given::Observed => "observed",
            Given::TakeHome => "take_home",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Given::Observed => "Observed",
            Given::TakeHome => "Take-home",
        }
    }
}

/// One record of the log for one day.
#[derive(Clone, Debug, PartialEq)]
pub enum Entry {
    Given {
        how: Given,
        amount: Dose,
        part: Part,
    },
    /// No dose that day.
    Missed,
}

impl Entry {
    pub fn kind_str(&self) -> &'static str {
        match self {
            Entry::Given { how, .. } => how.as_str(),
            Entry::Missed => "missed",
        }
    }

    pub fn part(&self) -> Part {
        match self {
            Entry::Given { part, .. } => *part,
            Entry::Missed => Part::WHOLE,
        }
    }

    /// The parsed form of a stored record.
    pub fn parse(
        kind: &str,
        amount: Option<f64>,
        unit: Option<&str>,
        part: i64,
        parts: i64,
    ) -> Option<Entry> {
        let how = match kind {
            "missed" => return Some(Entry::Missed),
            "observed" => Given::Observed,
            "take_home" => Given::TakeHome,
            _ => return None,
        };
        let unit = DoseUnit::parse(unit?)?;
        Some(Entry::Given {
            how,
            amount: Dose::new(amount?, unit)?,
            part: Part::new(u8::try_from(part).ok()?, u8::try_from(parts).ok()?)?,
        })
    }
}

/// Why a record cannot join the day's log.
#[derive(Clone, Debug, PartialEq, thiserror::Error)]
pub enum DayError {
    #[error("give the dose in {0}, the unit of the order")]
    Unit(&'static str),
    #[error(
        "{given} {unit} is more than the order's dose in force on this day ({in_force} {unit}); give at most {left} {unit}"
    )]
    AboveOrder {
        given: String,
        in_force: String,
        left: String,
        unit: &'static str,
    },
    #[error(
        "a dose is already recorded for this day; a second record is only the next part of a split dose"
    )]
    AlreadyRecorded,
    #[error("this day is recorded as missed")]
    DayMissed,
    #[error("a dose was given this day, so it cannot be recorded as missed")]
    DoseGiven,
    #[error("part {number} of {of} is already recorded for this day")]
    PartRecorded { number: u8, of: u8 },
    #[error("this day's dose is split in {0} parts; record the next part as one of {0}")]
    SplitMismatch(u8),
}

/// Whether `new` may join the records already kept for its day, against the
/// order's dose in force that day: one whole dose, or the parts of one split
/// dose whose total stays within the order, or a missed day alone.
pub fn check_day(existing: &[Entry], new: &Entry, in_force: Dose) -> Result<(), DayError> {
    let unit = in_force.unit.label();
    match new {
        Entry::Missed => {
            if existing.iter().any(|e| matches!(e, Entry::Given { .. })) {
                return Err(DayError::DoseGiven);
            }
            if !existing.is_empty() {
                return Err(DayError::DayMissed);
            }
            Ok(())
        }
        Entry::Given { amount, part, .. } => {
            if amount.unit != in_force.unit {
                return Err(DayError::Unit(unit));
            }
            let mut so_far = 0.0;
            for e in existing {
                match e {
                    Entry::Missed => return Err(DayError::DayMissed),
                    Entry::Given {
                        amount: a, part: p, ..
                    } => {
                        if !p.is_split() || !part.is_split() {
                            return Err(DayError::AlreadyRecorded);
                        }
                        if p.of != part.of {
                            return Err(DayError::SplitMismatch(p.of));
                        }
                        if p.number == part.number {
                            return Err(DayError::PartRecorded {
                                number: p.number,
                                of: p.of,
                            });
                        }
                        so_far += a.quantity.get();
                    }
                }
            }
            let limit = in_force.quantity.get();
            // A tolerance below any measurable dose keeps 0.1 + 0.2 from
            // failing against 0.3.
            if so_far + amount.quantity.get() > limit + 1e-9 {
                return Err(DayError::AboveOrder {
                    given: qty(amount.quantity.get()),
                    in_force: qty(limit),
                    left: qty((limit - so_far).max(0.0)),
                    unit,
                });
            }
            Ok(())
        }
    }
}

/// A dose as people write it: 50, 12.5.
fn qty(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

/// Missed doses since the last dose given: the records of missed days dated
/// after the last day a dose (or part of one) was given. These are
/// consecutive missed doses, since no dose came between them.
pub fn missed_since_last_dose(days: &[(Date, bool)]) -> u32 {
    let last_given = days
        .iter()
        .filter(|(_, given)| *given)
        .map(|(d, _)| *d)
        .max();
    let missed: BTreeSet<Date> = days
        .iter()
        .filter(|(d, given)| !*given && last_given.is_none_or(|g| *d > g))
        .map(|(d, _)| *d)
        .collect();
    u32::try_from(missed.len()).unwrap_or(u32::MAX)
}

/// Days in treatment on `day`, counting the order's start date as day 0
/// (the day of admission, as the take-home ladder counts).
pub fn days_in_treatment(start: Date, day: Date) -> u32 {
    u32::try_from((day - start).whole_days()).unwrap_or(0)
}

/// What the practitioner recorded for one take-home criterion.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct CriterionReview {
    pub id: String,
    pub met: bool,
    pub note: String,
}

/// Why a criteria review is incomplete.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ReviewError {
    #[error("say whether this criterion is met")]
    Unanswered(String),
    #[error("{0} is not a take-home criterion")]
    Unknown(String),
    #[error("keep the note under 1000 characters")]
    NoteTooLong(String),
}

impl ReviewError {
    /// The criterion the problem is about.
    pub fn criterion(&self) -> &str {
        match self {
            ReviewError::Unanswered(c) | ReviewError::Unknown(c) | ReviewError::NoteTooLong(c) => c,
        }
    }
}

/// A review answers every criterion of the rules, met or not, each with an
/// optional note.
pub fn check_review(
    rules: &TakeHomeRules,
    answers: &[(String, Option<bool>, String)],
) -> Result<Vec<CriterionReview>, Vec<ReviewError>> {
    let mut errors = Vec::new();
    for (id, _, _) in answers {
        if !rules.criteria.items.iter().any(|c| &c.id == id) {
            errors.push(ReviewError::Unknown(id.clone()));
        }
    }
    let mut out = Vec::new();
    for c in &rules.criteria.items {
        let found = answers.iter().find(|(id, _, _)| *id == c.id);
        match found {
            Some((_, Some(met), note)) => {
                let note = note.trim();
                if note.chars().count() > 1000 {
                    errors.push(ReviewError::NoteTooLong(c.id.clone()));
                }
                out.push(CriterionReview {
                    id: c.id.clone(),
                    met: *met,
                    note: note.to_string(),
                });
            }
            _ => errors.push(ReviewError::Unanswered(c.id.clone())),
        }
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// One date of a take-home schedule.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct TakeHomeDay {
    pub on: Date,
    /// A day the clinic is closed: allowed at any time, not counted.
    pub closure: bool,
}

/// Why a take-home schedule cannot be granted.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ScheduleError {
    #[error("choose at least one date")]
    NoDates,
    #[error("take-home dates must come after today ({0} is not)")]
    NotAfterToday(Date),
    #[error("{0} is listed twice")]
    Twice(Date),
    #[error(
        "{requested} take-home days on day {day} of treatment is above the ceiling of {max} ({citation}); clinic-closure days are allowed besides"
    )]
    AboveCeiling {
        requested: u32,
        day: u32,
        max: u32,
        citation: String,
    },
    #[error("document the take-home criteria first; not documented: {0}")]
    CriteriaMissing(String),
    #[error("the practitioner recorded these criteria as not met: {0}")]
    CriteriaNotMet(String),
}

/// Checks a take-home schedule for `drug` on day `day` of treatment: dates
/// after today, each once; the days counted (not clinic closures) within
/// the ceiling; and, where the ceiling applies and any counted day is asked
/// for, every criterion documented and met. The ceiling and the criteria
/// do not apply to buprenorphine ([`Ceiling::NotApplicable`]).
pub fn check_schedule(
    rules: &TakeHomeRules,
    catalog: &Catalog,
    drug: RxCui,
    today: Date,
    day: u32,
    dates: &[TakeHomeDay],
    review: Option<&[CriterionReview]>,
) -> Result<Ceiling, ScheduleError> {
    if dates.is_empty() {
        return Err(ScheduleError::NoDates);
    }
    let mut seen = BTreeSet::new();
    for d in dates {
        if d.on <= today {
            return Err(ScheduleError::NotAfterToday(d.on));
        }
        if !seen.insert(d.on) {
            return Err(ScheduleError::Twice(d.on));
        }
    }
    let counted = u32::try_from(dates.iter().filter(|d| !d.closure).count()).unwrap_or(u32::MAX);
    let ceiling = rules.ceiling(catalog, drug, day);
    let Ceiling::Days(max) = ceiling else {
        return Ok(ceiling);
    };
    if counted > max {
        return Err(ScheduleError::AboveCeiling {
            requested: counted,
            day,
            max,
            citation: rules.source.clone(),
        });
    }
    if counted == 0 {
        return Ok(ceiling);
    }
    let documented: BTreeSet<String> = review
        .unwrap_or_default()
        .iter()
        .map(|r| r.id.clone())
        .collect();
    let findings = rules.assess(
        catalog,
        &TakeHomeRequest {
            drug,
            days_in_treatment: day,
            days_requested: counted,
            criteria_documented: documented,
        },
    );
    if !findings.is_empty() {
        let missing: Vec<&str> = rules
            .criteria
            .items
            .iter()
            .filter(|c| review.is_none_or(|r| !r.iter().any(|x| x.id == c.id)))
            .map(|c| c.text.as_str())
            .collect();
        return Err(ScheduleError::CriteriaMissing(missing.join("; ")));
    }
    let not_met: Vec<&str> = rules
        .criteria
        .items
        .iter()
        .filter(|c| {
            review
                .unwrap_or_default()
                .iter()
                .any(|x| x.id == c.id && !x.met)
        })
        .map(|c| c.text.as_str())
        .collect();
    if !not_met.is_empty() {
        return Err(ScheduleError::CriteriaNotMet(not_met.join("; ")));
    }
    Ok(ceiling)
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
    use super::*;
    use time::macros::date;

    fn given(mg: f64, part: Part) -> Entry {
        Entry::Given {
            how: Given::Observed,
            amount: Dose::mg(mg).unwrap(),
            part,
        }
    }

    #[test]
    fn only_nurses_and_prescribers_record_doses() {
        let allowed: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| can_record_dose(*r))
            .collect();
        assert_eq!(allowed, [Role::Prescriber, Role::Nurse]);
        assert!(!can_grant_take_home(Role::Nurse));
    }

    #[test]
    fn a_day_holds_one_dose_or_the_parts_of_one_split_dose() {
        let order = Dose::mg(80.0).unwrap();
        assert_eq!(
            check_day(
                &[given(80.0, Part::WHOLE)],
                &given(10.0, Part::WHOLE),
                order
            ),
            Err(DayError::AlreadyRecorded)
        );
        let first = given(40.0, Part::new(1, 2).unwrap());
        assert_eq!(
            check_day(
                std::slice::from_ref(&first),
                &given(40.0, Part::new(2, 2).unwrap()),
                order
            ),
            Ok(())
        );
        assert_eq!(
            check_day(
                std::slice::from_ref(&first),
                &given(40.0, Part::new(1, 2).unwrap()),
                order
            ),
            Err(DayError::PartRecorded { number: 1, of: 2 })
        );
        let over = check_day(&[first], &given(45.0, Part::new(2, 2).unwrap()), order);
        assert!(
            matches!(&over, Err(DayError::AboveOrder { left, .. }) if left == "40"),
            "{over:?}"
        );
        assert_eq!(
            check_day(&[Entry::Missed], &given(10.0, Part::WHOLE), order),
            Err(DayError::DayMissed)
        );
        assert_eq!(
            check_day(&[given(80.0, Part::WHOLE)], &Entry::Missed, order),
            Err(DayError::DoseGiven)
        );
        assert!(Part::new(3, 2).is_none() && Part::new(1, 5).is_none());
    }

    #[test]
    fn a_dose_above_the_order_is_refused_and_says_the_limit() {
        let e = check_day(&[], &given(90.0, Part::WHOLE), Dose::mg(80.0).unwrap()).unwrap_err();
        assert_eq!(
            e.to_string(),
            "90 mg is more than the order's dose in force on this day (80 mg); give at most 80 mg"
        );
    }

    #[test]
    fn missed_doses_count_from_the_last_dose_given() {
        let d = |n: u8| date!(2026 - 11 - 01) + time::Duration::days(i64::from(n));
        assert_eq!(missed_since_last_dose(&[]), 0);
        assert_eq!(
            missed_since_last_dose(&[(d(0), false), (d(1), true), (d(2), false), (d(3), false)]),
            2
        );
        assert_eq!(
            missed_since_last_dose(&[(d(0), false), (d(1), false), (d(2), false)]),
            3
        );
        assert_eq!(missed_since_last_dose(&[(d(2), false), (d(3), true)]), 0);
    }

    #[test]
    fn day_zero_is_the_start_date() {
        let start = date!(2026 - 11 - 01);
        assert_eq!(days_in_treatment(start, start), 0);
        assert_eq!(days_in_treatment(start, date!(2026 - 11 - 16)), 15);
        assert_eq!(days_in_treatment(start, date!(2026 - 10 - 30)), 0);
    }
}
