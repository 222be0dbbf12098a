//! Flags: what the team must not miss, on the chart header, in the registry
//! and, for safety flags, in every care-team member's notifications.
//!
//! A flag is raised and cleared by the data alone: it is active exactly while
//! its condition holds on the latest measures. Acknowledging a flag records
//! that someone saw it; it never closes it.

use crate::trajectory::Status;
use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;
use time::Date;

/// The kinds of flag. Their display text is fixed: integrators match on it
/// (`Flag.code.text`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum FlagKind {
    /// Any positive PHQ-9 item 9, EPDS item 10, or a C-SSRS screen at
    /// moderate or high risk, whatever the total.
    SuicideRisk,
    /// A COWS or CIWA-Ar total in the severe band.
    SevereWithdrawal,
    /// Past the review point without response or improvement (treat to target).
    NotImproving,
    /// Up by the worsening rise from baseline.
    Worsening,
    /// No measure within the cadence.
    Overdue,
    /// Consecutive missed doses of an opioid treatment program's methadone
    /// at the clinic's review setting: the dose needs reassessing before the
    /// next one (tolerance may be lost). Raised and cleared by the dosing
    /// log, never by measures.
    MissedDoses,
}

impl FlagKind {
    /// In priority order, as the registry lists them.
    pub const ALL: [FlagKind; 6] = [
        FlagKind::SuicideRisk,
        FlagKind::SevereWithdrawal,
        FlagKind::MissedDoses,
        FlagKind::Overdue,
        FlagKind::NotImproving,
        FlagKind::Worsening,
    ];

    /// The id used in content files, the database and URLs.
    pub fn as_str(self) -> &'static str {
        match self {
            FlagKind::SuicideRisk => "suicide_risk",
            FlagKind::SevereWithdrawal => "severe_withdrawal",
            FlagKind::NotImproving => "not_improving",
            FlagKind::Worsening => "worsening",
            FlagKind::Overdue => "overdue",
            FlagKind::MissedDoses => "missed_doses",
        }
    }

    /// What people read, and `Flag.code.text`.
    pub fn text(self) -> &'static str {
        match self {
            FlagKind::SuicideRisk => "Suicide risk",
            FlagKind::SevereWithdrawal => "Severe withdrawal",
            FlagKind::NotImproving => "Not improving",
            FlagKind::Worsening => "Worsening",
            FlagKind::Overdue => "Overdue",
            FlagKind::MissedDoses => "Missed doses",
        }
    }

    pub fn from_text(text: &str) -> Option<FlagKind> {
        FlagKind::ALL.into_iter().find(|k| k.text() == text)
    }

    /// Safety flags reach every care-team member's notifications and need
    /// an acknowledgement.
    /// "Missed doses" is one: the next full dose may be more than a patient
    /// who lost tolerance can take.
    pub fn is_safety(self) -> bool {
        matches!(
            self,
            FlagKind::SuicideRisk | FlagKind::SevereWithdrawal | FlagKind::MissedDoses
        )
    }

    /// Raised by an answer or a band of one response (named in instrument
    /// files), rather than by the course of scores or the calendar.
    pub fn raised_by_answers(self) -> bool {
        matches!(self, FlagKind::SuicideRisk | FlagKind::SevereWithdrawal)
    }

    /// Whether measures and the calendar decide the flag. The dosing log
    /// decides "Missed doses", so a new measure must leave it alone.
    pub fn decided_by_measures(self) -> bool {
        self != FlagKind::MissedDoses
    }

    /// One bit per kind, for the registry's flag column.
    pub fn bit(self) -> i64 {
        1 << (self as u32)
    }

    /// The bits of a set of kinds.
    pub fn bits(kinds: &[FlagKind]) -> i64 {
        kinds.iter().fold(0, |b, k| b | k.bit())
    }

    /// Registry sort weight of a set of flags: a suicide-risk flag outranks
    /// any number of lesser flags (the priority order of [`FlagKind::ALL`],
    /// from the clinical reference, section 2).
    pub fn urgency(kinds: &[FlagKind]) -> i64 {
        let n = FlagKind::ALL.len();
        kinds
            .iter()
            .filter_map(|k| FlagKind::ALL.iter().position(|x| x == k))
            .fold(0, |u, pos| u | (1i64 << (n - 1 - pos)))
    }

    /// The kinds whose bits are set.
    pub fn from_bits(bits: i64) -> Vec<FlagKind> {
        FlagKind::ALL
            .into_iter()
            .filter(|k| bits & k.bit() != 0)
            .collect()
    }
}

