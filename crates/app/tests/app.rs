//! Use cases on both backends: access follows the care team, every read and
//! write of patient data is audited in the same transaction, sign-in rules.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::sync::Arc;
use tandem_app::{
    Actor, App, AppError, AuditFilter, Caller, Forbidden, LoginError, NewAccount, Operator,
    Settings,
};
use tandem_core::access::Purpose;
use tandem_core::audit::Channel;
use tandem_core::clock::{Clock, FixedClock};
use tandem_core::entropy::SeededEntropy;
use tandem_core::ids::PatientId;
use tandem_core::patient::{Demographics, DemographicsInput, PatientQuery};
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::Duration;
use time::macros::datetime;

const PASSWORD: &str = "Correct-Horse-Battery-9";

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
        Arc::new(SeededEntropy::new(42)),
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
                    display_name: Some(format!("{username} (display)")),
                    role,
                    password: PASSWORD.into(),
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

    async fn audit_actions(
        &self,
        auditor: &Caller,
        patient: Option<PatientId>,
    ) -> Vec<(String, String, String)> {
        let f = AuditFilter {
            patient,
            limit: 500,
            ..Default::default()
        };
        let page = self.app.audit_view(auditor, &f).await.unwrap();
        page.entries
            .into_iter()
            .rev()
            .map(|e| (e.record.action, e.record.outcome, e.record.actor))
            .collect()
    }
}

fn ana() -> Demographics {
    DemographicsInput {
        family_name: "Rivera".into(),
        given_names: "Ana".into(),
        birth_date: "1988-04-12".into(),
        sex_at_birth: "female".into(),
        ..Default::default()
    }
    .validate(time::macros::date!(2026 - 11 - 22))
    .unwrap()
}

/// Each role against each patient action, on and off the care team.
async fn access_follows_the_care_team(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let nurse = w.user("n_park", Role::Nurse).await;
    let cm = w.user("cm_jones", Role::CareManager).await;
    let desk = w.user("desk_amy", Role::FrontDesk).await;
    let admin = w.user("admin", Role::Admin).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;

    // The registering prescriber joins the care team in their role.
    let p = w.app.register_patient(&dr, ana()).await.unwrap();
    let team = w.app.care_team(&dr, p.id).await.unwrap();
    assert_eq!(team.len(), 1);
    assert_eq!(team[0].user_id, dr.actor.user_id);
    assert_eq!(team[0].role, tandem_core::role::CareTeamRole::Prescriber);

    // On the team: read, chart, edit.
    assert_eq!(
        w.app.open_chart(&dr, p.id).await.unwrap().purpose,
        Purpose::Treatment
    );
    let mut changed = ana();
    changed.phone = Some("555-201-3344".into());
    assert_eq!(
        w.app
            .update_patient(&dr, p.id, changed.clone(), Some(1))
            .await
            .unwrap()
            .version,
        2
    );

    // Clinicians off the team are refused everything.
    for c in [&t, &nurse, &cm] {
        assert!(matches!(
            w.app.read_patient(c, p.id).await,
            Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
        ));
        assert!(matches!(
            w.app.open_chart(c, p.id).await,
            Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
        ));
        assert!(matches!(
            w.app.update_patient(c, p.id, changed.clone(), None).await,
            Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
        ));
        assert!(matches!(
            w.app.care_team(c, p.id).await,
            Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
        ));
        let found = w
            .app
            .search_patients(c, &PatientQuery::from_free_text("rivera"))
            .await
            .unwrap();
        assert_eq!(
            found.total, 0,
            "{} must not find a patient off their care teams",
            c.actor.username
        );
    }

    // Front desk: demographics yes (whole clinic), chart opens as registration only.
    assert_eq!(w.app.read_patient(&desk, p.id).await.unwrap().id, p.id);
    assert_eq!(
        w.app.open_chart(&desk, p.id).await.unwrap().purpose,
        Purpose::Operations
    );
    assert_eq!(
        w.app
            .search_patients(&desk, &PatientQuery::from_free_text("rivera"))
            .await
            .unwrap()
            .total,
        1
    );

    // Admin and auditor open no chart, search nothing.
    for c in [&admin, &auditor] {
        assert!(matches!(
            w.app.read_patient(c, p.id).await,
            Err(AppError::Forbidden(Forbidden::Role))
        ));
        assert!(matches!(
            w.app.open_chart(c, p.id).await,
            Err(AppError::Forbidden(Forbidden::Role))
        ));
        assert!(matches!(
            w.app
                .search_patients(c, &PatientQuery::from_free_text("rivera"))
                .await,
            Err(AppError::Forbidden(Forbidden::Role))
        ));
        assert!(matches!(
            w.app.register_patient(c, ana()).await,
            Err(AppError::Forbidden(Forbidden::Role))
        ));
    }

    // Adding the therapist to the team gives access; ending it takes it away the next day.
    w.app
        .add_care_team_member(&dr, p.id, t.actor.user_id, None)
        .await
        .unwrap();
    assert_eq!(
        w.app.open_chart(&t, p.id).await.unwrap().purpose,
        Purpose::Treatment
    );
    assert_eq!(
        w.app
            .search_patients(&t, &PatientQuery::from_free_text("riv"))
            .await
            .unwrap()
            .total,
        1
    );
    let member = w
        .app
        .care_team(&dr, p.id)
        .await
        .unwrap()
        .into_iter()
        .find(|m| m.user_id == t.actor.user_id)
        .unwrap();
    w.app
        .end_care_team_member(&dr, p.id, member.id, None)
        .await
        .unwrap();
    w.clock.advance(Duration::days(1));
    assert!(matches!(
        w.app.open_chart(&t, p.id).await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));

    // Only clinicians join care teams.
    assert!(matches!(
        w.app
            .add_care_team_member(&dr, p.id, desk.actor.user_id, None)
            .await,
        Err(AppError::Invalid(_))
    ));
}

