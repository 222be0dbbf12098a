//! Intake on both backends: the structured assessment is saved and edited
//! until a decision; the recommendation is made from recorded measures,
//! flags and diagnoses; the clinician accepts or overrides it (with a
//! reason), which is stored and audited; outside the care team nothing is
//! shown and the attempt is audited.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::{
    Actor, App, AppError, AuditFilter, Caller, Choice, DecisionRequest, Forbidden, NewAccount,
    Operator, Settings, Source, Submission,
};
use tandem_core::asam::RatingsInput;
use tandem_core::assessment::{AssessmentInput, LastUse, Substance, SubstanceInput};
use tandem_core::audit::{AuditEntry, Channel};
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::PatientId;
use tandem_core::instrument::Answers;
use tandem_core::level_of_care::LevelOfCare;
use tandem_core::pathway::Pathway;
use tandem_core::patient::{Demographics, DemographicsInput};
use tandem_core::role::Role;
use tandem_store::Store;
use tandem_testkit::{TestDb, both_backends};
use time::macros::{date, datetime};

struct World {
    app: App,
    clock: Arc<FixedClock>,
    db: TestDb,
}

async fn world(db: TestDb) -> World {
    let clock = Arc::new(FixedClock::new(datetime!(2026-11-22 09:00 UTC)));
    let app = App::with_store(
        db.store.clone(),
        clock.clone(),
        Arc::new(SeededEntropy::new(5)),
        Settings::default(),
    )
    .await
    .unwrap();
    World { app, clock, db }
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
                    display_name: Some(format!("{username} name")),
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
        self.app.register_patient(by, person()).await.unwrap().id
    }

    async fn record(&self, by: &Caller, p: PatientId, instrument: &str, answers: Answers) {
        // Each response a minute after the last, so "latest" is unambiguous.
        self.clock.advance(time::Duration::minutes(1));
        self.app
            .record_response(
                by,
                p,
                Submission {
                    instrument: instrument.into(),
                    answers,
                    authored: self.clock.now(),
                    source: Source::Chart,
                },
            )
            .await
            .unwrap();
    }

    /// The patient's audit entries, oldest first, through the auditor's view.
    async fn audit(&self, p: PatientId) -> Vec<AuditEntry> {
        let n = AUDITORS.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let auditor = self.user(&format!("auditor{n}"), Role::Auditor).await;
        let page = self
            .app
            .audit_view(
                &auditor,
                &AuditFilter {
                    patient: Some(p),
                    limit: 500,
                    ..Default::default()
                },
            )
            .await
            .unwrap();
        page.entries.into_iter().rev().collect()
    }

    /// An active diagnosis, as the diagnosis list stores it.
    async fn diagnose(&self, p: PatientId, code: &str) {
        let sql = "INSERT INTO conditions (org_id, id, patient_id, code, display, rank, clinical_status, recorded_at, updated_at) \
                   VALUES ($1, $2, $3, $4, $4, 'primary', 'active', $5, $5)";
        let id = uuid::Uuid::from_u128(
            0x4000_0000 + u128::from(code.bytes().map(u32::from).sum::<u32>()),
        );
        let org = self.app.org().0;
        let now = self.clock.now();
        match &self.db.store {
            Store::Sqlite { writer, .. } => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(p.0)
                    .bind(code)
                    .bind(now)
                    .execute(writer)
                    .await
                    .unwrap();
            }
            Store::Postgres(pool) => {
                sqlx::query(sql)
                    .bind(org)
                    .bind(id)
                    .bind(p.0)
                    .bind(code)
                    .bind(now)
                    .execute(pool)
                    .await
                    .unwrap();
            }
        }
    }
}

static AUDITORS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);

fn person() -> Demographics {
    DemographicsInput {
        family_name: "Okafor".into(),
        given_names: "Grace".into(),
        birth_date: "1990-03-14".into(),
        sex_at_birth: "female".into(),
        ..Default::default()
    }
    .validate(date!(2026 - 11 - 22))
    .unwrap()
}

/// PHQ-9 answers adding up to `total`, item 9 at `item9`.
fn phq9(total: u8, item9: u8) -> Answers {
    let mut left = total - item9;
    (1..=9)
        .map(|n| {
            let a = if n == 9 { item9 } else { left.min(3) };
            if n != 9 {
                left -= a;
            }
            (n.to_string(), a.to_string())
        })
        .collect()
}

