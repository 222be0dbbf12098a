//! The take-home schedule a prescriber grants, on the shipped rules: within
//! the ceiling for the day in treatment (42 CFR 8.12(i)(3)), clinic-closure
//! days besides, the six criteria (8.12(i)(2)) documented and met; no
//! ceiling or criteria for buprenorphine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{rx, safety};
use tandem_core::medication::dosing::{
    CriterionReview, ScheduleError, TakeHomeDay, check_review, check_schedule,
};
use tandem_core::medication::take_home::Ceiling;
use time::Duration;
use time::macros::date;

const TODAY: time::Date = date!(2026 - 11 - 22);

fn days(n: i64, closure: bool) -> Vec<TakeHomeDay> {
    (1..=n)
        .map(|i| TakeHomeDay {
            on: TODAY + Duration::days(i),
            closure,
        })
        .collect()
}

fn all_met() -> Vec<CriterionReview> {
    safety()
        .take_home
        .criteria
        .items
        .iter()
        .map(|c| CriterionReview {
            id: c.id.clone(),
            met: true,
            note: String::new(),
        })
        .collect()
}

#[test]
fn the_schedule_follows_the_ladder_at_its_edges() {
    let s = safety();
    let review = all_met();
    let check = |day, n| {
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("methadone"),
            TODAY,
            day,
            &days(n, false),
            Some(&review),
        )
    };
    for (day, max) in [(14, 7), (15, 14), (30, 14), (31, 28)] {
        assert_eq!(check(day, max), Ok(Ceiling::Days(max as u32)), "day {day}");
        assert!(
            matches!(check(day, max + 1), Err(ScheduleError::AboveCeiling { max: m, .. }) if m == max as u32),
            "day {day}"
        );
    }
}

#[test]
fn closure_days_are_allowed_besides_the_ceiling_and_without_criteria() {
    let s = safety();
    let mut dates = days(7, false);
    dates.push(TakeHomeDay {
        on: TODAY + Duration::days(8),
        closure: true,
    });
    let review = all_met();
    assert!(
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("methadone"),
            TODAY,
            0,
            &dates,
            Some(&review)
        )
        .is_ok()
    );
    let closures = days(3, true);
    assert!(
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("methadone"),
            TODAY,
            0,
            &closures,
            None
        )
        .is_ok()
    );
}

#[test]
fn criteria_must_be_documented_and_met_for_methadone_only() {
    let s = safety();
    let e = check_schedule(
        &s.take_home,
        &s.catalog,
        rx("methadone"),
        TODAY,
        20,
        &days(3, false),
        None,
    )
    .unwrap_err();
    assert!(
        matches!(e, ScheduleError::CriteriaMissing(ref m) if m.contains("No known recent diversion"))
    );
    let mut review = all_met();
    review[4].met = false;
    let e = check_schedule(
        &s.take_home,
        &s.catalog,
        rx("methadone"),
        TODAY,
        20,
        &days(3, false),
        Some(&review),
    )
    .unwrap_err();
    assert_eq!(
        e,
        ScheduleError::CriteriaNotMet(
            "Take-home doses can be safely transported and stored".into()
        )
    );
    assert_eq!(
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("buprenorphine"),
            TODAY,
            0,
            &days(28, false),
            None
        ),
        Ok(Ceiling::NotApplicable)
    );
}

#[test]
fn dates_come_after_today_and_once() {
    let s = safety();
    let review = all_met();
    let today = [TakeHomeDay {
        on: TODAY,
        closure: false,
    }];
    assert_eq!(
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("methadone"),
            TODAY,
            40,
            &today,
            Some(&review)
        ),
        Err(ScheduleError::NotAfterToday(TODAY))
    );
    let mut twice = days(2, false);
    twice.push(twice[0]);
    assert!(matches!(
        check_schedule(
            &s.take_home,
            &s.catalog,
            rx("methadone"),
            TODAY,
            40,
            &twice,
            Some(&review)
        ),
        Err(ScheduleError::Twice(_))
    ));
}

#[test]
fn a_review_answers_every_criterion() {
    let s = safety();
    let mut answers: Vec<(String, Option<bool>, String)> = s
        .take_home
        .criteria
        .items
        .iter()
        .map(|c| (c.id.clone(), Some(true), String::new()))
        .collect();
    assert_eq!(check_review(&s.take_home, &answers).unwrap().len(), 6);
    answers[1].1 = None;
    answers.push(("diversion_risk_score".into(), Some(true), String::new()));
    let errors = check_review(&s.take_home, &answers).unwrap_err();
    let named: Vec<&str> = errors.iter().map(|e| e.criterion()).collect();
    assert_eq!(named, ["diversion_risk_score", "attendance"]);
}
