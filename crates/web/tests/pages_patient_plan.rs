//! From the intake to the patient's printable plan, on both backends: the
//! accepted pathway drafts the first plan; the patient's version of the plan
//! is in plain words with the crisis lines and the leaflets that fit; what
//! was given is recorded. Access follows the care team.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use axum::http::StatusCode;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};

/// The open assessment's id, from the ASAM form.
fn open_assessment(body: &str) -> String {
    let f = near(body, "asam", "</form>");
    let key = "name=\"assessment\" value=\"";
    let i = f.find(key).expect("an open assessment") + key.len();
    f[i..].split('"').next().unwrap().to_string()
}

/// Severe depression with a diagnosis: the recommendation is "both"; the
/// clinician accepts; the plan editor comes drafted from it.
async fn intake_decision_drafts_the_plan_and_the_patient_reads_it(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let t = e.user("t_kim", Role::Therapist).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[&t]).await;
    e.app
        .add_diagnosis(
            &dr,
            p,
            &tandem_core::diagnosis::NewDiagnosisInput {
                code: "F33.2".into(),
                rank: "primary".into(),
                clinical_status: "active".into(),
                onset: String::new(),
                note: String::new(),
            },
        )
        .await
        .unwrap();
    let c = e.login("dr_lee").await;
    // PHQ-9 total 20: severe.
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 2, 2, 2, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    // Before any decision the editor starts empty.
    let blank = e.get(&format!("/patients/{p}/plan/edit"), &c).await;
    assert_eq!(blank.status, StatusCode::OK);
    assert!(!blank.body.contains("id=\"from-intake\""));

    let csrf = e.csrf(&c).await;
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("program", "mental_health"),
                ("assessment", ""),
                ("presenting_problems", "Low mood, not sleeping"),
                ("suicidal_ideation", "none"),
                ("overall_risk", "low"),
                ("medication_preference", "open_to_medication"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&r.header("location"), &c).await.body;
    let aid = open_assessment(&page);
    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "both"),
                ("action", "accept"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let intake = e.get(&r.header("location"), &c).await.body;
    assert!(
        intake.contains("id=\"to-plan\""),
        "the decision leads on to the plan"
    );

    let draft = e.get(&format!("/patients/{p}/plan/edit"), &c).await;
    assert_eq!(draft.status, StatusCode::OK);
    let b = decoded(&draft.body);
    assert!(b.contains("id=\"from-intake\""), "says it was drafted");
    assert!(
        b.contains("Intake pathway: Therapy and medication evaluation (recommendation accepted).")
    );
    assert!(b.contains("Patient's medication preference: Open to medication."));
    assert!(
        b.contains("value=\"Intake completed\""),
        "a reason to start from"
    );

    // What the editor was given, saved as the first version and signed.
    let body = e.app.draft_plan_from_intake(&dr, p).await.unwrap().unwrap();
    assert_eq!(body.problems[0].diagnosis.as_ref().unwrap().code, "F33.2");
    assert_eq!(body.therapy.len(), 1, "therapy is in the pathway");
    assert_eq!(body.therapy[0].clinician, Some(t.actor.user_id));
    assert_eq!(
        body.medication.as_ref().map(|m| m.prescriber),
        Some(dr.actor.user_id),
        "medication management with the team's prescriber"
    );
    assert_eq!(body.schedule.len(), 1, "only what the intake measured");
    assert_eq!(body.schedule[0].instrument, "phq9");
    let title = body.problems[0].text.clone();
    let started = e
        .app
        .start_care_plan(&dr, p, body, "Intake completed")
        .await
        .unwrap();
    e.app
        .sign_care_plan(&dr, p, started.current.number())
        .await
        .unwrap();

    // On the plan page a problem worded as its diagnosis says the title
    // once, with the code beside it.
    let plan = decoded(&e.get(&format!("/patients/{p}/plan"), &c).await.body);
    let heading = near(&plan, "problems-h", "</h3>");
    assert_eq!(heading.matches(title.as_str()).count(), 1, "{heading}");
    assert!(
        heading.contains("<span class=\"dx mono\">F33.2</span>"),
        "{heading}"
    );

    let sum = e.get(&format!("/patients/{p}/plan/summary"), &c).await;
    assert_eq!(sum.status, StatusCode::OK, "{}", sum.body);
    let s = decoded(&sum.body);
    for want in [
        "Your care plan",
        "Call or text 988",
        "This is version 1 of your plan.",
        "dr_lee name signed it on November 22, 2026.",
        "Bring your score on the PHQ-9 (mood check-in) below 5 by February 14, 2027.",
        "CBT with t_kim name, just you and your therapist, in person, every week.",
        "Medicine: dr_lee name looks after your medicine.",
        "Every 2 weeks, you fill in the PHQ-9 (mood check-in).",
        "Reading for you",
        "id=\"leaflet-crisis\"",
        "id=\"leaflet-depression\"",
        "id=\"leaflet-cbt\"",
        "id=\"leaflet-therapy-and-medicine-together\"",
        "/static/print.js",
    ] {
        assert!(s.contains(want), "summary lacks {want:?}");
    }
    assert!(
        !s.contains("id=\"leaflet-medicines-for-opioid-use\""),
        "no leaflet the plan does not call for"
    );
    assert!(
        s.find("leaflet-crisis") < s.find("leaflet-depression"),
        "the crisis leaflet comes first"
    );

    // Recording the leaflets as given from the summary comes back to it.
    let mut pairs = vec![("csrf", csrf.as_str()), ("back", "summary")];
    for m in ["crisis", "depression", "cbt"] {
        pairs.push(("material", m));
    }
    let r = e
        .post(&format!("/patients/{p}/education"), &c, form(&pairs))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/patients/{p}/plan/summary?notice=given")
    );
    let ed = e.app.patient_education(&dr, p).await.unwrap();
    assert_eq!(ed.given.len(), 3);
    assert!(
        ed.given
            .iter()
            .all(|g| g.plan_version == Some(1) && g.given_by == dr.actor.user_id)
    );
    let page = e.get(&format!("/patients/{p}/education"), &c).await;
    let b = decoded(&page.body);
    assert!(b.contains("id=\"given\""));
    assert!(b.contains("What is CBT?"));

    // One leaflet on its own page, printable.
    let l = e.get(&format!("/patients/{p}/education/cbt"), &c).await;
    assert_eq!(l.status, StatusCode::OK);
    assert!(l.body.contains("cognitive behavioral therapy"));
    assert!(l.body.contains("Sources"));
}