/// Break-the-glass: a reason opens the chart for a limited time, audited.
async fn break_the_glass(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let desk = w.user("desk_amy", Role::FrontDesk).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.app.register_patient(&dr, ana()).await.unwrap();

    assert!(
        matches!(
            w.app.break_glass(&t, p.id, "because").await,
            Err(AppError::Invalid(_))
        ),
        "a reason is required"
    );
    assert!(matches!(
        w.app
            .break_glass(&desk, p.id, "Need to see the chart now")
            .await,
        Err(AppError::Forbidden(_))
    ));
    let found = w
        .app
        .find_for_break_glass(&t, p.mrn.as_str())
        .await
        .unwrap();
    assert_eq!(found, p.id);
    w.app
        .break_glass(&t, p.id, "Covering crisis call for Dr Lee tonight")
        .await
        .unwrap();
    assert_eq!(
        w.app.open_chart(&t, p.id).await.unwrap().purpose,
        Purpose::BreakGlass
    );
    // The grant expires.
    w.clock.advance(Duration::minutes(61));
    assert!(matches!(
        w.app.open_chart(&t, p.id).await,
        Err(AppError::Forbidden(Forbidden::NotOnCareTeam))
    ));

    let page = w
        .app
        .audit_view(
            &auditor,
            &AuditFilter {
                patient: Some(p.id),
                limit: 100,
                ..Default::default()
            },
        )
        .await
        .unwrap();
    assert_eq!(page.break_glass.len(), 1);
    assert_eq!(
        page.break_glass[0].reason,
        "Covering crisis call for Dr Lee tonight"
    );
    assert_eq!(page.break_glass[0].username, "t_kim");
    let glass_reads = page
        .entries
        .iter()
        .filter(|e| {
            e.record.action == "chart.open" && e.record.purpose.as_deref() == Some("break_glass")
        })
        .count();
    assert_eq!(
        glass_reads, 1,
        "the chart read under break-the-glass is audited as such"
    );
}

/// Every read and write of patient data writes one audit entry; refusals too.
async fn every_access_is_audited(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let t = w.user("t_kim", Role::Therapist).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.app.register_patient(&dr, ana()).await.unwrap();
    w.app.read_patient(&dr, p.id).await.unwrap();
    w.app.open_chart(&dr, p.id).await.unwrap();
    w.app.update_patient(&dr, p.id, ana(), None).await.unwrap();
    let _ = w.app.read_patient(&t, p.id).await;
    let _ = w.app.update_patient(&t, p.id, ana(), None).await;
    // The auditor's own look at this patient's log is recorded too; leave it out here.
    let got: Vec<_> = w
        .audit_actions(&auditor, Some(p.id))
        .await
        .into_iter()
        .filter(|(a, _, _)| a != "audit.read")
        .collect();
    let expect = [
        ("patient.create", "success", "dr_lee"),
        ("patient.read", "success", "dr_lee"),
        ("chart.open", "success", "dr_lee"),
        ("patient.update", "success", "dr_lee"),
        ("patient.read", "denied", "t_kim"),
        ("patient.update", "denied", "t_kim"),
    ];
    let got_ref: Vec<(&str, &str, &str)> = got
        .iter()
        .map(|(a, o, u)| (a.as_str(), o.as_str(), u.as_str()))
        .collect();
    assert_eq!(got_ref, expect);

    // Searches are audited with their terms; reading the log is audited too.
    w.app
        .search_patients(&dr, &PatientQuery::from_free_text("riv"))
        .await
        .unwrap();
    let all = w.audit_actions(&auditor, None).await;
    assert!(
        all.iter()
            .any(|(a, o, _)| a == "patient.search" && o == "success")
    );
    assert!(
        all.iter()
            .any(|(a, _, u)| a == "audit.read" && u == "audit_ray")
    );
    // Non-auditors cannot read the log, and trying is recorded.
    assert!(matches!(
        w.app
            .audit_view(
                &dr,
                &AuditFilter {
                    limit: 10,
                    ..Default::default()
                }
            )
            .await,
        Err(AppError::Forbidden(_))
    ));
    let all = w.audit_actions(&auditor, None).await;
    assert!(
        all.iter()
            .any(|(a, o, u)| a == "audit.read" && o == "denied" && u == "dr_lee")
    );
    let report = w
        .app
        .verify_audit(&Operator {
            name: "test".into(),
        })
        .await
        .unwrap();
    assert_eq!(report.broken, None);
    assert!(report.entries >= 10);
}