/// A positive MDQ: 8 Yes in Part 1, Part 2 Yes, Part 3 a serious problem.
fn mdq_positive() -> Answers {
    let mut a: Answers = "abcdefghijklm"
        .chars()
        .enumerate()
        .map(|(i, c)| (format!("1{c}"), if i < 8 { "yes" } else { "no" }.into()))
        .collect();
    a.insert("2".into(), "yes".into());
    a.insert("3".into(), "3".into());
    a
}

fn input(presenting: &str) -> AssessmentInput {
    AssessmentInput {
        presenting_problems: presenting.into(),
        suicidal_ideation: "none".into(),
        overall_risk: "low".into(),
        ..AssessmentInput::default()
    }
}

fn invalid_field(e: AppError) -> Vec<&'static str> {
    match e {
        AppError::Invalid(v) => v.0.iter().map(|f| f.field).collect(),
        other => panic!("expected invalid input, got {other:?}"),
    }
}

/// An assessment is saved, edited while open, refused with the field named
/// when wrong (nothing stored), and a second one cannot be opened beside it.
async fn saving_and_editing_the_assessment(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;

    let none = w.app.intake(&dr, p, None).await.unwrap();
    assert!(none.current.is_none());
    assert_eq!(none.packet.program.id, w.app.programs().programs[0].id);
    assert!(!none.packet.enrolled);

    let id = w
        .app
        .save_assessment(&dr, p, None, &input("Low mood since the summer"))
        .await
        .unwrap();
    let mut edit = input("Low mood since the summer; poor sleep");
    edit.medications = "sertraline 50 mg daily\n\n  melatonin 3 mg  ".into();
    let same = w
        .app
        .save_assessment(&dr, p, Some(id), &edit)
        .await
        .unwrap();
    assert_eq!(same, id);
    let shown = w.app.intake(&dr, p, None).await.unwrap();
    let cur = shown.current.unwrap();
    assert_eq!(cur.id, id);
    assert_eq!(
        cur.assessment.presenting_problems,
        "Low mood since the summer; poor sleep"
    );
    assert_eq!(
        cur.assessment.medications,
        ["sertraline 50 mg daily", "melatonin 3 mg"]
    );

    // A future date of last use is refused, naming the row's field, and the
    // stored assessment is unchanged.
    let mut bad = input("changed");
    bad.substances = vec![SubstanceInput {
        substance: "alcohol".into(),
        last_use: "2026-11-23".into(),
        ..SubstanceInput::default()
    }];
    let e = w
        .app
        .save_assessment(&dr, p, Some(id), &bad)
        .await
        .unwrap_err();
    assert_eq!(invalid_field(e), ["su1_last_use"]);
    let after = w.app.intake(&dr, p, None).await.unwrap().current.unwrap();
    assert_eq!(
        after.assessment.presenting_problems,
        "Low mood since the summer; poor sleep"
    );

    let e = w
        .app
        .save_assessment(&dr, p, None, &input("another"))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict(_)), "{e:?}");

    let saves: Vec<_> = w
        .audit(p)
        .await
        .into_iter()
        .filter(|e| e.record.action == "assessment.save")
        .map(|e| (e.record.outcome, e.record.detail.unwrap_or_default()))
        .collect();
    assert_eq!(
        saves,
        [
            ("success".to_string(), "created".to_string()),
            ("success".to_string(), "updated".to_string())
        ]
    );
}

