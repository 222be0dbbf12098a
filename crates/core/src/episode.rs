//! Episodes of care: enrolment in a program at a level of care, changes of
//! level, and discharge. The rules on dates and levels live here; what an
//! episode holds is in the store.

use crate::level_of_care::LevelOfCare;
use crate::patient::parse_date;
use crate::program::{Program, Programs};
use crate::validation::ValidationErrors;
use std::fmt;
use std::str::FromStr;
use time::Date;

/// Why an episode ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum DischargeReason {
    CompletedTreatment,
    Transferred,
    LeftAgainstAdvice,
    Administrative,
    Other,
}

impl DischargeReason {
    pub const ALL: [DischargeReason; 5] = [
        DischargeReason::CompletedTreatment,
        DischargeReason::Transferred,
        DischargeReason::LeftAgainstAdvice,
        DischargeReason::Administrative,
        DischargeReason::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            DischargeReason::CompletedTreatment => "completed_treatment",
            DischargeReason::Transferred => "transferred",
            DischargeReason::LeftAgainstAdvice => "left_against_advice",
            DischargeReason::Administrative => "administrative",
            DischargeReason::Other => "other",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            DischargeReason::CompletedTreatment => "Completed treatment",
            DischargeReason::Transferred => "Transferred",
            DischargeReason::LeftAgainstAdvice => "Left against advice",
            DischargeReason::Administrative => "Administrative",
            DischargeReason::Other => "Other",
        }
    }
}

impl FromStr for DischargeReason {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        Self::ALL.into_iter().find(|v| v.as_str() == s).ok_or(())
    }
}

impl fmt::Display for DischargeReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// A date on a form: required, a full date, not after `today`.
fn day(
    errors: &mut ValidationErrors,
    field: &'static str,
    text: &str,
    today: Date,
) -> Option<Date> {
    let text = text.trim();
    if text.is_empty() {
        errors.add(field, "give the date");
        return None;
    }
    match parse_date(text) {
        None => {
            errors.add(field, "give the date as YYYY-MM-DD");
            None
        }
        Some(d) if d > today => {
            errors.add(field, "the date is in the future");
            None
        }
        Some(d) => Some(d),
    }
}

/// A level id that the program offers.
fn level_in(
    errors: &mut ValidationErrors,
    program: Option<&Program>,
    text: &str,
) -> Option<LevelOfCare> {
    let text = text.trim();
    if text.is_empty() {
        errors.add("level", "choose a level of care");
        return None;
    }
    let Some(level) = LevelOfCare::parse(text) else {
        errors.add("level", format!("{text:?} is not a level of care"));
        return None;
    };
    let program = program?;
    if !program.offers(level) {
        let offered: Vec<&str> = program.levels.iter().map(|l| l.label()).collect();
        errors.add(
            "level",
            format!(
                "{} does not offer {}; it offers {}",
                program.name,
                level.label(),
                offered.join(", ")
            ),
        );
        return None;
    }
    Some(level)
}

/// An enrolment: the program, a level it offers, and the day.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EnrolInput {
    pub program: String,
    pub level: String,
    pub on: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Enrolment {
    pub program: String,
    pub level: LevelOfCare,
    pub on: Date,
}

impl EnrolInput {
    /// Fields: `program`, `level`, `on`. `not_before` is the end of the
    /// patient's last episode, if any: episodes do not overlap.
    pub fn validate(
        &self,
        programs: &Programs,
        today: Date,
        not_before: Option<Date>,
    ) -> Result<Enrolment, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let id = self.program.trim();
        let program = if id.is_empty() {
            errors.add("program", "choose a program");
            None
        } else {
            let p = programs.get(id);
            if p.is_none() {
                errors.add("program", format!("there is no program {id:?}"));
            }
            p
        };
        let level = level_in(&mut errors, program, &self.level);
        let on = day(&mut errors, "on", &self.on, today);
        if let (Some(d), Some(limit)) = (on, not_before)
            && d < limit
        {
            errors.add(
                "on",
                format!("the last episode ended on {limit}; enrol on that day or later"),
            );
        }
        match (program, level, on) {
            (Some(p), Some(level), Some(on)) if errors.is_empty() => Ok(Enrolment {
                program: p.id.clone(),
                level,
                on,
            }),
            _ => Err(errors),
        }
    }
}

/// A change of level within the open episode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TransitionInput {
    pub level: String,
    pub on: String,
    pub reason: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Transition {
    pub from: LevelOfCare,
    pub to: LevelOfCare,
    pub on: Date,
    pub reason: String,
}

/// A reason or summary: required, of a sensible length.
fn text(
    errors: &mut ValidationErrors,
    field: &'static str,
    value: &str,
    what: &str,
) -> Option<String> {
    let v = value.trim();
    if v.chars().count() < 3 {
        errors.add(field, format!("give the {what} in a few words"));
        return None;
    }
    if v.chars().count() > 4000 {
        errors.add(field, format!("keep the {what} under 4,000 characters"));
        return None;
    }
    Some(v.to_string())
}

