//! The plan in the patient's words: every fixed phrase Tandem writes reads
//! at about a 6th–8th grade level, and the facts survive the translation.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use tandem_core::care_plan::{
    Comparator, Format, Frequency, Goal, GoalStatus, Medication, Modality, PlanBody, Problem,
    Scheduled, Setting, Target, Therapy,
};
use tandem_core::ids::{GoalId, UserId};
use tandem_core::instrument::Library;
use tandem_core::patient_plan::{PlanFacts, summary};
use tandem_core::readability::grade_level;
use time::macros::date;
use uuid::Uuid;

fn library() -> Library {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).unwrap()
}

fn body(modalities: &[Modality]) -> PlanBody {
    let lee = UserId(Uuid::from_u128(1));
    PlanBody {
        problems: vec![Problem {
            text: "Low mood most days.".into(),
            diagnosis: None,
        }],
        goals: vec![
            Goal {
                id: GoalId(Uuid::from_u128(2)),
                problem: 0,
                target: Target::Measurable {
                    instrument: "phq9".into(),
                    comparator: Comparator::Below,
                    value: 5,
                    due: date!(2027 - 03 - 01),
                },
                status: GoalStatus::Active,
            },
            Goal {
                id: GoalId(Uuid::from_u128(3)),
                problem: 0,
                target: Target::Smart {
                    text: "Walk three times a week".into(),
                    due: None,
                },
                status: GoalStatus::Achieved,
            },
        ],
        therapy: modalities
            .iter()
            .map(|m| Therapy {
                modality: *m,
                format: Format::Individual,
                setting: Setting::InPerson,
                frequency: Frequency::Weekly,
                clinician: Some(lee),
            })
            .collect(),
        medication: Some(Medication {
            prescriber: lee,
            evaluation_on: Some(date!(2026 - 12 - 01)),
            notes: String::new(),
        }),
        schedule: vec![
            Scheduled {
                instrument: "phq9".into(),
                every_weeks: 2,
            },
            Scheduled {
                instrument: "gad7".into(),
                every_weeks: 4,
            },
        ],
        review_every_weeks: 8,
        shared_decisions: String::new(),
    }
}

fn facts() -> PlanFacts {
    PlanFacts {
        version: 3,
        signed: Some(("Dr. Lee".into(), date!(2026 - 11 - 20))),
        agreed_on: Some(date!(2026 - 11 - 21)),
        next_review: Some(date!(2027 - 01 - 15)),
    }
}

fn text(b: &PlanBody) -> String {
    summary(b, &library(), &facts(), &|_| "Dr. Lee".to_string())
        .iter()
        .flat_map(|s| std::iter::once(s.heading.clone()).chain(s.lines.clone()))
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn every_modality_is_explained_in_plain_words() {
    for m in Modality::ALL {
        let t = text(&body(&[*m]));
        let grade = grade_level(&t).unwrap();
        assert!(grade <= 8.5, "{m:?} reads at grade {grade:.1}:\n{t}");
    }
}

#[test]
fn the_facts_survive_the_plain_words() {
    let t = text(&body(&[Modality::Cbt]));
    for want in [
        "version 3",
        "Dr. Lee signed it on November 20, 2026",
        "You agreed to it on November 21, 2026",
        "Bring your score on the PHQ-9 (mood check-in) below 5 by March 1, 2027.",
        "Done! Walk three times a week.",
        "CBT with Dr. Lee, just you and your therapist, in person, every week.",
        "you will meet Dr. Lee on December 1, 2026 to talk about medicine",
        "Every 2 weeks, you fill in the PHQ-9 (mood check-in).",
        "Every 4 weeks, you fill in the GAD-7 (worry check-in).",
        "every 8 weeks",
        "Next look: January 15, 2027.",
    ] {
        assert!(t.contains(want), "missing {want:?} in:\n{t}");
    }
}

#[test]
fn a_draft_says_so_and_cancelled_goals_are_left_out() {
    let mut b = body(&[Modality::Group]);
    b.goals[1].status = GoalStatus::Cancelled;
    let draft = PlanFacts {
        signed: None,
        agreed_on: None,
        ..facts()
    };
    let t: String = summary(&b, &library(), &draft, &|_| "Dr. Lee".into())
        .iter()
        .flat_map(|s| s.lines.clone())
        .collect::<Vec<_>>()
        .join("\n");
    assert!(t.contains("It is a draft"), "{t}");
    assert!(t.contains("Tell us if you agree"), "{t}");
    assert!(!t.contains("Walk three times"), "{t}");
}
