//! Take-home methadone ceilings, from 42 CFR 8.12(i)(3) as REFERENCE §3
//! states them: days 0–14 up to 7 days; from day 15 up to 14; from day 31 up
//! to 28; not for buprenorphine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod medication_common;

use medication_common::{rx, safety};
use std::collections::BTreeSet;
use tandem_core::medication::Severity;
use tandem_core::medication::take_home::{Ceiling, TakeHomeRequest, missed_doses_review};

#[test]
fn the_ladder_at_its_edges() {
    let t = &safety().take_home;
    for (day, max) in [
        (0, 7),
        (1, 7),
        (14, 7),
        (15, 14),
        (30, 14),
        (31, 28),
        (365, 28),
    ] {
        assert_eq!(t.max_take_home_days(day), max, "day {day}");
    }
}

#[test]
fn the_ladder_is_for_methadone_not_buprenorphine() {
    let s = safety();
    let t = &s.take_home;
    assert_eq!(
        t.ceiling(&s.catalog, rx("methadone"), 15),
        Ceiling::Days(14)
    );
    assert_eq!(
        t.ceiling(&s.catalog, rx("buprenorphine"), 0),
        Ceiling::NotApplicable
    );
    assert_eq!(
        t.ceiling(&s.catalog, rx("sertraline"), 0),
        Ceiling::NotCovered
    );
}

fn all_criteria() -> BTreeSet<String> {
    safety()
        .take_home
        .criteria
        .items
        .iter()
        .map(|c| c.id.clone())
        .collect()
}

#[test]
fn six_criteria_are_documented() {
    assert_eq!(all_criteria().len(), 6);
}

#[test]
fn a_request_above_the_ceiling_stops_and_missing_criteria_warn() {
    let s = safety();
    let mut req = TakeHomeRequest {
        drug: rx("methadone"),
        days_in_treatment: 14,
        days_requested: 7,
        criteria_documented: all_criteria(),
    };
    assert!(s.take_home.assess(&s.catalog, &req).is_empty());
    req.days_requested = 8;
    let f = s.take_home.assess(&s.catalog, &req);
    assert_eq!(f.len(), 1);
    assert_eq!(f[0].severity, Severity::Contraindicated);
    req.days_in_treatment = 15;
    assert!(s.take_home.assess(&s.catalog, &req).is_empty());
    req.criteria_documented.remove("no_diversion");
    let f = s.take_home.assess(&s.catalog, &req);
    assert_eq!(f[0].rule_id, "take_home_criteria");
    assert_eq!(f[0].severity, Severity::High);
    assert!(f[0].text.contains("No known recent diversion"));
    // Buprenorphine: no ceiling.
    req.drug = rx("buprenorphine");
    req.days_requested = 28;
    req.days_in_treatment = 0;
    assert!(s.take_home.assess(&s.catalog, &req).is_empty());
}

/// Two missed days in a row: no review; three: review, on the guideline's
/// verified threshold.
#[test]
fn missed_doses_review_starts_at_three_in_a_row() {
    let s = &safety().settings;
    assert_eq!(missed_doses_review(s, 2), (false, true));
    assert_eq!(missed_doses_review(s, 3), (true, true));
}
