//! Measurement-based care on both backends: a response is scored, stored,
//! read as a trajectory, and raises and clears flags in one transaction;
//! safety flags reach the care team; the registry follows.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::{
    Actor, App, AppError, Caller, Forbidden, NewAccount, Operator, RegistryFilter, RegistrySort,
    Settings, Source, Submission,
};
use tandem_core::audit::Channel;
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::flag::FlagKind;
use tandem_core::instrument::{Answers, ResponseError};
use tandem_core::patient::{Demographics, DemographicsInput};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

struct World {
    app: App,
    clock: Arc<FixedClock>,
    _db: TestDb,
}

async fn world(db: TestDb) -> World {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(7)),
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
}

fn person(family: &str, sex: &str) -> Demographics {
    DemographicsInput {
        family_name: family.into(),
        given_names: "Sam".into(),
        birth_date: "1990-01-02".into(),
        sex_at_birth: sex.into(),
        ..Default::default()
    }
    .validate(time::macros::date!(2026 - 11 - 22))
    .unwrap()
}

/// PHQ-9 answers, items 1-9.
fn phq9(items: [u8; 9]) -> Answers {
    items
        .iter()
        .enumerate()
        .map(|(i, a)| ((i + 1).to_string(), a.to_string()))
        .collect()
}

/// PHQ-9 answers adding up to `total` with item 9 at `item9`.
fn phq9_total(total: u8, item9: u8) -> Answers {
    let mut left = total - item9;
    let mut items = [0u8; 9];
    items[8] = item9;
    for slot in items.iter_mut().take(8) {
        let a = left.min(3);
        *slot = a;
        left -= a;
    }
    assert_eq!(left, 0);
    phq9(items)
}

fn sub(instrument: &str, answers: Answers, authored: OffsetDateTime) -> Submission {
    Submission {
        instrument: instrument.into(),
        answers,
        authored,
        source: Source::Chart,
    }
}

/// A positive item 9 raises "Suicide risk" whatever the total, tells every
/// care-team member, survives an acknowledgement, and clears only when a
/// later PHQ-9 says item 9 is "Not at all".
async fn item9_raises_suicide_risk_for_the_whole_team(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let t = w.user("therapist", Role::Therapist).await;
    let cm = w.user("cm_a", Role::CareManager).await;
    let p = w
        .app
        .register_patient(&dr, person("Ito", "male"))
        .await
        .unwrap();
    w.app
        .add_care_team_member(&dr, p.id, t.actor.user_id, None)
        .await
        .unwrap();

    let now = w.clock.now();
    let r = w
        .app
        .record_response(&t, p.id, sub("phq9", phq9_total(3, 1), now))
        .await
        .unwrap();
    assert_eq!(r.response.total, Some(3));
    assert_eq!(r.raised, vec![FlagKind::SuicideRisk]);
    // The total is an observation under LOINC 44261-6 with the band label.
    let total = &r.observations[0];
    assert_eq!(
        (total.system.as_str(), total.code.as_str()),
        ("http://loinc.org", "44261-6")
    );
    assert_eq!(total.value, 3);
    assert_eq!(total.interpretation.as_deref(), Some("None–minimal"));
    assert_eq!(total.effective, now);

    // Both team members are told; the care manager off the team is not.
    assert_eq!(w.app.unread_notifications(&dr).await.unwrap(), 1);
    assert_eq!(w.app.unread_notifications(&t).await.unwrap(), 1);
    assert_eq!(w.app.unread_notifications(&cm).await.unwrap(), 0);
    let list = w.app.notifications(&dr, 50).await.unwrap();
    assert_eq!(list.len(), 1);
    assert_eq!(list[0].flag.kind.text(), "Suicide risk");

    // The chart header shows it.
    let chart = w.app.open_chart(&dr, p.id).await.unwrap();
    let active: Vec<_> = chart.measures.active_flags.iter().map(|f| f.kind).collect();
    assert_eq!(active, [FlagKind::SuicideRisk]);
    let flag_id = chart.measures.active_flags[0].id;

    // An acknowledgement needs a note, is recorded, and closes nothing.
    let e = w
        .app
        .acknowledge_flag(&t, p.id, flag_id, " ")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Invalid(_)));
    w.app
        .acknowledge_flag(&t, p.id, flag_id, "Safety plan reviewed by phone")
        .await
        .unwrap();
    assert_eq!(w.app.unread_notifications(&t).await.unwrap(), 0);
    assert_eq!(w.app.unread_notifications(&dr).await.unwrap(), 1);
    let chart = w.app.open_chart(&dr, p.id).await.unwrap();
    assert_eq!(
        chart.measures.active_flags.len(),
        1,
        "acknowledged, still active"
    );
    assert_eq!(chart.measures.acknowledgements.len(), 1);
    assert_eq!(
        chart.measures.acknowledgements[0].note,
        "Safety plan reviewed by phone"
    );
    // Someone off the team cannot acknowledge.
    let e = w
        .app
        .acknowledge_flag(&cm, p.id, flag_id, "seen it")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));

    // A later PHQ-9 with item 9 "Not at all" ends the condition.
    w.clock.advance(Duration::days(7));
    let later = w.clock.now();
    let r = w
        .app
        .record_response(&t, p.id, sub("phq9", phq9_total(12, 0), later))
        .await
        .unwrap();
    assert_eq!(r.cleared, vec![FlagKind::SuicideRisk]);
    let f = w.app.read_flag(&dr, flag_id).await.unwrap();
    assert!(!f.active);
    assert_eq!(f.period_end, Some(later));
    assert_eq!(
        w.app.unread_notifications(&dr).await.unwrap(),
        0,
        "inactive flags leave the badge"
    );
    // Acknowledging an inactive flag is refused.
    let e = w
        .app
        .acknowledge_flag(&dr, p.id, flag_id, "late note")
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict(_)));
}

