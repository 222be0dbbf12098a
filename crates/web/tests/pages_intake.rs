//! The intake page on both backends: the screening packet with each
//! instrument's status, the assessment form, ASAM ratings with the
//! suggestion labelled as decision support, the pathway recommendation with
//! its reasons, and accepting or overriding it. Bad forms come back as 422
//! with the message next to the field, the input kept and nothing stored.
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

/// The packet lists the program's instruments with their status; the
/// recommendation shows its pathway, steps in order and reasons with
/// sources; the chart links to the page.
async fn the_page_shows_the_packet_and_the_recommendation(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    // PHQ-9 total 17 (moderately severe) with a positive item 9.
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 1, 1, 0, 1]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let chart = e.get(&format!("/patients/{p}"), &c).await;
    assert!(
        chart
            .body
            .contains(&format!("href=\"/patients/{p}/intake\""))
    );

    let page = e.get(&format!("/patients/{p}/intake"), &c).await;
    assert_eq!(page.status, StatusCode::OK, "{}", page.body);
    let b = decoded(&page.body);
    let phq = near(&b, "packet-phq9", "</tr>");
    assert!(
        phq.contains("Done") && phq.contains("<strong>17</strong>"),
        "{phq}"
    );
    assert!(phq.contains("Moderately severe"));
    let gad = near(&b, "packet-gad7", "</tr>");
    assert!(
        gad.contains(&format!("href=\"/patients/{p}/measures/gad7\"")),
        "{gad}"
    );
    assert!(gad.contains(">Enter<"));
    assert!(
        !b.contains("id=\"packet-pcl5\""),
        "no PCL-5 before trauma is reported"
    );
    assert!(
        b.contains("Adult mental health"),
        "the first program by default"
    );

    let rec = near(&b, "recommendation", "</section>");
    assert!(
        rec.contains("class=\"pathway-badge pathway-both\">Therapy and medication evaluation<"),
        "{rec}"
    );
    // The safety step comes first, in red.
    let steps = near(&b, "recommendation", "</ol>");
    let first = &steps[steps.find("<li").unwrap()..];
    assert!(
        first.starts_with("<li class=\"step safety\">Same-day safety assessment"),
        "{first}"
    );
    assert!(rec.contains("Because: active flag: Suicide risk"));
    assert!(rec.contains("Because: PHQ-9: Moderately severe"));
    assert!(rec.contains("Source: PHQ-9 bands 15-19 and 20-27"));
    assert!(rec.contains("what follows from it: clinic default"));
    assert!(rec.contains("Save the assessment to decide on the pathway."));

    // A program picked while not enrolled changes the packet shown.
    let other = e
        .get(&format!("/patients/{p}/intake?program=otp"), &c)
        .await;
    assert!(other.body.contains("<option value=\"otp\" selected>"));
}

