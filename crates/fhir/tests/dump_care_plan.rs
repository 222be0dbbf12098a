//! Sample CarePlan and Goal resources (and a searchset of each), checked
//! here for what integrators rely on and, when `TANDEM_FHIR_DUMP_DIR` is
//! set, written there as one JSON file each for an independent R4 validator.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use serde_json::{Value, json};
use std::path::PathBuf;
use tandem_core::care_plan::{
    AnyVersion, Comparator, Diagnosis, DraftVersion, Format, Frequency, Goal, GoalStatus,
    Medication, Modality, PlanBody, Problem, Scheduled, Setting, Target, Therapy, VersionMeta,
};
use tandem_core::ids::{CarePlanId, ConditionId, GoalId, PatientId, UserId};
use tandem_core::instrument::Library;
use tandem_fhir::bundle::{SearchPage, searchset};
use tandem_fhir::care_plan::{CarePlanResource, care_plan_to_json};
use tandem_fhir::goal::{GoalResource, goal_to_json};
use time::macros::{date, datetime};
use uuid::Uuid;

fn lib() -> Library {
    Library::from_files(tandem_content::INSTRUMENTS.iter().copied()).unwrap()
}

const PLAN: CarePlanId = CarePlanId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0a01));
const PATIENT: PatientId = PatientId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0b01));
const LEE: UserId = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0101));
const KIM: UserId = UserId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0102));
const MDD: ConditionId = ConditionId(Uuid::from_u128(0x0190_0000_0000_7000_8000_0000_0000_0c01));

fn gid(n: u128) -> GoalId {
    GoalId(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0d00 | n,
    ))
}

fn body() -> PlanBody {
    PlanBody {
        problems: vec![
            Problem {
                text: "Depressed mood, off work".into(),
                diagnosis: Some(Diagnosis {
                    condition: MDD,
                    code: "F33.1".into(),
                    display: "Major depressive disorder, recurrent, moderate".into(),
                }),
            },
            Problem {
                text: "Drinking to sleep".into(),
                diagnosis: None,
            },
        ],
        goals: vec![
            Goal {
                id: gid(1),
                problem: 0,
                target: Target::Measurable {
                    instrument: "phq9".into(),
                    comparator: Comparator::Below,
                    value: 5,
                    due: date!(2027 - 02 - 01),
                },
                status: GoalStatus::Active,
            },
            Goal {
                id: gid(2),
                problem: 1,
                target: Target::Smart {
                    text: "No alcohol on weeknights".into(),
                    due: Some(date!(2027 - 01 - 15)),
                },
                status: GoalStatus::Proposed,
            },
            Goal {
                id: gid(3),
                problem: 0,
                target: Target::Measurable {
                    instrument: "gad7".into(),
                    comparator: Comparator::AtLeast,
                    value: 0,
                    due: date!(2026 - 12 - 01),
                },
                status: GoalStatus::Achieved,
            },
        ],
        therapy: vec![Therapy {
            modality: Modality::Cbt,
            format: Format::Individual,
            setting: Setting::Telehealth,
            frequency: Frequency::Weekly,
            clinician: Some(KIM),
        }],
        medication: Some(Medication {
            prescriber: LEE,
            evaluation_on: Some(date!(2026 - 11 - 30)),
            notes: "Consider sertraline".into(),
        }),
        schedule: vec![Scheduled {
            instrument: "phq9".into(),
            every_weeks: 2,
        }],
        review_every_weeks: 8,
        shared_decisions: "Wants to try therapy and medication together".into(),
    }
}

fn version(signed: bool) -> AnyVersion {
    let d = DraftVersion::new(
        VersionMeta {
            plan: PLAN,
            number: 3,
            author: KIM,
            created_at: datetime!(2026-11-20 10:00 UTC),
            reason: "Medication added".into(),
        },
        body(),
    );
    if signed {
        AnyVersion::Signed(d.sign(LEE, datetime!(2026-11-20 11:00 UTC)))
    } else {
        AnyVersion::Draft(d)
    }
}

fn name(u: UserId) -> String {
    if u == LEE {
        "Dr. Min Lee"
    } else {
        "Taylor Kim"
    }
    .into()
}

fn plan(v: &AnyVersion) -> Value {
    let l = lib();
    care_plan_to_json(&CarePlanResource {
        id: PLAN,
        patient: PATIENT,
        created: datetime!(2026-11-02 09:00 UTC),
        current: v,
        signed: v.signature(),
        name: &name,
        library: &l,
    })
}

