//! The versioned care plan on both backends: every change is a version with
//! author, time and reason; a signed version is locked; the patient's
//! agreement; comparing versions; access follows the care team; and the
//! plan's measurement schedule decides when the patient is overdue.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::{
    Actor, App, AppError, AuditFilter, Caller, Forbidden, NewAccount, Operator, RegistryFilter,
    Settings, Source, Submission,
};
use tandem_core::audit::Channel;
use tandem_core::care_plan::{
    AnyVersion, Comparator, Format, Frequency, Goal, GoalStatus, Medication, Modality, PlanBody,
    Problem, Scheduled, Section, Setting, Target, Therapy,
};
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::flag::FlagKind;
use tandem_core::ids::{GoalId, PatientId};
use tandem_core::instrument::Answers;
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::{date, datetime};
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

struct World {
    app: App,
    clock: Arc<FixedClock>,
    _db: TestDb,
}

async fn world(db: TestDb) -> World {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-02 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(11)),
        Settings::default(),
    )
    .await
    .unwrap();
    World {
        app,
        clock,
        _db: db,
    }
}

impl World {
    async fn user(&self, username: &str, role: Role) -> Caller {
        let u = self
            .app
            .add_user_as_operator(
                &Operator {
                    name: "test".into(),
                },
                NewAccount {
                    username: username.into(),
                    display_name: Some(username.into()),
                    role,
                    password: "Correct-Horse-Battery-9".into(),
                },
            )
            .await
            .unwrap();
        Caller {
            actor: Actor {
                org: u.org,
                user_id: u.id,
                username: u.username,
                display_name: u.display_name,
                role,
            },
            channel: Channel::Web,
        }
    }