/// The assessment, the ASAM ratings and the decision are posted through
/// the page and shown back.
async fn posting_the_forms(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let r = e.enter_phq9(&c, p, [3, 3, 3, 3, 2, 1, 1, 0, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let csrf = e.csrf(&c).await;

    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("program", "co_occurring"),
                ("assessment", ""),
                ("presenting_problems", "Low mood & poor sleep since July"),
                ("su1_substance", "opioid_heroin"),
                ("su1_route", "injected"),
                ("su1_frequency", "daily"),
                ("su1_last_use", "2026-11-20"),
                ("su2_substance", "alcohol"),
                ("su2_last_use_unknown", "1"),
                ("rx_pregnancy", "no"),
                ("mse_affect", "constricted"),
                ("mse_mood_note", "\"empty\""),
                ("suicidal_ideation", "passive"),
                ("overall_risk", "moderate"),
                ("trauma_reported", "1"),
                ("medication_preference", "prefers_no_medication"),
                ("therapy_preference", "evenings"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(
        r.header("location"),
        format!("/patients/{p}/intake?saved=assessment&program=co_occurring#assessment"),
        "the program picked on the page is kept"
    );
    let page = e.get(&r.header("location"), &c).await;
    let b = decoded(&page.body);
    assert!(b.contains("Assessment saved."));
    assert!(b.contains("<option value=\"co_occurring\" selected>"));
    assert!(b.contains("Low mood & poor sleep since July"));
    assert!(b.contains("value=\"2026-11-20\""));
    assert!(b.contains("id=\"packet-pcl5\""), "trauma adds the PCL-5");
    assert!(b.contains("<option value=\"constricted\" selected>"));
    let pref = near(&b, "recommendation", "</aside>");
    assert!(pref.contains("Prefers no medication"));
    assert!(
        pref.contains("discuss it together"),
        "the conflict is a point to discuss"
    );
    let aid = open_assessment(&b);

    let mut asam: Vec<(String, String)> = vec![
        ("csrf".into(), csrf.clone()),
        ("assessment".into(), aid.clone()),
    ];
    for (d, v) in [3, 1, 2, 2, 3, 1].iter().enumerate() {
        asam.push((format!("asam_d{}", d + 1), v.to_string()));
        asam.push((format!("asam_d{}_note", d + 1), "seen".into()));
    }
    let pairs: Vec<(&str, &str)> = asam.iter().map(|(a, b)| (a.as_str(), b.as_str())).collect();
    let r = e
        .post(&format!("/patients/{p}/intake/asam"), &c, form(&pairs))
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    let s = near(&b, "asam-suggestion", "</div>");
    assert!(
        s.contains("Decision support — clinic default, not validated"),
        "{s}"
    );
    assert!(s.contains("Withdrawal management"));
    assert!(s.contains("Dimension 1 (Acute intoxication and/or withdrawal potential) rated 3"));
    assert!(s.contains("not the ASAM Criteria algorithm"));

    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "both"),
                ("action", "override"),
                ("pathway", "therapy"),
                ("reason", "Declines medication after discussion"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    let d = near(&b, "decision", "</div>");
    assert!(d.contains("Overridden: Therapy"), "{d}");
    assert!(d.contains("by dr_lee name, 2026-11-22 09:00"));
    assert!(d.contains("recommended was Therapy and medication evaluation"));
    assert!(d.contains("Reason: Declines medication after discussion"));
    assert!(
        !b.contains("class=\"override-form\""),
        "decided: no more decision forms"
    );
    let decided = e.app.decided_pathway(&dr, p).await.unwrap().unwrap();
    assert_eq!(
        decided.decision.reason.as_deref(),
        Some("Declines medication after discussion")
    );
    assert!(
        b.contains("Start reassessment"),
        "a reassessment is a new record"
    );
}

/// Wrong input comes back as 422 with the message at the field and the
/// input kept; nothing is stored. A missing form token is refused.
async fn bad_forms_store_nothing(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let c = e.login("dr_lee").await;
    let csrf = e.csrf(&c).await;
    let bad = [
        ("csrf", csrf.as_str()),
        ("presenting_problems", "Cravings"),
        ("su1_substance", "opioid_fentanyl"),
        ("su1_last_use", "2026-11-23"),
        ("suicidal_ideation", "none"),
    ];
    let r = e
        .post(&format!("/patients/{p}/intake/assessment"), &c, form(&bad))
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let b = decoded(&r.body);
    assert!(b.contains("Nothing was saved."));
    let row = near(&b, "su1_last_use", "</td>");
    assert!(
        row.contains("The date of last use is in the future."),
        "{row}"
    );
    assert!(row.contains("value=\"2026-11-23\""), "the input is kept");
    let risk = near(&b, "overall_risk", "</div>\n      <div");
    assert!(risk.contains("field-error"), "{risk}");
    assert!(b.contains("<option value=\"opioid_fentanyl\" selected>"));
    assert!(b.contains(">Cravings</textarea>"));
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());

    // Without a form token nothing happens.
    let mut no_token = bad;
    no_token[0] = ("csrf", "");
    no_token[3] = ("su1_last_use", "2026-11-20");
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&no_token),
        )
        .await;
    assert_eq!(r.status, StatusCode::FORBIDDEN);
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());

    // An override without a reason: 422 at the reason, nothing decided;
    // then accepting works.
    let r = e
        .post(
            &format!("/patients/{p}/intake/assessment"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("presenting_problems", "Cravings"),
                ("suicidal_ideation", "none"),
                ("overall_risk", "low"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let r = e.enter_phq9(&c, p, [1, 1, 1, 1, 1, 1, 0, 0, 0]).await;
    assert_eq!(r.status, StatusCode::SEE_OTHER);
    let page = e.get(&format!("/patients/{p}/intake"), &c).await;
    let aid = open_assessment(&page.body);
    assert!(page.body.contains("pathway-therapy"));

    // A rating out of range: 422 at that dimension, the others kept.
    let r = e
        .post(
            &format!("/patients/{p}/intake/asam"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("asam_d1", "1"),
                ("asam_d2", "7"),
                ("asam_d3", "2"),
                ("asam_d4", "0"),
                ("asam_d5", "1"),
                ("asam_d6", "0"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let d2 = near(&r.body, "asam_d2", "</fieldset>");
    assert!(
        d2.contains("A rating is a whole number from 0 to 4."),
        "{d2}"
    );
    let d3 = near(&r.body, "asam_d3", "</fieldset>");
    assert!(d3.contains("value=\"2\" checked"), "{d3}");
    let stored = e.app.intake(&dr, p, None).await.unwrap();
    assert!(stored.current.unwrap().asam.is_none());
    assert!(stored.suggestion.is_none());
    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "therapy"),
                ("action", "override"),
                ("pathway", "both"),
                ("reason", ""),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY, "{}", r.body);
    let reason = near(&r.body, "reason", "</div>");
    assert!(reason.contains("class=\"field-error\""), "{reason}");
    assert!(reason.contains("Give the reason"), "{reason}");
    assert!(
        r.body.contains("<option value=\"both\" selected>"),
        "the choice is kept"
    );
    assert!(e.app.decided_pathway(&dr, p).await.unwrap().is_none());

    let r = e
        .post(
            &format!("/patients/{p}/intake/decision"),
            &c,
            form(&[
                ("csrf", &csrf),
                ("assessment", &aid),
                ("shown", "therapy"),
                ("action", "accept"),
            ]),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let b = e.get(&r.header("location"), &c).await.body;
    assert!(near(&b, "decision", "</div>").contains("Accepted: Therapy"));
}

/// Off the care team the page is refused, and front desk never sees it.
async fn access_follows_the_care_team(db: TestDb) {
    let e = env(db, 11).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    e.user("t_other", Role::Therapist).await;
    e.user("desk", Role::FrontDesk).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    for who in ["t_other", "desk"] {
        let c = e.login(who).await;
        let r = e.get(&format!("/patients/{p}/intake"), &c).await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
        let csrf = e.csrf(&c).await;
        let r = e
            .post(
                &format!("/patients/{p}/intake/assessment"),
                &c,
                form(&[
                    ("csrf", &csrf),
                    ("presenting_problems", "x"),
                    ("suicidal_ideation", "none"),
                    ("overall_risk", "low"),
                ]),
            )
            .await;
        assert_eq!(r.status, StatusCode::FORBIDDEN, "{who}");
    }
    assert!(e.app.intake(&dr, p, None).await.unwrap().current.is_none());
}

both_backends! {
    page => the_page_shows_the_packet_and_the_recommendation;
    forms => posting_the_forms;
    bad_forms => bad_forms_store_nothing;
    access => access_follows_the_care_team;
}
