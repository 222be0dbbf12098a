//! A medication's dose schedule in words a patient can follow at home: what
//! to take from today, then each change with the day it starts, down to the
//! day a taper stops. It is printed and handed over, so it says only what
//! the order says: the daily dose, how often, and the dates.

use super::order::{Dose, Frequency};
use super::prescription::OrderStatus;
use crate::patient_plan::long_date;
use time::{Date, Duration};

/// A step of the order as the schedule needs it: the day it starts and the
/// daily dose it sets (`None`: the day the medicine stops).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Step {
    pub on: Date,
    pub daily: Option<Dose>,
}

/// One line of the printed schedule.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Line {
    /// "Today to Sunday, December 6, 2026", "From Monday, December 7, 2026".
    pub when: String,
    /// "Take 10 mg a day: 5 mg twice a day." or "Stop taking escitalopram."
    pub what: String,
    /// The line in force today.
    pub now: bool,
    /// The last line: the medicine stops.
    pub stop: bool,
}

/// "Monday, December 7, 2026".
pub fn day(d: Date) -> String {
    format!("{}, {}", d.weekday(), long_date(d))
}

/// A quantity without trailing zeros: 10, 7.5, 0.25.
fn qty(v: f64) -> String {
    let s = format!("{v:.3}");
    s.trim_end_matches('0').trim_end_matches('.').to_string()
}

fn dose_words(d: Dose) -> String {
    format!("{} {}", qty(d.quantity.get()), d.unit.label())
}

/// What to take each day at a daily dose, in the order's rhythm.
fn take(daily: Dose, frequency: Frequency) -> String {
    let times = match frequency {
        Frequency::OnceDaily => 1,
        Frequency::TwiceDaily => 2,
        Frequency::ThreeTimesDaily => 3,
        Frequency::FourTimesDaily => 4,
        // No fixed number of doses a day: the dose and the rhythm as
        // ordered.
        other => {
            return format!(
                "Take {} {}.",
                dose_words(daily),
                other.label().to_lowercase()
            );
        }
    };
    let per = Dose::new(daily.quantity.get() / f64::from(times), daily.unit).unwrap_or(daily);
    match times {
        1 => format!("Take {} once a day.", dose_words(daily)),
        n => format!(
            "Take {} a day: {} {} a day.",
            dose_words(daily),
            dose_words(per),
            match n {
                2 => "twice".to_string(),
                n => format!("{n} times"),
            }
        ),
    }
}

/// The schedule from `today` on: the step in force today (or the first
/// one, if the order has not started), then every later step. Steps are
/// taken in date order; a step with no dose stops the medicine and ends the
/// schedule. Empty when the medicine stopped before today.
pub fn for_patient(drug: &str, steps: &[Step], frequency: Frequency, today: Date) -> Vec<Line> {
    let mut steps: Vec<Step> = steps.to_vec();
    steps.sort_by_key(|s| s.on);
    // The step in force today is the last one on or before it.
    let first = steps.iter().rposition(|s| s.on <= today).unwrap_or(0);
    let mut out = Vec::new();
    for (i, s) in steps.iter().enumerate().skip(first) {
        let from = s.on.max(today);
        let now = s.on <= today;
        let Some(daily) = s.daily else {
            if now {
                // Stopped before today: nothing left to take.
                return Vec::new();
            }
            out.push(Line {
                when: format!("From {}", day(from)),
                what: format!("Stop taking {drug}. Do not take any more."),
                now: false,
                stop: true,
            });
            break;
        };
        let next = steps.get(i + 1).map(|n| n.on);
        let start = if now { "Today".to_string() } else { day(from) };
        let when = match next {
            Some(n) if n - Duration::days(1) == from => {
                if now {
                    "Today only".to_string()
                } else {
                    format!("On {}", day(from))
                }
            }
            Some(n) => format!("{start} to {}", day(n - Duration::days(1))),
            None if now => "From today".to_string(),
            None => format!("From {}", day(from)),
        };
        out.push(Line {
            when,
            what: take(daily, frequency),
            now,
            stop: false,
        });
    }
    out
}

/// What the patient's copy says for an order: its schedule, or why there
/// is none to follow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Schedule {
    Lines(Vec<Line>),
    /// On hold or stopped: the sentence in place of the schedule.
    Paused(String),
}