impl TransitionInput {
    /// Fields: `level`, `on`, `reason`. `not_before` is the later of the
    /// episode's start and its last transition.
    pub fn validate(
        &self,
        program: &Program,
        current: LevelOfCare,
        not_before: Date,
        today: Date,
    ) -> Result<Transition, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let to = level_in(&mut errors, Some(program), &self.level);
        if to == Some(current) {
            errors.add(
                "level",
                format!("the episode is already at {}", current.label()),
            );
        }
        let on = day(&mut errors, "on", &self.on, today);
        if let Some(d) = on
            && d < not_before
        {
            errors.add(
                "on",
                format!("the date is before {not_before}, the episode's start or its last change of level"),
            );
        }
        let reason = text(&mut errors, "reason", &self.reason, "reason");
        match (to, on, reason) {
            (Some(to), Some(on), Some(reason)) if errors.is_empty() => Ok(Transition {
                from: current,
                to,
                on,
                reason,
            }),
            _ => Err(errors),
        }
    }
}

/// Closing an episode.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct DischargeInput {
    pub on: String,
    pub reason: String,
    pub summary: String,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Discharge {
    pub on: Date,
    pub reason: DischargeReason,
    pub summary: String,
}

impl DischargeInput {
    /// Fields: `on`, `reason`, `summary`. `not_before` as for a transition.
    pub fn validate(&self, not_before: Date, today: Date) -> Result<Discharge, ValidationErrors> {
        let mut errors = ValidationErrors::default();
        let on = day(&mut errors, "on", &self.on, today);
        if let Some(d) = on
            && d < not_before
        {
            errors.add(
                "on",
                format!("the date is before {not_before}, the episode's start or its last change of level"),
            );
        }
        let reason = match self.reason.trim() {
            "" => {
                errors.add("reason", "choose why the episode ends");
                None
            }
            r => {
                let parsed = r.parse().ok();
                if parsed.is_none() {
                    errors.add("reason", format!("{r:?} is not a discharge reason"));
                }
                parsed
            }
        };
        let summary = text(&mut errors, "summary", &self.summary, "discharge summary");
        match (on, reason, summary) {
            (Some(on), Some(reason), Some(summary)) if errors.is_empty() => Ok(Discharge {
                on,
                reason,
                summary,
            }),
            _ => Err(errors),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const TODAY: Date = date!(2026 - 11 - 22);

    fn programs() -> Programs {
        Programs::parse(tandem_content::PROGRAMS, |_| true).unwrap_or_else(|e| unreachable!("{e}"))
    }

    #[test]
    fn enrolment_needs_a_level_the_program_offers_and_a_past_date() {
        let p = programs();
        let ok = EnrolInput {
            program: "substance_use".into(),
            level: "residential".into(),
            on: "2026-11-01".into(),
        }
        .validate(&p, TODAY, None)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(ok.level, LevelOfCare::Residential);
        let e = EnrolInput {
            program: "otp".into(),
            level: "residential".into(),
            on: "2026-11-23".into(),
        }
        .validate(&p, TODAY, None)
        .err()
        .unwrap_or_default();
        assert!(
            e.for_field("level")
                .unwrap_or("")
                .contains("does not offer")
        );
        assert!(e.for_field("on").unwrap_or("").contains("future"));
        let overlap = EnrolInput {
            program: "otp".into(),
            level: "opioid_treatment_program".into(),
            on: "2026-10-01".into(),
        }
        .validate(&p, TODAY, Some(date!(2026 - 10 - 15)))
        .err()
        .unwrap_or_default();
        assert!(overlap.for_field("on").is_some());
    }

    #[test]
    fn a_transition_changes_level_forward_in_time_with_a_reason() {
        let p = programs();
        let su = p.get("substance_use").unwrap_or_else(|| unreachable!());
        let start = date!(2026 - 11 - 01);
        let input = |level: &str, on: &str, reason: &str| TransitionInput {
            level: level.into(),
            on: on.into(),
            reason: reason.into(),
        };
        let t = input(
            "intensive_outpatient",
            "2026-11-10",
            "stable in residential",
        )
        .validate(su, LevelOfCare::Residential, start, TODAY)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(t.from, LevelOfCare::Residential);
        assert_eq!(t.to, LevelOfCare::IntensiveOutpatient);
        let same = input("residential", "2026-11-10", "again")
            .validate(su, LevelOfCare::Residential, start, TODAY)
            .err()
            .unwrap_or_default();
        assert!(same.for_field("level").unwrap_or("").contains("already"));
        let early = input("outpatient", "2026-10-31", "")
            .validate(su, LevelOfCare::Residential, start, TODAY)
            .err()
            .unwrap_or_default();
        assert!(early.for_field("on").is_some());
        assert!(early.for_field("reason").is_some());
        let offered = input("opioid_treatment_program", "2026-11-10", "methadone")
            .validate(su, LevelOfCare::Residential, start, TODAY)
            .err()
            .unwrap_or_default();
        assert!(offered.for_field("level").is_some());
    }

    #[test]
    fn discharge_reasons_come_from_the_fixed_list() {
        let start = date!(2026 - 11 - 01);
        let d = DischargeInput {
            on: "2026-11-20".into(),
            reason: "completed_treatment".into(),
            summary: "Goals met.".into(),
        }
        .validate(start, TODAY)
        .unwrap_or_else(|e| unreachable!("{e}"));
        assert_eq!(d.reason, DischargeReason::CompletedTreatment);
        let e = DischargeInput {
            on: "2026-12-01".into(),
            reason: "bored".into(),
            summary: String::new(),
        }
        .validate(start, TODAY)
        .err()
        .unwrap_or_default();
        for f in ["on", "reason", "summary"] {
            assert!(e.for_field(f).is_some(), "{f}");
        }
        for r in DischargeReason::ALL {
            assert_eq!(r.as_str().parse(), Ok(r));
        }
    }
}