/// The recommendation reads the recorded responses, active flags and
/// diagnoses; the packet shows what is done; trauma adds the PCL-5.
async fn recommendation_from_recorded_measures(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;

    let rec = w.app.recommend(&dr, p).await.unwrap();
    assert_eq!(rec.pathway, None);
    assert!(rec.no_rule_applies());

    w.record(&dr, p, "phq9", phq9(12, 0)).await;
    let rec = w.app.recommend(&dr, p).await.unwrap();
    assert_eq!(rec.pathway, Some(Pathway::Therapy));

    w.record(&dr, p, "phq9", phq9(17, 0)).await;
    let rec = w.app.recommend(&dr, p).await.unwrap();
    assert_eq!(rec.pathway, Some(Pathway::Both), "the latest PHQ-9 counts");
    assert!(!rec.safety_first());

    // A positive item 9 raises the suicide-risk flag: safety comes first.
    w.record(&dr, p, "phq9", phq9(17, 1)).await;
    let rec = w.app.recommend(&dr, p).await.unwrap();
    assert!(rec.safety_first());
    assert_eq!(rec.steps[0].id, "same_day_safety");
    assert_eq!(rec.pathway, Some(Pathway::Both));

    w.record(&dr, p, "mdq", mdq_positive()).await;
    w.diagnose(p, "F11.20").await;
    let rec = w.app.recommend(&dr, p).await.unwrap();
    let steps: Vec<&str> = rec.steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(steps[0], "same_day_safety");
    assert!(steps.contains(&"psychiatric_evaluation"));
    assert!(steps.contains(&"mat_evaluation"));
    assert!(!rec.cautions.is_empty());
    assert!(
        rec.reasons
            .iter()
            .any(|r| r.because.contains(&"diagnosis F11.20".to_string()))
    );

    // The packet: PHQ-9 done with its score and band, GAD-7 not yet, no
    // PCL-5 until trauma is reported.
    let i = w.app.intake(&dr, p, None).await.unwrap();
    let phq = i
        .packet
        .items
        .iter()
        .find(|x| x.instrument == "phq9")
        .unwrap();
    let done = phq.done.as_ref().unwrap();
    assert_eq!(done.score, Some(17));
    assert_eq!(done.band.as_deref(), Some("Moderately severe"));
    let gad = i
        .packet
        .items
        .iter()
        .find(|x| x.instrument == "gad7")
        .unwrap();
    assert!(gad.done.is_none());
    assert!(!i.packet.items.iter().any(|x| x.instrument == "pcl5"));
    let mut trauma = input("Nightmares after an assault");
    trauma.trauma_reported = true;
    w.app.save_assessment(&dr, p, None, &trauma).await.unwrap();
    let i = w.app.intake(&dr, p, None).await.unwrap();
    assert!(i.packet.items.iter().any(|x| x.instrument == "pcl5"));
    // Another program's packet can be picked while not enrolled.
    let other = &w.app.programs().programs[1].id;
    let i = w.app.intake(&dr, p, Some(other)).await.unwrap();
    assert_eq!(&i.packet.program.id, other);
}

