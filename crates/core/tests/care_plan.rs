//! The care plan's rules: checks that name the field, the comparison of two
//! versions, signing as a change of type, review due, and the schedule's
//! due date.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::BTreeMap;
use tandem_core::care_plan::{
    Comparator, DraftVersion, Format, Frequency, Goal, GoalStatus, Modality, PlanBody, Problem,
    ReviewReason, Scheduled, Section, Setting, Target, Therapy, VersionMeta, diff, review_due,
    schedule_due, suggested_targets,
};
use tandem_core::ids::{CarePlanId, GoalId, UserId};
use tandem_core::instrument::Library;
use tandem_core::trajectory::TrajectoryRules;
use time::macros::{date, datetime};
use uuid::Uuid;

fn lib() -> Library {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).unwrap()
}

fn gid(n: u128) -> GoalId {
    GoalId(Uuid::from_u128(n))
}

fn body() -> PlanBody {
    PlanBody {
        problems: vec![Problem {
            text: "Panic attacks on the bus".into(),
            diagnosis: None,
        }],
        goals: vec![Goal {
            id: gid(1),
            problem: 0,
            target: Target::Measurable {
                instrument: "gad7".into(),
                comparator: Comparator::Below,
                value: 10,
                due: date!(2027 - 01 - 15),
            },
            status: GoalStatus::Active,
        }],
        therapy: vec![Therapy {
            modality: Modality::Cbt,
            format: Format::Individual,
            setting: Setting::Telehealth,
            frequency: Frequency::Weekly,
            clinician: None,
        }],
        medication: None,
        schedule: vec![Scheduled {
            instrument: "gad7".into(),
            every_weeks: 2,
        }],
        review_every_weeks: 6,
        shared_decisions: String::new(),
    }
}

#[test]
fn a_sound_plan_passes() {
    body().check(&lib()).unwrap();
}

#[test]
fn problems_name_their_field_and_row() {
    let l = lib();
    let mut b = body();
    b.problems.push(Problem {
        text: "   ".into(),
        diagnosis: None,
    });
    b.goals[0].problem = 5;
    b.review_every_weeks = 0;
    b.schedule.push(Scheduled {
        instrument: "gad7".into(),
        every_weeks: 53,
    });
    let e = b.check(&l).unwrap_err();
    assert!(e.for_field("problems").unwrap().starts_with("problem 2"));
    assert!(e.for_field("goals").unwrap().contains("goal 1"));
    assert!(e.for_field("review_every_weeks").is_some());
    let sched: Vec<&str> =
        e.0.iter()
            .filter(|f| f.field == "schedule")
            .map(|f| f.message.as_str())
            .collect();
    assert_eq!(sched.len(), 2, "{sched:?}");
    assert!(sched[0].contains("already scheduled"));

    let empty = PlanBody {
        problems: vec![],
        goals: vec![],
        ..body()
    };
    assert!(empty.check(&l).unwrap_err().for_field("problems").is_some());
}

#[test]
fn a_target_must_be_a_score_the_instrument_can_reach() {
    let l = lib();
    let target = |comparator, value| {
        let mut b = body();
        b.goals[0].target = Target::Measurable {
            instrument: "phq9".into(),
            comparator,
            value,
            due: date!(2027 - 01 - 15),
        };
        b.check(&l)
    };
    // PHQ-9 totals run 0-27 (Kroenke 2001).
    assert!(target(Comparator::Below, 5).is_ok());
    assert!(target(Comparator::AtMost, 27).is_ok());
    assert!(target(Comparator::Below, 28).is_err());
    let e = target(Comparator::Below, 0).unwrap_err();
    assert!(e.for_field("goals").unwrap().contains("below 0"));
    assert!(target(Comparator::Above, 27).is_err());
    assert!(target(Comparator::AtLeast, -1).is_err());

    let mut b = body();
    b.goals[0].target = Target::Measurable {
        instrument: "cssrs".into(),
        comparator: Comparator::Below,
        value: 1,
        due: date!(2027 - 01 - 15),
    };
    // The C-SSRS screener has no total: risk is its most severe item.
    assert!(
        b.check(&l)
            .unwrap_err()
            .for_field("goals")
            .unwrap()
            .contains("no total")
    );
}

#[test]
fn suggested_targets_come_from_the_treat_to_target_rules() {
    let rules = TrajectoryRules::parse(tandem_content::TRAJECTORY).unwrap();
    let s = suggested_targets("phq9", &rules);
    // PHQ-9 remission <5 and improvement <10 (clinical reference, section 2).
    let pairs: Vec<(Comparator, i32)> = s.iter().map(|t| (t.comparator, t.value)).collect();
    assert_eq!(pairs, vec![(Comparator::Below, 5), (Comparator::Below, 10)]);
    assert!(!s[0].source.is_empty());
    assert!(suggested_targets("cows", &rules).is_empty());
}