/// A failed update changes nothing and leaves no success entry behind.
async fn failed_writes_change_nothing(db: TestDb) {
    let w = world(db).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let auditor = w.user("audit_ray", Role::Auditor).await;
    let p = w.app.register_patient(&dr, ana()).await.unwrap();
    let mut other = ana();
    other.family_name = "Changed".into();
    assert!(matches!(
        w.app.update_patient(&dr, p.id, other, Some(7)).await,
        Err(AppError::VersionConflict { current: 1 })
    ));
    let again = w.app.read_patient(&dr, p.id).await.unwrap();
    assert_eq!(again.demographics.family_name, "Rivera");
    assert_eq!(again.version, 1);
    let updates = w
        .audit_actions(&auditor, Some(p.id))
        .await
        .into_iter()
        .filter(|(a, _, _)| a == "patient.update")
        .count();
    assert_eq!(updates, 0);
}

/// Sign-in: one generic failure message, account lock after five failures,
/// sessions end when idle or old, logout ends them.
async fn sign_in_rules(db: TestDb) {
    let w = world(db).await;
    w.user("dr_lee", Role::Prescriber).await;
    let ok = w.app.login("dr_lee", PASSWORD, "10.0.0.1").await.unwrap();
    let auth = w
        .app
        .resume_session(ok.session_secret.expose())
        .await
        .unwrap();
    assert_eq!(auth.caller.actor.username, "dr_lee");
    assert!(matches!(
        w.app.resume_session("not-a-session").await,
        Err(AppError::Unauthenticated)
    ));

    // Unknown user and wrong password fail the same way.
    let a = w
        .app
        .login("nobody", PASSWORD, "10.0.0.2")
        .await
        .unwrap_err()
        .to_string();
    let b = w
        .app
        .login("dr_lee", "wrong-password-123", "10.0.0.2")
        .await
        .unwrap_err()
        .to_string();
    assert_eq!(a, b);

    // Five failures lock the account for a while, even with the right password.
    for _ in 0..4 {
        assert!(matches!(
            w.app
                .login("dr_lee", "wrong-password-123", "10.0.0.3")
                .await,
            Err(LoginError::Failed)
        ));
    }
    assert!(
        matches!(
            w.app.login("dr_lee", PASSWORD, "10.0.0.4").await,
            Err(LoginError::Failed)
        ),
        "locked"
    );
    w.clock.advance(Duration::minutes(16));
    let ok = w.app.login("dr_lee", PASSWORD, "10.0.0.4").await.unwrap();

    // Idle expiry.
    w.clock.advance(Duration::minutes(14));
    let auth = w
        .app
        .resume_session(ok.session_secret.expose())
        .await
        .unwrap();
    w.clock.advance(Duration::minutes(16));
    assert!(matches!(
        w.app.resume_session(ok.session_secret.expose()).await,
        Err(AppError::Unauthenticated)
    ));

    // Absolute expiry, however busy.
    let ok = w.app.login("dr_lee", PASSWORD, "10.0.0.4").await.unwrap();
    for _ in 0..60 {
        w.clock.advance(Duration::minutes(14));
        if w.app
            .resume_session(ok.session_secret.expose())
            .await
            .is_err()
        {
            break;
        }
    }
    assert!(matches!(
        w.app.resume_session(ok.session_secret.expose()).await,
        Err(AppError::Unauthenticated)
    ));

    // Logout ends the session.
    let ok = w.app.login("dr_lee", PASSWORD, "10.0.0.4").await.unwrap();
    let auth2 = w
        .app
        .resume_session(ok.session_secret.expose())
        .await
        .unwrap();
    w.app.logout(&auth2).await.unwrap();
    assert!(matches!(
        w.app.resume_session(ok.session_secret.expose()).await,
        Err(AppError::Unauthenticated)
    ));
    drop(auth);
}

