//! The problem list and episodes of care on both backends: diagnoses added,
//! listed and changed with one active primary; enrolment into a
//! measure-started episode or a new one, changes of level and discharge;
//! every refusal stores nothing, and access off the care team is denied
//! and audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::{
    Actor, App, AppError, AuditFilter, Caller, DiagnosisChange, Forbidden, NewAccount, Operator,
    Settings, Source, Submission,
};
use tandem_core::audit::Channel;
use tandem_core::clock::FixedClock;
use tandem_core::diagnosis::{ClinicalStatus, NewDiagnosisInput, Rank};
use tandem_core::entropy::SeededEntropy;
use tandem_core::episode::{DischargeInput, EnrolInput, TransitionInput};
use tandem_core::flag::FlagKind;
use tandem_core::ids::PatientId;
use tandem_core::level_of_care::LevelOfCare;
use tandem_core::patient::DemographicsInput;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::{date, datetime};

struct World {
    app: App,
    _db: TestDb,
}

async fn world(db: TestDb) -> World {
    let app = App::with_store(
        db.store.clone(),
        Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC))),
        Arc::new(SeededEntropy::new(5)),
        Settings::default(),
    )
    .await
    .unwrap();
    World { app, _db: db }
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

    async fn patient(&self, by: &Caller) -> PatientId {
        let d = DemographicsInput {
            family_name: "Rivera".into(),
            given_names: "Ana".into(),
            birth_date: "1988-04-12".into(),
            sex_at_birth: "female".into(),
            ..Default::default()
        }
        .validate(date!(2026 - 11 - 22))
        .unwrap();
        self.app.register_patient(by, d).await.unwrap().id
    }

    async fn registry(&self, who: &Caller) -> tandem_app::RegistryPage {
        let f = tandem_app::RegistryFilter {
            limit: 50,
            ..Default::default()
        };
        self.app.registry(who, &f, false).await.unwrap()
    }

    async fn audit(&self, patient: PatientId, prefix: &str) -> Vec<(String, String, String)> {
        let auditor = self.user(&format!("aud_{prefix}"), Role::Auditor).await;
        let page = self
            .app
            .audit_view(
                &auditor,
                &AuditFilter {
                    patient: Some(patient),
                    action_prefix: Some(prefix.into()),
                    limit: 100,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        page.entries
            .into_iter()
            .map(|e| (e.record.action, e.record.outcome, e.record.actor))
            .collect()
    }
}

fn dx(code: &str, rank: &str) -> NewDiagnosisInput {
    NewDiagnosisInput {
        code: code.into(),
        rank: rank.into(),
        onset: "2026-06-01".into(),
        ..Default::default()
    }
}

fn enrol(program: &str, level: &str, on: &str) -> EnrolInput {
    EnrolInput {
        program: program.into(),
        level: level.into(),
        on: on.into(),
    }
}

fn move_to(level: &str, on: &str) -> TransitionInput {
    TransitionInput {
        level: level.into(),
        on: on.into(),
        reason: "stable, ready for less support".into(),
    }
}

fn discharge(on: &str) -> DischargeInput {
    DischargeInput {
        on: on.into(),
        reason: "completed_treatment".into(),
        summary: "Goals met; follow-up with primary care.".into(),
    }
}

fn field(e: AppError, name: &str) -> String {
    match e {
        AppError::Invalid(v) => v
            .for_field(name)
            .unwrap_or_else(|| panic!("no {name} error in {v}"))
            .to_string(),
        other => panic!("expected a problem with {name}, got {other:?}"),
    }
}

async fn diagnoses_are_added_listed_and_changed(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;

    let dep = w
        .app
        .add_diagnosis(&dr, p, &dx("f33.1", "primary"))
        .await
        .unwrap();
    assert_eq!(dep.code, "F33.1");
    assert_eq!(
        dep.display,
        "Major depressive disorder, recurrent, moderate"
    );
    assert_eq!(dep.onset_on, Some(date!(2026 - 06 - 01)));
    let list = w.app.patient_diagnoses(&dr, p).await.unwrap();
    assert_eq!(list.conditions.len(), 1);
    assert!(
        !list.dual_diagnosis,
        "depression alone is not a dual diagnosis"
    );

    // An opioid use disorder beside the depression: a dual diagnosis.
    let oud = w
        .app
        .add_diagnosis(&dr, p, &dx("F11.20", ""))
        .await
        .unwrap();
    assert_eq!(oud.rank, Rank::Secondary);
    assert_eq!(oud.clinical_status, ClinicalStatus::Active);
    let list = w.app.patient_diagnoses(&dr, p).await.unwrap();
    assert!(list.dual_diagnosis);
    assert_eq!(list.conditions[0].id, dep.id, "the primary is listed first");

    // The pathway reads active codes, primary first.
    let mut tx = w.app.store().begin().await.unwrap();
    let codes = tandem_store::conditions::active_codes(&mut tx, w.app.org(), p)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    assert_eq!(codes, ["F33.1", "F11.20"]);

    // In remission, the substance use no longer makes a dual diagnosis.
    let changed = w
        .app
        .change_diagnosis(
            &dr,
            p,
            oud.id,
            &DiagnosisChange {
                clinical_status: Some("remission".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(changed.clinical_status, ClinicalStatus::Remission);
    let list = w.app.patient_diagnoses(&dr, p).await.unwrap();
    assert!(!list.dual_diagnosis);
    assert_eq!(
        w.app
            .search_conditions(&dr, p, &[ClinicalStatus::Remission], None)
            .await
            .unwrap()
            .len(),
        1
    );
    assert_eq!(
        w.app
            .search_conditions(&dr, p, &[], Some("F33.1"))
            .await
            .unwrap()[0]
            .id,
        dep.id
    );
    let bad = w
        .app
        .change_diagnosis(
            &dr,
            p,
            oud.id,
            &DiagnosisChange {
                clinical_status: Some("relapse".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
    assert!(field(bad, "clinical_status").contains("remission"));
    let actions: Vec<String> = w
        .audit(p, "diagnosis.")
        .await
        .into_iter()
        .map(|(a, _, _)| a)
        .collect();
    assert_eq!(actions.iter().filter(|a| *a == "diagnosis.add").count(), 2);
    assert!(actions.contains(&"diagnosis.update".to_string()));
}

async fn a_new_primary_demotes_the_old_one(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let first = w
        .app
        .add_diagnosis(&dr, p, &dx("F41.1", "primary"))
        .await
        .unwrap();
    let second = w
        .app
        .add_diagnosis(&dr, p, &dx("F10.20", "primary"))
        .await
        .unwrap();
    let list = w.app.patient_diagnoses(&dr, p).await.unwrap().conditions;
    let rank_of = |id| list.iter().find(|c| c.id == id).unwrap().rank;
    assert_eq!(rank_of(second.id), Rank::Primary);
    assert_eq!(rank_of(first.id), Rank::Secondary);
    // Promoting the first back demotes the second.
    w.app
        .change_diagnosis(
            &dr,
            p,
            first.id,
            &DiagnosisChange {
                rank: Some("primary".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
    let list = w.app.patient_diagnoses(&dr, p).await.unwrap().conditions;
    let primaries: Vec<_> = list.iter().filter(|c| c.rank == Rank::Primary).collect();
    assert_eq!(primaries.len(), 1);
    assert_eq!(primaries[0].id, first.id);
    let audit = w.audit(p, "diagnosis.").await;
    assert!(audit.iter().any(|(a, _, _)| a == "diagnosis.add"));
}

async fn unknown_codes_and_future_onsets_store_nothing(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let e = w
        .app
        .add_diagnosis(&dr, p, &dx("F99.9", "primary"))
        .await
        .unwrap_err();
    assert!(field(e, "code").contains("F99.9"));
    let mut future = dx("F41.1", "");
    future.onset = "2026-11-23".into();
    let e = w.app.add_diagnosis(&dr, p, &future).await.unwrap_err();
    assert!(field(e, "onset").contains("future"));
    assert!(
        w.app
            .patient_diagnoses(&dr, p)
            .await
            .unwrap()
            .conditions
            .is_empty()
    );
    assert!(w.audit(p, "diagnosis.add").await.is_empty());
}

async fn outside_the_care_team_is_denied_and_audited(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let other = w.user("t_kim", Role::Therapist).await;
    let desk = w.user("desk_amy", Role::FrontDesk).await;
    let p = w.patient(&dr).await;
    let c = w
        .app
        .add_diagnosis(&dr, p, &dx("F43.10", ""))
        .await
        .unwrap();
    let e = w
        .app
        .add_diagnosis(&other, p, &dx("F41.1", ""))
        .await
        .unwrap_err();
    assert!(
        matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)),
        "{e:?}"
    );
    let e = w.app.read_condition(&other, c.id).await.unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    let e = w
        .app
        .add_diagnosis(&desk, p, &dx("F41.1", ""))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::Role)));
    let e = w
        .app
        .enrol_patient(
            &other,
            p,
            &enrol("mental_health", "outpatient", "2026-11-01"),
        )
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));
    assert_eq!(
        w.app
            .patient_diagnoses(&dr, p)
            .await
            .unwrap()
            .conditions
            .len(),
        1
    );
    assert!(
        w.app
            .care_summary(&dr, p)
            .await
            .unwrap()
            .episodes
            .is_empty()
    );
    let denied: Vec<(String, String)> = w
        .audit(p, "")
        .await
        .into_iter()
        .filter(|(_, o, _)| o == "denied")
        .map(|(a, _, who)| (a, who))
        .collect();
    for expected in [
        ("diagnosis.add", "t_kim"),
        ("condition.read", "t_kim"),
        ("diagnosis.add", "desk_amy"),
        ("episode.enrol", "t_kim"),
    ] {
        assert!(
            denied.contains(&(expected.0.to_string(), expected.1.to_string())),
            "{expected:?} not in {denied:?}"
        );
    }
}

async fn enrolment_fills_in_a_measure_started_episode(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let answers = (1..=9).map(|i| (i.to_string(), "1".to_string())).collect();
    w.app
        .record_response(
            &dr,
            p,
            Submission {
                instrument: "phq9".into(),
                answers,
                authored: datetime!(2026-11-10 10:00 UTC),
                source: Source::Chart,
            },
        )
        .await
        .unwrap();
    let before = w.app.care_summary(&dr, p).await.unwrap();
    let measured = before.open_episode().unwrap().clone();
    assert!(measured.program.is_none());

    // Enrolled from an earlier day: the same episode, its start moved back.
    let e = w
        .app
        .enrol_patient(
            &dr,
            p,
            &enrol("co_occurring", "intensive_outpatient", "2026-11-03"),
        )
        .await
        .unwrap();
    assert_eq!(e.id, measured.id, "the baseline stays with its episode");
    assert_eq!(e.started_on, date!(2026 - 11 - 03));
    assert_eq!(e.program.as_deref(), Some("co_occurring"));
    assert_eq!(e.level, Some(LevelOfCare::IntensiveOutpatient));
    let reg = w.registry(&dr).await;
    assert_eq!(reg.lines[0].episode_start, date!(2026 - 11 - 03));

    // Enrolling again while enrolled is refused.
    let again = w
        .app
        .enrol_patient(&dr, p, &enrol("mental_health", "outpatient", "2026-11-20"))
        .await
        .unwrap_err();
    assert!(field(again, "program").contains("already enrolled"));
    let eps = w.app.care_summary(&dr, p).await.unwrap().episodes;
    assert_eq!(eps.len(), 1);
    assert_eq!(eps[0].program.as_deref(), Some("co_occurring"));
}

async fn a_new_enrolment_changes_level_and_is_discharged(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let e = w
        .app
        .enrol_patient(&dr, p, &enrol("substance_use", "residential", "2026-11-01"))
        .await
        .unwrap();
    assert_eq!(e.started_on, date!(2026 - 11 - 01));
    assert!(e.is_open());
    assert_eq!(w.registry(&dr).await.total, 1);

    // Refusals, each leaving the episode as it was.
    let cases = [
        (move_to("opioid_treatment_program", "2026-11-10"), "level"),
        (move_to("residential", "2026-11-10"), "level"),
        (move_to("outpatient", "2026-10-31"), "on"),
        (move_to("outpatient", "2026-11-23"), "on"),
    ];
    for (input, name) in cases {
        let err = w
            .app
            .change_level_of_care(&dr, p, &input)
            .await
            .unwrap_err();
        field(err, name);
    }
    let t = w
        .app
        .change_level_of_care(&dr, p, &move_to("intensive_outpatient", "2026-11-10"))
        .await
        .unwrap();
    assert_eq!(t.level, Some(LevelOfCare::IntensiveOutpatient));
    assert_eq!(t.transitions.len(), 1);
    assert_eq!(t.transitions[0].from, LevelOfCare::Residential);
    assert_eq!(t.level_since(), date!(2026 - 11 - 10));
    // Not before the last change of level.
    let early = w
        .app
        .change_level_of_care(&dr, p, &move_to("outpatient", "2026-11-05"))
        .await
        .unwrap_err();
    field(early, "on");

    let bad = w
        .app
        .discharge_patient(&dr, p, &discharge("2026-11-09"))
        .await
        .unwrap_err();
    field(bad, "on");
    let future = w
        .app
        .discharge_patient(&dr, p, &discharge("2026-11-30"))
        .await
        .unwrap_err();
    field(future, "on");
    let done = w
        .app
        .discharge_patient(&dr, p, &discharge("2026-11-20"))
        .await
        .unwrap();
    assert_eq!(done.ended_on, Some(date!(2026 - 11 - 20)));
    assert!(done.discharge_summary.unwrap().contains("Goals met"));
    assert_eq!(w.registry(&dr).await.total, 0);

    let twice = w
        .app
        .discharge_patient(&dr, p, &discharge("2026-11-21"))
        .await
        .unwrap_err();
    assert!(matches!(twice, AppError::Conflict(_)), "{twice:?}");
    let after = w
        .app
        .change_level_of_care(&dr, p, &move_to("outpatient", "2026-11-21"))
        .await
        .unwrap_err();
    assert!(matches!(after, AppError::Conflict(_)));
    // A new episode may not begin before the last one ended.
    let overlap = w
        .app
        .enrol_patient(&dr, p, &enrol("mental_health", "outpatient", "2026-11-19"))
        .await
        .unwrap_err();
    field(overlap, "on");
    let audit: Vec<String> = w
        .audit(p, "episode.")
        .await
        .into_iter()
        .filter(|(_, o, _)| o == "success")
        .map(|(a, _, _)| a)
        .collect();
    for a in ["episode.enrol", "episode.transition", "episode.discharge"] {
        assert!(audit.contains(&a.to_string()), "{a} in {audit:?}");
    }
}

async fn discharge_keeps_safety_flags_and_ends_the_others(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    // Item 9 answered: suicide risk.
    let answers = (1..=9)
        .map(|i| (i.to_string(), if i == 9 { "2" } else { "1" }.to_string()))
        .collect();
    w.app
        .record_response(
            &dr,
            p,
            Submission {
                instrument: "phq9".into(),
                answers,
                authored: datetime!(2026-09-01 10:00 UTC),
                source: Source::Chart,
            },
        )
        .await
        .unwrap();
    // Months without a measure: overdue.
    w.app.sweep_overdue().await.unwrap();
    let kinds =
        |flags: Vec<tandem_app::Flag>| -> Vec<FlagKind> { flags.iter().map(|f| f.kind).collect() };
    let (active, _) = w.app.search_flags(&dr, p, Some(true), 50, 0).await.unwrap();
    let before = kinds(active);
    assert!(before.contains(&FlagKind::SuicideRisk));
    assert!(before.contains(&FlagKind::Overdue));
    w.app
        .enrol_patient(&dr, p, &enrol("mental_health", "outpatient", "2026-09-01"))
        .await
        .unwrap();
    w.app
        .discharge_patient(&dr, p, &discharge("2026-11-20"))
        .await
        .unwrap();
    let (active, _) = w.app.search_flags(&dr, p, Some(true), 50, 0).await.unwrap();
    assert_eq!(kinds(active), [FlagKind::SuicideRisk]);
    let chart = w.app.open_chart(&dr, p).await.unwrap();
    assert!(
        chart.measures.measures.is_empty(),
        "no open episode, no course"
    );
    // A later measure starts a new episode.
    let answers = (1..=9).map(|i| (i.to_string(), "0".to_string())).collect();
    w.app
        .record_response(
            &dr,
            p,
            Submission {
                instrument: "phq9".into(),
                answers,
                authored: datetime!(2026-11-22 08:00 UTC),
                source: Source::Chart,
            },
        )
        .await
        .unwrap();
    let eps = w.app.care_summary(&dr, p).await.unwrap().episodes;
    assert_eq!(eps.len(), 2);
    assert!(eps[0].is_open() && eps[0].program.is_none());
    assert_eq!(eps[0].started_on, date!(2026 - 11 - 22));
}

both_backends! {
    diagnoses_added_listed_changed => diagnoses_are_added_listed_and_changed;
    primary_demotion => a_new_primary_demotes_the_old_one;
    unknown_code_stores_nothing => unknown_codes_and_future_onsets_store_nothing;
    outside_care_team => outside_the_care_team_is_denied_and_audited;
    enrol_measure_started => enrolment_fills_in_a_measure_started_episode;
    enrol_transition_discharge => a_new_enrolment_changes_level_and_is_discharged;
    discharge_flags => discharge_keeps_safety_flags_and_ends_the_others;
}