    async fn patient(&self, by: &Caller, family: &str) -> PatientId {
        let d = DemographicsInput {
            family_name: family.into(),
            given_names: "Sam".into(),
            birth_date: "1990-01-02".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(date!(2026 - 11 - 02))
        .unwrap();
        self.app.register_patient(by, d).await.unwrap().id
    }

    async fn phq9(&self, by: &Caller, p: PatientId, each: u8, at: OffsetDateTime) {
        let answers: Answers = (1..=9)
            .map(|i| {
                (
                    i.to_string(),
                    if i == 9 { "0".into() } else { each.to_string() },
                )
            })
            .collect();
        self.app
            .record_response(
                by,
                p,
                Submission {
                    instrument: "phq9".into(),
                    answers,
                    authored: at,
                    source: Source::Chart,
                },
            )
            .await
            .unwrap();
    }

    async fn actions(&self, auditor: &Caller, p: PatientId) -> Vec<(String, String)> {
        let page = self
            .app
            .audit_view(
                auditor,
                &AuditFilter {
                    patient: Some(p),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        page.entries
            .into_iter()
            .rev()
            .map(|e| (e.record.action, e.record.outcome))
            .collect()
    }
}

fn goal_id(n: u128) -> GoalId {
    GoalId(Uuid::from_u128(
        0x0190_0000_0000_7000_8000_0000_0000_0000 | n,
    ))
}

/// Depression with a PHQ-9 goal, weekly CBT, PHQ-9 every 4 weeks, team
/// review every 8 weeks.
fn body(prescriber: Option<&Caller>) -> PlanBody {
    PlanBody {
        problems: vec![Problem {
            text: "Low mood, not working since March".into(),
            diagnosis: None,
        }],
        goals: vec![Goal {
            id: goal_id(1),
            problem: 0,
            target: Target::Measurable {
                instrument: "phq9".into(),
                comparator: Comparator::Below,
                value: 5,
                due: date!(2027 - 02 - 01),
            },
            status: GoalStatus::Active,
        }],
        therapy: vec![Therapy {
            modality: Modality::Cbt,
            format: Format::Individual,
            setting: Setting::InPerson,
            frequency: Frequency::Weekly,
            clinician: None,
        }],
        medication: prescriber.map(|p| Medication {
            prescriber: p.actor.user_id,
            evaluation_on: Some(date!(2026 - 11 - 20)),
            notes: "Discuss an SSRI".into(),
        }),
        schedule: vec![Scheduled {
            instrument: "phq9".into(),
            every_weeks: 4,
        }],
        review_every_weeks: 8,
        shared_decisions: "Prefers therapy first".into(),
    }
}

/// Every change makes a version with its author, time and reason; a change
/// without a reason, or with a target outside the instrument's range, is
/// refused and stores nothing.
async fn every_change_is_a_version(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.patient(&dr, "Okafor").await;
    w.app
        .add_care_team_member(&dr, p, t.actor.user_id, None)
        .await
        .unwrap();

    let v = w
        .app
        .start_care_plan(&dr, p, body(Some(&dr)), "Intake completed")
        .await
        .unwrap();
    assert_eq!(v.current.number(), 1);
    assert!(v.current.signature().is_none());

    w.clock.advance(Duration::hours(2));
    let mut b = body(Some(&dr));
    b.therapy[0].frequency = Frequency::EveryTwoWeeks;
    let n = w
        .app
        .revise_care_plan(&t, p, 1, b.clone(), "Fewer sessions after discussion")
        .await
        .unwrap();
    assert_eq!(n, 2);

    let blank = w.app.revise_care_plan(&t, p, 2, b.clone(), "  ").await;
    match blank {
        Err(AppError::Invalid(e)) => assert!(e.for_field("reason").is_some()),
        other => panic!("expected a reason error, got {other:?}"),
    }
    let mut wrong = b.clone();
    wrong.goals[0].target = Target::Measurable {
        instrument: "phq9".into(),
        comparator: Comparator::Below,
        value: 30,
        due: date!(2027 - 02 - 01),
    };
    match w.app.revise_care_plan(&t, p, 2, wrong, "Typo").await {
        Err(AppError::Invalid(e)) => {
            assert!(e.for_field("goals").unwrap().contains("between 0 and 27"))
        }
        other => panic!("expected a goal error, got {other:?}"),
    }
    let stale = w.app.revise_care_plan(&t, p, 1, b, "Old form").await;
    assert!(matches!(
        stale,
        Err(AppError::VersionConflict { current: 2 })
    ));

    let v = w.app.care_plan_versions(&dr, p).await.unwrap();
    let rows: Vec<_> = v
        .versions
        .iter()
        .map(|v| {
            let m = v.meta();
            (m.number, m.author, m.created_at, m.reason.clone())
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            (
                1,
                dr.actor.user_id,
                datetime!(2026-11-02 09:00 UTC),
                "Intake completed".to_string()
            ),
            (
                2,
                t.actor.user_id,
                datetime!(2026-11-02 11:00 UTC),
                "Fewer sessions after discussion".to_string()
            ),
        ],
        "the refused changes stored nothing"
    );
    assert_eq!(v.name(t.actor.user_id), "t_kim");
    let actions = w.actions(&auditor, p).await;
    assert!(actions.contains(&("care_plan.create".into(), "success".into())));
    assert!(actions.contains(&("care_plan.revise".into(), "success".into())));

    let again = w
        .app
        .start_care_plan(&dr, p, body(None), "Second plan")
        .await;
    assert!(matches!(again, Err(AppError::Conflict(_))));
}

/// Signing locks a version: it cannot be signed again, and a revision makes
/// the next version as a draft while the signed one keeps its signature.
async fn signing_locks_a_version(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let desk = w.user("desk_amy", Role::FrontDesk).await;
    let p = w.patient(&dr, "Lindqvist").await;
    w.app
        .start_care_plan(&dr, p, body(Some(&dr)), "Intake completed")
        .await
        .unwrap();
    w.clock.advance(Duration::minutes(30));
    w.app.sign_care_plan(&dr, p, 1).await.unwrap();
    assert!(matches!(
        w.app.sign_care_plan(&dr, p, 1).await,
        Err(AppError::Conflict(_))
    ));
    assert!(matches!(
        w.app.sign_care_plan(&desk, p, 1).await,
        Err(AppError::Forbidden(_))
    ));
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    let s = v.current.signature().unwrap();
    assert_eq!(s.by, dr.actor.user_id);
    assert_eq!(s.at, datetime!(2026-11-02 09:30 UTC));

    let mut b = body(Some(&dr));
    b.review_every_weeks = 4;
    w.app
        .revise_care_plan(&dr, p, 1, b, "Review sooner")
        .await
        .unwrap();
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    assert_eq!(v.current.number(), 2);
    assert!(matches!(v.current, AnyVersion::Draft(_)));
    assert!(matches!(v.versions[0], AnyVersion::Signed(_)));
    assert_eq!(
        v.signed.as_ref().map(|s| s.by),
        Some(dr.actor.user_id),
        "the last signature still names the responsible clinician"
    );
    assert!(matches!(
        w.app.sign_care_plan(&dr, p, 1).await,
        Err(AppError::Conflict(_))
    ));
}

/// The patient's agreement is recorded against the version, with who
/// recorded it; comparing two versions lists the changed rows only.
async fn agreement_and_comparison(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w.patient(&dr, "Haddad").await;
    w.app
        .start_care_plan(&dr, p, body(None), "Intake completed")
        .await
        .unwrap();
    w.app
        .record_plan_agreement(&dr, p, 1, "Agreed in session")
        .await
        .unwrap();
    let mut b = body(Some(&dr));
    b.schedule[0].every_weeks = 2;
    b.goals.push(Goal {
        id: goal_id(2),
        problem: 0,
        target: Target::Smart {
            text: "Back at work three days a week".into(),
            due: Some(date!(2027 - 03 - 01)),
        },
        status: GoalStatus::Proposed,
    });
    w.app
        .revise_care_plan(&dr, p, 1, b, "Medication added")
        .await
        .unwrap();
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    let a = v.versions[0].agreement().unwrap();
    assert_eq!(a.note, "Agreed in session");
    assert_eq!(a.recorded_by, dr.actor.user_id);
    assert!(
        v.current.agreement().is_none(),
        "agreement was with version 1"
    );

    let c = w.app.compare_care_plan(&dr, p, 1, 2).await.unwrap();
    let sections: Vec<Section> = c.changes.iter().map(|c| c.section).collect();
    assert_eq!(
        sections,
        vec![Section::Goals, Section::Medication, Section::Schedule]
    );
    let sched = &c.changes[2];
    assert_eq!(sched.before.as_deref(), Some("every 4 weeks"));
    assert_eq!(sched.after.as_deref(), Some("every 2 weeks"));
    assert!(c.changes[0].before.is_none());
    assert!(c.changes[1].after.as_deref().unwrap().contains("dr_a"));
    assert!(matches!(
        w.app.compare_care_plan(&dr, p, 1, 9).await,
        Err(AppError::NotFound(_))
    ));
}

/// A clinician off the care team can neither read nor change the plan, and
/// each refusal is in the audit log.
async fn outside_the_care_team_is_refused_and_audited(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let other = w.user("dr_b", Role::Therapist).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.patient(&dr, "Moreau").await;
    w.app
        .start_care_plan(&dr, p, body(None), "Intake completed")
        .await
        .unwrap();
    assert!(matches!(
        w.app.care_plan(&other, p).await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));
    assert!(matches!(
        w.app
            .revise_care_plan(&other, p, 1, body(None), "Mine")
            .await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));
    let actions = w.actions(&auditor, p).await;
    assert!(actions.contains(&("care_plan.read".into(), "denied".into())));
    assert!(actions.contains(&("care_plan.revise".into(), "denied".into())));
    assert_eq!(
        w.app
            .care_plan(&dr, p)
            .await
            .unwrap()
            .unwrap()
            .versions
            .len(),
        1
    );
}

fn overdue_filter() -> RegistryFilter {
    RegistryFilter {
        flag: Some(FlagKind::Overdue),
        limit: 50,
        ..Default::default()
    }
}

/// A plan measuring PHQ-9 every 2 weeks makes the patient overdue on day
/// 15, not day 14; a patient with no plan keeps the clinic's cadence; a
/// plan change recomputes at once.
async fn the_schedule_decides_overdue(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let planned = w.patient(&dr, "Planned").await;
    let unplanned = w.patient(&dr, "Unplanned").await;
    let day0 = w.clock.now();
    w.phq9(&dr, planned, 2, day0).await;
    w.phq9(&dr, unplanned, 2, day0).await;
    let mut b = body(None);
    b.schedule[0].every_weeks = 2;
    w.app
        .start_care_plan(&dr, planned, b, "Intake completed")
        .await
        .unwrap();

    w.clock.advance(Duration::days(14));
    w.app.sweep_overdue().await.unwrap();
    assert_eq!(
        w.app
            .registry(&dr, &overdue_filter(), false)
            .await
            .unwrap()
            .total,
        0,
        "day 14 is on time"
    );
    w.clock.advance(Duration::days(1));
    assert_eq!(w.app.sweep_overdue().await.unwrap(), 1);
    let page = w.app.registry(&dr, &overdue_filter(), false).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.lines[0].patient_id, planned);
    assert_eq!(
        page.lines[0].flags,
        [FlagKind::Overdue],
        "the line shows it too"
    );
    let (active, _) = w
        .app
        .search_flags(&dr, planned, Some(true), 50, 0)
        .await
        .unwrap();
    let overdue = active.iter().find(|f| f.kind == FlagKind::Overdue).unwrap();
    assert!(overdue.reason.contains("care plan"), "{}", overdue.reason);

    // The plan now asks for every 4 weeks: on time again, without a sweep.
    let mut b = body(None);
    b.schedule[0].every_weeks = 4;
    w.app
        .revise_care_plan(&dr, planned, 1, b, "Stable: measure monthly")
        .await
        .unwrap();
    assert_eq!(
        w.app
            .registry(&dr, &overdue_filter(), false)
            .await
            .unwrap()
            .total,
        0
    );
    let (active, _) = w
        .app
        .search_flags(&dr, planned, Some(true), 50, 0)
        .await
        .unwrap();
    assert!(active.iter().all(|f| f.kind != FlagKind::Overdue));

    // The clinic's cadence (4 weeks) for the patient with no plan: day 29.
    w.clock.advance(Duration::days(13));
    w.app.sweep_overdue().await.unwrap();
    assert_eq!(
        w.app
            .registry(&dr, &overdue_filter(), false)
            .await
            .unwrap()
            .total,
        0,
        "day 28"
    );
    w.clock.advance(Duration::days(1));
    w.app.sweep_overdue().await.unwrap();
    let page = w.app.registry(&dr, &overdue_filter(), false).await.unwrap();
    assert_eq!(page.total, 2, "both on day 29");

    // A new PHQ-9 clears the planned patient's flag.
    w.phq9(&dr, planned, 1, w.clock.now()).await;
    let page = w.app.registry(&dr, &overdue_filter(), false).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.lines[0].patient_id, unplanned);
}

/// A scheduled instrument never measured counts from the plan's first
/// version, and one instrument overdue is enough even when another was
/// measured yesterday.
async fn an_unmeasured_scheduled_instrument_counts_from_the_plan(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w.patient(&dr, "Nakamura").await;
    w.phq9(&dr, p, 2, w.clock.now()).await;
    let mut b = body(None);
    b.schedule = vec![
        Scheduled {
            instrument: "phq9".into(),
            every_weeks: 4,
        },
        Scheduled {
            instrument: "gad7".into(),
            every_weeks: 1,
        },
    ];
    w.app
        .start_care_plan(&dr, p, b, "Anxiety too")
        .await
        .unwrap();
    w.clock.advance(Duration::days(7));
    w.app.sweep_overdue().await.unwrap();
    assert_eq!(
        w.app
            .registry(&dr, &overdue_filter(), false)
            .await
            .unwrap()
            .total,
        0
    );
    w.clock.advance(Duration::days(1));
    w.phq9(&dr, p, 2, w.clock.now()).await;
    w.app.sweep_overdue().await.unwrap();
    assert_eq!(
        w.app
            .registry(&dr, &overdue_filter(), false)
            .await
            .unwrap()
            .total,
        1,
        "GAD-7 is a day late although PHQ-9 is fresh"
    );
}

/// Break-the-glass access lets a clinician read the plan but not sign it:
/// the responsible clinician is on the care team. The refusal is audited.
async fn break_the_glass_does_not_sign(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let outsider = w.user("dr_b", Role::Prescriber).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.patient(&dr, "Quinn").await;
    w.app
        .start_care_plan(&dr, p, body(None), "Intake completed")
        .await
        .unwrap();
    w.app
        .break_glass(&outsider, p, "Covering the crisis line tonight")
        .await
        .unwrap();
    assert!(w.app.care_plan(&outsider, p).await.unwrap().is_some());
    assert!(matches!(
        w.app.sign_care_plan(&outsider, p, 1).await,
        Err(AppError::Forbidden(_))
    ));
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    assert!(v.current.signature().is_none());
    let actions = w.actions(&auditor, p).await;
    assert!(actions.contains(&("care_plan.sign".into(), "denied".into())));
}

/// "Not improving" raised after the last signature makes the plan due for
/// review, on the chart's card too; one raised before it does not.
async fn not_improving_after_the_signature_asks_for_review(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w.patient(&dr, "Park").await;
    let mut b = body(None);
    b.review_every_weeks = 52;
    w.phq9(&dr, p, 2, w.clock.now()).await;
    w.app
        .start_care_plan(&dr, p, b, "Intake completed")
        .await
        .unwrap();
    w.app.sign_care_plan(&dr, p, 1).await.unwrap();
    // Nine weeks on, still 16: neither a response nor under 10 by week 8
    // (clinical reference, section 2).
    w.clock.advance(Duration::weeks(9));
    w.phq9(&dr, p, 2, w.clock.now()).await;
    let (active, _) = w.app.search_flags(&dr, p, Some(true), 50, 0).await.unwrap();
    assert!(active.iter().any(|f| f.kind == FlagKind::NotImproving));
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    assert_eq!(v.review.len(), 1);
    assert!(v.review[0].text().contains("Not improving"));
    let card = w.app.open_chart(&dr, p).await.unwrap().care_plan.unwrap();
    assert_eq!(card.review.len(), 1);

    // Signing the plan again (after a revision) answers the flag.
    let mut b = body(None);
    b.review_every_weeks = 52;
    b.therapy[0].frequency = Frequency::TwiceWeekly;
    w.clock.advance(Duration::hours(1));
    w.app
        .revise_care_plan(&dr, p, 1, b, "Stepped up after case review")
        .await
        .unwrap();
    w.app.sign_care_plan(&dr, p, 2).await.unwrap();
    assert!(
        w.app
            .care_plan(&dr, p)
            .await
            .unwrap()
            .unwrap()
            .review
            .is_empty()
    );
}

/// The plan is due for review when its cadence has passed since the last
/// signature.
async fn review_due_follows_the_signature(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w.patient(&dr, "Silva").await;
    w.app
        .start_care_plan(&dr, p, body(None), "Intake completed")
        .await
        .unwrap();
    w.clock.advance(Duration::weeks(2));
    w.app.sign_care_plan(&dr, p, 1).await.unwrap();
    w.clock.advance(Duration::weeks(8) - Duration::days(1));
    assert!(
        w.app
            .care_plan(&dr, p)
            .await
            .unwrap()
            .unwrap()
            .review
            .is_empty()
    );
    w.clock.advance(Duration::days(1));
    let v = w.app.care_plan(&dr, p).await.unwrap().unwrap();
    assert_eq!(v.review.len(), 1);
    assert!(
        v.review[0].text().contains("2026-11-16"),
        "{}",
        v.review[0].text()
    );
}

both_backends! {
    versions => every_change_is_a_version;
    signing => signing_locks_a_version;
    agreement => agreement_and_comparison;
    access => outside_the_care_team_is_refused_and_audited;
    schedule_overdue => the_schedule_decides_overdue;
    unmeasured => an_unmeasured_scheduled_instrument_counts_from_the_plan;
    review => review_due_follows_the_signature;
    break_glass => break_the_glass_does_not_sign;
    not_improving => not_improving_after_the_signature_asks_for_review;
}