/// A C-SSRS at moderate risk raises the same flag; a low-risk screen does not.
async fn cssrs_moderate_raises_suicide_risk(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w
        .app
        .register_patient(&dr, person("Okafor", "female"))
        .await
        .unwrap();
    let yes_no = |pairs: &[(&str, &str)]| -> Answers {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    };
    let low = yes_no(&[("1", "yes"), ("2", "no"), ("6", "no")]);
    let r = w
        .app
        .record_response(&dr, p.id, sub("cssrs", low, w.clock.now()))
        .await
        .unwrap();
    assert!(r.raised.is_empty());
    assert!(
        r.observations.is_empty(),
        "the C-SSRS screener has no total"
    );
    assert_eq!(r.response.interpretation.as_deref(), Some("Low"));
    w.clock.advance(Duration::hours(1));
    let moderate = yes_no(&[
        ("1", "yes"),
        ("2", "yes"),
        ("3", "yes"),
        ("4", "no"),
        ("5", "no"),
        ("6", "no"),
    ]);
    let r = w
        .app
        .record_response(&dr, p.id, sub("cssrs", moderate, w.clock.now()))
        .await
        .unwrap();
    assert_eq!(r.raised, vec![FlagKind::SuicideRisk]);
}

/// A history back-loaded by `authored` raises "Not improving" at week 8
/// without a response, "Worsening" on a rise of 5, and clears them as the
/// scores come down; the registry row follows every step.
async fn backloaded_history_drives_treat_to_target_flags(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let cm = w.user("cm_a", Role::CareManager).await;
    let other = w.user("other", Role::Therapist).await;
    let p = w
        .app
        .register_patient(&dr, person("Nguyen", "female"))
        .await
        .unwrap();
    let start = w.clock.now() - Duration::weeks(12);
    let at = |week: i64| start + Duration::weeks(week);
    let post = async |week: i64, total: u8| {
        w.app
            .record_response(&dr, p.id, sub("phq9", phq9_total(total, 0), at(week)))
            .await
            .unwrap()
    };
    assert!(post(0, 16).await.raised.is_empty());
    assert!(post(4, 15).await.raised.is_empty());
    let r = post(8, 14).await;
    assert_eq!(
        r.raised,
        vec![FlagKind::NotImproving],
        "week 8, no response, not under 10"
    );
    assert_eq!(r.measure.status.as_deref(), Some("Not improving"));
    assert_eq!(
        (r.measure.baseline_score, r.measure.change),
        (Some(16), Some(-2))
    );

    let page = w
        .app
        .registry(
            &cm,
            &RegistryFilter {
                flag: Some(FlagKind::NotImproving),
                limit: 50,
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(page.whole_clinic);
    assert_eq!(page.lines[0].phq9.score, Some(14));
    assert_eq!(page.lines[0].flags, [FlagKind::NotImproving]);
    // A therapist off this patient's team sees an empty caseload.
    let theirs = w
        .app
        .registry(
            &other,
            &RegistryFilter {
                limit: 50,
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(theirs.total, 0);

    let r = post(9, 21).await;
    assert_eq!(r.raised, vec![FlagKind::Worsening]);
    assert_eq!(r.cleared, vec![FlagKind::NotImproving]);
    let r = post(10, 8).await;
    assert_eq!(
        r.measure.status.as_deref(),
        Some("Response"),
        "16 → 8 is a 50% drop"
    );
    assert_eq!(r.cleared, vec![FlagKind::Worsening]);
    let r = post(12, 4).await;
    assert_eq!(r.measure.status.as_deref(), Some("Remission"));
    let page = w
        .app
        .registry(
            &dr,
            &RegistryFilter {
                limit: 50,
                ..Default::default()
            },
            false,
        )
        .await
        .unwrap();
    assert_eq!(page.lines[0].status.as_deref(), Some("Remission"));
    assert_eq!(page.lines[0].weeks_in_treatment, 12);
    assert!(page.lines[0].flags.is_empty());
    // Posting an older response later moves nothing that depends on the latest.
    let r = post(1, 17).await;
    assert_eq!(r.measure.latest_score, Some(4));
    assert_eq!(r.measure.responses, 7);
    let flags = w.app.search_flags(&dr, p.id, None, 50, 0).await.unwrap();
    assert_eq!(
        flags.1, 2,
        "one not-improving and one worsening flag, both ended"
    );
    assert!(flags.0.iter().all(|f| !f.active));
}

/// Bad answers are refused naming the item, and nothing is stored.
async fn bad_responses_store_nothing(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let off = w.user("off", Role::Therapist).await;
    let p = w
        .app
        .register_patient(&dr, person("Haddad", "male"))
        .await
        .unwrap();
    let now = w.clock.now();

    let mut unknown_item = phq9_total(5, 0);
    unknown_item.insert("11".into(), "0".into());
    let mut bad_answer = phq9_total(5, 0);
    bad_answer.insert("3".into(), "4".into());
    let mut missing = phq9_total(5, 0);
    missing.remove("9");
    for (answers, item) in [(unknown_item, "11"), (bad_answer, "3"), (missing, "9")] {
        let e = w
            .app
            .record_response(&dr, p.id, sub("phq9", answers, now))
            .await
            .unwrap_err();
        let AppError::Response(problems) = e else {
            panic!("expected item problems, got {e:?}")
        };
        assert!(
            problems.iter().any(|p: &ResponseError| p.item() == item),
            "{problems:?}"
        );
    }
    let e = w
        .app
        .record_response(&dr, p.id, sub("phq-99", phq9_total(5, 0), now))
        .await
        .unwrap_err();
    assert!(e.to_string().contains("no questionnaire"), "{e}");
    let e = w
        .app
        .record_response(
            &dr,
            p.id,
            sub("phq9", phq9_total(5, 0), now + Duration::days(1)),
        )
        .await
        .unwrap_err();
    assert!(e.to_string().contains("future"), "{e}");
    let e = w
        .app
        .record_response(&off, p.id, sub("phq9", phq9_total(5, 1), now))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::NotOnCareTeam)));

    assert!(
        w.app
            .patient_responses(&dr, p.id, None)
            .await
            .unwrap()
            .is_empty()
    );
    let (flags, _) = w.app.search_flags(&dr, p.id, None, 50, 0).await.unwrap();
    assert!(flags.is_empty(), "the refused item-9 answer raised nothing");
    let chart = w.app.open_chart(&dr, p.id).await.unwrap();
    assert!(chart.measures.measures.is_empty());
    assert!(chart.measures.episode_start.is_none());
}

/// The calendar raises "Overdue" after the cadence; a new measure clears it.
async fn overdue_follows_the_calendar(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w
        .app
        .register_patient(&dr, person("Berg", "female"))
        .await
        .unwrap();
    let first = w.clock.now();
    w.app
        .record_response(
            &dr,
            p.id,
            sub(
                "gad7",
                (1..=7).map(|i| (i.to_string(), "2".to_string())).collect(),
                first,
            ),
        )
        .await
        .unwrap();
    let overdue = RegistryFilter {
        flag: Some(FlagKind::Overdue),
        limit: 50,
        ..Default::default()
    };
    w.clock.advance(Duration::days(28));
    assert_eq!(
        w.app.sweep_overdue().await.unwrap(),
        0,
        "28 days is on time"
    );
    assert_eq!(w.app.registry(&dr, &overdue, false).await.unwrap().total, 0);
    w.clock.advance(Duration::days(1));
    assert_eq!(w.app.sweep_overdue().await.unwrap(), 1);
    assert_eq!(
        w.app.sweep_overdue().await.unwrap(),
        0,
        "the sweep is idempotent"
    );
    let page = w.app.registry(&dr, &overdue, false).await.unwrap();
    assert_eq!(page.total, 1);
    assert_eq!(page.lines[0].flags, [FlagKind::Overdue]);
    let (active, _) = w
        .app
        .search_flags(&dr, p.id, Some(true), 50, 0)
        .await
        .unwrap();
    assert_eq!(active[0].kind, FlagKind::Overdue);

    let r = w
        .app
        .record_response(
            &dr,
            p.id,
            sub(
                "gad7",
                (1..=7).map(|i| (i.to_string(), "1".to_string())).collect(),
                w.clock.now(),
            ),
        )
        .await
        .unwrap();
    assert_eq!(r.cleared, vec![FlagKind::Overdue]);
    assert_eq!(w.app.registry(&dr, &overdue, false).await.unwrap().total, 0);
}

/// Sex-specific cut-offs use the recorded sex; unknown sex uses the more
/// sensitive one and says so in the interpretation.
async fn sex_specific_rules_use_the_recorded_sex(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let three: Answers = [("1", "1"), ("2", "1"), ("3", "1")]
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
    let mut seen = Vec::new();
    for sex in ["male", "female", "unknown"] {
        let p = w
            .app
            .register_patient(&dr, person(&format!("Case{sex}"), sex))
            .await
            .unwrap();
        let r = w
            .app
            .record_response(&dr, p.id, sub("auditc", three.clone(), w.clock.now()))
            .await
            .unwrap();
        assert_eq!(r.observations[0].code, "75626-2");
        seen.push(r.observations[0].interpretation.clone().unwrap());
    }
    assert_eq!(seen[0], "Negative", "men: positive from 4");
    assert_eq!(seen[1], "Positive", "women: positive from 3");
    assert!(
        seen[2].starts_with("Positive (Sex not recorded"),
        "{}",
        seen[2]
    );
}

/// Registry sorting and the whole-clinic reach of care managers.
async fn registry_sorts_and_scopes(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let t = w.user("t_a", Role::Therapist).await;
    let cm = w.user("cm_a", Role::CareManager).await;
    let desk = w.user("desk", Role::FrontDesk).await;
    let now = w.clock.now();
    for (i, total) in [9u8, 21, 14].iter().enumerate() {
        let owner = if i == 2 { &t } else { &dr };
        let p = w
            .app
            .register_patient(owner, person(&format!("P{i}"), "female"))
            .await
            .unwrap();
        w.app
            .record_response(owner, p.id, sub("phq9", phq9_total(*total, 0), now))
            .await
            .unwrap();
    }
    let f = |sort, descending| RegistryFilter {
        sort,
        descending,
        limit: 50,
        ..Default::default()
    };
    let page = w
        .app
        .registry(&cm, &f(RegistrySort::Phq9, true), false)
        .await
        .unwrap();
    let scores: Vec<_> = page.lines.iter().map(|l| l.phq9.score.unwrap()).collect();
    assert_eq!(scores, [21, 14, 9]);
    let page = w
        .app
        .registry(&cm, &f(RegistrySort::Phq9, false), false)
        .await
        .unwrap();
    let scores: Vec<_> = page.lines.iter().map(|l| l.phq9.score.unwrap()).collect();
    assert_eq!(scores, [9, 14, 21]);
    // The care manager filters the clinic by clinician.
    let only_t = RegistryFilter {
        clinician: Some(t.actor.user_id),
        limit: 50,
        ..Default::default()
    };
    assert_eq!(w.app.registry(&cm, &only_t, false).await.unwrap().total, 1);
    assert_eq!(
        w.app
            .registry(&dr, &f(RegistrySort::Name, false), false)
            .await
            .unwrap()
            .total,
        2
    );
    let e = w
        .app
        .registry(&desk, &f(RegistrySort::Name, false), false)
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Forbidden(Forbidden::Role)));
    // An edited name moves the patient in the name order at once.
    let by_name = w
        .app
        .registry(&cm, &f(RegistrySort::Name, false), false)
        .await
        .unwrap();
    let last = by_name.lines.last().unwrap().clone();
    let owner = if last.family_name == "P2" { &t } else { &dr };
    let mut d = w
        .app
        .read_patient(owner, last.patient_id)
        .await
        .unwrap()
        .demographics;
    d.family_name = "Aalto".into();
    w.app
        .update_patient(owner, last.patient_id, d, None)
        .await
        .unwrap();
    let by_name = w
        .app
        .registry(&cm, &f(RegistrySort::Name, false), false)
        .await
        .unwrap();
    assert_eq!(by_name.lines[0].family_name, "Aalto");
    assert_eq!(by_name.lines[0].patient_id, last.patient_id);
    // Paging.
    let first = RegistryFilter {
        limit: 2,
        offset: 0,
        ..Default::default()
    };
    let second = RegistryFilter {
        limit: 2,
        offset: 2,
        ..Default::default()
    };
    let a = w.app.registry(&cm, &first, false).await.unwrap();
    let b = w.app.registry(&cm, &second, false).await.unwrap();
    assert_eq!((a.lines.len(), b.lines.len(), a.total), (2, 1, 3));
}

