//! The monitoring page on both backends: the integrated timeline with dose
//! steps, PHQ-9 scores, side effects and adherence; a lab out of range
//! shown with its badge; each form's problem answered 422 beside the field
//! with the input kept and nothing stored; a recorded positive screen
//! stopping naltrexone on the prescribing form.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

mod support;
use support::*;

use axum::http::StatusCode;
use tandem_app::{Source, Submission};
use tandem_core::ids::PatientId;
use tandem_core::role::Role;
use tandem_testkit::{TestDb, both_backends};
use time::macros::datetime;

/// A prescriber with a patient on sertraline titrated 50 → 100 mg and two
/// PHQ-9 answers; signed in.
async fn setup(e: &Env) -> (PatientId, String, String, String) {
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Rivera", "Ana", &[]).await;
    for (at, item) in [
        (datetime!(2026-10-01 10:00 UTC), 2u8),
        (datetime!(2026-11-15 10:00 UTC), 1u8),
    ] {
        let answers = (1..=9).map(|i| (i.to_string(), item.to_string())).collect();
        e.app
            .record_response(
                &dr,
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
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let rx = {
        let c = &e.app.medication_safety().catalog;
        c.drug(c.by_id("sertraline").unwrap()).rxcui
    };
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            format!(
                "csrf={csrf}&drug={}&dose=50&unit=mg&route=oral&frequency=once_daily&sig={}&start=2026-10-01",
                rx.get(),
                enc("Take one tablet a day")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let order = r
        .header("location")
        .split('/')
        .nth(4)
        .unwrap()
        .split('?')
        .next()
        .unwrap()
        .to_string();
    let r = e
        .post(
            &format!("/patients/{p}/medications/{order}/dose"),
            &cookie,
            format!(
                "csrf={csrf}&mode=titrate&on=2026-10-29&dose=100&unit=mg&reason=partial+response"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    (p, cookie, csrf, order)
}

async fn timeline_shows_doses_scores_effects_and_adherence(db: TestDb) {
    let e = env(db, 29).await;
    let (p, cookie, csrf, order) = setup(&e).await;
    let path = format!("/patients/{p}/monitoring");

    let r = e
        .post(
            &format!("{path}/side-effects"),
            &cookie,
            format!("csrf={csrf}&se_order={order}&noted_on=2026-10-10&fx_nausea=moderate&fx_tremor=&other=&other_severity="),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    assert_eq!(r.header("location"), format!("{path}?saved=side-effects"));
    let r = e
        .post(
            &format!("{path}/adherence"),
            &cookie,
            format!(
                "csrf={csrf}&ad_order={order}&week_ending=2026-11-20&missed=1&reporter=patient"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);

    let r = e.get(&format!("{path}?saved=adherence"), &cookie).await;
    assert_eq!(r.status, StatusCode::OK);
    let b = &r.body;
    assert!(b.contains("Adherence recorded."));
    assert!(b.contains("<svg class=\"timeline\""));
    assert!(b.contains("role=\"img\""));
    // Dose steps: the start and the titration, in the SVG and the table.
    assert!(b.contains("sertraline from 2026-10-01: 50 mg a day"));
    assert!(b.contains("sertraline from 2026-10-29: 100 mg a day"));
    assert!(b.contains("<td>2026-10-29</td><td>100 mg/day</td>"));
    // Scores: PHQ-9 18 then 9.
    assert!(b.contains("PHQ-9 2026-10-01: 18"));
    assert!(b.contains("PHQ-9 2026-11-15: 9"));
    assert!(b.contains("tl-effect moderate"));
    // The side effect reads as its checklist label, on the timeline and in
    // the list of past reports.
    assert!(b.contains("<title>2026-10-10: Nausea (feeling sick to your stomach) (sertraline)"));
    assert!(b.contains("<td>Nausea (feeling sick to your stomach)</td>"));
    assert!(b.contains("Week ending 2026-11-20: 86% of doses taken"));
    assert!(b.contains("<strong>86%</strong>"));
    // The medications page links here.
    let m = e.get(&format!("/patients/{p}/medications"), &cookie).await;
    assert!(m.body.contains(&format!("href=\"{path}\"")));
}

async fn lab_out_of_range_is_badged_and_bad_input_is_422(db: TestDb) {
    let e = env(db, 29).await;
    let (p, cookie, csrf, order) = setup(&e).await;
    let path = format!("/patients/{p}/monitoring");
    let r = e
        .post(
            &format!("{path}/labs"),
            &cookie,
            format!("csrf={csrf}&analyte=lithium&value=1.3&effective=2026-11-21T08%3A00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let page = e.get(&path, &cookie).await.body;
    assert!(page.contains("lab-badge out-of-range\"><strong>Lithium level</strong> 1.3 mEq/L <span class=\"reading\">High</span>"));
    assert!(page.contains("0.6–1.2 mEq/L"));
    // The medications page carries the same badge.
    let meds = e
        .get(&format!("/patients/{p}/medications"), &cookie)
        .await
        .body;
    assert!(
        meds.contains("lab-badge out-of-range\">Lithium level 1.3 mEq/L High (2026-11-21 08:00)")
    );

    // Each form's problem beside its field, input kept, nothing stored.
    let r = e
        .post(
            &format!("{path}/labs"),
            &cookie,
            format!("csrf={csrf}&analyte=lithium&value=lots&effective=2026-11-21T08%3A00"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"e-value\">enter the result as a number")
    );
    assert!(r.body.contains("value=\"lots\""));
    let r = e
        .post(
            &format!("{path}/screens"),
            &cookie,
            format!("csrf={csrf}&collected=2026-11-21T08%3A00&s_opioids=not-tested"),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"e-results\">record at least one substance")
    );
    let r = e
        .post(
            &format!("{path}/adherence"),
            &cookie,
            format!(
                "csrf={csrf}&ad_order={order}&week_ending=2026-11-20&missed=9&reporter=clinician"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"e-missed\">the order expects 7 doses a week")
    );
    assert!(r.body.contains("value=\"9\""));
    let r = e
        .post(
            &format!("{path}/side-effects"),
            &cookie,
            format!("csrf={csrf}&se_order={order}&noted_on=2026-11-20&other=vivid+dreams&other_severity="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(r.body.contains("id=\"e-other_severity\">"));
    assert!(r.body.contains("value=\"vivid dreams\""));
    // Nothing of the refused posts was stored.
    let page = e.get(&path, &cookie).await.body;
    assert!(!page.contains("id=\"screen-table\""));
    assert!(!page.contains("id=\"adherence-table\""));
    assert!(!page.contains("id=\"effect-table\""));
    // A post without the form token is refused.
    let r = e
        .post(
            &format!("{path}/labs"),
            &cookie,
            "analyte=lithium&value=0.8&effective=2026-11-21T08%3A00".into(),
        )
        .await;
    assert_ne!(r.status, StatusCode::SEE_OTHER);
}

async fn positive_screen_stops_naltrexone_on_the_form(db: TestDb) {
    let e = env(db, 29).await;
    let (p, cookie, csrf, _) = setup(&e).await;
    let r = e
        .post(
            &format!("/patients/{p}/monitoring/screens"),
            &cookie,
            format!(
                "csrf={csrf}&collected=2026-11-22T08%3A00&s_opioids=positive&s_fentanyl=negative"
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let rx = {
        let c = &e.app.medication_safety().catalog;
        c.drug(c.by_id("naltrexone").unwrap()).rxcui
    };
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            format!(
                "csrf={csrf}&drug={}&dose=50&unit=mg&route=oral&frequency=once_daily&sig={}&start=2026-11-22",
                rx.get(),
                enc("Take one tablet a day")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("opioid drug screen of 2026-11-22 is positive")
    );
}

/// An SSRI order's form lists the sertraline label's items under a line
/// naming the label, and the general items apart; an item only the
/// antipsychotic checklist has is not offered, and posting it anyway is
/// refused beside the checklist with nothing stored.
async fn the_checklist_is_the_one_of_the_orders_class(db: TestDb) {
    let e = env(db, 29).await;
    let (p, cookie, csrf, order) = setup(&e).await;
    let path = format!("/patients/{p}/monitoring");
    let b = e.get(&path, &cookie).await.body;
    assert!(b.contains(&format!("name=\"se_order\" value=\"{order}\"")));
    assert!(b.contains("Common side effects named in the FDA label of sertraline."));
    assert!(b.contains("name=\"fx_ejaculation-problems\""));
    assert!(b.contains("Trouble ejaculating (delayed or none)"));
    assert!(b.contains("name=\"fx_diarrhea\""));
    assert!(b.contains("Other common complaints (a general list, not from a label):"));
    assert!(b.contains("name=\"fx_headache\""));
    assert!(!b.contains("fx_akathisia"));
    assert!(!b.contains("akathisia"));
    // The label items come before the general ones.
    let label_item = b.find("name=\"fx_low-sex-drive\"").unwrap();
    let general = b.find("a general list, not from a label").unwrap();
    assert!(label_item < general);

    let r = e
        .post(
            &format!("{path}/side-effects"),
            &cookie,
            format!("csrf={csrf}&se_order={order}&noted_on=2026-11-20&fx_nausea=mild&fx_akathisia=severe&other=&other_severity="),
        )
        .await;
    assert_eq!(r.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        r.body
            .contains("id=\"e-listed\">&#34;akathisia&#34; is not on the SSRI checklist</p>"),
        "{}",
        r.body
    );
    // The form sent back is open and keeps what was chosen.
    assert!(r.body.contains("id=\"effects-0\" open"));
    assert!(r.body.contains("<option value=\"mild\" selected>"));
    let page = e.get(&path, &cookie).await.body;
    assert!(!page.contains("id=\"effect-table\""));
    assert!(!page.contains("class=\"tl-effect "));
}

/// On clozapine the page says when the next ANC is due and why, from the
/// prescribing information's schedule; a count below the normal range
/// brings the date forward and shows in red.
async fn clozapine_anc_due_follows_the_label(db: TestDb) {
    let e = env(db, 29).await;
    let dr = e.user("dr_lee", Role::Prescriber).await;
    let p = e.patient(&dr, "Okafor", "Grace", &[]).await;
    let cookie = e.login("dr_lee").await;
    let csrf = e.csrf(&cookie).await;
    let rx = {
        let c = &e.app.medication_safety().catalog;
        c.drug(c.by_id("clozapine").unwrap()).rxcui
    };
    let r = e
        .post(
            &format!("/patients/{p}/medications"),
            &cookie,
            format!(
                "csrf={csrf}&drug={}&dose=12.5&unit=mg&route=oral&frequency=once_daily&sig={}&start=2026-11-15",
                rx.get(),
                enc("Take at bedtime")
            ),
        )
        .await;
    assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
    let path = format!("/patients/{p}/monitoring");
    let line = |b: &str| near(b, "anc-due", "</p>").to_string();
    let b = e.get(&path, &cookie).await.body;
    let due = line(&b);
    assert!(due.contains("next ANC due 2026-11-15 (overdue)"), "{due}");
    assert!(
        due.contains("a baseline count before clozapine starts"),
        "{due}"
    );
    assert!(due.contains("Clozaril prescribing information"), "{due}");
    assert!(!due.contains("Unverified"), "{due}");
    for (value, at) in [
        ("2100", "2026-11-20T08%3A00"),
        ("1200", "2026-11-21T08%3A00"),
    ] {
        let r = e
            .post(
                &format!("{path}/labs"),
                &cookie,
                format!("csrf={csrf}&analyte=anc&value={value}&effective={at}"),
            )
            .await;
        assert_eq!(r.status, StatusCode::SEE_OTHER, "{}", r.body);
        let due = line(&e.get(&path, &cookie).await.body);
        if value == "2100" {
            assert!(
                due.contains("next ANC due 2026-11-27: weekly in the first 6 months"),
                "{due}"
            );
            assert!(!due.contains("screen-positive"), "{due}");
        } else {
            assert!(
                due.contains(
                    "next ANC due 2026-11-23: the latest ANC is below 1500/µL (mild neutropenia)"
                ),
                "{due}"
            );
        }
    }
    let b = e.get(&path, &cookie).await.body;
    assert!(
        b.contains("<p id=\"anc-due\" class=\"screen-positive\">"),
        "{}",
        line(&b)
    );
}

both_backends! {
    timeline => timeline_shows_doses_scores_effects_and_adherence;
    labs_and_422 => lab_out_of_range_is_badged_and_bad_input_is_422;
    screen_stops_naltrexone => positive_screen_stops_naltrexone_on_the_form;
    class_checklist => the_checklist_is_the_one_of_the_orders_class;
    clozapine_anc => clozapine_anc_due_follows_the_label;
}