#[test]
fn diff_lists_added_removed_and_changed_rows_in_reading_order() {
    let l = lib();
    let a = body();
    let mut b = body();
    b.goals[0].status = GoalStatus::Achieved;
    b.goals.push(Goal {
        id: gid(2),
        problem: 0,
        target: Target::Smart {
            text: "Ride the bus to work alone".into(),
            due: None,
        },
        status: GoalStatus::Proposed,
    });
    b.therapy.clear();
    b.schedule[0].every_weeks = 4;
    b.shared_decisions = "Chose CBT over medication for now".into();
    let names = |_: UserId| "someone".to_string();
    let d = diff(&a, &b, &l, &names);
    let shape: Vec<(Section, bool, bool)> = d
        .iter()
        .map(|c| (c.section, c.before.is_some(), c.after.is_some()))
        .collect();
    assert_eq!(
        shape,
        vec![
            (Section::Goals, true, true),
            (Section::Goals, false, true),
            (Section::Therapy, true, false),
            (Section::Schedule, true, true),
            (Section::SharedDecisions, false, true),
        ]
    );
    assert!(d[0].before.as_deref().unwrap().contains("[Active]"));
    assert!(d[0].after.as_deref().unwrap().contains("[Achieved]"));
    assert!(d[0].after.as_deref().unwrap().contains("GAD-7 below 10"));
    assert_eq!(d[3].what, "GAD-7");
    assert!(diff(&a, &a, &l, &names).is_empty());
}

#[test]
fn signing_turns_a_draft_into_a_signed_version_and_revising_makes_a_new_draft() {
    let meta = VersionMeta {
        plan: CarePlanId(Uuid::from_u128(9)),
        number: 1,
        author: UserId(Uuid::from_u128(1)),
        created_at: datetime!(2026-11-01 10:00 UTC),
        reason: "Intake".into(),
    };
    let draft = DraftVersion::new(meta, body());
    let dr = UserId(Uuid::from_u128(2));
    let signed = draft.sign(dr, datetime!(2026-11-01 11:00 UTC));
    assert_eq!(signed.signature().by, dr);
    assert_eq!(signed.number(), 1);
    let mut changed = body();
    changed.review_every_weeks = 4;
    let next = signed.revise(
        changed.clone(),
        dr,
        datetime!(2026-11-02 09:00 UTC),
        " Sooner ",
    );
    assert_eq!(next.number(), 2);
    assert_eq!(next.meta().reason, "Sooner");
    assert_eq!(next.body(), &changed);
    assert_eq!(
        signed.body(),
        &body(),
        "the signed version kept its content"
    );
}

#[test]
fn review_is_due_when_the_cadence_has_passed_since_the_last_signature() {
    let created = datetime!(2026-09-01 10:00 UTC);
    let signed = datetime!(2026-10-01 15:00 UTC);
    // Six weeks after the signature: 2026-11-12.
    assert!(review_due(created, Some(signed), 6, None, date!(2026 - 11 - 11)).is_empty());
    assert_eq!(
        review_due(created, Some(signed), 6, None, date!(2026 - 11 - 12)),
        vec![ReviewReason::Cadence {
            since: date!(2026 - 10 - 01),
            weeks: 6
        }]
    );
    // Never signed: from creation.
    assert_eq!(
        review_due(created, None, 6, None, date!(2026 - 10 - 13)).len(),
        1
    );
}

#[test]
fn a_not_improving_flag_makes_review_due_only_when_raised_after_the_signature() {
    let created = datetime!(2026-09-01 10:00 UTC);
    let signed = datetime!(2026-10-01 15:00 UTC);
    let today = date!(2026 - 10 - 20);
    let before = datetime!(2026-09-29 08:00 UTC);
    let after = datetime!(2026-10-10 08:00 UTC);
    assert!(review_due(created, Some(signed), 12, Some(before), today).is_empty());
    assert_eq!(
        review_due(created, Some(signed), 12, Some(after), today),
        vec![ReviewReason::NotImproving {
            raised_on: date!(2026 - 10 - 10)
        }]
    );
    assert_eq!(
        review_due(created, None, 12, Some(before), today).len(),
        1,
        "never signed: any active flag counts"
    );
}

#[test]
fn the_earliest_scheduled_instrument_sets_the_due_date() {
    let sched = vec![
        Scheduled {
            instrument: "phq9".into(),
            every_weeks: 4,
        },
        Scheduled {
            instrument: "gad7".into(),
            every_weeks: 2,
        },
    ];
    let mut latest = BTreeMap::new();
    latest.insert("phq9".to_string(), date!(2026 - 11 - 01));
    latest.insert("gad7".to_string(), date!(2026 - 11 - 10));
    let name = |id: &str| id.to_uppercase();
    let d = schedule_due(&sched, &latest, date!(2026 - 10 - 01), name).unwrap();
    assert_eq!(d.on_time_until, date!(2026 - 11 - 24));
    assert!(!d.is_overdue(date!(2026 - 11 - 24)));
    assert!(d.is_overdue(date!(2026 - 11 - 25)));
    assert!(d.reason.contains("GAD7 every 2 weeks"));

    latest.remove("gad7");
    let d = schedule_due(&sched, &latest, date!(2026 - 10 - 01), name).unwrap();
    assert_eq!(
        d.on_time_until,
        date!(2026 - 10 - 15),
        "never measured: from the plan's start"
    );
    assert!(schedule_due(&[], &latest, date!(2026 - 10 - 01), name).is_none());
}
