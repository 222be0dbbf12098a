//! Treat-to-target readings, every edge written from the reference:
//! response ≥50% drop; remission PHQ-9 <5; meaningful change 5 points;
//! not improving at ≥8 weeks without a response or a score <10; worsening a
//! rise of ≥5; overdue with no score within 4 weeks.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tandem_core::trajectory::{Point, Status, TrajectoryRules, trajectory};
use time::macros::date;
use time::{Date, Duration};

fn rules() -> TrajectoryRules {
    TrajectoryRules::parse(tandem_content::TRAJECTORY).unwrap()
}

const START: Date = date!(2026 - 01 - 05);

fn course(
    instrument: &str,
    baseline: i32,
    latest: i32,
    weeks: i64,
) -> tandem_core::trajectory::Trajectory {
    let points = [
        Point {
            on: START,
            score: baseline,
        },
        Point {
            on: START + Duration::weeks(weeks),
            score: latest,
        },
    ];
    trajectory(
        instrument,
        &points,
        &rules(),
        START + Duration::weeks(weeks),
    )
    .unwrap()
}

#[test]
fn the_shipped_rules_match_the_reference() {
    let r = rules();
    assert_eq!(r.defaults.response_drop_percent, 50);
    assert_eq!(r.defaults.meaningful_change, 5);
    assert_eq!(r.defaults.not_improving_after_weeks, 8);
    assert_eq!(r.defaults.worsening_rise, 5);
    assert_eq!(r.defaults.overdue_after_weeks, 4);
    assert_eq!(r.instruments["phq9"].remission_below, Some(5));
    assert_eq!(r.instruments["phq9"].improved_below, Some(10));
    assert_eq!(r.instruments["gad7"].remission_below, Some(5));
}

#[test]
fn response_is_a_fifty_percent_drop() {
    // 20 → 10 is exactly 50%; 20 → 11 is 45%.
    assert_eq!(course("phq9", 20, 10, 4).status, Status::Response);
    assert_eq!(course("phq9", 20, 11, 4).status, Status::Improving);
    // Odd baselines: 15 → 8 is 46.7%, 15 → 7 is 53.3%.
    assert_eq!(course("phq9", 15, 7, 4).status, Status::Response);
    assert_ne!(course("phq9", 15, 8, 4).status, Status::Response);
    let t = course("phq9", 20, 10, 4);
    assert_eq!((t.change, t.percent_change), (-10, Some(-50.0)));
}

#[test]
fn remission_is_under_five_from_at_or_above_five() {
    assert_eq!(course("phq9", 18, 4, 6).status, Status::Remission);
    assert_eq!(
        course("phq9", 18, 5, 6).status,
        Status::Response,
        "5 is not remission"
    );
    assert_eq!(course("gad7", 12, 4, 6).status, Status::Remission);
    assert_eq!(
        course("phq9", 4, 2, 6).status,
        Status::Response,
        "starting below 5 is not a remission"
    );
    // No remission threshold for instruments without one.
    assert_eq!(course("pcl5", 40, 3, 6).status, Status::Response);
}

#[test]
fn not_improving_at_eight_weeks() {
    // 16 → 12: neither <10 nor a 50% drop.
    assert_eq!(
        course("phq9", 16, 12, 7).status,
        Status::Unchanged,
        "week 7: too early"
    );
    assert_eq!(
        course("phq9", 16, 12, 8).status,
        Status::NotImproving,
        "week 8: review"
    );
    // A score under 10 counts as improved even without a 50% drop.
    assert_eq!(course("phq9", 16, 9, 8).status, Status::Improving);
    assert_eq!(course("phq9", 16, 10, 8).status, Status::NotImproving);
    // A meaningful drop short of the target still needs the review at week 8.
    assert_eq!(course("phq9", 22, 16, 8).status, Status::NotImproving);
    assert_eq!(course("phq9", 22, 16, 6).status, Status::Improving);
}

#[test]
fn worsening_is_a_rise_of_five() {
    assert_eq!(course("phq9", 10, 14, 3).status, Status::Unchanged);
    assert_eq!(course("phq9", 10, 15, 3).status, Status::Worsening);
    assert_eq!(
        course("phq9", 10, 15, 12).status,
        Status::Worsening,
        "worse outranks not improving"
    );
}

#[test]
fn meaningful_change_is_five_points() {
    assert_eq!(course("phq9", 24, 20, 4).status, Status::Unchanged);
    assert_eq!(course("phq9", 24, 19, 4).status, Status::Improving);
}

#[test]
fn a_single_score_is_a_baseline_and_overdue_after_four_weeks() {
    let p = [Point {
        on: START,
        score: 14,
    }];
    let r = rules();
    let t = trajectory("phq9", &p, &r, START + Duration::days(28)).unwrap();
    assert_eq!(t.status, Status::Baseline);
    assert!(!t.overdue, "a score 28 days ago is within 4 weeks");
    assert!(
        trajectory("phq9", &p, &r, START + Duration::days(29))
            .unwrap()
            .overdue
    );
    assert!(trajectory("phq9", &[], &r, START).is_none());
    let t = course("phq9", 0, 0, 2);
    assert_eq!(t.percent_change, None, "no percentage of a zero baseline");
}

#[test]
fn baseline_is_the_earliest_and_latest_the_last_whatever_the_order() {
    let r = rules();
    let p = [
        Point {
            on: START + Duration::weeks(6),
            score: 8,
        },
        Point {
            on: START,
            score: 20,
        },
        Point {
            on: START + Duration::weeks(2),
            score: 16,
        },
    ];
    let t = trajectory("phq9", &p, &r, START + Duration::weeks(6)).unwrap();
    assert_eq!((t.baseline.score, t.latest.score, t.weeks), (20, 8, 6));
    assert_eq!(t.status, Status::Response);
}