impl fmt::Display for FlagKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.text())
    }
}

impl FromStr for FlagKind {
    type Err = ();
    fn from_str(s: &str) -> Result<Self, ()> {
        FlagKind::ALL
            .into_iter()
            .find(|k| k.as_str() == s)
            .ok_or(())
    }
}

/// One flag an answer raised on the latest response of an instrument.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Hit {
    pub flag: String,
    /// What raised it, e.g. `item "9"`.
    pub source: String,
}

/// The latest state of one instrument in the current episode.
#[derive(Clone, Debug)]
pub struct MeasureState<'a> {
    /// The instrument's display name, for reasons.
    pub name: &'a str,
    /// Flags raised by the latest response.
    pub hits: &'a [Hit],
    /// The trajectory status, when the instrument is read to a target.
    pub status: Option<Status>,
    pub latest_on: Date,
}

/// When the calendar makes a patient overdue.
#[derive(Clone, Copy, Debug)]
pub struct Cadence {
    pub overdue_after_weeks: i64,
}

/// Until when a patient is on time with measures, and why: the clinic's
/// cadence, or the schedule of the patient's care plan.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Due {
    /// The last day that is still on time.
    pub on_time_until: Date,
    /// Why the patient is overdue after it, in words.
    pub reason: String,
}

impl Due {
    pub fn is_overdue(&self, today: Date) -> bool {
        today > self.on_time_until
    }
}

/// The clinic-wide cadence counted from `last`, the last measure (or the
/// episode start when nothing was measured).
pub fn clinic_due(last: Date, cadence: Cadence) -> Due {
    Due {
        on_time_until: last + time::Duration::days(cadence.overdue_after_weeks * 7),
        reason: format!("last measure {last}"),
    }
}