/// Twenty failures from one address refuse further attempts from it.
async fn address_throttling(db: TestDb) {
    let w = world(db).await;
    w.user("dr_lee", Role::Prescriber).await;
    for i in 0..20 {
        let _ = w
            .app
            .login(&format!("ghost{i}"), "wrong-password-123", "192.0.2.9")
            .await;
    }
    assert!(matches!(
        w.app.login("dr_lee", PASSWORD, "192.0.2.9").await,
        Err(LoginError::AddressThrottled)
    ));
    assert!(
        w.app.login("dr_lee", PASSWORD, "192.0.2.10").await.is_ok(),
        "other addresses are unaffected"
    );
    w.clock.advance(Duration::minutes(16));
    assert!(w.app.login("dr_lee", PASSWORD, "192.0.2.9").await.is_ok());
}

/// Bearer tokens: expired, revoked and deactivated are refused.
async fn bearer_tokens(db: TestDb) {
    let w = world(db).await;
    let admin = w.user("admin", Role::Admin).await;
    let dr = w.user("dr_lee", Role::Prescriber).await;
    let op = Operator {
        name: "test".into(),
    };
    let t = w.app.issue_token(&op, "dr_lee", Some(1)).await.unwrap();
    assert_eq!(
        w.app
            .authenticate_bearer(t.secret.expose())
            .await
            .unwrap()
            .actor
            .username,
        "dr_lee"
    );
    w.clock.advance(Duration::days(1));
    assert!(
        matches!(
            w.app.authenticate_bearer(t.secret.expose()).await,
            Err(AppError::Unauthenticated)
        ),
        "expired"
    );
    let t = w.app.issue_token(&op, "dr_lee", None).await.unwrap();
    w.app.revoke_token(&op, t.secret.expose()).await.unwrap();
    assert!(
        matches!(
            w.app.authenticate_bearer(t.secret.expose()).await,
            Err(AppError::Unauthenticated)
        ),
        "revoked"
    );
    let t = w.app.issue_token(&op, "dr_lee", None).await.unwrap();
    w.app
        .set_user_active(&admin, dr.actor.user_id, false)
        .await
        .unwrap();
    assert!(
        matches!(
            w.app.authenticate_bearer(t.secret.expose()).await,
            Err(AppError::Unauthenticated)
        ),
        "deactivated"
    );
    assert!(matches!(
        w.app.issue_token(&op, "nobody", None).await,
        Err(AppError::NotFound(_))
    ));
    // Only admins manage users.
    assert!(matches!(
        w.app.list_users(&dr).await,
        Err(AppError::Forbidden(_))
    ));
}

/// 32 clinicians registering at once: every registration succeeds, MRNs are
/// unique, and the audit chain stays one unbroken line.
async fn concurrent_registrations(db: TestDb) {
    let w = world(db).await;
    let mut callers = Vec::new();
    for i in 0..32 {
        callers.push(w.user(&format!("clin{i:02}"), Role::Therapist).await);
    }
    let mut tasks = Vec::new();
    for c in callers {
        let app = w.app.clone();
        tasks.push(tokio::spawn(async move {
            let mut mrns = Vec::new();
            for _ in 0..3 {
                mrns.push(app.register_patient(&c, ana()).await?.mrn.to_string());
            }
            Ok::<_, AppError>(mrns)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.unwrap().unwrap());
    }
    let n = all.len();
    all.sort();
    all.dedup();
    assert_eq!(
        (n, all.len()),
        (96, 96),
        "every registration acknowledged, every MRN unique"
    );
    let report = w
        .app
        .verify_audit(&Operator {
            name: "test".into(),
        })
        .await
        .unwrap();
    assert_eq!(report.broken, None);
}

both_backends! {
    concurrency => concurrent_registrations;
    access => access_follows_the_care_team;
    glass => break_the_glass;
    audited => every_access_is_audited;
    failed_writes => failed_writes_change_nothing;
    sign_in => sign_in_rules;
    throttling => address_throttling;
    tokens => bearer_tokens;
}

#[test]
fn the_test_clock_is_fixed() {
    let c = FixedClock::new(datetime!(2026-11-22 09:00 UTC));
    assert_eq!(c.now(), c.now());
}