/// Override without a reason stores nothing; with one it is stored with the
/// recommendation as shown and audited with its reason; a decided
/// assessment is never edited; a reassessment is a new record.
async fn accepting_and_overriding(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    w.record(&dr, p, "phq9", phq9(16, 0)).await;
    let mut a = input("Low mood");
    a.medication_preference = "prefers_no_medication".into();
    let id = w.app.save_assessment(&dr, p, None, &a).await.unwrap();
    let shown = w.app.intake(&dr, p, None).await.unwrap();
    assert_eq!(shown.recommendation.pathway, Some(Pathway::Both));
    assert!(shown.recommendation.preference_conflict.is_some());

    let no_reason = DecisionRequest {
        assessment: id,
        shown: Some(Pathway::Both),
        choice: Choice::Override {
            pathway: "therapy".into(),
            reason: " ".into(),
        },
    };
    let e = w.app.decide_pathway(&dr, p, &no_reason).await.unwrap_err();
    assert_eq!(invalid_field(e), ["reason"]);
    assert!(
        w.app
            .intake(&dr, p, None)
            .await
            .unwrap()
            .current
            .unwrap()
            .decision
            .is_none()
    );
    assert!(w.app.decided_pathway(&dr, p).await.unwrap().is_none());

    // Deciding on a recommendation that is no longer the current one is refused.
    let stale = DecisionRequest {
        shown: Some(Pathway::Therapy),
        choice: Choice::Accept,
        ..no_reason.clone()
    };
    assert!(matches!(
        w.app.decide_pathway(&dr, p, &stale).await.unwrap_err(),
        AppError::Conflict(_)
    ));

    let reason = "declines medication after discussion; revisit in 4 weeks";
    let ok = DecisionRequest {
        choice: Choice::Override {
            pathway: "therapy".into(),
            reason: reason.into(),
        },
        ..no_reason.clone()
    };
    let d = w.app.decide_pathway(&dr, p, &ok).await.unwrap();
    assert!(!d.accepted);
    assert_eq!(d.pathway, Pathway::Therapy);
    let i = w.app.intake(&dr, p, None).await.unwrap();
    let dec = i.current.as_ref().unwrap().decision.as_ref().unwrap();
    assert!(!dec.accepted);
    assert_eq!(dec.pathway, Pathway::Therapy);
    assert_eq!(dec.reason.as_deref(), Some(reason));
    assert_eq!(dec.by_name.as_deref(), Some("dr_lee name"));
    assert_eq!(dec.at, w.clock.now());
    assert_eq!(dec.recommendation.pathway, Some(Pathway::Both));
    let decided = w.app.decided_pathway(&dr, p).await.unwrap().unwrap();
    assert_eq!(decided.assessment, id);
    assert_eq!(decided.decision.pathway, Pathway::Therapy);
    let first: Vec<&str> = decided.first_steps.iter().map(|s| s.id.as_str()).collect();
    assert_eq!(first, ["medication_evaluation", "therapy"]);

    let entry = w
        .audit(p)
        .await
        .into_iter()
        .find(|e| e.record.action == "pathway.decide")
        .unwrap();
    assert_eq!(entry.record.outcome, "success");
    let detail = entry.record.detail.unwrap();
    assert!(
        detail.contains("overridden") && detail.contains(reason),
        "{detail}"
    );

    // Decided: no edit, no new ratings, no second decision.
    let e = w
        .app
        .save_assessment(&dr, p, Some(id), &input("rewritten"))
        .await
        .unwrap_err();
    assert!(matches!(e, AppError::Conflict(_)), "{e:?}");
    let ratings = RatingsInput {
        dimensions: [1, 1, 1, 1, 1, 1].map(|v| (v.to_string(), String::new())),
    };
    assert!(matches!(
        w.app.save_asam(&dr, p, id, &ratings).await.unwrap_err(),
        AppError::Conflict(_)
    ));
    let again = DecisionRequest {
        choice: Choice::Accept,
        ..no_reason.clone()
    };
    assert!(matches!(
        w.app.decide_pathway(&dr, p, &again).await.unwrap_err(),
        AppError::Conflict(_)
    ));
    let kept = w.app.intake(&dr, p, None).await.unwrap().current.unwrap();
    assert_eq!(kept.assessment.presenting_problems, "Low mood");

    // A reassessment is a new record, decided on its own.
    w.clock.advance(time::Duration::days(30));
    let id2 = w
        .app
        .save_assessment(&dr, p, None, &input("Reassessment: mood lower"))
        .await
        .unwrap();
    assert_ne!(id2, id);
    let d2 = w
        .app
        .decide_pathway(
            &dr,
            p,
            &DecisionRequest {
                assessment: id2,
                shown: Some(Pathway::Both),
                choice: Choice::Accept,
            },
        )
        .await
        .unwrap();
    assert!(d2.accepted);
    let latest = w.app.decided_pathway(&dr, p).await.unwrap().unwrap();
    assert_eq!(latest.assessment, id2);
    assert_eq!(latest.decision.pathway, Pathway::Both);
    let i = w.app.intake(&dr, p, None).await.unwrap();
    assert_eq!(i.earlier.len(), 1, "the first decision stays on record");
}

/// ASAM ratings give a suggestion labelled by its rule; bad ratings store nothing.
async fn asam_ratings(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    let id = w
        .app
        .save_assessment(&dr, p, None, &input("Daily heroin use"))
        .await
        .unwrap();
    let mut r = RatingsInput {
        dimensions: [3, 1, 2, 2, 3, 2].map(|v| (v.to_string(), "note".to_string())),
    };
    let s = w.app.save_asam(&dr, p, id, &r).await.unwrap().unwrap();
    assert_eq!(s.level, LevelOfCare::WithdrawalManagement);
    assert_eq!(s.driven_by, [(1, 3)]);
    r.dimensions[1].0 = "7".into();
    let e = w.app.save_asam(&dr, p, id, &r).await.unwrap_err();
    assert_eq!(invalid_field(e), ["asam_d2"]);
    let i = w.app.intake(&dr, p, None).await.unwrap();
    let stored = i.current.unwrap().asam.unwrap();
    assert_eq!(
        stored.dimensions[1].rating.value(),
        1,
        "the refused rating is not stored"
    );
    assert_eq!(
        i.suggestion.unwrap().level,
        LevelOfCare::WithdrawalManagement
    );
}

