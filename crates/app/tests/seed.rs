//! Seeding in bulk stores what recording the same histories one response at
//! a time stores, then sweeping for overdue patients: the same responses,
//! observations, statuses, flags (ended ones included), notifications and
//! registry rows. On both backends.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::synthetic::{Course, Plan};
use tandem_app::{
    Actor, App, Caller, NewAccount, Operator, RegistryFilter, SeedPatient, SeedStaff, Submission,
};
use tandem_core::audit::Channel;
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::flag::FlagKind;
use tandem_core::ids::PatientId;
use tandem_core::role::Role;
use tandem_store::{flags, measures, registry};
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;

both_backends! {
    seeding_matches_recording_one_by_one => matches_recording;
    seeded_staff_sign_in_and_batches_are_audited => staff_and_audit;
}

fn op() -> Operator {
    Operator {
        name: "test".into(),
    }
}

async fn open(db: &TestDb) -> (App, Arc<FixedClock>) {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(7)),
        Default::default(),
    )
    .await
    .unwrap();
    (app, clock)
}

async fn clinician(app: &App, username: &str, role: Role) -> Caller {
    let u = app
        .add_user_as_operator(
            &op(),
            NewAccount {
                username: username.into(),
                display_name: None,
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
        channel: Channel::Cli,
    }
}

/// Every kind of course, overdue and not, with item 9 early and late.
fn plans(rng: &SeededEntropy) -> Vec<Plan> {
    let mut out = Vec::new();
    for (i, course) in [
        Course::Remission,
        Course::Response,
        Course::LateResponse,
        Course::NotImproving,
        Course::Worsening,
        Course::NotImproving,
    ]
    .into_iter()
    .enumerate()
    {
        let baseline = if course == Course::Worsening { 10 } else { 19 };
        let mut p = Plan::new(course, baseline, 26, 1, rng);
        p.early_item9 = i == 0;
        p.recent_item9 = i == 3;
        if i == 5 {
            p.stopped_weeks = 7;
        }
        out.push(p);
    }
    out
}

/// What must be equal between the two ways in: everything but ids and who
/// recorded.
async fn snapshot(app: &App, p: PatientId) -> String {
    let org = app.org();
    let mut tx = app.store().begin_read().await.unwrap();
    let mut out = String::new();
    for r in measures::responses_for(&mut tx, org, p, None)
        .await
        .unwrap()
    {
        out.push_str(&format!(
            "R {} {} {} {:?} {:?} {:?} {:?} {} {} {}\n",
            r.instrument,
            r.authored,
            r.answers,
            r.total,
            r.severity,
            r.interpretation,
            r.band_model,
            r.hits,
            r.source,
            r.recorded_at
        ));
        for o in measures::observations_of_response(&mut tx, org, r.id)
            .await
            .unwrap()
        {
            out.push_str(&format!(
                "  O {} {} {} {} {} {:?} {:?}\n",
                o.system, o.code, o.display, o.value, o.effective, o.interpretation, o.subscale
            ));
        }
    }
    let s = registry::get(&mut tx, org, p).await.unwrap().unwrap();
    let ep = tandem_store::episodes::open(&mut tx, org, p)
        .await
        .unwrap()
        .unwrap();
    for m in measures::measures_for(&mut tx, org, p, ep.id)
        .await
        .unwrap()
    {
        out.push_str(&format!(
            "M {} {} {:?} {} {:?} {} {:?} {:?} {:?} {:?} {} {:?} {}\n",
            m.instrument,
            m.responses,
            m.baseline_score,
            m.baseline_on,
            m.latest_score,
            m.latest_on,
            m.latest_severity,
            m.latest_interpretation,
            m.change,
            m.percent_change,
            m.weeks,
            m.status,
            m.hits
        ));
    }
    out.push_str(&format!(
        "S {} {:?} {:?} {:?} {:?} {} {} {} {}\n",
        s.episode_start,
        s.last_measured_on,
        s.phq9,
        s.gad7,
        s.status,
        s.status_rank,
        s.flags,
        s.urgency,
        s.updated_at
    ));
    let (mut fl, _) = flags::search(&mut tx, org, p, None, 500, 0).await.unwrap();
    fl.sort_by_key(|f| (f.period_start, f.kind));
    for f in fl {
        out.push_str(&format!(
            "F {} {} {} {} {:?} {} {} {}\n",
            f.kind.as_str(),
            f.active,
            f.reason,
            f.period_start,
            f.period_end,
            f.raised_at,
            f.updated_at,
            f.version
        ));
    }
    tx.commit().await.unwrap();
    out
}

async fn matches_recording(db: TestDb) {
    let (app, clock) = open(&db).await;
    let dr = clinician(&app, "dr_seed", Role::Prescriber).await;
    let cm = clinician(&app, "cm_seed", Role::CareManager).await;
    let rng = SeededEntropy::new(11);
    let now = clock.now();
    let mut seeded = Vec::new();
    let mut histories: Vec<(tandem_core::patient::Demographics, Vec<Submission>)> = Vec::new();
    for plan in plans(&rng) {
        let person = tandem_app::synthetic::person(&rng, now.date());
        let history = plan.history(now, &rng);
        histories.push((person.clone(), history.clone()));
        seeded.push(SeedPatient {
            demographics: person,
            team: vec![dr.actor.user_id, cm.actor.user_id],
            // Shuffled: the result is that of recording oldest first.
            history: history.into_iter().rev().collect(),
        });
    }
    let prepared = app.prepare_seed(seeded).unwrap();
    let ids = prepared.patient_ids();
    let report = app.write_seed(&op(), prepared).await.unwrap();
    assert_eq!(report.patients, 6);
    assert_eq!(report.responses, 2 * (5 * 26 + 19));
    assert_eq!(report.observations, report.responses);
    assert_eq!(
        app.sweep_overdue().await.unwrap(),
        0,
        "seeding raised every overdue flag the sweep would"
    );

    let mut recorded = Vec::new();
    for (person, history) in histories {
        let p = app.register_patient(&dr, person).await.unwrap();
        app.add_care_team_member(&dr, p.id, cm.actor.user_id, None)
            .await
            .unwrap();
        for sub in history {
            app.record_response(&dr, p.id, sub).await.unwrap();
        }
        recorded.push(p.id);
    }
    assert_eq!(app.sweep_overdue().await.unwrap(), 1, "the stopped patient");

    let mut kinds = std::collections::BTreeSet::new();
    for (a, b) in ids.iter().zip(&recorded) {
        let (sa, sb) = (snapshot(&app, *a).await, snapshot(&app, *b).await);
        assert_eq!(sa, sb, "seeded and recorded patients differ");
        for line in sa.lines().filter(|l| l.starts_with("F ")) {
            kinds.insert(line.split(' ').nth(1).unwrap().to_string());
        }
    }
    for k in ["suicide_risk", "not_improving", "worsening", "overdue"] {
        assert!(kinds.contains(k), "no {k} flag in {kinds:?}");
    }
    // Notifications: one per safety flag per team member, both ways.
    let cm_list = app.notifications(&cm, 500).await.unwrap();
    let per = |ids: &[PatientId]| {
        cm_list
            .iter()
            .filter(|n| ids.contains(&n.patient_id))
            .count()
    };
    assert_eq!(per(&ids), per(&recorded));
    assert!(per(&ids) >= 2, "early and recent item 9");
    // The registry lists both the same way.
    let page = app
        .registry(
            &cm,
            &RegistryFilter {
                flag: Some(FlagKind::SuicideRisk),
                limit: 50,
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 2);
}

async fn staff_and_audit(db: TestDb) {
    let (app, clock) = open(&db).await;
    let staff: Vec<SeedStaff> = ["seed_t1", "seed_t2"]
        .iter()
        .map(|u| SeedStaff {
            username: (*u).into(),
            display_name: format!("Therapist {u}"),
            role: Role::Therapist,
        })
        .collect();
    let users = app
        .seed_staff(&op(), &staff, "seed-password-long")
        .await
        .unwrap();
    assert_eq!(users.len(), 2);
    let login = app
        .login("seed_t2", "seed-password-long", "127.0.0.1")
        .await;
    assert!(login.is_ok(), "a seeded account signs in");
    let rng = SeededEntropy::new(3);
    for batch in 0..3 {
        let patients = (0..4)
            .map(|_| {
                tandem_app::synthetic::patient(&rng, clock.now(), 12, vec![users[batch % 2].id])
            })
            .collect();
        let r = app.seed_patients(&op(), patients).await.unwrap();
        assert_eq!(r.patients, 4);
    }
    let (_, total) = app
        .registry(
            &Caller {
                actor: Actor {
                    org: users[0].org,
                    user_id: users[0].id,
                    username: users[0].username.clone(),
                    display_name: users[0].display_name.clone(),
                    role: Role::Therapist,
                },
                channel: Channel::Cli,
            },
            &RegistryFilter {
                limit: 50,
                ..Default::default()
            },
            false,
        )
        .await
        .map(|p| (p.lines.len(), p.total))
        .unwrap();
    assert_eq!(total, 8, "two batches on the first therapist's caseload");
    let report = app.verify_audit(&op()).await.unwrap();
    assert!(report.broken.is_none());
    // One entry for the staff, one per batch.
    let mut tx = app.store().begin_read().await.unwrap();
    let seeds = tandem_store::audit::search(
        &mut tx,
        app.org(),
        &tandem_store::audit::Filter {
            action_prefix: Some("seed".into()),
            limit: 100,
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(seeds.len(), 4);
    assert!(seeds.iter().all(|e| e.record.actor == "cli:test"));
    assert!(
        seeds[0]
            .record
            .detail
            .as_deref()
            .unwrap_or("")
            .starts_with("4 patients, 4 care-team members, "),
        "{:?}",
        seeds[0].record.detail
    );
    // A non-clinician cannot be on a care team.
    let e = app
        .seed_patients(
            &op(),
            vec![tandem_app::synthetic::patient(
                &rng,
                clock.now(),
                4,
                vec![tandem_core::ids::UserId(uuid_nil())],
            )],
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("not an active clinician"), "{e}");
}

fn uuid_nil() -> uuid::Uuid {
    uuid::Uuid::nil()
}