fn goal(n: usize, current: bool) -> Value {
    let l = lib();
    let b = body();
    let g = &b.goals[n];
    goal_to_json(&GoalResource {
        patient: PATIENT,
        goal: g,
        problem: b.problems.get(g.problem),
        current,
        version: 3,
        library: &l,
    })
}

fn samples() -> Vec<(&'static str, Value)> {
    let signed = plan(&version(true));
    let draft = plan(&version(false));
    let page = |n: u64| SearchPage {
        total: n,
        offset: 0,
        count: 50,
    };
    vec![
        ("careplan-signed", signed.clone()),
        ("careplan-draft", draft),
        (
            "careplan-searchset",
            searchset(
                "http://localhost/fhir/r4",
                "CarePlan",
                "patient=x",
                &page(1),
                vec![signed],
            ),
        ),
        ("goal-measurable", goal(0, true)),
        ("goal-smart", goal(1, true)),
        ("goal-achieved", goal(2, true)),
        ("goal-removed", goal(0, false)),
        (
            "goal-searchset",
            searchset(
                "http://localhost/fhir/r4",
                "Goal",
                "patient=x",
                &page(2),
                vec![goal(0, true), goal(1, true)],
            ),
        ),
    ]
}

#[test]
fn a_signed_plan_is_active_and_names_its_signer() {
    let p = plan(&version(true));
    assert_eq!(p["status"], "active");
    assert_eq!(p["intent"], "plan");
    assert_eq!(p["meta"]["versionId"], "3");
    assert_eq!(p["author"]["reference"], format!("Practitioner/{LEE}"));
    assert_eq!(p["subject"]["reference"], format!("Patient/{PATIENT}"));
    assert_eq!(p["addresses"][0]["reference"], format!("Condition/{MDD}"));
    assert_eq!(p["goal"].as_array().unwrap().len(), 3);
    let texts: Vec<&str> = p["activity"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["detail"]["code"]["text"].as_str().unwrap())
        .collect();
    assert_eq!(
        texts,
        [
            "CBT (cognitive behavioural therapy) therapy",
            "Medication management",
            "PHQ-9 measurement",
            "Care team review"
        ]
    );
    assert_eq!(
        p["note"][0]["text"],
        "Wants to try therapy and medication together"
    );
    assert_eq!(plan(&version(false))["status"], "draft");
}

#[test]
fn a_measurable_goal_targets_the_total_code_with_the_scores_that_meet_it() {
    let g = goal(0, true);
    assert_eq!(g["lifecycleStatus"], "active");
    // PHQ-9 total score is LOINC 44261-6 (clinical reference, section 1).
    assert_eq!(g["target"][0]["measure"]["coding"][0]["code"], "44261-6");
    assert_eq!(
        g["target"][0]["detailRange"],
        json!({"low": {"value": 0}, "high": {"value": 4}}),
        "below 5 on a 0-27 scale"
    );
    assert_eq!(g["target"][0]["dueDate"], "2027-02-01");
    assert_eq!(g["addresses"][0]["reference"], format!("Condition/{MDD}"));
    let achieved = goal(2, true);
    assert_eq!(achieved["lifecycleStatus"], "completed");
    assert_eq!(
        achieved["achievementStatus"]["coding"][0]["code"],
        "achieved"
    );
    assert_eq!(goal(1, true)["lifecycleStatus"], "proposed");
    assert_eq!(goal(0, false)["lifecycleStatus"], "cancelled");
}

#[test]
fn samples_are_written_for_the_r4_validator_when_asked() {
    let Some(dir) = std::env::var_os("TANDEM_FHIR_DUMP_DIR") else {
        return;
    };
    let dir = PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    for (name, v) in samples() {
        let text = serde_json::to_string_pretty(&v).unwrap();
        std::fs::write(dir.join(format!("{name}.json")), text).unwrap();
    }
}

#[test]
fn the_capability_statement_lists_care_plans_and_goals() {
    let cs = tandem_fhir::capability::capability_statement("1", datetime!(2026-11-22 17:00 UTC));
    let find = |t: &str| {
        cs["rest"][0]["resource"]
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["type"] == t)
            .cloned()
            .unwrap()
    };
    let names = |r: &Value| -> Vec<String> {
        r["searchParam"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["name"].as_str().unwrap().to_string())
            .collect()
    };
    assert_eq!(
        names(&find("CarePlan")),
        ["patient", "subject", "status", "_count", "_offset"]
    );
    assert_eq!(
        names(&find("Goal")),
        [
            "patient",
            "subject",
            "lifecycle-status",
            "_count",
            "_offset"
        ]
    );
}