/// The flags that should be active now, each with the reason in words.
/// `episode_start` counts as the last contact when nothing was measured yet.
pub fn wanted(
    measures: &[MeasureState<'_>],
    episode_start: Date,
    today: Date,
    cadence: Cadence,
) -> BTreeMap<FlagKind, String> {
    let last = measures
        .iter()
        .map(|m| m.latest_on)
        .max()
        .unwrap_or(episode_start);
    wanted_by(measures, &clinic_due(last, cadence), today)
}

/// As [`wanted`], with "Overdue" decided by `due` (a care plan's schedule,
/// or [`clinic_due`]).
pub fn wanted_by(
    measures: &[MeasureState<'_>],
    due: &Due,
    today: Date,
) -> BTreeMap<FlagKind, String> {
    let mut out: BTreeMap<FlagKind, Vec<String>> = BTreeMap::new();
    for m in measures {
        for h in m.hits {
            if let Ok(kind) = h.flag.parse::<FlagKind>() {
                out.entry(kind)
                    .or_default()
                    .push(format!("{} {}", m.name, h.source));
            }
        }
        match m.status {
            Some(Status::NotImproving) => out
                .entry(FlagKind::NotImproving)
                .or_default()
                .push(m.name.to_string()),
            Some(Status::Worsening) => out
                .entry(FlagKind::Worsening)
                .or_default()
                .push(m.name.to_string()),
            _ => {}
        }
    }
    if due.is_overdue(today) {
        out.entry(FlagKind::Overdue)
            .or_default()
            .push(due.reason.clone());
    }
    out.into_iter().map(|(k, v)| (k, v.join("; "))).collect()
}

/// More than the cadence since `last`.
pub fn is_overdue(last: Date, today: Date, cadence: Cadence) -> bool {
    (today - last).whole_days() > cadence.overdue_after_weeks * 7
}

/// The last day that still counts as on time: a measure on or after it
/// means not overdue. For queries that filter by date.
pub fn on_time_since(today: Date, cadence: Cadence) -> Date {
    today - time::Duration::days(cadence.overdue_after_weeks * 7)
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::date;

    const CADENCE: Cadence = Cadence {
        overdue_after_weeks: 4,
    };

    fn hit(flag: &str, source: &str) -> Hit {
        Hit {
            flag: flag.into(),
            source: source.into(),
        }
    }

    #[test]
    fn text_is_exactly_what_integrators_match() {
        let texts: Vec<_> = FlagKind::ALL.iter().map(|k| k.text()).collect();
        assert_eq!(
            texts,
            [
                "Suicide risk",
                "Severe withdrawal",
                "Missed doses",
                "Overdue",
                "Not improving",
                "Worsening"
            ]
        );
        for k in FlagKind::ALL {
            assert_eq!(k.as_str().parse::<FlagKind>(), Ok(k));
            assert_eq!(FlagKind::from_text(k.text()), Some(k));
        }
    }

    #[test]
    fn a_suicide_risk_flag_outranks_every_lesser_flag_together() {
        let lesser = [
            FlagKind::SevereWithdrawal,
            FlagKind::MissedDoses,
            FlagKind::Overdue,
            FlagKind::NotImproving,
            FlagKind::Worsening,
        ];
        assert!(FlagKind::urgency(&[FlagKind::SuicideRisk]) > FlagKind::urgency(&lesser));
        assert!(
            FlagKind::urgency(&[FlagKind::Overdue])
                > FlagKind::urgency(&[FlagKind::NotImproving, FlagKind::Worsening])
        );
        assert_eq!(FlagKind::urgency(&[]), 0);
    }

    #[test]
    fn bits_round_trip_and_do_not_collide() {
        let all: i64 = FlagKind::ALL.iter().map(|k| k.bit()).sum();
        assert_eq!(FlagKind::from_bits(all).len(), 6);
        assert_eq!(
            FlagKind::from_bits(FlagKind::Overdue.bit() | FlagKind::SuicideRisk.bit()),
            vec![FlagKind::SuicideRisk, FlagKind::Overdue]
        );
    }

    #[test]
    fn a_positive_critical_item_raises_suicide_risk_whatever_the_status() {
        let hits = [hit("suicide_risk", "item \"9\"")];
        let m = [MeasureState {
            name: "PHQ-9",
            hits: &hits,
            status: Some(Status::Remission),
            latest_on: date!(2026 - 11 - 20),
        }];
        let w = wanted(&m, date!(2026 - 1 - 1), date!(2026 - 11 - 22), CADENCE);
        assert_eq!(
            w.keys().copied().collect::<Vec<_>>(),
            [FlagKind::SuicideRisk]
        );
        assert_eq!(w[&FlagKind::SuicideRisk], "PHQ-9 item \"9\"");
    }

    #[test]
    fn statuses_raise_treat_to_target_flags() {
        let none: [Hit; 0] = [];
        let m = [
            MeasureState {
                name: "PHQ-9",
                hits: &none,
                status: Some(Status::NotImproving),
                latest_on: date!(2026 - 11 - 20),
            },
            MeasureState {
                name: "GAD-7",
                hits: &none,
                status: Some(Status::Worsening),
                latest_on: date!(2026 - 11 - 20),
            },
        ];
        let w = wanted(&m, date!(2026 - 1 - 1), date!(2026 - 11 - 22), CADENCE);
        assert_eq!(w[&FlagKind::NotImproving], "PHQ-9");
        assert_eq!(w[&FlagKind::Worsening], "GAD-7");
        assert!(!w.contains_key(&FlagKind::Overdue));
    }

    #[test]
    fn overdue_starts_the_day_after_the_cadence_ends() {
        let none: [Hit; 0] = [];
        let m = |on| {
            [MeasureState {
                name: "PHQ-9",
                hits: &none,
                status: Some(Status::Improving),
                latest_on: on,
            }]
        };
        let today = date!(2026 - 11 - 22);
        // 28 days ago: still on time; 29 days ago: overdue.
        assert!(
            !wanted(&m(date!(2026 - 10 - 25)), today, today, CADENCE)
                .contains_key(&FlagKind::Overdue)
        );
        assert!(
            wanted(&m(date!(2026 - 10 - 24)), today, today, CADENCE)
                .contains_key(&FlagKind::Overdue)
        );
        assert_eq!(on_time_since(today, CADENCE), date!(2026 - 10 - 25));
        // Nothing measured: the episode start counts.
        assert!(wanted(&[], date!(2026 - 10 - 1), today, CADENCE).contains_key(&FlagKind::Overdue));
        assert!(wanted(&[], date!(2026 - 11 - 1), today, CADENCE).is_empty());
    }

    #[test]
    fn unknown_flag_ids_raise_nothing() {
        let hits = [hit("suicidal", "item 9")];
        let m = [MeasureState {
            name: "X",
            hits: &hits,
            status: None,
            latest_on: date!(2026 - 11 - 20),
        }];
        assert!(wanted(&m, date!(2026 - 11 - 1), date!(2026 - 11 - 22), CADENCE).is_empty());
    }
}