/// Off the care team the intake is refused and every attempt is audited.
async fn outside_the_care_team(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let other = w.user("t_other", Role::Therapist).await;
    let desk = w.user("desk_amy", Role::FrontDesk).await;
    let p = w.patient(&dr).await;
    let id = w
        .app
        .save_assessment(&dr, p, None, &input("Low mood"))
        .await
        .unwrap();

    let not_team = AppError::Forbidden(Forbidden::NotOnCareTeam);
    let e = w.app.intake(&other, p, None).await.unwrap_err();
    assert_eq!(e.to_string(), not_team.to_string());
    let e = w
        .app
        .save_assessment(&other, p, Some(id), &input("overwritten"))
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), not_team.to_string());
    let e = w
        .app
        .decide_pathway(
            &other,
            p,
            &DecisionRequest {
                assessment: id,
                shown: None,
                choice: Choice::Accept,
            },
        )
        .await
        .unwrap_err();
    assert_eq!(e.to_string(), not_team.to_string());
    assert!(matches!(
        w.app
            .last_use(&other, p, Substance::Alcohol)
            .await
            .unwrap_err(),
        AppError::Forbidden(Forbidden::NotOnCareTeam)
    ));
    assert!(matches!(
        w.app.intake(&desk, p, None).await.unwrap_err(),
        AppError::Forbidden(Forbidden::Role)
    ));

    let denied: Vec<(String, String)> = w
        .audit(p)
        .await
        .into_iter()
        .filter(|e| e.record.outcome == "denied")
        .map(|e| (e.record.action, e.record.actor))
        .collect();
    for (action, who) in [
        ("intake.read", "t_other"),
        ("assessment.save", "t_other"),
        ("pathway.decide", "t_other"),
        ("assessment.last_use", "t_other"),
        ("intake.read", "desk_amy"),
    ] {
        assert!(
            denied.iter().any(|(a, u)| a == action && u == who),
            "{action} by {who}: {denied:?}"
        );
    }
    let kept = w.app.intake(&dr, p, None).await.unwrap().current.unwrap();
    assert_eq!(kept.assessment.presenting_problems, "Low mood");
}

/// The date of last use is read back per substance for later safety checks.
async fn last_use_is_read_back(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let p = w.patient(&dr).await;
    assert_eq!(
        w.app.last_use(&dr, p, Substance::Fentanyl).await.unwrap(),
        None
    );
    let mut a = input("Opioid use");
    a.substances = vec![
        SubstanceInput {
            substance: "opioid_fentanyl".into(),
            route: "smoked".into(),
            frequency: "daily".into(),
            last_use: "2026-11-21".into(),
            ..SubstanceInput::default()
        },
        SubstanceInput {
            substance: "alcohol".into(),
            last_use_unknown: true,
            ..SubstanceInput::default()
        },
    ];
    let id = w.app.save_assessment(&dr, p, None, &a).await.unwrap();
    let f = w
        .app
        .last_use(&dr, p, Substance::Fentanyl)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(f.last_use, LastUse::On(date!(2026 - 11 - 21)));
    assert_eq!(f.assessment, id);
    let alc = w
        .app
        .last_use(&dr, p, Substance::Alcohol)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(alc.last_use, LastUse::Unknown);
    assert_eq!(
        w.app.last_use(&dr, p, Substance::Cannabis).await.unwrap(),
        None
    );
    assert!(
        w.audit(p)
            .await
            .iter()
            .any(|e| e.record.action == "assessment.last_use"
                && e.record.detail.as_deref() == Some("opioid_fentanyl"))
    );
}

both_backends! {
    save_edit => saving_and_editing_the_assessment;
    recommend => recommendation_from_recorded_measures;
    decide => accepting_and_overriding;
    asam => asam_ratings;
    access => outside_the_care_team;
    last_use => last_use_is_read_back;
}