/// Unknown leaflets and empty choices are refused with a message and
/// nothing is recorded; outside the care team the pages are refused.
async fn refusals_store_nothing(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let other = e.user("dr_out", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let csrf = e.csrf(&c).await;

    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", &csrf), ("material", "no-such-leaflet")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(decoded(&r.body).contains("there is no leaflet \"no-such-leaflet\""));
    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", &csrf)]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("choose at least one leaflet"));
    let r = e
        .post(
            &format!("/patients/{p}/education"),
            &c,
            form(&[("csrf", "forged"), ("material", "crisis")]),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(
        e.app
            .patient_education(&dr, p)
            .await
            .unwrap()
            .given
            .is_empty()
    );

    let l = e.get(&format!("/patients/{p}/education/nope"), &c).await;
    assert_eq!(l.status, StatusCode::NOT_FOUND);
    // No plan yet: the summary says so and still gives the crisis lines.
    let s = e.get(&format!("/patients/{p}/plan/summary"), &c).await;
    assert_eq!(s.status, StatusCode::OK);
    assert!(s.body.contains("has not written your plan yet"));
    assert!(s.body.contains("988"));

    let oc = e.login("dr_out").await;
    for path in [
        format!("/patients/{p}/plan/summary"),
        format!("/patients/{p}/education"),
        format!("/patients/{p}/education/crisis"),
    ] {
        let r = e.get(&path, &oc).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{path}");
    }
    assert!(
        e.app.patient_education(&other, p).await.is_err(),
        "the app refuses too"
    );
}

both_backends! {
    flow => intake_decision_drafts_the_plan_and_the_patient_reads_it;
    refusals => refusals_store_nothing;
}