/// Responses for one patient arriving at once all land, and the derived
/// state counts every one of them (one episode, one active flag).
async fn concurrent_responses_for_one_patient(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_a", Role::Prescriber).await;
    let p = w
        .app
        .register_patient(&dr, person("Lindqvist", "female"))
        .await
        .unwrap();
    let base = w.clock.now() - Duration::days(30);
    let mut set = tokio::task::JoinSet::new();
    for i in 0..16i64 {
        let (app, dr) = (w.app.clone(), dr.clone());
        set.spawn(async move {
            app.record_response(
                &dr,
                p.id,
                sub("phq9", phq9_total(10, 1), base + Duration::hours(i)),
            )
            .await
        });
    }
    while let Some(r) = set.join_next().await {
        r.unwrap().unwrap();
    }
    let chart = w.app.open_chart(&dr, p.id).await.unwrap();
    assert_eq!(chart.measures.measures[0].responses, 16);
    assert_eq!(chart.measures.history["phq9"].len(), 16);
    let kinds: Vec<_> = chart.measures.active_flags.iter().map(|f| f.kind).collect();
    assert_eq!(kinds, [FlagKind::SuicideRisk]);
}

both_backends! {
    concurrent => concurrent_responses_for_one_patient;
    item9 => item9_raises_suicide_risk_for_the_whole_team;
    cssrs => cssrs_moderate_raises_suicide_risk;
    backloaded => backloaded_history_drives_treat_to_target_flags;
    bad_input => bad_responses_store_nothing;
    overdue => overdue_follows_the_calendar;
    sex_specific => sex_specific_rules_use_the_recorded_sex;
    registry => registry_sorts_and_scopes;
}