/// The patient's copy of an order in `status`: held and stopped orders say
/// so (a stopped one from the day of its stop step, if any); an active
/// order gets [`for_patient`].
pub fn for_order(
    drug: &str,
    status: OrderStatus,
    steps: &[Step],
    frequency: Frequency,
    today: Date,
) -> Schedule {
    match status {
        OrderStatus::OnHold => Schedule::Paused(format!(
            "Your {drug} is on hold. Do not take it until your prescriber tells you to start again."
        )),
        OrderStatus::Stopped | OrderStatus::Completed => {
            let since = steps
                .iter()
                .filter(|s| s.daily.is_none())
                .map(|s| s.on)
                .max()
                .map(|d| format!(" (from {})", day(d)))
                .unwrap_or_default();
            Schedule::Paused(format!(
                "You have stopped taking {drug}{since}. Do not take it unless your prescriber tells you to."
            ))
        }
        OrderStatus::Active => Schedule::Lines(for_patient(drug, steps, frequency, today)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::medication::order::DoseUnit;
    use time::macros::date;

    fn mg(v: f64) -> Option<Dose> {
        Dose::new(v, DoseUnit::Mg)
    }

    const TODAY: Date = date!(2026 - 11 - 23);

    #[test]
    fn a_taper_reads_as_dated_lines_down_to_the_stop() {
        let steps = [
            Step {
                on: date!(2026 - 10 - 01),
                daily: mg(20.0),
            },
            Step {
                on: date!(2026 - 11 - 16),
                daily: mg(10.0),
            },
            Step {
                on: date!(2026 - 11 - 30),
                daily: mg(5.0),
            },
            Step {
                on: date!(2026 - 12 - 14),
                daily: None,
            },
        ];
        let lines = for_patient("escitalopram", &steps, Frequency::OnceDaily, TODAY);
        let text: Vec<(String, String, bool, bool)> = lines
            .into_iter()
            .map(|l| (l.when, l.what, l.now, l.stop))
            .collect();
        assert_eq!(
            text,
            vec![
                (
                    "Today to Sunday, November 29, 2026".into(),
                    "Take 10 mg once a day.".into(),
                    true,
                    false
                ),
                (
                    "Monday, November 30, 2026 to Sunday, December 13, 2026".into(),
                    "Take 5 mg once a day.".into(),
                    false,
                    false
                ),
                (
                    "From Monday, December 14, 2026".into(),
                    "Stop taking escitalopram. Do not take any more.".into(),
                    false,
                    true
                ),
            ]
        );
    }

    #[test]
    fn a_held_or_stopped_order_says_so_instead() {
        let steps = [
            Step {
                on: date!(2026 - 10 - 01),
                daily: mg(10.0),
            },
            Step {
                on: date!(2026 - 11 - 20),
                daily: None,
            },
        ];
        let held = for_order(
            "lithium",
            OrderStatus::OnHold,
            &steps[..1],
            Frequency::OnceDaily,
            TODAY,
        );
        assert_eq!(
            held,
            Schedule::Paused("Your lithium is on hold. Do not take it until your prescriber tells you to start again.".into())
        );
        let stopped = for_order(
            "lithium",
            OrderStatus::Stopped,
            &steps,
            Frequency::OnceDaily,
            TODAY,
        );
        assert_eq!(
            stopped,
            Schedule::Paused("You have stopped taking lithium (from Friday, November 20, 2026). Do not take it unless your prescriber tells you to.".into())
        );
        assert!(matches!(
            for_order("lithium", OrderStatus::Active, &steps[..1], Frequency::OnceDaily, TODAY),
            Schedule::Lines(l) if l.len() == 1
        ));
    }

    /// The words a patient reads stay at about a 6th to 8th grade level.
    #[test]
    fn the_schedule_reads_plainly() {
        let steps = [
            Step {
                on: TODAY,
                daily: mg(20.0),
            },
            Step {
                on: TODAY + Duration::days(7),
                daily: mg(10.0),
            },
            Step {
                on: TODAY + Duration::days(14),
                daily: None,
            },
        ];
        let text: String = for_patient("escitalopram", &steps, Frequency::TwiceDaily, TODAY)
            .into_iter()
            .map(|l| format!("{}: {} ", l.when, l.what))
            .collect();
        let grade = crate::readability::grade_level(&text).unwrap();
        assert!(grade <= 8.5, "grade {grade:.1}: {text}");
    }

    #[test]
    fn a_split_dose_and_an_unstarted_order() {
        let steps = [Step {
            on: date!(2026 - 11 - 25),
            daily: mg(45.0),
        }];
        let lines = for_patient("phenelzine", &steps, Frequency::ThreeTimesDaily, TODAY);
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].when, "From Wednesday, November 25, 2026");
        assert_eq!(lines[0].what, "Take 45 mg a day: 15 mg 3 times a day.");
        assert!(!lines[0].now);
        let lines = for_patient(
            "sertraline",
            &[Step {
                on: TODAY,
                daily: mg(7.5),
            }],
            Frequency::TwiceDaily,
            TODAY,
        );
        assert_eq!(lines[0].when, "From today");
        assert_eq!(lines[0].what, "Take 7.5 mg a day: 3.75 mg twice a day.");
    }

    #[test]
    fn a_one_day_step_a_stopped_order_and_an_irregular_rhythm() {
        let steps = [
            Step {
                on: TODAY,
                daily: mg(10.0),
            },
            Step {
                on: TODAY + Duration::days(1),
                daily: mg(5.0),
            },
            Step {
                on: TODAY + Duration::days(2),
                daily: None,
            },
        ];
        let lines = for_patient("x", &steps, Frequency::OnceDaily, TODAY);
        assert_eq!(lines[0].when, "Today only");
        assert_eq!(lines[1].when, "On Tuesday, November 24, 2026");
        assert!(lines[2].stop);
        let stopped = [
            Step {
                on: date!(2026 - 10 - 01),
                daily: mg(10.0),
            },
            Step {
                on: TODAY,
                daily: None,
            },
        ];
        assert!(for_patient("x", &stopped, Frequency::OnceDaily, TODAY).is_empty());
        let weekly = for_patient(
            "x",
            &[Step {
                on: TODAY,
                daily: mg(50.0),
            }],
            Frequency::EveryOtherDay,
            TODAY,
        );
        assert_eq!(weekly[0].what, "Take 50 mg every other day.");
    }
}
